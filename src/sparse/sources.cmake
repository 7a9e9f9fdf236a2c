target_sources(kenyon PRIVATE sparse/csr.cpp)
# GCC would vectorise the unrolled row sums into gathers and shuffles, slower than the
# scalar loads; the batch loops are vectorised explicitly (omp simd). No fused multiply-add
# contraction: GCC fuses the scalar (batch 1) and the vectorised (batch > 1) loops
# differently, and a batch item's sums must round the same in both.
set_source_files_properties(sparse/csr.cpp PROPERTIES COMPILE_OPTIONS
  "-fno-tree-vectorize;-ffp-contract=off")

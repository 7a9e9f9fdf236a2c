target_sources(kenyon PRIVATE sparse/csr.cpp)
# GCC would vectorise the unrolled row sums into gathers and shuffles, slower than the
# scalar loads; the batch loops are vectorised explicitly (omp simd). The products' fused
# multiply-adds are written out (madd), so none are left for the compiler to contract.
set_source_files_properties(sparse/csr.cpp PROPERTIES COMPILE_OPTIONS
  "-fno-tree-vectorize;-ffp-contract=off")

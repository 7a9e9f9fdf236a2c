
target_sources(kenyon PRIVATE
  moth/classify.cpp
  moth/baselines.cpp)
target_sources(kenyon PRIVATE
  moth/experiment.cpp
  moth/network.cpp
  moth/params.cpp
  moth/plasticity.cpp
  moth/protocol.cpp
  moth/readout.cpp
  moth/simulate.cpp)
target_sources(kenyon PRIVATE moth/p2k_kernel.cpp)
# Its multiply-adds are written out (core/madd.hpp), so that the single and batched products agree
# bit for bit; the compiler contracts none of its own.
set_source_files_properties(moth/p2k_kernel.cpp PROPERTIES COMPILE_OPTIONS -ffp-contract=off)
# 512-bit vectors for the AL and KC updates (GCC defaults to 256 on AVX-512 machines).
if(KENYON_NATIVE)
  set_source_files_properties(moth/simulate.cpp PROPERTIES COMPILE_OPTIONS -mprefer-vector-width=512)
endif()

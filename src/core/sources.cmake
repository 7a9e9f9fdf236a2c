target_sources(kenyon PRIVATE
  core/aligned.cpp
  core/checkpoint.cpp
  core/error.cpp
  core/files.cpp
  core/interrupt.cpp
  core/npy.cpp
  core/numeric_status.cpp
  core/plot.cpp
  core/progress.cpp
  core/resources.cpp
  core/rng.cpp
  core/table.cpp)
# glibc declares its vector log/sin/cos (libmvec) only under -ffast-math; the Box-Muller
# loop is the only floating-point code in this file and handles no NaN or infinity.
set_source_files_properties(core/rng.cpp PROPERTIES COMPILE_OPTIONS -ffast-math)

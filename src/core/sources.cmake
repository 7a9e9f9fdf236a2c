target_sources(kenyon PRIVATE
  core/error.cpp
  core/files.cpp
  core/progress.cpp
  core/rng.cpp)

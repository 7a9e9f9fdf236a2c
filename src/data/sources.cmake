target_sources(kenyon PRIVATE
  data/dataset.cpp
  data/idx.cpp
  data/preprocess.cpp)
# Lets load_training_set find the repository's data/cache/<name> from any working directory.
set_source_files_properties(data/dataset.cpp PROPERTIES
  COMPILE_DEFINITIONS KENYON_REPO_DIR="${PROJECT_SOURCE_DIR}")

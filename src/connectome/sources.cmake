target_sources(kenyon PRIVATE
  connectome/connectome.cpp)
target_sources(kenyon PRIVATE connectome/source.cpp)
target_sources(kenyon PRIVATE connectome/shipped.cpp)
# Lets shipped_dir find the repository's data/connectomes from any working directory.
set_source_files_properties(connectome/shipped.cpp PROPERTIES
  COMPILE_DEFINITIONS KENYON_REPO_DIR="${PROJECT_SOURCE_DIR}")
target_sources(kenyon PRIVATE connectome/loaders.cpp)
target_sources(kenyon PRIVATE connectome/npz.cpp)

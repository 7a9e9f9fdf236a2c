
target_sources(kenyon PRIVATE ratenet/synthetic.cpp)
target_sources(kenyon PRIVATE ratenet/inputs.cpp ratenet/guess.cpp)
target_sources(kenyon PRIVATE ratenet/optim.cpp ratenet/checkpoint.cpp)
target_sources(kenyon PRIVATE ratenet/network.cpp ratenet/backward.cpp)
# No fused multiply-add contraction: the forward step and its recomputation in the
# backward pass then round identically, whatever the compiler inlines.
set_source_files_properties(ratenet/network.cpp ratenet/backward.cpp PROPERTIES
  COMPILE_OPTIONS -ffp-contract=off)
target_sources(kenyon PRIVATE ratenet/target.cpp ratenet/actmax.cpp ratenet/atlas.cpp)
target_sources(kenyon PRIVATE ratenet/attribution.cpp)
target_sources(kenyon PRIVATE ratenet/train.cpp)
target_sources(kenyon PRIVATE ratenet/connectome_model.cpp ratenet/results.cpp)
target_sources(kenyon PRIVATE ratenet/table_checks.cpp ratenet/path_tables.cpp
  ratenet/activation_summary.cpp ratenet/neuroglancer.cpp)

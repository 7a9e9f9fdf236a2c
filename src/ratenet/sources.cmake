
target_sources(kenyon PRIVATE ratenet/synthetic.cpp)
target_sources(kenyon PRIVATE ratenet/inputs.cpp ratenet/guess.cpp)
target_sources(kenyon PRIVATE ratenet/optim.cpp)

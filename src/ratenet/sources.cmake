
target_sources(kenyon PRIVATE ratenet/synthetic.cpp)
target_sources(kenyon PRIVATE ratenet/optim.cpp)

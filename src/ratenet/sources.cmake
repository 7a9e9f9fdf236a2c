
target_sources(kenyon PRIVATE ratenet/synthetic.cpp)

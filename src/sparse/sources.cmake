target_sources(kenyon PRIVATE sparse/csr.cpp)

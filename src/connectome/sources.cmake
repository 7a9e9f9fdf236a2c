target_sources(kenyon PRIVATE
  connectome/connectome.cpp)

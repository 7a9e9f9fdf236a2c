
target_sources(kenyon PRIVATE
  moth/classify.cpp
  moth/baselines.cpp)
target_sources(kenyon PRIVATE
  moth/experiment.cpp
  moth/network.cpp
  moth/params.cpp
  moth/protocol.cpp
  moth/readout.cpp
  moth/simulate.cpp)
target_sources(kenyon PRIVATE moth/p2k_kernel.cpp)

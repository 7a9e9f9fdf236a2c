#pragma once
// Readout statistics (spec mothnet.md section 6): each digit's response is the peak of
// every EN within +-1 s of its onset.
#include <Eigen/Dense>
#include <vector>

#include "kenyon/moth/protocol.hpp"
#include "kenyon/moth/simulate.hpp"

namespace kenyon::moth {

struct en_responses {
  Eigen::MatrixXd peak;     // digits x ENs
  std::vector<int> labels;  // class of each digit
  std::vector<int> digits;  // index of each digit within its class
};

// The responses to every presentation of the given phase, in time order.
en_responses collect_responses(const simulation_result& sim, const protocol& proto, phase kind);

}  // namespace kenyon::moth

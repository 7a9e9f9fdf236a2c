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

// Digits read by a moth with its weights frozen, each on its own: from `from` (the settled
// state after training, simulation_result::final_state) through the stimulus and response
// window of a validation digit in `timeline`, without octopamine or plasticity, with noise
// from streams of its own keyed on (seed, the digit's position in its image file), so a
// digit reads the same in any list. Digits are independent, so they run across threads,
// with the same numbers for any thread count; each thread steps `batch` digits side by side
// (their P->K products as one batched product), with the same numbers for any batch size.
// `digits` holds feature vectors of the moth's size.
struct frozen_responses {
  en_responses responses;  // peaks as collect_responses takes them; digits = positions
  // The first digit (by position) whose rates were not finite, and its report; its peaks
  // and those of later digits are not meaningful.
  std::optional<non_finite_report> non_finite;
};
frozen_responses read_frozen(const network& moth, const moth_state& from,
                             const model_params& params, const protocol_params& timeline,
                             const data::labelled_features& digits, std::uint64_t seed,
                             int batch = 16);

}  // namespace kenyon::moth

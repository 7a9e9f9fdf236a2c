#pragma once
// Private pieces shared by the forward (network.cpp) and backward (backward.cpp) passes.
#include <cstdint>
#include <vector>

#include "kenyon/ratenet/network.hpp"

namespace kenyon::ratenet {

// What one forward run needs besides the network: the input and the resolved clamps.
template <class real>
struct basic_network<real>::run_context {
  const real* input = nullptr;  // (batch, sensory, steps)
  input_shape shape;
  const detail::clamp_list<real>* clamps = nullptr;
};

namespace detail {

// Scratch arrays of one forward or backward run, allocated once per run (never per layer).
template <class real>
struct workspace {
  std::vector<real> divisive;  // N x batch: sum_k w_k s_k a_prev[pre_k]
  std::vector<real> slope;     // N x batch: beta' (custom activation functions only)
};

// Elementwise loops over neurons are threaded only when there is enough work.
inline bool parallel_elementwise(std::int64_t values) { return values > 32768; }

// h_theta(z) = relu(z - theta) + theta [z >= theta], literally (NaN propagates, and for
// z >= theta the result may differ from z by one ulp, as in the original).
template <class real>
inline real h_theta(real z, real theta) {
  real r = z - theta;
  r = r < real(0) ? real(0) : r;
  return r + (z >= theta ? theta : real(0));
}

}  // namespace detail
}  // namespace kenyon::ratenet

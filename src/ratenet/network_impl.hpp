#pragma once
// Private pieces shared by the forward (network.cpp) and backward (backward.cpp) passes.
#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "kenyon/ratenet/network.hpp"

namespace kenyon::ratenet {

// What one forward run needs besides the network: the input and the resolved clamps.
template <class real>
struct basic_network<real>::run_context {
  const real* input = nullptr;  // (batch, sensory, steps)
  detail::input_dims dims;
  const detail::clamp_list<real>* clamps = nullptr;
};

namespace detail {

// Scratch arrays of one forward or backward run, allocated once per run (never per layer).
template <class real>
struct workspace {
  aligned_vector<real> divisive;  // N x batch: sum_k w_k s_k a_prev[pre_k]
  aligned_vector<real> slope;     // N x batch: beta' (custom activation functions only)
};

// Elementwise loops over neurons are threaded only when there is enough work.
inline bool parallel_elementwise(std::int64_t values) { return values > 32768; }

// The elementwise passes run over blocks of whole neurons of about this many values (a
// few arrays of a block stay in L1). Blocks depend only on N and the batch size, never on
// the thread count.
inline std::int64_t block_neurons(std::int64_t batch) {
  return std::max<std::int64_t>(1, 2048 / batch);
}

// Runs f(i, n) for neurons [first, last), n = i * batch + b for every batch item, as a
// vectorisable loop: over neurons for batch 1, over batch items otherwise.
template <class F>
inline void for_values(std::int64_t first, std::int64_t last, std::int64_t batch, F&& f) {
  if (batch == 1) {
#pragma omp simd
    for (std::int64_t i = first; i < last; ++i) f(i, i);
  } else {
    for (std::int64_t i = first; i < last; ++i) {
      const std::int64_t base = i * batch;
#pragma omp simd
      for (std::int64_t b = 0; b < batch; ++b) f(i, base + b);
    }
  }
}

// v = tanh(v) in place, vectorised for float (Eigen's rational approximation, a few ulp;
// NaN stays NaN). Every value goes through the same packet code, including the tail, so
// the result does not depend on where a block starts in memory.
inline void tanh_in_place(float* v, std::int64_t count) {
  using packet = Eigen::internal::packet_traits<float>::type;
  if constexpr (Eigen::internal::packet_traits<float>::HasTanh) {
    constexpr std::int64_t width = Eigen::internal::packet_traits<float>::size;
    std::int64_t k = 0;
    for (; k + width <= count; k += width) {
      const packet x = Eigen::internal::ploadu<packet>(v + k);
      Eigen::internal::pstoreu(v + k, Eigen::internal::ptanh(x));
    }
    if (k < count) {
      float tail[width] = {};
      std::copy(v + k, v + count, tail);
      Eigen::internal::pstoreu(tail, Eigen::internal::ptanh(Eigen::internal::ploadu<packet>(tail)));
      std::copy(tail, tail + (count - k), v + k);
    }
  } else {
    for (std::int64_t k = 0; k < count; ++k) v[k] = std::tanh(v[k]);
  }
}

inline void tanh_in_place(double* v, std::int64_t count) {
  for (std::int64_t k = 0; k < count; ++k) v[k] = std::tanh(v[k]);
}

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

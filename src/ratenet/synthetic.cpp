#include "kenyon/ratenet/synthetic.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <numeric>

#include "kenyon/core/error.hpp"
#include "kenyon/core/rng.hpp"

namespace kenyon::ratenet {

void synthetic_params::validate() const {
  if (neurons < 2) throw parameter_error("neurons", "expected at least 2");
  if (neurons > std::numeric_limits<std::int32_t>::max())
    throw parameter_error("neurons", "expected at most 2^31 - 1 (32-bit column indices)");
  if (connections < 0) throw parameter_error("connections", "expected a non-negative count");
  if (sensory_divisor < 1) throw parameter_error("sensory_divisor", "expected at least 1");
  if (neurons / sensory_divisor >= neurons)
    throw parameter_error("neurons", "no non-sensory neuron left to connect to");
  if (inhibitory_modulo < 1 || inhibitory_below < 0)
    throw parameter_error("inhibitory_modulo", "expected a positive modulo");
}

synthetic_connectome make_synthetic_connectome(const synthetic_params& params) {
  params.validate();
  const std::int64_t n = params.neurons;
  const std::int64_t sensory = n / params.sensory_divisor;
  rng_stream gen(params.seed, streams::connectivity);
  auto below = [&](std::int64_t bound) {  // uniform in [0, bound), bound < 2^53
    return static_cast<std::int64_t>(gen.uniform() * static_cast<double>(bound));
  };

  synthetic_connectome out;
  for (std::int64_t s = 0; s < sensory; ++s) out.sensory_indices.push_back(s);
  auto& w = out.weights;
  w.rows = w.cols = n;
  // How many connections each postsynaptic neuron receives, then its presynaptic partners.
  w.row_begin.assign(static_cast<std::size_t>(n) + 1, 0);
  for (std::int64_t c = 0; c < params.connections; ++c)
    ++w.row_begin[static_cast<std::size_t>(sensory + below(n - sensory)) + 1];
  std::vector<std::pair<std::int32_t, float>> row;
  w.col.reserve(static_cast<std::size_t>(params.connections));
  w.value.reserve(static_cast<std::size_t>(params.connections));
  std::int64_t written = 0;
  for (std::int64_t r = 0; r < n; ++r) {
    const auto count = w.row_begin[static_cast<std::size_t>(r) + 1];
    row.clear();
    for (std::int64_t k = 0; k < count; ++k)
      row.emplace_back(static_cast<std::int32_t>(below(n)), static_cast<float>(gen.uniform()));
    std::stable_sort(row.begin(), row.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    const auto first = static_cast<std::size_t>(written);
    double total = 0;
    for (const auto& [pre, v] : row) {
      total += v;
      if (w.col.size() > first && w.col.back() == pre) {
        w.value.back() += v;
      } else {
        w.col.push_back(pre);
        w.value.push_back(v);
      }
    }
    for (auto i = first; i < w.col.size(); ++i) {
      if (total > 0) w.value[i] = static_cast<float>(w.value[i] / total);
      if (w.col[i] % params.inhibitory_modulo < params.inhibitory_below) w.value[i] = -w.value[i];
    }
    written = static_cast<std::int64_t>(w.col.size());
    w.row_begin[static_cast<std::size_t>(r) + 1] = written;
  }
  return out;
}

}  // namespace kenyon::ratenet

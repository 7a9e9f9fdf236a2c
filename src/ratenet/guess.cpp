#include "kenyon/ratenet/guess.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "kenyon/core/error.hpp"

namespace kenyon::ratenet {
namespace {

// Columns propagated at once: with the inhibitory half, 2 * block doubles per neuron in
// each of the two buffers (about 70 MiB per buffer for 140,000 neurons).
constexpr std::int64_t block_columns = 32;

void check_indices(std::span<const std::int64_t> indices, std::int64_t neurons, const char* what) {
  for (std::size_t k = 0; k < indices.size(); ++k)
    if (indices[k] < 0 || indices[k] >= neurons)
      throw parameter_error(what, "neuron " + std::to_string(indices[k]) + " (position " +
                                      std::to_string(k) + ") is outside 0.." +
                                      std::to_string(neurons - 1));
}

void check_inprop(const sparse::csr_matrix& inprop, std::span<const int> idx_to_sign) {
  if (inprop.rows != inprop.cols)
    throw parameter_error("inprop", "must be square (neurons x neurons), got " +
                                        std::to_string(inprop.rows) + " x " +
                                        std::to_string(inprop.cols));
  for (std::int64_t r = 0; r < inprop.rows; ++r)
    for (auto n = inprop.row_begin[static_cast<std::size_t>(r)];
         n < inprop.row_begin[static_cast<std::size_t>(r) + 1]; ++n) {
      const float v = inprop.value[static_cast<std::size_t>(n)];
      if (!(v >= 0) || !std::isfinite(v))
        throw parameter_error(
            "inprop", "entry (row " + std::to_string(r) + ", column " +
                          std::to_string(inprop.col[static_cast<std::size_t>(n)]) + ") is " +
                          std::to_string(v) +
                          ": input proportions must be finite and non-negative (pass the "
                          "unsigned matrix, pre in rows; signs come from idx_to_sign)");
    }
  if (static_cast<std::int64_t>(idx_to_sign.size()) != inprop.rows)
    throw parameter_error("idx_to_sign", std::to_string(idx_to_sign.size()) + " signs for " +
                                             std::to_string(inprop.rows) + " neurons");
  for (std::size_t k = 0; k < idx_to_sign.size(); ++k)
    if (idx_to_sign[k] != 1 && idx_to_sign[k] != -1)
      throw parameter_error("idx_to_sign", "neuron " + std::to_string(k) + " has sign " +
                                               std::to_string(idx_to_sign[k]) +
                                               " (expected 1 or -1)");
}

// x holds, per neuron, `width` excitatory then `width` inhibitory values; swaps the two
// halves for the inhibitory neurons (their output flips the parity).
void swap_inhibitory(std::vector<double>& x, std::span<const std::int64_t> inhibitory,
                     std::int64_t width) {
  for (auto u : inhibitory) {
    double* row = x.data() + u * 2 * width;
    std::swap_ranges(row, row + width, row + width);
  }
}

// Rows `rows` (ascending, unique) of y = a x for `batch` columns, neuron-major; the other
// rows of y are left as they are. Each row is summed by one thread in column order.
void multiply_rows(const sparse::basic_csr<double>& a, const double* x, double* y,
                   std::span<const std::int64_t> rows, std::int64_t batch) {
  const auto count = static_cast<std::int64_t>(rows.size());
#pragma omp parallel for schedule(dynamic, 16) if (count * batch > 20000)
  for (std::int64_t k = 0; k < count; ++k) {
    const auto r = static_cast<std::size_t>(rows[static_cast<std::size_t>(k)]);
    double* out = y + static_cast<std::int64_t>(r) * batch;
    std::fill(out, out + batch, 0.0);
    for (auto n = a.row_begin[r]; n < a.row_begin[r + 1]; ++n) {
      const double v = a.value[static_cast<std::size_t>(n)];
      const double* in = x + static_cast<std::int64_t>(a.col[static_cast<std::size_t>(n)]) * batch;
      for (std::int64_t b = 0; b < batch; ++b) out[b] += v * in[b];
    }
  }
}

}  // namespace

signed_connectivity signed_connectivity_by_path_length(const sparse::csr_matrix& inprop,
                                                       std::span<const int> idx_to_sign,
                                                       std::span<const std::int64_t> sources,
                                                       std::span<const std::int64_t> targets,
                                                       int max_length) {
  check_inprop(inprop, idx_to_sign);
  const std::int64_t n = inprop.rows;
  check_indices(sources, n, "sources");
  check_indices(targets, n, "targets");
  if (max_length < 1)
    throw parameter_error("max_length", "must be at least 1, got " + std::to_string(max_length));

  signed_connectivity out;
  out.sources = static_cast<std::int64_t>(sources.size());
  out.targets = static_cast<std::int64_t>(targets.size());
  const auto cells = static_cast<std::size_t>(out.sources * out.targets);
  out.excitatory.assign(static_cast<std::size_t>(max_length), std::vector<double>(cells, 0.0));
  out.inhibitory.assign(static_cast<std::size_t>(max_length), std::vector<double>(cells, 0.0));
  if (cells == 0) return out;

  std::vector<std::int64_t> inhibitory;
  for (std::int64_t u = 0; u < n; ++u)
    if (idx_to_sign[static_cast<std::size_t>(u)] == -1) inhibitory.push_back(u);

  // Backwards from the targets (one dense column per target): X_{k+1} = A X_k, A with pre
  // in rows, then the halves swap for inhibitory pre neurons. Forwards from the sources
  // (one column per source): the halves swap for inhibitory pre neurons, then X_{k+1} =
  // A^T X_k. Either way X_0 holds unit vectors in its excitatory half.
  const bool backwards = targets.size() <= sources.size();
  const auto a = backwards ? inprop.cast<double>() : sparse::transpose(inprop.cast<double>());
  const auto start = backwards ? targets : sources;
  const auto read = backwards ? sources : targets;
  const auto n_start = static_cast<std::int64_t>(start.size());
  std::vector<std::int64_t> read_rows(read.begin(), read.end()), read_inhibitory;
  std::sort(read_rows.begin(), read_rows.end());
  read_rows.erase(std::unique(read_rows.begin(), read_rows.end()), read_rows.end());
  for (auto u : read_rows)
    if (idx_to_sign[static_cast<std::size_t>(u)] == -1) read_inhibitory.push_back(u);

  std::vector<double> x, y;
  for (std::int64_t first = 0; first < n_start; first += block_columns) {
    const std::int64_t width = std::min(block_columns, n_start - first);
    const std::int64_t batch = 2 * width;
    x.assign(static_cast<std::size_t>(n * batch), 0.0);
    y.resize(x.size());
    for (std::int64_t c = 0; c < width; ++c)
      x[static_cast<std::size_t>(start[static_cast<std::size_t>(first + c)] * batch + c)] += 1.0;
    for (int p = 1; p <= max_length; ++p) {
      // The last step is needed only on the rows that are read.
      const bool last = p == max_length;
      if (backwards) {
        if (last) {
          multiply_rows(a, x.data(), y.data(), read_rows, batch);
          swap_inhibitory(y, read_inhibitory, width);
        } else {
          sparse::multiply(a, x.data(), y.data(), batch);
          swap_inhibitory(y, inhibitory, width);
        }
      } else {
        swap_inhibitory(x, inhibitory, width);
        if (last)
          multiply_rows(a, x.data(), y.data(), read_rows, batch);
        else
          sparse::multiply(a, x.data(), y.data(), batch);
      }
      std::swap(x, y);
      auto& e = out.excitatory[static_cast<std::size_t>(p - 1)];
      auto& i = out.inhibitory[static_cast<std::size_t>(p - 1)];
      for (std::size_t r = 0; r < read.size(); ++r) {
        const double* row = x.data() + read[r] * batch;
        for (std::int64_t c = 0; c < width; ++c) {
          // Backwards: rows are sources, columns targets; forwards the other way round.
          const auto s = backwards ? static_cast<std::int64_t>(r) : first + c;
          const auto t = backwards ? first + c : static_cast<std::int64_t>(r);
          e[static_cast<std::size_t>(s * out.targets + t)] = row[c];
          i[static_cast<std::size_t>(s * out.targets + t)] = row[width + c];
        }
      }
    }
  }
  return out;
}

input_array guess_optimal_stimulus(const sparse::csr_matrix& inprop,
                                   std::span<const std::int64_t> sensory_indices,
                                   std::span<const int> idx_to_sign,
                                   const target_activation& target_values, int longest_plen) {
  if (longest_plen < 1)
    throw parameter_error("longest_plen",
                          "must be at least 1, got " + std::to_string(longest_plen));
  // Any layer from 0 on: the guess has no network depth.
  target_values.validate(inprop.rows, std::numeric_limits<int>::max(), "target_activations");
  const auto values = target_values.values();
  if (values.empty()) throw parameter_error("target_activations", "no target neurons given");
  // Every target neuron once, in ascending order; the largest target layer.
  std::vector<std::int64_t> neurons;
  int max_layer = 0;
  for (const auto& [key, value] : values) {
    neurons.push_back(std::get<2>(key));
    max_layer = std::max(max_layer, std::get<1>(key));
  }
  std::sort(neurons.begin(), neurons.end());
  neurons.erase(std::unique(neurons.begin(), neurons.end()), neurons.end());

  const int n_cols = static_cast<int>(std::min<std::int64_t>(longest_plen, max_layer + 1));
  const auto conn =
      signed_connectivity_by_path_length(inprop, idx_to_sign, sensory_indices, neurons, n_cols);
  const auto n_s = static_cast<std::int64_t>(sensory_indices.size());
  const auto batch = target_values.batch_size;
  std::vector<double> sum(static_cast<std::size_t>(batch * n_s * n_cols), 0.0);
  for (const auto& [key, value] : values) {
    const auto [b, layer, neuron] = key;
    const int len = std::min(layer + 1, longest_plen);
    const auto t = std::lower_bound(neurons.begin(), neurons.end(), neuron) - neurons.begin();
    for (int p = 1; p <= len; ++p)
      for (std::int64_t s = 0; s < n_s; ++s)
        sum[static_cast<std::size_t>((b * n_s + s) * n_cols + (len - p))] +=
            value * (conn.e(p, s, t) - conn.i(p, s, t));
  }
  input_array out(batch, n_s, n_cols);
  std::transform(sum.begin(), sum.end(), out.values.begin(),
                 [](double v) { return static_cast<float>(v); });
  return out;
}

}  // namespace kenyon::ratenet

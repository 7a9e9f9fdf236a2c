// Construction, parameters, clamps and the forward pass of the rate networks
// (spec rate_network.md sections 1 and 2). The backward pass is in backward.cpp.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <string>
#include <utility>

#include "kenyon/core/error.hpp"
#include "ratenet/network_impl.hpp"

namespace kenyon::ratenet {
namespace {

std::string str(double v) {
  std::string s = std::to_string(v);
  // std::to_string prints 6 decimals; trim trailing zeros for readable messages.
  if (s.find('.') != std::string::npos) {
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
  }
  return s;
}

void require_finite(const std::string& field, double v) {
  if (!std::isfinite(v)) throw parameter_error(field, "must be a finite number, got " + str(v));
}

void require_finite(const std::string& field, const std::map<std::string, double>& values) {
  for (const auto& [group, v] : values)
    if (!std::isfinite(v))
      throw parameter_error(field, "the value for group '" + group + "' is not a finite number");
}

// The CSR invariants the products rely on, and finite values (a matrix built by hand may
// skip the builders' checks).
template <class real>
void check_csr(const sparse::basic_csr<real>& m) {
  const auto rows = static_cast<std::size_t>(m.rows);
  if (m.row_begin.size() != rows + 1 || m.row_begin.front() != 0 ||
      m.row_begin.back() != m.nonzeros() || m.col.size() != m.value.size())
    throw error("network: the weight matrix is not a valid CSR matrix (row offsets do not match " +
                std::to_string(m.nonzeros()) + " entries)");
  for (std::size_t r = 0; r < rows; ++r) {
    if (m.row_begin[r + 1] < m.row_begin[r])
      throw error("network: the weight matrix has decreasing row offsets at row " +
                  std::to_string(r));
    for (auto k = m.row_begin[r]; k < m.row_begin[r + 1]; ++k) {
      const auto c = m.col[static_cast<std::size_t>(k)];
      if (c < 0 || c >= m.cols)
        throw error("network: weight entry (row " + std::to_string(r) + ", column " +
                    std::to_string(c) + ") is outside the matrix");
      if (!std::isfinite(static_cast<double>(m.value[static_cast<std::size_t>(k)])))
        throw error("network: weight entry (row " + std::to_string(r) + ", column " +
                    std::to_string(c) + ") is not a finite number");
    }
  }
}

}  // namespace

network_kind parse_network_kind(std::string_view name) {
  if (name == "multilayered") return network_kind::multilayered;
  if (name == "linear") return network_kind::linear;
  throw parameter_error("kind", "must be multilayered or linear, got '" + std::string(name) + "'");
}

std::string to_string(network_kind kind) {
  return kind == network_kind::linear ? "linear" : "multilayered";
}

void network_params::validate() const {
  if (num_layers < 1)
    throw parameter_error("num_layers", "must be at least 1, got " + std::to_string(num_layers));
  require_finite("threshold", threshold);
  require_finite("tanh_steepness", tanh_steepness);
  require_finite("default_bias", default_bias);
  require_finite("tau", tau);
  if (tau <= 0) throw parameter_error("tau", "must be positive, got " + str(tau));
  require_finite("bias_by_group", bias_by_group);
  require_finite("slope_by_group", slope_by_group);
  require_finite("tau_by_group", tau_by_group);
  require_finite("divisive_strength", divisive_strength);
  require_finite("divisive_strength_by_group", divisive_strength_by_group);
  if (!divisive_normalization.empty() && !idx_to_group)
    throw parameter_error("divisive_normalization", "needs idx_to_group (groups of neurons)");
  if (idx_to_group)
    for (std::size_t i = 0; i < idx_to_group->size(); ++i)
      if ((*idx_to_group)[i].empty())
        throw parameter_error("idx_to_group",
                              "neuron " + std::to_string(i) + " has an empty group name");
}

// ------------------------------------------------------------------------------------------
// Construction

template <class real>
basic_network<real>::basic_network(sparse::basic_csr<real> weights,
                                   std::vector<std::int64_t> sensory_indices, network_params params,
                                   activation_function<real> activation)
    : params_(std::move(params)),
      sensory_(std::move(sensory_indices)),
      activation_(std::move(activation)) {
  params_.validate();
  sparse::require_square(weights, "network");
  check_csr(weights);
  n_ = weights.rows;
  if (n_ > std::numeric_limits<std::int32_t>::max()) throw error("network: more than 2^31 neurons");
  const auto n = static_cast<std::size_t>(n_);

  sensory_pos_.assign(n, -1);
  for (std::size_t k = 0; k < sensory_.size(); ++k) {
    const auto s = sensory_[k];
    if (s < 0 || s >= n_)
      throw error("sensory_indices: entry " + std::to_string(k) + " is neuron " +
                  std::to_string(s) + ", outside 0.." + std::to_string(n_ - 1));
    auto& pos = sensory_pos_[static_cast<std::size_t>(s)];
    if (pos >= 0)
      throw error("sensory_indices: neuron " + std::to_string(s) + " is listed twice (entries " +
                  std::to_string(pos) + " and " + std::to_string(k) + ")");
    pos = static_cast<std::int64_t>(k);
  }

  if (params_.idx_to_class && params_.idx_to_class->size() != n)
    throw parameter_error("idx_to_class", std::to_string(params_.idx_to_class->size()) +
                                              " entries for " + std::to_string(n_) + " neurons");
  // A per-group value named by a class (not a group) sets every type of the class that has
  // no value of its own.
  if (params_.idx_to_class && params_.idx_to_group) {
    const auto& classes = *params_.idx_to_class;
    const auto& types = *params_.idx_to_group;
    for (auto* by_group : {&params_.bias_by_group, &params_.slope_by_group, &params_.tau_by_group})
      for (auto it = by_group->begin(); it != by_group->end();) {
        const auto& name = it->first;
        const bool is_type = std::find(types.begin(), types.end(), name) != types.end();
        std::set<std::string> of_class;
        if (!is_type)
          for (std::size_t i = 0; i < n; ++i)
            if (classes[i] == name) of_class.insert(types[i]);
        if (of_class.empty()) {
          ++it;
          continue;
        }
        const double value = it->second;
        it = by_group->erase(it);
        for (const auto& type : of_class) by_group->emplace(type, value);
      }
  }
  // Groups, sorted by name; group id = position.
  if (params_.idx_to_group) {
    const auto& names = *params_.idx_to_group;
    if (names.size() != n)
      throw parameter_error("idx_to_group", std::to_string(names.size()) + " entries for " +
                                                std::to_string(n_) + " neurons");
    groups_ = names;
    std::sort(groups_.begin(), groups_.end());
    groups_.erase(std::unique(groups_.begin(), groups_.end()), groups_.end());
    group_of_.resize(n);
    group_begin_.assign(groups_.size() + 1, 0);
    for (std::size_t i = 0; i < n; ++i) {
      const auto g = std::lower_bound(groups_.begin(), groups_.end(), names[i]) - groups_.begin();
      group_of_[i] = static_cast<std::int32_t>(g);
      ++group_begin_[static_cast<std::size_t>(g) + 1];
    }
    for (std::size_t g = 0; g < groups_.size(); ++g) group_begin_[g + 1] += group_begin_[g];
    group_members_.resize(n);
    std::vector<std::int64_t> next(group_begin_.begin(), group_begin_.end() - 1);
    for (std::size_t i = 0; i < n; ++i)
      group_members_[static_cast<std::size_t>(next[static_cast<std::size_t>(group_of_[i])]++)] =
          static_cast<std::int64_t>(i);

    const auto init = [&](const std::map<std::string, double>& by_group, double fallback) {
      std::vector<real> v(groups_.size());
      for (std::size_t g = 0; g < groups_.size(); ++g) {
        const auto it = by_group.find(groups_[g]);
        v[g] = static_cast<real>(it == by_group.end() ? fallback : it->second);
      }
      return v;
    };
    parameters_.tau_param = init(params_.tau_by_group, params_.tau);
    parameters_.slope = init(params_.slope_by_group, params_.tanh_steepness);
    parameters_.raw_bias = init(params_.bias_by_group, params_.default_bias);
  }

  // Divisive normalisation: one pass over W, looking each entry's (pre-group, post-group)
  // pair up in a table.
  strength_of_.assign(n, -1);
  if (!params_.divisive_normalization.empty()) {
    const auto num_groups = groups_.size();
    const auto find = [&](const std::string& name) -> std::int64_t {
      const auto it = std::lower_bound(groups_.begin(), groups_.end(), name);
      return it != groups_.end() && *it == name ? it - groups_.begin() : -1;
    };
    std::vector<std::int32_t> pre_index(num_groups, -1);
    std::vector<char> pair(num_groups * num_groups, 0);
    for (const auto& [pre, posts] : params_.divisive_normalization) {
      const auto p = find(pre);
      if (p < 0)
        throw parameter_error("divisive_normalization",
                              "pre-group '" + pre + "' has no neurons (no neuron is in it)");
      pre_index[static_cast<std::size_t>(p)] = static_cast<std::int32_t>(div_pre_groups_.size());
      div_pre_groups_.push_back(pre);
      double strength = params_.divisive_strength;
      if (!params_.divisive_strength_by_group.empty()) {
        const auto it = params_.divisive_strength_by_group.find(pre);
        if (it == params_.divisive_strength_by_group.end())
          throw parameter_error("divisive_strength_by_group",
                                "no strength for divisive pre-group '" + pre + "'");
        strength = it->second;
      }
      parameters_.divisive_strength.push_back(static_cast<real>(strength));
      for (const auto& post : posts) {
        const auto q = find(post);
        if (q < 0)
          throw parameter_error(
              "divisive_normalization",
              "post-group '" + post + "' (of pre-group '" + pre + "') has no neurons");
        pair[static_cast<std::size_t>(p) * num_groups + static_cast<std::size_t>(q)] = 1;
      }
    }
    for (std::size_t j = 0; j < n; ++j)
      strength_of_[j] = pre_index[static_cast<std::size_t>(group_of_[j])];

    w_.rows = w_.cols = div_.rows = div_.cols = n_;
    w_.row_begin.assign(1, 0);
    div_.row_begin.assign(1, 0);
    w_.col.reserve(weights.col.size());
    w_.value.reserve(weights.value.size());
    for (std::size_t q = 0; q < n; ++q) {
      const auto gq = static_cast<std::size_t>(group_of_[q]);
      for (auto k = weights.row_begin[q]; k < weights.row_begin[q + 1]; ++k) {
        const auto j = weights.col[static_cast<std::size_t>(k)];
        const real v = weights.value[static_cast<std::size_t>(k)];
        const auto gp = static_cast<std::size_t>(group_of_[static_cast<std::size_t>(j)]);
        if (pre_index[gp] >= 0 && pair[gp * num_groups + gq]) {
          if (v > 0)
            throw parameter_error("divisive_normalization",
                                  "the connection from neuron " + std::to_string(j) + " (group '" +
                                      groups_[gp] + "') to neuron " + std::to_string(q) +
                                      " (group '" + groups_[gq] + "') has weight " +
                                      str(static_cast<double>(v)) +
                                      " > 0; divisive connections must be inhibitory (<= 0)");
          div_.col.push_back(j);
          div_.value.push_back(v);
        } else {
          w_.col.push_back(j);
          w_.value.push_back(v);
        }
      }
      w_.row_begin.push_back(static_cast<std::int64_t>(w_.col.size()));
      div_.row_begin.push_back(static_cast<std::int64_t>(div_.col.size()));
    }
    div_t_ = sparse::transpose(div_);
    div_eff_ = div_;
  } else {
    w_ = std::move(weights);
  }
  wt_ = sparse::transpose(w_);
  wt_chain_ = sparse::sum_chains(w_, wt_);
  w_chain_ = sparse::sum_chains(wt_, w_);
  refresh();
}

template <class real>
std::int32_t basic_network<real>::group_id(std::string_view group) const {
  if (groups_.empty())
    throw error("group '" + std::string(group) + "': the network has no groups (no idx_to_group)");
  // compare(), not <: clang 14 with libstdc++ 12 cannot compile string < string_view.
  const auto it =
      std::lower_bound(groups_.begin(), groups_.end(), group,
                       [](const std::string& a, std::string_view b) { return a.compare(b) < 0; });
  if (it == groups_.end() || *it != group)
    throw unknown_name_error(std::string(group), "group",
                             "unknown group '" + std::string(group) + "'");
  return static_cast<std::int32_t>(it - groups_.begin());
}

template <class real>
std::span<const std::int64_t> basic_network<real>::group_members(std::string_view group) const {
  const auto g = static_cast<std::size_t>(group_id(group));
  return std::span<const std::int64_t>(group_members_)
      .subspan(static_cast<std::size_t>(group_begin_[g]),
               static_cast<std::size_t>(group_begin_[g + 1] - group_begin_[g]));
}

template <class real>
std::vector<std::int64_t> basic_network<real>::members(const neuron_key& key) const {
  if (const auto* name = std::get_if<std::string>(&key)) {
    // A group wins; a name that is no group may be a class.
    const auto& classes = params_.idx_to_class;
    if (has_groups() && classes && !name->empty() &&
        !std::binary_search(groups_.begin(), groups_.end(), *name)) {
      std::vector<std::int64_t> out;
      for (std::size_t i = 0; i < classes->size(); ++i)
        if ((*classes)[i] == *name) out.push_back(static_cast<std::int64_t>(i));
      if (!out.empty()) return out;
      throw unknown_name_error(*name, "group or class", "unknown group or class '" + *name + "'");
    }
    const auto m = group_members(*name);  // throws without groups or for an unknown group
    return {m.begin(), m.end()};
  }
  const auto i = std::get<std::int64_t>(key);
  if (i < 0 || i >= n_)
    throw item_error(std::nullopt, std::nullopt, i,
                     "neuron " + std::to_string(i) + " is outside 0.." + std::to_string(n_ - 1));
  return {i};
}

template <class real>
void basic_network<real>::set_parameters(group_parameters<real> p) {
  const auto check = [](const char* field, const std::vector<real>& v, std::size_t expected,
                        const std::vector<std::string>& names) {
    if (v.size() != expected)
      throw parameter_error(
          field, std::to_string(v.size()) + " values, expected " + std::to_string(expected));
    for (std::size_t k = 0; k < v.size(); ++k)
      if (!std::isfinite(static_cast<double>(v[k])))
        throw parameter_error(field,
                              "the value for group '" + names[k] + "' is not a finite number");
  };
  check("divisive_strength", p.divisive_strength, div_pre_groups_.size(), div_pre_groups_);
  check("tau_param", p.tau_param, groups_.size(), groups_);
  check("slope", p.slope, groups_.size(), groups_);
  check("raw_bias", p.raw_bias, groups_.size(), groups_);
  parameters_ = std::move(p);
  refresh();
  ++generation_;
}

// Per-neuron effective values from the parameters. Grouped: |raw bias|, max(1, tau_param),
// in `real` arithmetic like the original's float32 tensors. Without groups the scalars act
// directly, and 1/tau, (tau-1)/tau are formed in double and rounded, as Python does before
// multiplying a float32 tensor.
template <class real>
void basic_network<real>::refresh() {
  const auto n = static_cast<std::size_t>(n_);
  slope_n_.resize(n);
  bias_n_.resize(n);
  tau_n_.resize(n);
  inv_tau_n_.resize(n);
  keep_n_.resize(n);
  strength_n_.assign(n, real(0));
  if (has_groups()) {
    for (std::size_t i = 0; i < n; ++i) {
      const auto g = static_cast<std::size_t>(group_of_[i]);
      slope_n_[i] = parameters_.slope[g];
      bias_n_[i] = std::abs(parameters_.raw_bias[g]);
      const real tau = parameters_.tau_param[g] < real(1) ? real(1) : parameters_.tau_param[g];
      tau_n_[i] = tau;
      inv_tau_n_[i] = real(1) / tau;
      keep_n_[i] = (tau - real(1)) / tau;
      if (strength_of_[i] >= 0)
        strength_n_[i] = parameters_.divisive_strength[static_cast<std::size_t>(strength_of_[i])];
    }
  } else {
    std::fill(slope_n_.begin(), slope_n_.end(), static_cast<real>(params_.tanh_steepness));
    std::fill(bias_n_.begin(), bias_n_.end(), static_cast<real>(params_.default_bias));
    std::fill(tau_n_.begin(), tau_n_.end(), static_cast<real>(params_.tau));
    std::fill(inv_tau_n_.begin(), inv_tau_n_.end(), static_cast<real>(1.0 / params_.tau));
    std::fill(keep_n_.begin(), keep_n_.end(), static_cast<real>((params_.tau - 1.0) / params_.tau));
  }
  for (std::size_t k = 0; k < div_eff_.value.size(); ++k)
    div_eff_.value[k] = div_.value[k] * strength_n_[static_cast<std::size_t>(div_.col[k])];
}

// ------------------------------------------------------------------------------------------
// Inputs and clamps

template <class real>
detail::input_dims basic_network<real>::check_input(const array_view<const real>& input) const {
  const auto& shape = input.shape;
  if (shape.size() != 2 && shape.size() != 3)
    throw error(
        "input: expected a 2-D (sensory, steps) or 3-D (batch, sensory, steps) shape, "
        "got " +
        std::to_string(shape.size()) + " dimensions");
  const auto s = shape.size() == 2 ? detail::input_dims{1, shape[0], shape[1]}
                                   : detail::input_dims{shape[0], shape[1], shape[2]};
  if (s.batch < 1)
    throw error("input: the batch size must be at least 1, got " + std::to_string(s.batch));
  if (s.sensory != num_sensory())
    throw error("input: " + std::to_string(s.sensory) + " sensory rows, but the network has " +
                std::to_string(num_sensory()) + " sensory neurons");
  if (s.steps < params_.num_layers)
    throw error("input: " + std::to_string(s.steps) + " time steps, but the network has " +
                std::to_string(params_.num_layers) + " layers (needs at least as many steps)");
  if (static_cast<std::int64_t>(input.values.size()) != s.batch * s.sensory * s.steps)
    throw error("input: " + std::to_string(input.values.size()) + " values for shape (" +
                std::to_string(s.batch) + ", " + std::to_string(s.sensory) + ", " +
                std::to_string(s.steps) + ")");
  return s;
}

template <class real>
detail::clamp_list<real> basic_network<real>::compile(const target_activation& clamps,
                                                      std::int64_t batch) const {
  const int layers = params_.num_layers;
  detail::clamp_list<real> out;
  out.layer_begin.assign(static_cast<std::size_t>(layers) + 1, 0);
  if (clamps.targets.empty()) return out;
  auto for_input = clamps;
  for_input.batch_size = batch;
  for_input.validate(n_, layers, "manipulate");
  // Sorted by layer, then batch item, then neuron; within a layer, by state offset.
  std::vector<std::map<std::int64_t, real>> per_layer(static_cast<std::size_t>(layers));
  for (const auto& [key, v] : for_input.values()) {
    const auto [b, layer, i] = key;
    per_layer[static_cast<std::size_t>(layer)][i * batch + b] = static_cast<real>(v);
  }
  for (int l = 0; l < layers; ++l) {
    for (const auto& [offset, v] : per_layer[static_cast<std::size_t>(l)]) {
      out.offset.push_back(offset);
      out.value.push_back(v);
    }
    out.layer_begin[static_cast<std::size_t>(l) + 1] = static_cast<std::int64_t>(out.offset.size());
  }
  return out;
}

// r: zeros, sensory rows = input column 0 (never thresholded).
template <class real>
void basic_network<real>::initial_state(const real* input, const detail::input_dims& s,
                                        real* r) const {
  const auto batch = s.batch;
  std::fill(r, r + n_ * batch, real(0));
  for (std::int64_t j = 0; j < s.sensory; ++j)
    for (std::int64_t b = 0; b < batch; ++b)
      r[sensory_[static_cast<std::size_t>(j)] * batch + b] = input[(b * s.sensory + j) * s.steps];
}

// ------------------------------------------------------------------------------------------
// The forward step

namespace {

template <class real>
struct step_kernel_args {
  std::int64_t neurons, batch;
  const real *prev, *wx, *divisive;
  const real *slope, *bias, *inv_tau, *keep;
  const std::int64_t* sensory_pos;
  const real* input;  // (batch, sensory, steps)
  std::int64_t sensory, steps, column;
  real theta;
  real* out;
};

// One layer, elementwise: slope (with divisive normalisation), activation, leaky update, and
// for l < L - 1 the next input column plus (multilayered) re-threshold and clamp <= 1. Runs
// as vectorisable passes over blocks of neurons, the state block staying in cache.
template <class real, bool linear, bool divisive, bool post>
void step_kernel(const step_kernel_args<real>& k) {
  const auto batch = k.batch;
  const auto block = detail::block_neurons(batch);
  const auto blocks = (k.neurons + block - 1) / block;
  const auto input_stride = k.sensory * k.steps;
  const real theta = k.theta;
  real* out = k.out;
#pragma omp parallel for schedule(static) if (detail::parallel_elementwise(k.neurons * batch))
  for (std::int64_t block_index = 0; block_index < blocks; ++block_index) {
    const std::int64_t first = block_index * block, last = std::min(first + block, k.neurons);
    // z = beta' wx + b; multilayered: tanh(h(z)).
    detail::for_values(first, last, batch, [&](std::int64_t i, std::int64_t n) {
      real beta = k.slope[i];
      if constexpr (divisive) {
        beta = beta * (real(1) + k.divisive[n]);
        beta = beta < real(0) ? real(0) : beta;
      }
      const real z = beta * k.wx[n] + k.bias[i];
      out[n] = linear ? z : detail::h_theta(z, theta);
    });
    if constexpr (!linear) detail::tanh_in_place(out + first * batch, (last - first) * batch);
    detail::for_values(first, last, batch, [&](std::int64_t i, std::int64_t n) {
      out[n] = k.inv_tau[i] * out[n] + k.keep[i] * k.prev[n];
    });
    if constexpr (post) {
      for (std::int64_t i = first; i < last; ++i) {
        const std::int64_t pos = k.sensory_pos[i];
        if (pos < 0) continue;
        const real* x = k.input + pos * k.steps + k.column;
        for (std::int64_t b = 0; b < batch; ++b) out[i * batch + b] += x[b * input_stride];
      }
      if constexpr (!linear)
        detail::for_values(first, last, batch, [&](std::int64_t, std::int64_t n) {
          const real a = detail::h_theta(out[n], theta);
          out[n] = a > real(1) ? real(1) : a;
        });
    }
  }
}

template <class real, bool linear>
void dispatch_step(const step_kernel_args<real>& k, bool divisive, bool post) {
  if (divisive) {
    if (post)
      step_kernel<real, linear, true, true>(k);
    else
      step_kernel<real, linear, true, false>(k);
  } else {
    if (post)
      step_kernel<real, linear, false, true>(k);
    else
      step_kernel<real, linear, false, false>(k);
  }
}

}  // namespace

template <class real>
void basic_network<real>::step(int layer, const real* prev, real* wx, real* out,
                               const run_context& context, detail::workspace<real>& work) const {
  const auto batch = context.dims.batch;
  const auto values = n_ * batch;
  const bool divisive = !params_.divisive_normalization.empty();
  const bool post = layer < params_.num_layers - 1;
  const bool linear = params_.kind == network_kind::linear;
  const real theta = static_cast<real>(params_.threshold);
  if (layer == 0) {
    // a_{-1} is zero outside the sensory neurons: scatter their columns (rows of W^T),
    // about n_s / N of the work of a full product.
    std::fill(wx, wx + values, real(0));
    for (const auto s : sensory_)
      for (auto e = wt_.row_begin[static_cast<std::size_t>(s)];
           e < wt_.row_begin[static_cast<std::size_t>(s) + 1]; ++e) {
        const real w = wt_.value[static_cast<std::size_t>(e)];
        real* out = wx + static_cast<std::int64_t>(wt_.col[static_cast<std::size_t>(e)]) * batch;
        const real* in = prev + s * batch;
        for (std::int64_t b = 0; b < batch; ++b) out[b] += w * in[b];
      }
  } else {
    sparse::multiply_adaptive(w_, wt_, wt_chain_, prev, wx, batch);
  }
  if (divisive) sparse::multiply(div_eff_, prev, work.divisive.data(), batch);

  if (!activation_) {
    const step_kernel_args<real> k{n_,
                                   batch,
                                   prev,
                                   wx,
                                   divisive ? work.divisive.data() : nullptr,
                                   slope_n_.data(),
                                   bias_n_.data(),
                                   inv_tau_n_.data(),
                                   keep_n_.data(),
                                   sensory_pos_.data(),
                                   context.input,
                                   context.dims.sensory,
                                   context.dims.steps,
                                   layer + 1,
                                   theta,
                                   out};
    if (linear)
      dispatch_step<real, true>(k, divisive, post);
    else
      dispatch_step<real, false>(k, divisive, post);
  } else {
    real* slope = work.slope.data();
#pragma omp parallel for schedule(static) if (detail::parallel_elementwise(values))
    for (std::int64_t i = 0; i < n_; ++i)
      for (std::int64_t b = 0; b < batch; ++b) {
        const auto n = i * batch + b;
        real beta = slope_n_[static_cast<std::size_t>(i)];
        if (divisive) {
          beta = beta * (real(1) + work.divisive[static_cast<std::size_t>(n)]);
          beta = beta < real(0) ? real(0) : beta;
        }
        slope[n] = beta;
      }
    const auto size = static_cast<std::size_t>(values);
    const step_arguments<real> args{
        layer,
        n_,
        batch,
        {wx, size},
        {prev, size},
        {slope, size},
        divisive ? std::span<const real>(work.divisive.data(), size) : std::span<const real>(),
        {out, size}};
    activation_(*this, args);
    if (post) {
      const auto input_stride = context.dims.sensory * context.dims.steps;
#pragma omp parallel for schedule(static) if (detail::parallel_elementwise(values))
      for (std::int64_t i = 0; i < n_; ++i) {
        const auto pos = sensory_pos_[static_cast<std::size_t>(i)];
        const real* x = pos >= 0 ? context.input + pos * context.dims.steps + layer + 1 : nullptr;
        for (std::int64_t b = 0; b < batch; ++b) {
          real a = out[i * batch + b];
          if (x) a += x[b * input_stride];
          if (!linear) {
            a = detail::h_theta(a, theta);
            a = a > real(1) ? real(1) : a;
          }
          out[i * batch + b] = a;
        }
      }
    }
  }

  const auto& c = *context.clamps;
  for (auto k = c.layer_begin[static_cast<std::size_t>(layer)];
       k < c.layer_begin[static_cast<std::size_t>(layer) + 1]; ++k)
    out[c.offset[static_cast<std::size_t>(k)]] = c.value[static_cast<std::size_t>(k)];
}

namespace {

// a_l (N x batch) into activations (batch, N, L) at layer l.
template <class real>
void write_layer(const real* state, std::int64_t neurons, std::int64_t batch, int layers, int layer,
                 real* activations) {
#pragma omp parallel for schedule(static) if (detail::parallel_elementwise(neurons * batch))
  for (std::int64_t i = 0; i < neurons; ++i)
    for (std::int64_t b = 0; b < batch; ++b)
      activations[(b * neurons + i) * layers + layer] = state[i * batch + b];
}

bool is_checkpoint(int layer, int layers, int interval) {
  return layer < layers - 1 && (layer + 1) % interval == 0;
}

}  // namespace

template <class real>
std::optional<non_finite_report> basic_network<real>::check_layer(
    const char* where, const char* quantity, int layer, std::span<const real> values) const {
  const auto at = first_non_finite(values);
  if (at < 0) return std::nullopt;
  const auto batch = static_cast<std::int64_t>(values.size()) / n_;
  non_finite_report r;
  r.where = where;
  r.quantity = quantity;
  r.layer = layer;
  r.neuron = at / batch;
  r.batch = at % batch;
  if (has_groups()) r.cell_type = groups_[static_cast<std::size_t>(group_of_[r.neuron])];
  r.value = static_cast<double>(values[static_cast<std::size_t>(at)]);
  return r;
}

// The unrolled forward pass. Without a trajectory the states alternate between two buffers;
// with one they go where the trajectory keeps them (every layer, or the checkpoints). Each
// layer's state is checked for values that are not finite until the first is found.
template <class real>
std::optional<non_finite_report> basic_network<real>::run(const run_context& context,
                                                          basic_trajectory<real>* trajectory,
                                                          std::span<real> activations) const {
  const auto batch = context.dims.batch;
  const auto values = static_cast<std::size_t>(n_ * batch);
  const int layers = params_.num_layers;
  detail::workspace<real> work;
  if (!params_.divisive_normalization.empty()) work.divisive.resize(values);
  if (activation_) work.slope.resize(values);
  aligned_vector<real> first(values), second(values);
  initial_state(context.input, context.dims, first.data());
  const bool keep_all = trajectory && trajectory->interval_ == 0;
  aligned_vector<real> wx_scratch(keep_all ? 0 : values);
  const real* prev = first.data();
  std::optional<non_finite_report> found;
  for (int l = 0; l < layers; ++l) {
    real* out;
    real* wx;
    if (keep_all) {
      out = trajectory->states_.data() + static_cast<std::size_t>(l) * values;
      wx = trajectory->wx_.data() + static_cast<std::size_t>(l) * values;
    } else {
      wx = wx_scratch.data();
      if (trajectory && is_checkpoint(l, layers, trajectory->interval_))
        out = trajectory->states_.data() +
              static_cast<std::size_t>((l + 1) / trajectory->interval_ - 1) * values;
      else
        out = prev == second.data() ? first.data() : second.data();
    }
    step(l, prev, wx, out, context, work);
    if (!found) found = check_layer("forward", "state", l, {out, values});
    if (!activations.empty()) write_layer(out, n_, batch, layers, l, activations.data());
    prev = out;
  }
  return found;
}

template <class real>
std::vector<real> basic_network<real>::forward(const array_view<const real>& input,
                                               const target_activation& clamps) const {
  const auto dims = check_input(input);
  std::vector<real> out(static_cast<std::size_t>(dims.batch * n_ * params_.num_layers));
  forward(input, clamps, out);
  return out;
}

template <class real>
std::optional<non_finite_report> basic_network<real>::forward(const array_view<const real>& input,
                                                              const target_activation& clamps,
                                                              std::span<real> activations) const {
  const auto dims = check_input(input);
  if (static_cast<std::int64_t>(activations.size()) != dims.batch * n_ * params_.num_layers)
    throw error("forward: room for " + std::to_string(activations.size()) +
                " activations, expected batch x neurons x layers = " +
                std::to_string(dims.batch * n_ * params_.num_layers));
  const auto list = compile(clamps, dims.batch);
  return run({input.values.data(), dims, &list}, nullptr, activations);
}

template <class real>
basic_trajectory<real> basic_network<real>::record(const array_view<const real>& input,
                                                   const target_activation& clamps,
                                                   const record_options& options,
                                                   std::span<real> activations,
                                                   basic_trajectory<real> recycle) const {
  const auto dims = check_input(input);
  if (options.checkpoint_interval < 0)
    throw parameter_error("checkpoint_interval",
                          "must be >= 0, got " + std::to_string(options.checkpoint_interval));
  const int layers = params_.num_layers;
  if (!activations.empty() &&
      static_cast<std::int64_t>(activations.size()) != dims.batch * n_ * layers)
    throw error("record: room for " + std::to_string(activations.size()) +
                " activations, expected batch x neurons x layers = " +
                std::to_string(dims.batch * n_ * layers));
  basic_trajectory<real> t;
  t.states_ = std::move(recycle.states_);
  t.wx_ = std::move(recycle.wx_);
  t.owner_ = this;
  t.generation_ = generation_;
  t.neurons_ = n_;
  t.dims_ = dims;
  t.layers_ = layers;
  t.interval_ = options.checkpoint_interval;
  t.input_.assign(input.values.begin(), input.values.end());
  t.clamps_ = compile(clamps, dims.batch);
  const auto values = static_cast<std::size_t>(n_ * dims.batch);
  if (t.interval_ == 0) {
    t.states_.resize(values * static_cast<std::size_t>(layers));
    t.wx_.resize(values * static_cast<std::size_t>(layers));
  } else {
    t.states_.resize(values * static_cast<std::size_t>((layers - 1) / t.interval_));
    t.wx_ = {};
  }
  t.non_finite_ = run({t.input_.data(), dims, &t.clamps_}, &t, activations);
  return t;
}

// ------------------------------------------------------------------------------------------
// Trajectories

template <class real>
bool basic_trajectory<real>::has_state(int layer) const {
  if (layer < 0 || layer >= layers_) return false;
  return interval_ == 0 || is_checkpoint(layer, layers_, interval_);
}

template <class real>
std::span<const real> basic_trajectory<real>::state(int layer) const {
  if (!has_state(layer))
    throw error("trajectory: the state of layer " + std::to_string(layer) +
                " is not kept (layers 0.." + std::to_string(layers_ - 1) +
                ", checkpoint interval " + std::to_string(interval_) + ")");
  const auto values = static_cast<std::size_t>(neurons_ * dims_.batch);
  const auto slot = interval_ == 0 ? layer : (layer + 1) / interval_ - 1;
  return std::span<const real>(states_).subspan(static_cast<std::size_t>(slot) * values, values);
}

template <class real>
std::vector<real> basic_trajectory<real>::activations() const {
  if (interval_ != 0)
    throw error("trajectory: activations need checkpoint interval 0 (this one has " +
                std::to_string(interval_) + "); pass an activations span to record()");
  std::vector<real> out(static_cast<std::size_t>(dims_.batch * neurons_ * layers_));
  const auto values = static_cast<std::size_t>(neurons_ * dims_.batch);
  for (int l = 0; l < layers_; ++l)
    write_layer(states_.data() + static_cast<std::size_t>(l) * values, neurons_, dims_.batch,
                layers_, l, out.data());
  return out;
}

// ------------------------------------------------------------------------------------------
// Legacy activation functions (spec section 2.8), without the original's self-recursion.

template <class real>
void legacy_activation(const basic_network<real>& network, const step_arguments<real>& s) {
  const real tau = static_cast<real>(network.params().tau);
  const real theta = static_cast<real>(network.params().threshold);
  const auto bias = network.neuron_bias();
#pragma omp parallel for schedule(static) if (detail::parallel_elementwise(s.neurons * s.batch))
  for (std::int64_t i = 0; i < s.neurons; ++i)
    for (std::int64_t b = 0; b < s.batch; ++b) {
      const auto n = static_cast<std::size_t>(i * s.batch + b);
      const real z = tau * s.previous[n] + s.slope[n] * s.wx[n] + bias[static_cast<std::size_t>(i)];
      s.out[n] = std::tanh(detail::h_theta(z, theta));
    }
}

template <class real>
void legacy_activation_linear(const basic_network<real>& network, const step_arguments<real>& s) {
  const real tau = static_cast<real>(network.params().tau);
  const auto bias = network.neuron_bias();
#pragma omp parallel for schedule(static) if (detail::parallel_elementwise(s.neurons * s.batch))
  for (std::int64_t i = 0; i < s.neurons; ++i)
    for (std::int64_t b = 0; b < s.batch; ++b) {
      const auto n = static_cast<std::size_t>(i * s.batch + b);
      s.out[n] = tau * s.previous[n] + s.slope[n] * s.wx[n] + bias[static_cast<std::size_t>(i)];
    }
}

template class basic_network<float>;
template class basic_network<double>;
template class basic_trajectory<float>;
template class basic_trajectory<double>;
template void legacy_activation(const basic_network<float>&, const step_arguments<float>&);
template void legacy_activation(const basic_network<double>&, const step_arguments<double>&);
template void legacy_activation_linear(const basic_network<float>&, const step_arguments<float>&);
template void legacy_activation_linear(const basic_network<double>&, const step_arguments<double>&);

}  // namespace kenyon::ratenet

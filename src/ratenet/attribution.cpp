#include "kenyon/ratenet/attribution.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>

#include "kenyon/core/error.hpp"

namespace kenyon::ratenet {
namespace {

std::string key_name(const neuron_key& key) {
  return std::holds_alternative<std::int64_t>(key) ? std::to_string(std::get<std::int64_t>(key))
                                                   : std::get<std::string>(key);
}

void require_layer(const network& net, int layer, const char* what) {
  if (layer < 0 || layer >= net.num_layers())
    throw error(std::string(what) + " layer " + std::to_string(layer) + " is outside 0.." +
                std::to_string(net.num_layers() - 1));
}

}  // namespace

attribution_method parse_attribution_method(std::string_view name) {
  if (name == "vanilla") return attribution_method::vanilla;
  if (name == "input_x_gradient") return attribution_method::input_x_gradient;
  throw parameter_error(
      "method", "expected 'vanilla' or 'input_x_gradient', got '" + std::string(name) + "'");
}

std::vector<float> saliency(const network& net, const array_view<const float>& input,
                            const target_activation& neurons_of_interest, attribution_method method,
                            bool normalize, std::optional<non_finite_report>* non_finite) {
  const std::int64_t n = net.size(), layers = net.num_layers(), batch = input_batch(input);
  std::vector<float> grad_a(static_cast<std::size_t>(batch * n * layers), 0.0f);
  auto for_input = neurons_of_interest;
  for_input.batch_size = batch;
  for_input.validate(n, static_cast<int>(layers), "saliency: neuron of interest");
  for (const auto& t : for_input.per_item())
    grad_a[static_cast<std::size_t>((*t.batch * n + t.neuron) * layers + t.layer)] += 1.0f;
  const auto trajectory = net.record(input);
  auto back = net.backward(trajectory, grad_a);
  if (non_finite) *non_finite = trajectory.non_finite() ? trajectory.non_finite() : back.non_finite;
  auto g = std::move(back.input);
  if (method == attribution_method::input_x_gradient)
    for (std::size_t k = 0; k < g.size(); ++k) g[k] *= input.values[k];
  if (normalize && !g.empty() && *std::max_element(g.begin(), g.end()) > 0) {
    const auto per_item = g.size() / static_cast<std::size_t>(batch);
    for (std::int64_t b = 0; b < batch; ++b) {
      const auto first = g.begin() + static_cast<std::ptrdiff_t>(b * per_item);
      const float top = *std::max_element(first, first + static_cast<std::ptrdiff_t>(per_item));
      if (top > 0) std::transform(first, first + per_item, first, [&](float v) { return v / top; });
    }
  }
  return g;
}

std::string to_string(attribution_method method) {
  return method == attribution_method::vanilla ? "vanilla" : "input_x_gradient";
}

gradient_table get_gradients(const network& net, const array_view<const float>& input,
                             const gradient_params& params) {
  const std::int64_t n = net.size(), batch = input_batch(input);
  const int layers = net.num_layers();
  std::vector<std::string> batch_names = params.batch_names;
  if (batch_names.empty())
    for (std::int64_t b = 0; b < batch; ++b) batch_names.push_back("batch_" + std::to_string(b));
  if (static_cast<std::int64_t>(batch_names.size()) != batch)
    throw error("get_gradients: " + std::to_string(batch_names.size()) + " batch names for " +
                std::to_string(batch) + " batch items");
  std::vector<int> monitored = params.monitor_layers;
  if (monitored.empty()) {
    monitored.resize(static_cast<std::size_t>(layers));
    std::iota(monitored.begin(), monitored.end(), 0);
  }
  for (int m : monitored) require_layer(net, m, "get_gradients: monitored");

  // The target: the mean over its distinct (batch item, layer, neuron) entries.
  auto targets = params.targets;
  targets.batch_size = batch;
  targets.validate(n, layers, "get_gradients: target");
  std::map<int, std::vector<std::int64_t>> target_offsets;  // layer -> i * batch + b
  const auto entries = targets.values();
  for (const auto& [key, value] : entries) {
    const auto [b, layer, i] = key;
    target_offsets[layer].push_back(i * batch + b);
  }
  if (entries.empty()) throw error("get_gradients: no target neurons");
  const float weight = 1.0f / static_cast<float>(entries.size());

  // Monitored rows: single neurons (sorted, unique) or groups (sorted by name).
  struct row_group {
    std::string label;
    std::vector<std::int64_t> neurons;
  };
  std::vector<row_group> rows;
  if (net.has_groups()) {
    std::map<std::string, std::vector<std::int64_t>> by_name;
    for (const auto& key : params.monitor) by_name[key_name(key)] = net.members(key);
    for (auto& [name, list] : by_name) rows.push_back({name, std::move(list)});
  } else {
    std::vector<std::int64_t> list;
    for (const auto& key : params.monitor)
      for (auto i : net.members(key)) list.push_back(i);
    std::sort(list.begin(), list.end());
    list.erase(std::unique(list.begin(), list.end()), list.end());
    for (auto i : list) rows.push_back({std::to_string(i), {i}});
  }

  // dTarget/da_m for every monitored layer, summed over each row's neurons.
  std::vector<std::vector<double>> grad(
      rows.size() * static_cast<std::size_t>(batch),
      std::vector<double>(static_cast<std::size_t>(layers),
                          std::numeric_limits<double>::quiet_NaN()));
  const std::vector<bool> is_monitored = [&] {
    std::vector<bool> v(static_cast<std::size_t>(layers), false);
    for (int m : monitored) v[static_cast<std::size_t>(m)] = true;
    return v;
  }();
  const auto trajectory =
      net.record(input, {}, {.checkpoint_interval = params.checkpoint_interval});
  const auto back = net.backward(
      trajectory,
      [&](int layer, std::span<const float>, std::span<float> g) {
        const auto it = target_offsets.find(layer);
        if (it == target_offsets.end()) return;
        for (auto k : it->second) g[static_cast<std::size_t>(k)] += weight;
      },
      [&](int layer, std::span<const float> g) {
        if (!is_monitored[static_cast<std::size_t>(layer)]) return;
        double scale = 1;
        if (params.normalize_per_layer) {
          double sq = 0;
          for (float v : g) sq += double(v) * v;
          scale = 1 / (std::sqrt(sq) + 1e-12);
        }
        for (std::size_t r = 0; r < rows.size(); ++r)
          for (std::int64_t b = 0; b < batch; ++b) {
            double s = 0;
            for (auto i : rows[r].neurons) s += g[static_cast<std::size_t>(i * batch + b)];
            grad[r * static_cast<std::size_t>(batch) + static_cast<std::size_t>(b)]
                [static_cast<std::size_t>(layer)] = s * scale;
          }
      });

  if (params.method == attribution_method::input_x_gradient) {
    // Times the monitored activity: the neuron's, or the group's mean.
    const auto activations = net.forward(input);
    for (std::size_t r = 0; r < rows.size(); ++r)
      for (std::int64_t b = 0; b < batch; ++b)
        for (int m : monitored) {
          double mean = 0;
          for (auto i : rows[r].neurons)
            mean += activations[static_cast<std::size_t>((b * n + i) * layers + m)];
          mean /= static_cast<double>(rows[r].neurons.size());
          grad[r * static_cast<std::size_t>(batch) + static_cast<std::size_t>(b)]
              [static_cast<std::size_t>(m)] *= mean;
        }
  }

  gradient_table table;
  if (params.method == attribution_method::input_x_gradient) {
    table.layers.resize(static_cast<std::size_t>(layers));
    std::iota(table.layers.begin(), table.layers.end(), 0);
  } else {
    table.layers = monitored;
    std::sort(table.layers.begin(), table.layers.end());
    table.layers.erase(std::unique(table.layers.begin(), table.layers.end()), table.layers.end());
  }
  std::vector<std::int64_t> batch_order(static_cast<std::size_t>(batch));
  std::iota(batch_order.begin(), batch_order.end(), 0);
  std::stable_sort(batch_order.begin(), batch_order.end(), [&](auto a, auto b) {
    return batch_names[static_cast<std::size_t>(a)] < batch_names[static_cast<std::size_t>(b)];
  });
  for (std::size_t r = 0; r < rows.size(); ++r)
    for (auto b : batch_order) {
      table.group.push_back(rows[r].label);
      table.batch_name.push_back(batch_names[static_cast<std::size_t>(b)]);
      std::vector<double> v;
      for (int l : table.layers)
        v.push_back(grad[r * static_cast<std::size_t>(batch) + static_cast<std::size_t>(b)]
                        [static_cast<std::size_t>(l)]);
      table.values.push_back(std::move(v));
    }
  table.non_finite = trajectory.non_finite() ? trajectory.non_finite() : back.non_finite;
  return table;
}

table gradient_table::to_table() const {
  table t({"group", "batch_name"});
  for (int l : layers) t.columns.push_back("time_" + std::to_string(l));
  for (std::size_t r = 0; r < values.size(); ++r) {
    std::vector<cell> row{group[r], batch_name[r]};
    row.insert(row.end(), values[r].begin(), values[r].end());
    t.add_row(std::move(row));
  }
  return t;
}

}  // namespace kenyon::ratenet

#include "kenyon/ratenet/activation_summary.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <unordered_map>
#include <utility>

#include "kenyon/core/error.hpp"
#include "table_checks.hpp"

namespace kenyon::ratenet {
using namespace detail;

// ---------------------------------------------------------------- activation summaries

table get_neuron_activation(const array_view<const float>& activations,
                            std::span<const std::int64_t> neuron_indices,
                            std::span<const std::string> batch_names,
                            std::span<const std::string> idx_to_group) {
  const bool three_d = activations.shape.size() == 3;
  check_array(activations, three_d ? 3 : 2, "activations");
  const std::int64_t batches = three_d ? activations.shape[0] : 1;
  const auto first = slice(activations, 0);
  const std::int64_t neurons = first.rows, steps = first.cols;
  check_indices(neuron_indices, neurons, "neuron_indices", false);
  check_mapping_size(idx_to_group, neurons, "idx_to_group");
  std::vector<std::int64_t> indices(neuron_indices.begin(), neuron_indices.end());
  std::sort(indices.begin(), indices.end());
  indices.erase(std::unique(indices.begin(), indices.end()), indices.end());

  std::vector<std::string> names;
  if (three_d) {
    if (batch_names.empty()) {
      for (std::int64_t b = 0; b < batches; ++b) names.push_back("batch_" + std::to_string(b));
    } else {
      if (static_cast<std::int64_t>(batch_names.size()) != batches)
        throw parameter_error("batch_names", std::to_string(batch_names.size()) + " names for " +
                                                 std::to_string(batches) + " batch items");
      names.assign(batch_names.begin(), batch_names.end());
    }
  }
  // Group order: indices numerically, names as text; batch names as text.
  std::vector<std::string> group_names;
  std::vector<std::int64_t> group_rank(indices.size());
  if (!idx_to_group.empty()) {
    for (auto i : indices) group_names.push_back(idx_to_group[static_cast<std::size_t>(i)]);
    std::sort(group_names.begin(), group_names.end());
    group_names.erase(std::unique(group_names.begin(), group_names.end()), group_names.end());
    for (std::size_t k = 0; k < indices.size(); ++k)
      group_rank[k] = std::lower_bound(group_names.begin(), group_names.end(),
                                       idx_to_group[static_cast<std::size_t>(indices[k])]) -
                      group_names.begin();
  } else {
    std::iota(group_rank.begin(), group_rank.end(), std::int64_t{0});
  }
  std::vector<std::string> batch_order = names;
  std::sort(batch_order.begin(), batch_order.end());
  batch_order.erase(std::unique(batch_order.begin(), batch_order.end()), batch_order.end());

  struct accumulator {
    std::vector<double> sum;
    std::int64_t count = 0;
  };
  std::map<std::pair<std::int64_t, std::int64_t>, accumulator> groups;  // (batch, group)
  for (std::int64_t b = 0; b < batches; ++b) {
    const auto a = slice(activations, b);
    const std::int64_t batch_rank = three_d
                                        ? std::lower_bound(batch_order.begin(), batch_order.end(),
                                                           names[static_cast<std::size_t>(b)]) -
                                              batch_order.begin()
                                        : 0;
    for (std::size_t k = 0; k < indices.size(); ++k) {
      auto& acc = groups[{batch_rank, group_rank[k]}];
      acc.sum.resize(static_cast<std::size_t>(steps), 0.0);
      for (std::int64_t t = 0; t < steps; ++t)
        acc.sum[static_cast<std::size_t>(t)] += a.at(indices[k], t);
      ++acc.count;
    }
  }

  table result;
  if (three_d) result.columns.emplace_back("batch_name");
  result.columns.emplace_back("group");
  for (std::int64_t t = 0; t < steps; ++t) result.columns.push_back(time_column(t));
  for (const auto& [key, acc] : groups) {
    std::vector<cell> row;
    if (three_d) row.emplace_back(batch_order[static_cast<std::size_t>(key.first)]);
    if (idx_to_group.empty())
      row.emplace_back(indices[static_cast<std::size_t>(key.second)]);
    else
      row.emplace_back(group_names[static_cast<std::size_t>(key.second)]);
    for (double s : acc.sum) row.emplace_back(s / static_cast<double>(acc.count));
    result.rows.push_back(std::move(row));
  }
  return result;
}

table get_input_activation(const array_view<const float>& model_in,
                           std::span<const std::int64_t> sensory_indices,
                           std::span<const std::string> idx_to_group,
                           const input_activation_options& options) {
  const bool three_d = model_in.shape.size() == 3;
  check_array(model_in, three_d ? 3 : 2, "model_in");
  const std::int64_t batches = three_d ? model_in.shape[0] : 1;
  const auto first = slice(model_in, 0);
  const std::int64_t rows = first.rows, steps = first.cols;
  if (static_cast<std::int64_t>(sensory_indices.size()) != rows)
    throw parameter_error("sensory_indices", std::to_string(sensory_indices.size()) +
                                                 " indices for the " + std::to_string(rows) +
                                                 " rows of model_in");
  check_indices(sensory_indices, static_cast<std::int64_t>(idx_to_group.size()),
                "sensory_indices (as keys of idx_to_group)", true);
  std::vector<std::string> names;
  if (three_d) {
    if (options.batch_names.empty()) {
      for (std::int64_t b = 0; b < batches; ++b) names.push_back("batch_" + std::to_string(b));
    } else {
      if (static_cast<std::int64_t>(options.batch_names.size()) != batches)
        throw parameter_error("batch_names", std::to_string(options.batch_names.size()) +
                                                 " names for " + std::to_string(batches) +
                                                 " batch items");
      names = options.batch_names;
    }
  }
  std::vector<char> selected(static_cast<std::size_t>(rows), options.selected_indices.empty());
  if (!options.selected_indices.empty()) {
    std::unordered_map<std::int64_t, std::size_t> position;
    for (std::size_t k = 0; k < sensory_indices.size(); ++k) position[sensory_indices[k]] = k;
    for (auto i : options.selected_indices) {
      const auto it = position.find(i);
      if (it == position.end())
        throw parameter_error("selected_indices",
                              "neuron " + std::to_string(i) + " is not a sensory neuron");
      selected[it->second] = 1;
    }
  }
  // Sorted group names of the sensory neurons, and each row's rank among them.
  std::vector<std::string> groups;
  for (auto i : sensory_indices) groups.push_back(idx_to_group[static_cast<std::size_t>(i)]);
  std::sort(groups.begin(), groups.end());
  groups.erase(std::unique(groups.begin(), groups.end()), groups.end());
  std::vector<std::size_t> rank(static_cast<std::size_t>(rows));
  for (std::int64_t r = 0; r < rows; ++r)
    rank[static_cast<std::size_t>(r)] = static_cast<std::size_t>(
        std::lower_bound(groups.begin(), groups.end(),
                         idx_to_group[static_cast<std::size_t>(sensory_indices[r])]) -
        groups.begin());

  table result;
  if (three_d) result.columns.emplace_back("batch_name");
  result.columns.emplace_back("group");
  for (std::int64_t t = 0; t < steps; ++t) result.columns.push_back(time_column(t));
  const float thr = static_cast<float>(options.activation_threshold);
  for (std::int64_t b = 0; b < batches; ++b) {
    const auto x = slice(model_in, b);
    std::vector<std::vector<double>> sum(groups.size());
    std::vector<std::int64_t> count(groups.size(), 0);
    for (std::int64_t r = 0; r < rows; ++r) {
      if (!selected[static_cast<std::size_t>(r)]) continue;
      bool passes = false;
      for (std::int64_t t = 0; t < steps && !passes; ++t) passes = std::abs(x.at(r, t)) >= thr;
      if (!passes) continue;
      const auto g = rank[static_cast<std::size_t>(r)];
      sum[g].resize(static_cast<std::size_t>(steps), 0.0);
      for (std::int64_t t = 0; t < steps; ++t) sum[g][static_cast<std::size_t>(t)] += x.at(r, t);
      ++count[g];
    }
    for (std::size_t g = 0; g < groups.size(); ++g) {
      if (!count[g]) continue;
      std::vector<cell> row;
      if (three_d) row.emplace_back(names[static_cast<std::size_t>(b)]);
      row.emplace_back(groups[g]);
      for (double s : sum[g]) row.emplace_back(s / static_cast<double>(count[g]));
      result.rows.push_back(std::move(row));
    }
  }
  return result;
}

table activity_by_column(const array_view<const float>& activity,
                         std::span<const std::string> idx_to_group,
                         std::span<const std::int64_t> idx_to_column,
                         std::span<const std::string> selected_groups,
                         const array_view<const float>& model_input,
                         std::span<const std::int64_t> sensory_indices) {
  check_array(activity, 2, "activity");
  const auto act = slice(activity, 0);
  const std::int64_t neurons = act.rows, steps = act.cols;
  if (static_cast<std::int64_t>(idx_to_group.size()) != neurons)
    throw parameter_error("idx_to_group", std::to_string(idx_to_group.size()) + " entries for " +
                                              std::to_string(neurons) + " neurons");
  if (static_cast<std::int64_t>(idx_to_column.size()) != neurons)
    throw parameter_error("idx_to_column", std::to_string(idx_to_column.size()) + " entries for " +
                                               std::to_string(neurons) + " neurons");
  if (model_input.given() != !sensory_indices.empty())
    throw parameter_error(model_input.given() ? "sensory_indices" : "model_input",
                          "model_input and sensory_indices must be given together");
  matrix_view input;
  std::vector<std::int64_t> sensory_position(static_cast<std::size_t>(neurons), -1);
  if (model_input.given()) {
    check_array(model_input, 2, "model_input");
    input = slice(model_input, 0);
    if (input.cols < 1) throw parameter_error("model_input", "needs at least one time step");
    if (static_cast<std::int64_t>(sensory_indices.size()) != input.rows)
      throw parameter_error("sensory_indices",
                            std::to_string(sensory_indices.size()) + " indices for the " +
                                std::to_string(input.rows) + " rows of model_input");
    check_indices(sensory_indices, neurons, "sensory_indices", true);
    for (std::size_t k = 0; k < sensory_indices.size(); ++k)
      sensory_position[static_cast<std::size_t>(sensory_indices[k])] = static_cast<std::int64_t>(k);
  }

  struct long_row {
    double normalised;
    std::string group;
    std::int64_t step;  // time_step: 0 for the input, k + 1 for activity column k
    double activation;
  };
  std::vector<long_row> activity_rows, input_rows;
  for (const auto& group : selected_groups) {
    // Mean per column id (ascending), over the group's neurons that have a column.
    std::map<std::int64_t, std::pair<std::vector<double>, std::int64_t>> columns, inputs;
    bool in_group = false;
    for (std::int64_t i = 0; i < neurons; ++i) {
      if (idx_to_group[static_cast<std::size_t>(i)] != group) continue;
      in_group = true;
      const auto c = idx_to_column[static_cast<std::size_t>(i)];
      if (c < 0) continue;
      auto& [sum, count] = columns[c];
      sum.resize(static_cast<std::size_t>(steps), 0.0);
      for (std::int64_t t = 0; t < steps; ++t) sum[static_cast<std::size_t>(t)] += act.at(i, t);
      ++count;
      const auto pos = sensory_position[static_cast<std::size_t>(i)];
      if (pos >= 0) {
        auto& [in_sum, in_count] = inputs[c];
        in_sum.resize(1, 0.0);
        in_sum[0] += input.at(pos, 0);
        ++in_count;
      }
    }
    if (!in_group)
      throw unknown_name_error(group, "group", "selected_groups: no neuron is in group " + group);
    if (columns.empty())
      throw parameter_error("idx_to_column", "no neuron of group " + group + " has a column");
    const double largest = static_cast<double>(columns.rbegin()->first);
    for (std::int64_t t = 0; t < steps; ++t)
      for (const auto& [c, acc] : columns)
        activity_rows.push_back(
            {static_cast<double>(c) / largest, group, t + 1,
             acc.first[static_cast<std::size_t>(t)] / static_cast<double>(acc.second)});
    for (const auto& [c, acc] : inputs)
      input_rows.push_back({static_cast<double>(c) / largest, group, 0,
                            acc.first[0] / static_cast<double>(acc.second)});
  }
  activity_rows.insert(activity_rows.end(), input_rows.begin(), input_rows.end());
  // pandas sorts on several keys stably, NaN last.
  auto nan_last_less = [](double a, double b) {
    return a < b || (std::isnan(b) && !std::isnan(a));
  };
  std::stable_sort(activity_rows.begin(), activity_rows.end(),
                   [&](const long_row& a, const long_row& b) {
                     if (a.step != b.step) return a.step < b.step;
                     if (a.group != b.group) return a.group < b.group;
                     return nan_last_less(a.normalised, b.normalised);
                   });
  table result;
  result.columns = {"normalised_column", "cell_group", "time_point", "activation", "time_step"};
  for (const auto& r : activity_rows)
    result.rows.push_back({r.normalised, r.group,
                           time_column(std::max<std::int64_t>(r.step - 1, 0)), r.activation,
                           r.step});
  return result;
}

}  // namespace kenyon::ratenet

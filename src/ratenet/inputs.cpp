#include "kenyon/ratenet/inputs.hpp"

#include <charconv>
#include <cmath>
#include <fstream>
#include <unordered_map>
#include <unordered_set>

#include "kenyon/core/error.hpp"
#include "kenyon/core/table.hpp"

namespace kenyon::ratenet {
namespace {

std::string in_quotes(const std::string& s) { return "'" + s + "'"; }

}  // namespace

input_array::input_array(std::int64_t batch_, std::int64_t sensory_, std::int64_t steps_)
    : batch(batch_), sensory(sensory_), steps(steps_) {
  if (batch < 0 || sensory < 0 || steps < 0)
    throw internal_error("input_array: negative dimension");
  values.assign(static_cast<std::size_t>(batch * sensory * steps), 0.0f);
}

void group_table::validate() const {
  if (values.size() != groups.size() * columns.size())
    throw error("group table: " + std::to_string(values.size()) + " values for " +
                std::to_string(groups.size()) + " groups x " + std::to_string(columns.size()) +
                " columns");
  std::unordered_set<std::string> seen;
  for (const auto& g : groups)
    if (!seen.insert(g).second)
      throw error("group table: group " + in_quotes(g) + " appears twice");
  seen.clear();
  for (const auto& c : columns)
    if (!seen.insert(c).second)
      throw error("group table: column " + in_quotes(c) + " appears twice");
  for (std::size_t r = 0; r < groups.size(); ++r)
    for (std::size_t c = 0; c < columns.size(); ++c)
      if (!std::isfinite(at(r, c)))
        throw error("group table: the value for group " + in_quotes(groups[r]) + ", column " +
                    in_quotes(columns[c]) + " is not a finite number");
}

group_table read_group_table_csv(const std::filesystem::path& path) {
  const std::string name = path.string();
  group_table table;
  std::unordered_map<std::string, std::size_t> group_line;
  bool have_header = false;
  read_csv_records(path, [&](std::size_t line_number, std::vector<std::string>& fields) {
    if (!have_header) {
      if (fields.size() < 2)
        throw file_error(name,
                         "the header needs a group column and at least one batch column, "
                         "found " +
                             std::to_string(fields.size()) + " field(s)",
                         line_number);
      std::unordered_set<std::string> seen;
      for (std::size_t c = 1; c < fields.size(); ++c) {
        if (fields[c].empty())
          throw file_error(name, "header column " + std::to_string(c + 1) + " has no name",
                           line_number);
        if (!seen.insert(fields[c]).second)
          throw file_error(name, "header: column " + in_quotes(fields[c]) + " appears twice",
                           line_number);
        table.columns.push_back(fields[c]);
      }
      have_header = true;
      return;
    }
    if (fields.size() != table.columns.size() + 1)
      throw file_error(name,
                       "expected " + std::to_string(table.columns.size() + 1) +
                           " fields (group name and one value per column), found " +
                           std::to_string(fields.size()),
                       line_number);
    const std::string& group = fields[0];
    if (group.empty()) throw file_error(name, "empty group name", line_number);
    if (auto [it, inserted] = group_line.emplace(group, line_number); !inserted)
      throw file_error(name,
                       "group " + in_quotes(group) + " appears twice (first on line " +
                           std::to_string(it->second) + ")",
                       line_number);
    table.groups.push_back(group);
    for (std::size_t c = 1; c < fields.size(); ++c) {
      const std::string& text = fields[c];
      const std::string where =
          "group " + in_quotes(group) + ", column " + in_quotes(table.columns[c - 1]) + ": ";
      if (text.empty()) throw file_error(name, where + "empty value", line_number);
      double v = 0;
      const char* end = text.data() + text.size();
      const char* first = text.data();
      if (*first == '+') ++first;
      const auto [ptr, ec] = std::from_chars(first, end, v);
      if (ec != std::errc() || ptr != end)
        throw file_error(name, where + "value " + in_quotes(text) + " is not a number",
                         line_number);
      if (!std::isfinite(v))
        throw file_error(name, where + "value " + in_quotes(text) + " is not a finite number",
                         line_number);
      table.values.push_back(v);
    }
  });
  if (!have_header) throw file_error(name, "empty file: missing the header row");
  return table;
}

input_array input_from_table(const group_table& table,
                             std::span<const std::int64_t> sensory_indices,
                             std::span<const std::string> idx_to_group, std::int64_t num_layers,
                             std::span<const std::int64_t> timepoints) {
  table.validate();
  if (num_layers < 1)
    throw parameter_error("num_layers", "must be at least 1, got " + std::to_string(num_layers));
  for (auto t : timepoints)
    if (t < 0 || t >= num_layers)
      throw parameter_error("timepoints", "timepoint " + std::to_string(t) + " is outside 0.." +
                                              std::to_string(num_layers - 1) +
                                              " (num_layers = " + std::to_string(num_layers) + ")");
  const auto neurons = static_cast<std::int64_t>(idx_to_group.size());
  std::unordered_map<std::string, std::size_t> row_of;
  for (std::size_t r = 0; r < table.groups.size(); ++r) row_of.emplace(table.groups[r], r);

  const auto n_s = static_cast<std::int64_t>(sensory_indices.size());
  const auto n_cols = static_cast<std::int64_t>(table.columns.size());
  input_array out(n_cols, n_s, num_layers);
  for (std::int64_t j = 0; j < n_s; ++j) {
    const auto neuron = sensory_indices[static_cast<std::size_t>(j)];
    if (neuron < 0 || neuron >= neurons)
      throw parameter_error("sensory_indices", "sensory neuron " + std::to_string(neuron) +
                                                   " (position " + std::to_string(j) +
                                                   ") is outside idx_to_group, which has " +
                                                   std::to_string(neurons) + " neurons");
    const auto row = row_of.find(idx_to_group[static_cast<std::size_t>(neuron)]);
    if (row == row_of.end()) continue;  // not a row of the table: stays 0
    for (std::int64_t c = 0; c < n_cols; ++c) {
      const auto v = static_cast<float>(table.at(row->second, static_cast<std::size_t>(c)));
      for (auto t : timepoints) out.at(c, j, t) = v;
    }
  }
  return out;
}

}  // namespace kenyon::ratenet

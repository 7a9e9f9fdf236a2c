#pragma once
// Building network inputs from tables of group activations: connectome_interpreter's
// input_from_df (spec rate_network.md section 10), and a CSV reader for such tables.
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "kenyon/core/array_view.hpp"

namespace kenyon::ratenet {

// A (batch, sensory, time) array of network inputs in C order, exactly the layout of the
// numpy array connectome_interpreter uses: values[(b * sensory + j) * steps + t]. The owning
// counterpart of array_view, which the network and the other functions take (view()).
struct input_array {
  std::int64_t batch = 0, sensory = 0, steps = 0;
  std::vector<float> values;

  input_array() = default;
  input_array(std::int64_t batch, std::int64_t sensory, std::int64_t steps);
  float& at(std::int64_t b, std::int64_t j, std::int64_t t) {
    return values[static_cast<std::size_t>((b * sensory + j) * steps + t)];
  }
  float at(std::int64_t b, std::int64_t j, std::int64_t t) const {
    return values[static_cast<std::size_t>((b * sensory + j) * steps + t)];
  }
  std::vector<std::int64_t> shape() const { return {batch, sensory, steps}; }
  array_view<const float> view() const { return {values, shape()}; }
};

// Activations per group (rows) and per batch item or named condition (columns).
struct group_table {
  std::vector<std::string> groups;   // row names, unique
  std::vector<std::string> columns;  // column (batch) names, unique
  std::vector<double> values;        // groups.size() x columns.size(), row-major
  double at(std::size_t row, std::size_t column) const {
    return values[row * columns.size() + column];
  }
  // Throws kenyon::error naming the group or column for duplicate names, a value count
  // that does not match, or a value that is not a finite number.
  void validate() const;
};

// Reads a table written like pandas' df.reset_index().to_csv(index=False): a header row
// (the first cell names the group column and is otherwise ignored, the others are the
// column names), then one row per group: its name, then one number per column. Fields may
// be double-quoted; blank lines are skipped. Throws file_error naming the file, the line
// and the column for a missing header, a row with the wrong number of fields, a value that
// is not a finite number, or a duplicate group or column name.
group_table read_group_table_csv(const std::filesystem::path& path);

// connectome_interpreter's input_from_df: the result has shape (table columns, number of
// sensory neurons, num_layers). For column c and sensory position j the value is the
// table's entry for (idx_to_group[sensory_indices[j]], c), or 0 if that group is not a
// row of the table; it is written at every listed timepoint and all other entries are 0.
// Rows for groups no sensory neuron belongs to are ignored. idx_to_group has one entry per
// neuron. Throws parameter_error naming the offending item for a sensory index outside
// idx_to_group, num_layers < 1, or a timepoint outside 0 .. num_layers - 1.
input_array input_from_table(const group_table& table,
                             std::span<const std::int64_t> sensory_indices,
                             std::span<const std::string> idx_to_group, std::int64_t num_layers,
                             std::span<const std::int64_t> timepoints);

}  // namespace kenyon::ratenet

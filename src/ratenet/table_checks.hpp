#pragma once
// Private to the ratenet table functions (path_tables, activation_summary, neuroglancer):
// argument checks on arrays, indices and mappings, and cells read as neuron keys, so that
// every table function words the same mistake the same way.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "kenyon/core/array_view.hpp"
#include "kenyon/core/table.hpp"

namespace kenyon::ratenet::detail {

// One (rows, cols) slice of an array, row-major.
struct matrix_view {
  const float* data = nullptr;
  std::int64_t rows = 0, cols = 0;
  float at(std::int64_t r, std::int64_t c) const { return data[r * cols + c]; }
};

// Checks that `a` has `dims` dimensions whose sizes match its values, all finite; throws
// parameter_error naming `name`.
void check_array(const array_view<const float>& a, std::size_t dims, const char* name);
// The whole of a 2-D array, or batch item `item` of a 3-D one.
matrix_view slice(const array_view<const float>& a, std::int64_t item);
// Every index within 0 .. neurons - 1 (and, if `unique`, none twice).
void check_indices(std::span<const std::int64_t> indices, std::int64_t neurons, const char* name,
                   bool unique);
// A per-neuron mapping is empty or has one entry per neuron.
void check_mapping_size(std::span<const std::string> mapping, std::int64_t neurons,
                        const char* name);

// A path row's layer as an integer; throws parameter_error naming the row.
std::int64_t layer_of(const cell& c, std::size_t row);
// A cell as a number (text is parsed); throws parameter_error naming `what` and the row.
double cell_number(const cell& c, const char* what, std::size_t row);
// A double's identity as pandas' drop_duplicates sees it: every NaN alike, 0 == -0.
std::uint64_t number_bits(double v);
// "time_<t>", the column names of activation summaries.
std::string time_column(std::int64_t t);

}  // namespace kenyon::ratenet::detail

#include "table_checks.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include "kenyon/core/error.hpp"

namespace kenyon::ratenet::detail {

namespace {

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string s = "(";
  for (std::size_t k = 0; k < shape.size(); ++k) s += (k ? ", " : "") + std::to_string(shape[k]);
  return s + ")";
}

}  // namespace

// Checks that `a` has `dims` dimensions whose sizes match its values, all finite.
void check_array(const array_view<const float>& a, std::size_t dims, const char* name) {
  if (a.shape.size() != dims)
    throw parameter_error(
        name, "expected a " + std::to_string(dims) + "-D array, got shape " + shape_text(a.shape));
  std::int64_t size = 1;
  for (auto d : a.shape) {
    if (d < 0) throw parameter_error(name, "negative size in shape " + shape_text(a.shape));
    size *= d;
  }
  if (size != static_cast<std::int64_t>(a.values.size()))
    throw parameter_error(name, "shape " + shape_text(a.shape) + " needs " + std::to_string(size) +
                                    " values, got " + std::to_string(a.values.size()));
  for (std::size_t k = 0; k < a.values.size(); ++k)
    if (!std::isfinite(a.values[k]))
      throw parameter_error(name, "value " + std::to_string(a.values[k]) + " at flat position " +
                                      std::to_string(k) + " is not a finite number");
}

matrix_view slice(const array_view<const float>& a, std::int64_t item) {
  if (a.shape.size() == 2) return {a.values.data(), a.shape[0], a.shape[1]};
  return {a.values.data() + item * a.shape[1] * a.shape[2], a.shape[1], a.shape[2]};
}

void check_indices(std::span<const std::int64_t> indices, std::int64_t neurons, const char* name,
                   bool unique) {
  std::vector<char> seen(unique ? static_cast<std::size_t>(std::max<std::int64_t>(neurons, 0)) : 0);
  for (std::size_t k = 0; k < indices.size(); ++k) {
    const auto i = indices[k];
    if (i < 0 || i >= neurons)
      throw parameter_error(name, "neuron " + std::to_string(i) + " (position " +
                                      std::to_string(k) + ") is outside 0.." +
                                      std::to_string(neurons - 1));
    if (unique) {
      if (seen[static_cast<std::size_t>(i)])
        throw parameter_error(name, "neuron " + std::to_string(i) + " appears twice");
      seen[static_cast<std::size_t>(i)] = 1;
    }
  }
}

void check_mapping_size(std::span<const std::string> mapping, std::int64_t neurons,
                        const char* name) {
  if (!mapping.empty() && static_cast<std::int64_t>(mapping.size()) != neurons)
    throw parameter_error(name, std::to_string(mapping.size()) + " entries for " +
                                    std::to_string(neurons) + " neurons");
}

std::int64_t layer_of(const cell& c, std::size_t row) {
  const auto l = cell_integer(c);
  if (!l)
    throw parameter_error("path", "row " + std::to_string(row) + ": layer '" + format_cell(c) +
                                      "' is not an integer");
  return *l;
}

double cell_number(const cell& c, const char* what, std::size_t row) {
  if (const auto* d = std::get_if<double>(&c)) return *d;
  if (const auto* i = std::get_if<std::int64_t>(&c)) return static_cast<double>(*i);
  const auto& s = std::get<std::string>(c);
  double v = 0;
  const auto res = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || res.ec != std::errc() || res.ptr != s.data() + s.size())
    throw parameter_error(what, "row " + std::to_string(row) + ": '" + s + "' is not a number");
  return v;
}

// A double's identity as pandas' drop_duplicates sees it: every NaN alike, 0 == -0.
std::uint64_t number_bits(double v) {
  if (std::isnan(v)) return 0x7ff8000000000000u;
  if (v == 0) v = 0;
  std::uint64_t bits = 0;
  std::memcpy(&bits, &v, sizeof bits);
  return bits;
}

std::string time_column(std::int64_t t) { return "time_" + std::to_string(t); }

}  // namespace kenyon::ratenet::detail

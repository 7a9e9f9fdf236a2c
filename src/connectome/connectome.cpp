#include "kenyon/connectome/connectome.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>
#include <unordered_set>

#include "kenyon/core/error.hpp"
#include "kenyon/core/files.hpp"

namespace kenyon::connectome {

void neuron_table::add(std::int64_t neuron_id, std::string cell_type, int neuron_sign,
                       bool is_sensory, std::string neuron_side) {
  id.push_back(neuron_id);
  type.push_back(std::move(cell_type));
  sign.push_back(neuron_sign);
  sensory.push_back(is_sensory ? 1 : 0);
  side.push_back(std::move(neuron_side));
  if (!column.empty()) column.push_back(-1);
  if (!cell_class.empty()) cell_class.emplace_back();
}

void neuron_table::validate() const {
  const auto n = id.size();
  if (type.size() != n || sign.size() != n || sensory.size() != n || side.size() != n ||
      (!column.empty() && column.size() != n) || (!cell_class.empty() && cell_class.size() != n))
    throw error(
        "neuron table: the id, type, sign, sensory, side, column and class lists differ in "
        "length");
  std::unordered_set<std::int64_t> seen;
  seen.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (!seen.insert(id[i]).second)
      throw error("neuron table: id " + std::to_string(id[i]) + " appears more than once");
    if (type[i].empty())
      throw error("neuron table: neuron " + std::to_string(id[i]) + " has no type");
    if (sign[i] != 1 && sign[i] != -1)
      throw error("neuron table: neuron " + std::to_string(id[i]) + " has sign " +
                  std::to_string(sign[i]) + ", expected +1 or -1");
  }
}

sparse::csr_matrix connectome::signed_weights() const {
  if (edge_sign.empty()) return sparse::signed_from_inprop(inprop, neurons.sign);
  sparse::csr_matrix signed_pre = inprop;
  for (std::size_t k = 0; k < signed_pre.value.size(); ++k)
    if (edge_sign[k] < 0) signed_pre.value[k] = -signed_pre.value[k];
  return sparse::transpose(signed_pre);
}

std::vector<std::int64_t> connectome::sensory_indices() const {
  std::vector<std::int64_t> out;
  for (std::int64_t i = 0; i < size(); ++i)
    if (neurons.sensory[static_cast<std::size_t>(i)]) out.push_back(i);
  return out;
}

namespace {

// A hint for an unknown selector: the types (and classes) that contain it or start like it
// (ignoring case), else how many types (and classes) there are and a few of them.
std::string type_hint(const neuron_table& neurons, std::string_view selector) {
  const std::set<std::string> types(neurons.type.begin(), neurons.type.end());
  std::set<std::string> classes;
  for (const auto& c : neurons.cell_class)
    if (!c.empty() && !types.contains(c)) classes.insert(c);  // a type wins over its class
  const auto key = to_lower(selector);
  const auto stem = key.substr(0, std::min<std::size_t>(3, key.size()));
  const auto close_to = [&](const std::set<std::string>& names) {
    std::vector<std::string> close;
    for (const auto& n : names) {
      const auto ln = to_lower(n);
      if (ln.find(key) != std::string::npos || key.find(ln) != std::string::npos ||
          (!stem.empty() && ln.rfind(stem, 0) == 0))
        close.push_back(n);
    }
    return close;
  };
  const auto list_of = [](const std::vector<std::string>& names) {
    std::string list;
    for (std::size_t k = 0; k < std::min<std::size_t>(names.size(), 8); ++k)
      list += (k ? ", " : "") + names[k];
    if (names.size() > 8) list += ", ...";
    return list;
  };
  const auto close_types = close_to(types), close_classes = close_to(classes);
  std::string hint;
  if (!close_types.empty()) hint = "similar types: " + list_of(close_types);
  if (!close_classes.empty())
    hint += (hint.empty() ? "" : "; ") + std::string("similar classes: ") + list_of(close_classes);
  if (hint.empty()) {
    hint = std::to_string(types.size()) + " types, e.g. " +
           list_of(std::vector<std::string>(types.begin(), types.end()));
    if (!classes.empty())
      hint += "; " + std::to_string(classes.size()) + " classes, e.g. " +
              list_of(std::vector<std::string>(classes.begin(), classes.end()));
  }
  return " (" + hint + ")";
}

bool matches(std::string_view pattern, const std::string& name) {
  return fnmatch(std::string(pattern).c_str(), name.c_str(), 0) == 0;
}

// Indices of the neurons whose entry of `names` equals (or, for a pattern, matches) the
// selector.
std::vector<std::int64_t> select_by(const std::vector<std::string>& names,
                                    std::string_view selector, bool pattern) {
  std::vector<std::int64_t> out;
  for (std::size_t i = 0; i < names.size(); ++i)
    if (pattern ? matches(selector, names[i]) : names[i] == selector)
      out.push_back(static_cast<std::int64_t>(i));
  return out;
}

}  // namespace

bool connectome::is_class(std::string_view name) const {
  if (name.empty()) return false;
  const auto& c = neurons.cell_class;
  const auto& t = neurons.type;
  return std::find(c.begin(), c.end(), name) != c.end() &&
         std::find(t.begin(), t.end(), name) == t.end();
}

std::vector<std::string> connectome::types_of_class(std::string_view name) const {
  std::set<std::string> out;
  for (std::size_t i = 0; i < neurons.cell_class.size(); ++i)
    if (!name.empty() && neurons.cell_class[i] == name) out.insert(neurons.type[i]);
  return {out.begin(), out.end()};
}

std::vector<std::int64_t> connectome::select(std::string_view selector) const {
  // A type wins over a class of the same name; empty classes ("" = none) select nothing.
  auto out = select_by(neurons.type, selector, false);
  if (!out.empty()) return out;
  if (!selector.empty() && !(out = select_by(neurons.cell_class, selector, false)).empty())
    return out;
  if (selector.find_first_of("*?[") != std::string_view::npos) {
    if (!(out = select_by(neurons.type, selector, true)).empty()) return out;
    if (!(out = select_by(neurons.cell_class, selector, true)).empty()) return out;
  }
  std::int64_t value = 0;
  const auto* end = selector.data() + selector.size();
  if (auto [p, ec] = std::from_chars(selector.data(), end, value); ec == std::errc() && p == end) {
    for (std::int64_t i = 0; i < size(); ++i)
      if (neurons.id[static_cast<std::size_t>(i)] == value) return {i};
  }
  const std::string kind =
      neurons.has_classes() ? "neuron, cell type or class" : "neuron or cell type";
  throw unknown_name_error(std::string(selector), kind,
                           "unknown " + kind + " '" + std::string(selector) + "' in connectome " +
                               name + type_hint(neurons, selector));
}

std::unordered_map<std::int64_t, std::int64_t> connectome::id_to_index() const {
  std::unordered_map<std::int64_t, std::int64_t> out;
  out.reserve(neurons.id.size());
  for (std::size_t i = 0; i < neurons.id.size(); ++i)
    out.emplace(neurons.id[i], static_cast<std::int64_t>(i));
  return out;
}

void connectome::validate() const {
  neurons.validate();
  if (inprop.rows != size() || inprop.cols != size())
    throw error("connectome " + name + ": the matrix is " + std::to_string(inprop.rows) + " x " +
                std::to_string(inprop.cols) + " but there are " + std::to_string(size()) +
                " neurons");
  for (std::int64_t r = 0; r < inprop.rows; ++r)
    for (auto k = inprop.row_begin[static_cast<std::size_t>(r)];
         k < inprop.row_begin[static_cast<std::size_t>(r) + 1]; ++k) {
      const float v = inprop.value[static_cast<std::size_t>(k)];
      if (!std::isfinite(v) || v < 0)
        throw error(
            "connectome " + name + ": weight from neuron " +
            std::to_string(neurons.id[static_cast<std::size_t>(r)]) + " to neuron " +
            std::to_string(
                neurons.id[static_cast<std::size_t>(inprop.col[static_cast<std::size_t>(k)])]) +
            " is " + std::to_string(v) + ", expected a finite value >= 0");
    }
  if (!edge_sign.empty()) {
    if (edge_sign.size() != inprop.value.size())
      throw error("connectome " + name + ": " + std::to_string(edge_sign.size()) +
                  " connection signs for " + std::to_string(inprop.value.size()) + " connections");
    for (auto s : edge_sign)
      if (s != 1 && s != -1) throw error("connectome " + name + ": a connection sign is not +-1");
  }
}

}  // namespace kenyon::connectome

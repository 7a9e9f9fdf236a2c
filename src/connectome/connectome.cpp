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
}

void neuron_table::validate() const {
  const auto n = id.size();
  if (type.size() != n || sign.size() != n || sensory.size() != n || side.size() != n ||
      (!column.empty() && column.size() != n))
    throw error(
        "neuron table: the id, type, sign, sensory, side and column lists differ in length");
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

// A hint for an unknown selector: the types that contain it or start like it (ignoring
// case), else how many types there are and a few of them.
std::string type_hint(const std::vector<std::string>& types, std::string_view selector) {
  std::set<std::string> distinct(types.begin(), types.end());
  const auto key = to_lower(selector);
  const auto stem = key.substr(0, std::min<std::size_t>(3, key.size()));
  std::vector<std::string> close;
  for (const auto& t : distinct) {
    const auto lt = to_lower(t);
    if (lt.find(key) != std::string::npos || key.find(lt) != std::string::npos ||
        (!stem.empty() && lt.rfind(stem, 0) == 0))
      close.push_back(t);
  }
  const bool similar = !close.empty();
  if (!similar) close.assign(distinct.begin(), distinct.end());
  std::string list;
  for (std::size_t k = 0; k < std::min<std::size_t>(close.size(), 8); ++k)
    list += (k ? ", " : "") + close[k];
  if (close.size() > 8) list += ", ...";
  return similar ? " (similar types: " + list + ")"
                 : " (" + std::to_string(distinct.size()) + " types, e.g. " + list + ")";
}

}  // namespace

std::vector<std::int64_t> connectome::select(std::string_view selector) const {
  std::vector<std::int64_t> out;
  for (std::int64_t i = 0; i < size(); ++i)
    if (neurons.type[static_cast<std::size_t>(i)] == selector) out.push_back(i);
  if (!out.empty()) return out;
  if (selector.find_first_of("*?[") != std::string_view::npos) {
    const std::string pattern(selector);
    for (std::int64_t i = 0; i < size(); ++i)
      if (fnmatch(pattern.c_str(), neurons.type[static_cast<std::size_t>(i)].c_str(), 0) == 0)
        out.push_back(i);
    if (!out.empty()) return out;
  }
  std::int64_t value = 0;
  const auto* end = selector.data() + selector.size();
  if (auto [p, ec] = std::from_chars(selector.data(), end, value); ec == std::errc() && p == end) {
    for (std::int64_t i = 0; i < size(); ++i)
      if (neurons.id[static_cast<std::size_t>(i)] == value) return {i};
  }
  throw unknown_name_error(std::string(selector), "neuron or cell type",
                           "unknown neuron or cell type '" + std::string(selector) +
                               "' in connectome " + name + type_hint(neurons.type, selector));
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

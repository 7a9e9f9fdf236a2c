#include "kenyon/ratenet/tables.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <numeric>
#include <optional>
#include <set>
#include <unordered_map>
#include <utility>

#include "kenyon/core/error.hpp"
#include "kenyon/core/files.hpp"

namespace kenyon::ratenet {
namespace {

// ---------------------------------------------------------------- formatting

// Python's repr of a float (what pandas writes for float64): the shortest digits that
// round-trip, in fixed notation for decimal exponents -4 .. 15, else d.ddde+XX.
std::string python_repr(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string s(buf, res.ptr);
  const bool negative = s.front() == '-';
  if (negative) s.erase(0, 1);
  const auto e = s.find('e');
  const int exponent = std::atoi(s.c_str() + e + 1);
  std::string digits;
  for (std::size_t k = 0; k < e; ++k)
    if (s[k] != '.') digits += s[k];
  std::string out;
  if (exponent >= -4 && exponent < 16) {
    if (exponent < 0) {
      out = "0." + std::string(static_cast<std::size_t>(-exponent - 1), '0') + digits;
    } else {
      const auto whole = static_cast<std::size_t>(exponent + 1);
      if (digits.size() <= whole)
        out = digits + std::string(whole - digits.size(), '0') + ".0";
      else
        out = digits.substr(0, whole) + "." + digits.substr(whole);
    }
  } else {
    out = digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char tail[16];
    std::snprintf(tail, sizeof tail, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
    out += tail;
  }
  return negative ? "-" + out : out;
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

std::string time_column(std::int64_t t) { return "time_" + std::to_string(t); }

// ---------------------------------------------------------------- argument checks

struct matrix_view {
  const float* data = nullptr;
  std::int64_t rows = 0, cols = 0;
  float at(std::int64_t r, std::int64_t c) const { return data[r * cols + c]; }
};

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string s = "(";
  for (std::size_t k = 0; k < shape.size(); ++k) s += (k ? ", " : "") + std::to_string(shape[k]);
  return s + ")";
}

// Checks that `a` has `dims` dimensions whose sizes match its values, all finite.
void check_array(const array_ref& a, std::size_t dims, const char* name) {
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

matrix_view slice(const array_ref& a, std::int64_t item) {
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

// ---------------------------------------------------------------- numpy's sort order

// numpy's float comparison for sorting: NaN after everything.
bool float_less(float a, float b) { return a < b || (b != b && a == a); }

// numpy's aheapsort (the introsort fallback), on t[0 .. n).
void numpy_heapsort(const std::vector<float>& v, std::int64_t* t, std::int64_t n) {
  auto a = [t](std::int64_t k) -> std::int64_t& { return t[k - 1]; };  // 1-based, as numpy
  for (std::int64_t l = n >> 1; l > 0; --l) {
    const auto tmp = a(l);
    std::int64_t i = l;
    for (std::int64_t j = l << 1; j <= n;) {
      if (j < n && float_less(v[a(j)], v[a(j + 1)])) j += 1;
      if (!float_less(v[tmp], v[a(j)])) break;
      a(i) = a(j);
      i = j;
      j += j;
    }
    a(i) = tmp;
  }
  for (; n > 1;) {
    const auto tmp = a(n);
    a(n) = a(1);
    n -= 1;
    std::int64_t i = 1;
    for (std::int64_t j = 2; j <= n;) {
      if (j < n && float_less(v[a(j)], v[a(j + 1)])) j++;
      if (!float_less(v[tmp], v[a(j)])) break;
      a(i) = a(j);
      i = j;
      j += j;
    }
    a(i) = tmp;
  }
}

// np.argsort(v, kind="quicksort") as numpy 1.24 computes it (introsort: median-of-three
// quicksort, insertion sort below 16 elements, heapsort past the depth limit). It is not
// stable, and which of several equal keys comes first decides the row order of the
// original's path tables, so the algorithm is followed step for step.
std::vector<std::int64_t> numpy_argsort(const std::vector<float>& v) {
  const auto num = static_cast<std::int64_t>(v.size());
  std::vector<std::int64_t> t(v.size());
  std::iota(t.begin(), t.end(), std::int64_t{0});
  if (num < 2) return t;
  auto key = [&](std::int64_t p) { return v[static_cast<std::size_t>(t[p])]; };
  std::vector<std::int64_t> stack;
  std::vector<int> depths;
  int cdepth = 0;
  for (auto u = static_cast<std::uint64_t>(num); u >>= 1;) ++cdepth;
  cdepth *= 2;
  std::int64_t pl = 0, pr = num - 1;
  for (;;) {
    if (cdepth < 0) {
      numpy_heapsort(v, t.data() + pl, pr - pl + 1);
    } else {
      while (pr - pl > 15) {
        const std::int64_t pm = pl + ((pr - pl) >> 1);
        if (float_less(key(pm), key(pl))) std::swap(t[pm], t[pl]);
        if (float_less(key(pr), key(pm))) std::swap(t[pr], t[pm]);
        if (float_less(key(pm), key(pl))) std::swap(t[pm], t[pl]);
        const float vp = key(pm);
        std::int64_t pi = pl, pj = pr - 1;
        std::swap(t[pm], t[pj]);
        for (;;) {
          do ++pi;
          while (float_less(key(pi), vp));
          do --pj;
          while (float_less(vp, key(pj)));
          if (pi >= pj) break;
          std::swap(t[pi], t[pj]);
        }
        std::swap(t[pi], t[pr - 1]);
        // The larger part waits on the stack.
        if (pi - pl < pr - pi) {
          stack.push_back(pi + 1);
          stack.push_back(pr);
          pr = pi - 1;
        } else {
          stack.push_back(pl);
          stack.push_back(pi - 1);
          pl = pi + 1;
        }
        depths.push_back(--cdepth);
      }
      for (std::int64_t pi = pl + 1; pi <= pr; ++pi) {
        const auto vi = t[pi];
        const float vp = v[static_cast<std::size_t>(vi)];
        std::int64_t pj = pi;
        while (pj > pl && float_less(vp, key(pj - 1))) {
          t[pj] = t[pj - 1];
          --pj;
        }
        t[pj] = vi;
      }
    }
    if (stack.empty()) break;
    pr = stack.back();
    stack.pop_back();
    pl = stack.back();
    stack.pop_back();
    cdepth = depths.back();
    depths.pop_back();
  }
  return t;
}

// The row order of pandas' sort_values(ascending=False) on one float32 column: it
// reverses the values, argsorts them with numpy's quicksort and reverses the result.
std::vector<std::int64_t> pandas_descending_order(const std::vector<float>& keys) {
  const auto n = static_cast<std::int64_t>(keys.size());
  const std::vector<float> reversed(keys.rbegin(), keys.rend());
  const auto p = numpy_argsort(reversed);
  std::vector<std::int64_t> order(keys.size());
  for (std::int64_t k = 0; k < n; ++k) order[k] = n - 1 - p[n - 1 - k];
  return order;
}

// ---------------------------------------------------------------- groups for path tables

// Group names of the pre (in) and post (out) mappings in one sorted list, so that a name
// means the same group on both sides (the original matches groups by their text) and
// group ids order like pandas orders the text keys.
struct path_groups {
  std::vector<std::string> names;
  std::vector<std::int32_t> in, out;  // per neuron
};

path_groups name_path_groups(std::int64_t neurons, std::span<const std::string> in_map,
                             std::span<const std::string> out_map) {
  const auto n = static_cast<std::size_t>(neurons);
  std::vector<std::string> in_names(n), out_names;
  for (std::size_t i = 0; i < n; ++i) in_names[i] = in_map.empty() ? std::to_string(i) : in_map[i];
  if (!out_map.empty()) out_names.assign(out_map.begin(), out_map.end());
  path_groups g;
  g.names = in_names;
  g.names.insert(g.names.end(), out_names.begin(), out_names.end());
  std::sort(g.names.begin(), g.names.end());
  g.names.erase(std::unique(g.names.begin(), g.names.end()), g.names.end());
  std::unordered_map<std::string_view, std::int32_t> id;
  id.reserve(g.names.size());
  for (std::size_t k = 0; k < g.names.size(); ++k)
    id.emplace(g.names[k], static_cast<std::int32_t>(k));
  g.in.resize(n);
  for (std::size_t i = 0; i < n; ++i) g.in[i] = id.at(in_names[i]);
  if (out_names.empty()) {
    g.out = g.in;
  } else {
    g.out.resize(n);
    for (std::size_t i = 0; i < n; ++i) g.out[i] = id.at(out_names[i]);
  }
  return g;
}

// get_activations for one column: the mean activation per group over the rows that pass
// the threshold (applied only if > 0); NaN for groups without such rows. float32
// comparison, as numpy compares a float32 array with a Python float.
template <class value_of, class group_of>
std::vector<double> active_groups(std::int64_t rows, std::size_t groups, double threshold,
                                  value_of&& value, group_of&& group) {
  std::vector<double> sum(groups, 0.0);
  std::vector<std::int64_t> count(groups, 0);
  const float thr = static_cast<float>(threshold);
  for (std::int64_t r = 0; r < rows; ++r) {
    const float x = value(r);
    if (threshold > 0 && x < thr) continue;
    const auto g = static_cast<std::size_t>(group(r));
    sum[g] += x;
    ++count[g];
  }
  std::vector<double> mean(groups, std::nan(""));
  for (std::size_t g = 0; g < groups; ++g)
    if (count[g]) mean[g] = sum[g] / static_cast<double>(count[g]);
  return mean;
}

struct group_edge {
  std::int32_t pre, post;
  double weight;
};

// result_summary + adjacency_df_to_el: the group matrix over presynaptic neurons `is_pre`
// and postsynaptic neurons `is_post` (inputs summed over a pre group, averaged over the
// post group's selected neurons), rows without an entry >= 1e-3 in magnitude dropped,
// rows sorted like pandas by decreasing value in the first post group's column, then
// stacked row by row (post groups in order), keeping entries >= connectivity_threshold
// and not 0. Sparse: visits only the selected rows of inprop.
std::vector<group_edge> group_connectivity(const sparse::csr_matrix& inprop,
                                           const std::vector<char>& is_pre,
                                           const std::vector<char>& is_post, const path_groups& g,
                                           double connectivity_threshold) {
  const std::size_t groups = g.names.size();
  const auto n = static_cast<std::size_t>(inprop.rows);
  std::vector<std::int64_t> post_count(groups, 0);
  for (std::size_t j = 0; j < n; ++j)
    if (is_post[j]) ++post_count[static_cast<std::size_t>(g.out[j])];
  std::int64_t first = -1;
  for (std::size_t h = 0; h < groups && first < 0; ++h)
    if (post_count[h]) first = static_cast<std::int64_t>(h);
  if (first < 0) return {};

  // Selected presynaptic neurons by group (counting sort keeps index order).
  std::vector<std::int64_t> begin(groups + 1, 0), members;
  for (std::size_t i = 0; i < n; ++i)
    if (is_pre[i]) ++begin[static_cast<std::size_t>(g.in[i]) + 1];
  std::partial_sum(begin.begin(), begin.end(), begin.begin());
  members.resize(static_cast<std::size_t>(begin.back()));
  {
    auto next = begin;
    for (std::size_t i = 0; i < n; ++i)
      if (is_pre[i])
        members[static_cast<std::size_t>(next[static_cast<std::size_t>(g.in[i])]++)] =
            static_cast<std::int64_t>(i);
  }

  struct summary_row {
    std::int32_t group;
    std::size_t begin, end;  // into entries
  };
  std::vector<summary_row> rows;
  std::vector<float> keys;
  std::vector<std::pair<std::int32_t, double>> entries;
  std::vector<double> acc(groups, 0.0);
  std::vector<char> seen(groups, 0);
  std::vector<std::int32_t> touched;
  for (std::size_t grp = 0; grp < groups; ++grp) {
    if (begin[grp] == begin[grp + 1]) continue;
    for (auto m = begin[grp]; m < begin[grp + 1]; ++m) {
      const auto i = static_cast<std::size_t>(members[static_cast<std::size_t>(m)]);
      for (auto k = inprop.row_begin[i]; k < inprop.row_begin[i + 1]; ++k) {
        const auto j = static_cast<std::size_t>(inprop.col[static_cast<std::size_t>(k)]);
        if (!is_post[j]) continue;
        const auto h = g.out[j];
        if (!seen[static_cast<std::size_t>(h)]) {
          seen[static_cast<std::size_t>(h)] = 1;
          touched.push_back(h);
        }
        acc[static_cast<std::size_t>(h)] += inprop.value[static_cast<std::size_t>(k)];
      }
    }
    std::sort(touched.begin(), touched.end());
    const std::size_t row_begin = entries.size();
    bool keep = false;
    float key = 0;
    for (auto h : touched) {
      const auto hs = static_cast<std::size_t>(h);
      const double w = acc[hs] / static_cast<double>(post_count[hs]);
      acc[hs] = 0;
      seen[hs] = 0;
      // pandas holds these as float32 and compares them with Python floats in float32.
      const float wf = static_cast<float>(w);
      if (std::abs(wf) >= 1e-3f) keep = true;
      if (h == first) key = wf;
      if (w != 0) entries.emplace_back(h, w);
    }
    touched.clear();
    if (keep) {
      rows.push_back({static_cast<std::int32_t>(grp), row_begin, entries.size()});
      keys.push_back(key);
    } else {
      entries.resize(row_begin);
    }
  }

  std::vector<group_edge> edges;
  const float thr = static_cast<float>(connectivity_threshold);
  for (auto r : pandas_descending_order(keys)) {
    const auto& row = rows[static_cast<std::size_t>(r)];
    for (auto e = row.begin; e < row.end; ++e)
      if (static_cast<float>(entries[e].second) >= thr)
        edges.push_back({row.group, entries[e].first, entries[e].second});
  }
  return edges;
}

// activations_to_df for one (input, output) pair; appends to `result` (with `batch` as a
// last cell when >= 0).
void add_paths(const sparse::csr_matrix& inprop, const matrix_view& input, const matrix_view& out,
               std::span<const std::int64_t> sensory, const path_groups& g,
               const path_table_options& o, std::int64_t batch, table& result) {
  const std::size_t groups = g.names.size();
  const auto n = static_cast<std::size_t>(out.rows);
  const auto sensory_act = active_groups(
      input.rows, groups, o.activation_threshold, [&](std::int64_t r) { return input.at(r, 0); },
      [&](std::int64_t r) { return g.in[static_cast<std::size_t>(sensory[r])]; });
  std::vector<std::vector<double>> act(static_cast<std::size_t>(out.cols));
  for (std::int64_t l = 0; l < out.cols; ++l)
    act[static_cast<std::size_t>(l)] = active_groups(
        out.rows, groups, o.activation_threshold, [&](std::int64_t r) { return out.at(r, l); },
        [&](std::int64_t r) { return g.out[static_cast<std::size_t>(r)]; });

  const std::string item = batch >= 0 ? " (batch item " + std::to_string(batch) + ")" : "";
  std::vector<group_edge> all_edges;
  if (o.high_ram) {
    // One matrix over every group active anywhere (the pre side also the active input).
    std::vector<char> post_group(groups, 0), pre_group(groups, 0);
    for (const auto& a : act)
      for (std::size_t h = 0; h < groups; ++h)
        if (!std::isnan(a[h])) post_group[h] = 1;
    for (std::size_t h = 0; h < groups; ++h)
      pre_group[h] = post_group[h] || !std::isnan(sensory_act[h]);
    std::vector<char> is_pre(n), is_post(n);
    bool any_pre = false, any_post = false;
    for (std::size_t i = 0; i < n; ++i) {
      is_pre[i] = pre_group[static_cast<std::size_t>(g.in[i])];
      is_post[i] = post_group[static_cast<std::size_t>(g.out[i])];
      any_pre |= is_pre[i] != 0;
      any_post |= is_post[i] != 0;
    }
    if (!any_pre || !any_post)
      throw parameter_error("activation_threshold",
                            "no active neurons" + item + "; consider lowering it");
    all_edges = group_connectivity(inprop, is_pre, is_post, g, o.connectivity_threshold);
  }

  bool any = false;
  for (std::int64_t l = 0; l < out.cols; ++l) {
    const auto& pre = l == 0 ? sensory_act : act[static_cast<std::size_t>(l - 1)];
    const auto& post = act[static_cast<std::size_t>(l)];
    std::vector<group_edge> layer_edges;
    if (o.high_ram) {
      for (const auto& e : all_edges)
        if (!std::isnan(pre[static_cast<std::size_t>(e.pre)]) &&
            !std::isnan(post[static_cast<std::size_t>(e.post)]))
          layer_edges.push_back(e);
    } else {
      std::vector<char> is_pre(n), is_post(n);
      for (std::size_t i = 0; i < n; ++i) {
        is_pre[i] = !std::isnan(pre[static_cast<std::size_t>(g.in[i])]);
        is_post[i] = !std::isnan(post[static_cast<std::size_t>(g.out[i])]);
      }
      layer_edges = group_connectivity(inprop, is_pre, is_post, g, o.connectivity_threshold);
    }
    if (layer_edges.empty()) {
      result.warnings.push_back("No connections found in layer " + std::to_string(l + 1) + item +
                                ".");
      continue;
    }
    any = true;
    for (const auto& e : layer_edges) {
      std::vector<cell> row{g.names[static_cast<std::size_t>(e.pre)],
                            g.names[static_cast<std::size_t>(e.post)],
                            e.weight,
                            std::int64_t{l + 1},
                            pre[static_cast<std::size_t>(e.pre)],
                            post[static_cast<std::size_t>(e.post)]};
      if (batch >= 0) row.emplace_back(batch);
      result.rows.push_back(std::move(row));
    }
  }
  if (!any)
    throw parameter_error("activation_threshold",
                          "no connections between active groups in any layer" + item +
                              "; consider lowering the activation or connectivity threshold");
}

void check_path_inputs(const sparse::csr_matrix& inprop, std::int64_t neurons,
                       std::int64_t sensory_rows, std::span<const std::int64_t> sensory,
                       const path_table_options& o) {
  if (inprop.rows != inprop.cols)
    throw parameter_error("inprop", "must be square (neurons x neurons), got " +
                                        std::to_string(inprop.rows) + " x " +
                                        std::to_string(inprop.cols));
  if (inprop.rows != neurons)
    throw parameter_error("out", "has " + std::to_string(neurons) + " neurons, inprop " +
                                     std::to_string(inprop.rows));
  if (static_cast<std::int64_t>(sensory.size()) != sensory_rows)
    throw parameter_error("model_input", "has " + std::to_string(sensory_rows) + " rows for " +
                                             std::to_string(sensory.size()) + " sensory_indices");
  check_indices(sensory, neurons, "sensory_indices", true);
  check_mapping_size(o.inidx_mapping, neurons, "inidx_mapping");
  check_mapping_size(o.outidx_mapping, neurons, "outidx_mapping");
}

table path_table(bool batched) {
  table t;
  t.columns = {"pre", "post", "weight", "layer", "pre_activation", "post_activation"};
  if (batched) t.columns.push_back("batch");
  return t;
}

// ---------------------------------------------------------------- cells as keys

std::optional<std::int64_t> parse_integer(std::string_view s) {
  std::int64_t v = 0;
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  const auto res = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || res.ec != std::errc() || res.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

// A cell naming a neuron by index: an integer, an integral float or integer text.
std::optional<std::int64_t> cell_index(const cell& c) {
  if (const auto* i = std::get_if<std::int64_t>(&c)) return *i;
  if (const auto* d = std::get_if<double>(&c)) {
    if (std::isfinite(*d) && *d == std::floor(*d) && std::abs(*d) < 9.2e18)
      return static_cast<std::int64_t>(*d);
    return std::nullopt;
  }
  return parse_integer(std::get<std::string>(c));
}

std::int64_t layer_of(const cell& c, std::size_t row) {
  const auto l = cell_index(c);
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

}  // namespace

// ---------------------------------------------------------------- table

std::size_t table::column(std::string_view name) const {
  for (std::size_t k = 0; k < columns.size(); ++k)
    if (columns[k] == name) return k;
  throw parameter_error(std::string(name), "no such column in the table");
}

const cell& table::at(std::size_t row, std::string_view column_name) const {
  return rows.at(row).at(column(column_name));
}

void table::add_row(std::vector<cell> row) {
  if (row.size() != columns.size())
    throw internal_error("table: row has " + std::to_string(row.size()) + " cells, " +
                         std::to_string(columns.size()) + " columns");
  rows.push_back(std::move(row));
}

std::string format_cell(const cell& value) {
  if (const auto* s = std::get_if<std::string>(&value)) return *s;
  if (const auto* i = std::get_if<std::int64_t>(&value)) return std::to_string(*i);
  const double d = std::get<double>(value);
  return std::isnan(d) ? std::string() : python_repr(d);
}

std::string table::to_csv() const {
  std::string out;
  for (std::size_t k = 0; k < columns.size(); ++k) {
    if (k) out += ',';
    out += csv_field(columns[k]);
  }
  out += '\n';
  for (const auto& row : rows) {
    for (std::size_t k = 0; k < row.size(); ++k) {
      if (k) out += ',';
      out += std::holds_alternative<std::string>(row[k]) ? csv_field(std::get<std::string>(row[k]))
                                                         : format_cell(row[k]);
    }
    out += '\n';
  }
  return out;
}

table read_table_csv(const std::filesystem::path& path) {
  table t;
  std::vector<std::vector<std::string>> text;
  read_csv_records(path, [&](std::size_t line, std::vector<std::string>& fields) {
    if (t.columns.empty()) {
      t.columns = std::move(fields);
      return;
    }
    if (fields.size() != t.columns.size())
      throw file_error(path.string(),
                       std::to_string(fields.size()) + " fields, the header has " +
                           std::to_string(t.columns.size()),
                       line);
    text.push_back(std::move(fields));
  });
  if (t.columns.empty()) throw file_error(path.string(), "no header line");
  const std::size_t cols = t.columns.size();
  enum class kind { integer, number, text };
  std::vector<kind> kinds(cols, kind::integer);
  for (std::size_t c = 0; c < cols; ++c) {
    for (const auto& row : text) {
      const auto& s = row[c];
      if (kinds[c] == kind::integer && !parse_integer(s)) kinds[c] = kind::number;
      if (kinds[c] == kind::number && !s.empty()) {
        double v = 0;
        const auto res = std::from_chars(s.data(), s.data() + s.size(), v);
        if (res.ec != std::errc() || res.ptr != s.data() + s.size()) kinds[c] = kind::text;
      }
      if (kinds[c] == kind::text) break;
    }
    if (text.empty()) kinds[c] = kind::text;
  }
  t.rows.reserve(text.size());
  for (auto& row : text) {
    std::vector<cell> cells;
    cells.reserve(cols);
    for (std::size_t c = 0; c < cols; ++c) {
      if (kinds[c] == kind::integer) {
        cells.emplace_back(*parse_integer(row[c]));
      } else if (kinds[c] == kind::number) {
        double v = std::nan("");
        if (!row[c].empty()) std::from_chars(row[c].data(), row[c].data() + row[c].size(), v);
        cells.emplace_back(v);
      } else {
        cells.emplace_back(std::move(row[c]));
      }
    }
    t.rows.push_back(std::move(cells));
  }
  return t;
}

// ---------------------------------------------------------------- path tables

table activations_to_df(const sparse::csr_matrix& inprop, const array_ref& model_input,
                        const array_ref& out, std::span<const std::int64_t> sensory_indices,
                        const path_table_options& options) {
  check_array(model_input, 2, "model_input");
  check_array(out, 2, "out");
  if (model_input.shape[1] < 1)
    throw parameter_error("model_input", "needs at least one time step");
  check_path_inputs(inprop, out.shape[0], model_input.shape[0], sensory_indices, options);
  const auto g = name_path_groups(out.shape[0], options.inidx_mapping, options.outidx_mapping);
  auto result = path_table(false);
  add_paths(inprop, slice(model_input, 0), slice(out, 0), sensory_indices, g, options, -1, result);
  return result;
}

table activations_to_df_batched(const sparse::csr_matrix& inprop, const array_ref& model_input,
                                const array_ref& out, std::span<const std::int64_t> sensory_indices,
                                const path_table_options& options) {
  check_array(model_input, 3, "model_input");
  check_array(out, 3, "out");
  if (model_input.shape[0] != out.shape[0])
    throw parameter_error("out", "has " + std::to_string(out.shape[0]) +
                                     " batch items, model_input " +
                                     std::to_string(model_input.shape[0]));
  if (model_input.shape[2] < 1)
    throw parameter_error("model_input", "needs at least one time step");
  check_path_inputs(inprop, out.shape[1], model_input.shape[1], sensory_indices, options);
  const auto g = name_path_groups(out.shape[1], options.inidx_mapping, options.outidx_mapping);
  auto result = path_table(true);
  for (std::int64_t b = 0; b < out.shape[0]; ++b)
    add_paths(inprop, slice(model_input, b), slice(out, b), sensory_indices, g, options, b, result);
  return result;
}

table get_activations_for_path(const table& path, const array_ref& activations,
                               const array_ref& model_in,
                               std::span<const std::int64_t> sensory_indices,
                               std::span<const std::string> idx_to_group,
                               std::int64_t activation_start) {
  check_array(activations, 2, "activations");
  const auto act = slice(activations, 0);
  const std::int64_t neurons = act.rows, layers = act.cols;
  check_mapping_size(idx_to_group, neurons, "idx_to_group");
  matrix_view input;
  std::vector<std::int64_t> sensory_position;  // per neuron, -1 if not sensory
  if (model_in.given()) {
    check_array(model_in, 2, "model_in");
    input = slice(model_in, 0);
    if (input.cols < 1) throw parameter_error("model_in", "needs at least one time step");
    if (static_cast<std::int64_t>(sensory_indices.size()) != input.rows)
      throw parameter_error("sensory_indices",
                            std::to_string(sensory_indices.size()) + " indices for the " +
                                std::to_string(input.rows) + " rows of model_in");
    check_indices(sensory_indices, neurons, "sensory_indices", true);
    sensory_position.assign(static_cast<std::size_t>(neurons), -1);
    for (std::size_t k = 0; k < sensory_indices.size(); ++k)
      sensory_position[static_cast<std::size_t>(sensory_indices[k])] = static_cast<std::int64_t>(k);
  }
  const auto pre_col = path.column("pre"), post_col = path.column("post");
  const auto layer_col = path.column("layer");

  // Neurons of each group (by text); without groups a key is the neuron's index.
  std::unordered_map<std::string, std::vector<std::int64_t>> members;
  if (!idx_to_group.empty())
    for (std::int64_t i = 0; i < neurons; ++i)
      members[idx_to_group[static_cast<std::size_t>(i)]].push_back(i);
  std::vector<std::int64_t> single(1);
  auto members_of = [&](const cell& key) -> std::span<const std::int64_t> {
    if (idx_to_group.empty()) {
      const auto i = cell_index(key);
      if (!i || *i < 0 || *i >= neurons) return {};
      single[0] = *i;
      return single;
    }
    const auto it = members.find(format_cell(key));
    if (it == members.end()) return {};
    return it->second;
  };
  auto mean_of = [&](std::span<const std::int64_t> m, std::int64_t column) {
    if (m.empty()) return std::nan("");
    double sum = 0;
    for (auto i : m) sum += act.at(i, column);
    return sum / static_cast<double>(m.size());
  };
  auto input_mean = [&](const cell& key, std::span<const std::int64_t> m, std::size_t row) {
    if (m.empty()) return std::nan("");
    if (!model_in.given())
      throw parameter_error("model_in", "needed for the layer-1 rows of the path");
    double sum = 0;
    std::int64_t count = 0;
    for (auto i : m) {
      const auto pos = sensory_position[static_cast<std::size_t>(i)];
      if (pos < 0) continue;
      sum += input.at(pos, 0);
      ++count;
    }
    if (!count)
      throw parameter_error("path", "row " + std::to_string(row) + ": pre '" + format_cell(key) +
                                        "' of layer 1 has no sensory neuron");
    return sum / static_cast<double>(count);
  };

  std::map<std::int64_t, std::vector<std::size_t>> by_layer;  // shifted layer -> rows
  for (std::size_t r = 0; r < path.rows.size(); ++r)
    by_layer[layer_of(path.rows[r].at(layer_col), r) + activation_start].push_back(r);

  table result;
  result.columns = path.columns;
  std::size_t pre_out = 0, post_out = 0;
  for (auto [name, position] :
       {std::pair{"pre_activation", &pre_out}, std::pair{"post_activation", &post_out}}) {
    const auto it = std::find(result.columns.begin(), result.columns.end(), name);
    *position = static_cast<std::size_t>(it - result.columns.begin());
    if (it == result.columns.end()) result.columns.emplace_back(name);
  }
  for (const auto& [l, rows] : by_layer) {
    if (l < 1 || l > layers)
      throw parameter_error("path", "layer " + std::to_string(l - activation_start) +
                                        " (+ activation_start " + std::to_string(activation_start) +
                                        ") is outside 1.." + std::to_string(layers));
    std::map<std::string, double> pre_cache, post_cache;
    for (auto r : rows) {
      const auto& src = path.rows[r];
      auto row = src;
      row.resize(result.columns.size());
      const auto& pre_key = src[pre_col];
      const auto& post_key = src[post_col];
      const auto pre_text = format_cell(pre_key), post_text = format_cell(post_key);
      auto pre_it = pre_cache.find(pre_text);
      if (pre_it == pre_cache.end()) {
        const auto m = members_of(pre_key);
        const double v = l == 1 ? input_mean(pre_key, m, r) : mean_of(m, l - 2);
        pre_it = pre_cache.emplace(pre_text, v).first;
      }
      auto post_it = post_cache.find(post_text);
      if (post_it == post_cache.end())
        post_it = post_cache.emplace(post_text, mean_of(members_of(post_key), l - 1)).first;
      row[pre_out] = pre_it->second;
      row[post_out] = post_it->second;
      result.rows.push_back(std::move(row));
    }
  }
  return result;
}

table activated_path_for_ngl(const table& path, std::span<const std::int64_t> neuron_ids) {
  const auto pre_col = path.column("pre"), post_col = path.column("post");
  const auto layer_col = path.column("layer");
  const auto pre_act = path.column("pre_activation"), post_act = path.column("post_activation");
  auto id_of = [&](const cell& c, std::size_t row) {
    const auto i = cell_index(c);
    if (!i)
      throw parameter_error("path", "row " + std::to_string(row) + ": '" + format_cell(c) +
                                        "' is not a neuron index (group the path by neuron, "
                                        "not by group, for neuroglancer)");
    if (neuron_ids.empty()) return *i;
    if (*i < 0 || *i >= static_cast<std::int64_t>(neuron_ids.size()))
      throw parameter_error("neuron_ids", "has no entry for neuron " + std::to_string(*i));
    return neuron_ids[static_cast<std::size_t>(*i)];
  };
  std::vector<std::int64_t> layers;  // in order of first appearance, as pandas' unique()
  std::int64_t smallest = 0;
  for (std::size_t r = 0; r < path.rows.size(); ++r) {
    const auto l = layer_of(path.rows[r][layer_col], r);
    if (std::find(layers.begin(), layers.end(), l) == layers.end()) layers.push_back(l);
    smallest = r == 0 ? l : std::min(smallest, l);
  }
  table result;
  result.columns = {"neuron_id", "layer", "activation"};
  auto add_chunk = [&](std::int64_t l, std::size_t neuron_col, std::size_t act_col,
                       std::int64_t layer_out) {
    std::set<std::pair<std::int64_t, std::uint64_t>> seen;
    for (std::size_t r = 0; r < path.rows.size(); ++r) {
      if (layer_of(path.rows[r][layer_col], r) != l) continue;
      const auto id = id_of(path.rows[r][neuron_col], r);
      const double a = cell_number(path.rows[r][act_col], "path", r);
      if (!seen.emplace(id, number_bits(a)).second) continue;
      result.rows.push_back({id, layer_out, a});
    }
  };
  for (auto l : layers) {
    if (l == smallest) add_chunk(l, pre_col, pre_act, l);
    add_chunk(l, post_col, post_act, l + 1);
  }
  return result;
}

// ---------------------------------------------------------------- activation summaries

table get_neuron_activation(const array_ref& activations,
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

table get_input_activation(const array_ref& model_in, std::span<const std::int64_t> sensory_indices,
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

table activity_by_column(const array_ref& activity, std::span<const std::string> idx_to_group,
                         std::span<const std::int64_t> idx_to_column,
                         std::span<const std::string> selected_groups, const array_ref& model_input,
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
    if (!in_group) throw parameter_error("selected_groups", "no neuron is in group " + group);
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

// ---------------------------------------------------------------- neuroglancer

namespace {

struct rgb {
  double r, g, b;
};

rgb parse_color(const std::string& text, const char* name) {
  auto hex = [&](std::size_t k) {
    int v = 0;
    const auto res = std::from_chars(text.data() + k, text.data() + k + 2, v, 16);
    if (res.ec != std::errc() || res.ptr != text.data() + k + 2)
      throw parameter_error(name, "'" + text + "' is not a colour of the form #rrggbb");
    return static_cast<double>(v);
  };
  if (text.size() != 7 || text[0] != '#')
    throw parameter_error(name, "'" + text + "' is not a colour of the form #rrggbb");
  return {hex(1), hex(3), hex(5)};
}

std::string color_text(const rgb& c) {
  auto channel = [](double v) { return static_cast<int>(std::lround(std::clamp(v, 0.0, 255.0))); };
  char buf[8];
  std::snprintf(buf, sizeof buf, "#%02x%02x%02x", channel(c.r), channel(c.g), channel(c.b));
  return buf;
}

}  // namespace

nlohmann::json ngl_state(const table& activated, const ngl_options& options) {
  const auto id_col = activated.column("neuron_id"), layer_col = activated.column("layer");
  const auto act_col = activated.column("activation");
  const auto low = parse_color(options.low_color, "low_color");
  const auto high = parse_color(options.high_color, "high_color");
  if (!(options.color_saturation >= 0 && options.color_saturation <= 1))
    throw parameter_error("color_saturation", "must be within 0..1");
  double largest = options.max_activation;
  std::map<std::int64_t, std::vector<std::pair<std::int64_t, double>>> layers;
  for (std::size_t r = 0; r < activated.rows.size(); ++r) {
    const auto& row = activated.rows[r];
    const auto id = cell_index(row[id_col]);
    if (!id)
      throw parameter_error("activated", "row " + std::to_string(r) + ": neuron_id '" +
                                             format_cell(row[id_col]) + "' is not an integer");
    const double a = cell_number(row[act_col], "activated", r);
    if (a < 0)
      throw parameter_error("activated", "row " + std::to_string(r) + ": activation " +
                                             std::to_string(a) + " is negative");
    if (options.max_activation <= 0 && a > largest) largest = a;
    layers[layer_of(row[layer_col], r)].emplace_back(*id, a);
  }
  auto state = nlohmann::json::object();
  state["layout"] = options.layout;
  state["layers"] = nlohmann::json::array();
  bool first = true;
  for (const auto& [l, neurons] : layers) {
    nlohmann::json layer;
    layer["type"] = "segmentation";
    layer["source"] = options.source;
    layer["name"] = "layer " + std::to_string(l);
    auto segments = nlohmann::json::array();
    auto colors = nlohmann::json::object();
    for (const auto& [id, a] : neurons) {
      const auto key = std::to_string(id);
      if (colors.contains(key)) continue;
      const double scaled = largest > 0 && std::isfinite(a) ? std::min(a / largest, 1.0) : 0.0;
      const double t = options.color_saturation + (1 - options.color_saturation) * scaled;
      segments.push_back(key);
      colors[key] = color_text({low.r + (high.r - low.r) * t, low.g + (high.g - low.g) * t,
                                low.b + (high.b - low.b) * t});
    }
    layer["segments"] = std::move(segments);
    layer["segmentColors"] = std::move(colors);
    layer["visible"] = options.all_visible || first;
    first = false;
    state["layers"].push_back(std::move(layer));
  }
  return state;
}

std::string ngl_url(const nlohmann::json& state, std::string_view base) {
  std::string out(base);
  out += "#!";
  static const char digits[] = "0123456789ABCDEF";
  for (unsigned char c : state.dump()) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += digits[c >> 4];
      out += digits[c & 15];
    }
  }
  return out;
}

}  // namespace kenyon::ratenet

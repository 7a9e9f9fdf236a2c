#include "kenyon/ratenet/path_tables.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <numeric>
#include <set>
#include <unordered_map>
#include <utility>

#include "kenyon/core/error.hpp"
#include "table_checks.hpp"

namespace kenyon::ratenet {
using namespace detail;
namespace {

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
  // A NaN compares false with everything: it would silently keep or drop every neuron.
  if (std::isnan(o.activation_threshold))
    throw parameter_error("activation_threshold", "expected a number, got nan");
  if (std::isnan(o.connectivity_threshold))
    throw parameter_error("connectivity_threshold", "expected a number, got nan");
}

table path_table(bool batched) {
  table t;
  t.columns = {"pre", "post", "weight", "layer", "pre_activation", "post_activation"};
  if (batched) t.columns.push_back("batch");
  return t;
}

}  // namespace

// ---------------------------------------------------------------- path tables

table activations_to_df(const sparse::csr_matrix& inprop,
                        const array_view<const float>& model_input,
                        const array_view<const float>& out,
                        std::span<const std::int64_t> sensory_indices,
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

table activations_to_df_batched(const sparse::csr_matrix& inprop,
                                const array_view<const float>& model_input,
                                const array_view<const float>& out,
                                std::span<const std::int64_t> sensory_indices,
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

table get_activations_for_path(const table& path, const array_view<const float>& activations,
                               const array_view<const float>& model_in,
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
      const auto i = cell_integer(key);
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
    const auto i = cell_integer(c);
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

}  // namespace kenyon::ratenet

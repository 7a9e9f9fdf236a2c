#include "kenyon/connectome/shipped.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <nlohmann/json.hpp>
#include <numeric>
#include <unordered_map>

#include "kenyon/core/error.hpp"
#include "kenyon/core/files.hpp"

#ifndef KENYON_REPO_DIR
#define KENYON_REPO_DIR "."
#endif

namespace kenyon::connectome {

namespace {

constexpr const char* flyvis_file = "fib25-fib19_v2.2.json";
// 3,003,001 columns: with flyvis's 65 types the cell indices stay well within the matrix's
// 32-bit column indices (checked again as cells are made).
constexpr int max_extent = 1000;

std::filesystem::path require_file(const std::filesystem::path& path, std::string_view dataset) {
  if (!std::filesystem::is_regular_file(path))
    throw file_error(path.string(), "missing file of the shipped connectome '" +
                                        std::string(dataset) +
                                        "' (set KENYON_CONNECTOME_DIR to the folder holding the "
                                        "shipped datasets)");
  return path;
}

// An integer point of the hexagonal lattice's axial (u, v) coordinates.
struct point {
  std::int64_t u = 0, v = 0;
  auto operator<=>(const point&) const = default;
};

std::int64_t cross(const point& o, const point& a, const point& b) {
  return (a.u - o.u) * (b.v - o.v) - (a.v - o.v) * (b.u - o.u);
}

// Convex hull, counter-clockwise, without collinear points (Andrew's monotone chain).
std::vector<point> convex_hull(std::vector<point> pts) {
  std::sort(pts.begin(), pts.end());
  pts.erase(std::unique(pts.begin(), pts.end()), pts.end());
  if (pts.size() < 3) return pts;
  std::vector<point> hull(2 * pts.size());
  std::size_t k = 0;
  for (const auto& p : pts) {
    while (k >= 2 && cross(hull[k - 2], hull[k - 1], p) <= 0) --k;
    hull[k++] = p;
  }
  for (std::size_t i = pts.size() - 1, lower = k + 1; i-- > 0;) {
    while (k >= lower && cross(hull[k - 2], hull[k - 1], pts[i]) <= 0) --k;
    hull[k++] = pts[i];
  }
  hull.resize(k - 1);
  return hull;
}

// matplotlib.path.Path(polygon).contains_points's crossing-number test, in exact integer
// arithmetic, so that points on the hull's boundary fall on the same side as in flyvis.
bool inside(const std::vector<point>& polygon, const point& t) {
  if (polygon.empty()) return false;
  bool flag = false;
  point prev = polygon.back();
  bool prev_above = prev.v >= t.v;
  for (const auto& p : polygon) {
    const bool above = p.v >= t.v;
    if (prev_above != above &&
        (((p.v - t.v) * (prev.u - p.u) >= (p.u - t.u) * (prev.v - p.v)) == above))
      flag = !flag;
    prev = p;
    prev_above = above;
  }
  return flag;
}

struct offset_syn {
  point offset;
  double n_syn = 0;
};

// flyvis's fill_hull: the grid points of the offsets' bounding box that lie inside their
// convex hull and are not offsets already get n_syn_fill synapses.
void fill_hull(std::vector<offset_syn>& offsets, double n_syn_fill) {
  std::vector<point> pts;
  for (const auto& o : offsets) pts.push_back(o.offset);
  const auto hull = convex_hull(pts);
  std::sort(pts.begin(), pts.end());
  const auto [u_min, u_max] = std::minmax_element(
      pts.begin(), pts.end(), [](const point& a, const point& b) { return a.u < b.u; });
  const auto [v_min, v_max] = std::minmax_element(
      pts.begin(), pts.end(), [](const point& a, const point& b) { return a.v < b.v; });
  for (auto u = u_min->u; u <= u_max->u; ++u)
    for (auto v = v_min->v; v <= v_max->v; ++v) {
      const point p{u, v};
      if (!std::binary_search(pts.begin(), pts.end(), p) && inside(hull, p))
        offsets.push_back({p, n_syn_fill});
    }
}

// Field access that turns nlohmann's exceptions into a message naming what was expected.
const nlohmann::json& field(const nlohmann::json& object, const char* key,
                            const std::string& where) {
  if (!object.is_object() || !object.contains(key))
    throw error(where + " has no field '" + key + "'");
  return object.at(key);
}

std::int64_t integer(const nlohmann::json& value, const std::string& what) {
  if (!value.is_number_integer()) throw error(what + " is not an integer");
  return value.get<std::int64_t>();
}

double number(const nlohmann::json& value, const std::string& what) {
  if (!value.is_number()) throw error(what + " is not a number");
  const double x = value.get<double>();
  if (!std::isfinite(x)) throw error(what + " is not finite");
  return x;
}

struct cell_type {
  std::string name;
  std::int64_t first = 0, count = 0;  // its cells are first .. first + count - 1
  std::vector<std::int32_t> at;       // cell index at (u, v) on the (2 extent + 1)^2 grid, or -1
};

struct edge {
  std::int32_t pre = 0, post = 0;
  double n_syn = 0;
  std::int8_t sign = 1;
};

connectome expand(const nlohmann::json& spec, const flyvis_options& options,
                  const load_options& load) {
  const std::int64_t e = options.extent;
  const std::int64_t width = 2 * e + 1;
  auto grid_index = [&](std::int64_t u, std::int64_t v) { return (u + e) * width + (v + e); };

  // The lattice's columns in flyvis's enumeration order (u outer, v inner).
  std::vector<std::int64_t> column_of(static_cast<std::size_t>(width * width), -1);
  std::int64_t columns = 0;
  for (auto u = -e; u <= e; ++u)
    for (auto v = std::max(-e, -e - u); v <= std::min(e, e - u); ++v)
      column_of[static_cast<std::size_t>(grid_index(u, v))] = columns++;

  connectome out;
  auto& neurons = out.neurons;
  std::vector<cell_type> types;
  std::unordered_map<std::string, std::size_t> type_index;
  const auto& nodes = field(spec, "nodes", "the file");
  if (!nodes.is_array()) throw error("'nodes' is not a list");
  for (std::size_t n = 0; n < nodes.size(); ++n) {
    const std::string where = "node " + std::to_string(n);
    const auto& name = field(nodes[n], "name", where);
    if (!name.is_string() || name.get<std::string>().empty())
      throw error(where + ": 'name' is not a cell type name");
    cell_type t{name.get<std::string>(), neurons.size(), 0,
                std::vector<std::int32_t>(static_cast<std::size_t>(width * width), -1)};
    if (!type_index.emplace(t.name, types.size()).second)
      throw error("cell type " + t.name + " appears twice in 'nodes'");
    const auto& pattern = field(nodes[n], "pattern", where);
    if (!pattern.is_array() || pattern.size() != 2 || !pattern[0].is_string())
      throw error(t.name + ": 'pattern' is not [kind, arguments]");
    const auto kind = pattern[0].get<std::string>();
    std::int64_t su = 1, sv = 1, extent = e;
    if (kind == "stride") {
      if (!pattern[1].is_array() || pattern[1].size() != 2)
        throw error(t.name + ": a stride pattern needs [u_stride, v_stride]");
      su = integer(pattern[1][0], t.name + "'s u stride");
      sv = integer(pattern[1][1], t.name + "'s v stride");
    } else if (kind == "tile") {
      su = sv = integer(pattern[1], t.name + "'s tile stride");
    } else if (kind == "single") {
      extent = 0;  // one cell, in the central column
    } else {
      throw error(t.name + ": unknown pattern '" + kind + "' (expected stride, tile or single)");
    }
    if (su < 1 || sv < 1) throw error(t.name + ": strides must be at least 1");
    for (auto u = -extent; u <= extent; ++u)
      for (auto v = std::max(-extent, -extent - u); v <= std::min(extent, extent - u); ++v) {
        // C++'s remainder has the dividend's sign, Python's the divisor's: both are zero
        // for the same coordinates, which is all this test needs.
        if (u % su != 0 || v % sv != 0) continue;
        if (neurons.size() >= std::numeric_limits<std::int32_t>::max())
          throw error("too many cells for 32-bit indices; use a smaller extent");
        const auto g = static_cast<std::size_t>(grid_index(u, v));
        t.at[g] = static_cast<std::int32_t>(neurons.size());
        neurons.id.push_back(neurons.size());
        neurons.type.push_back(t.name);
        neurons.sign.push_back(1);
        neurons.sensory.push_back(0);
        neurons.side.push_back("");  // the right optic lobe only
        neurons.column.push_back(column_of[g]);
        ++t.count;
      }
    types.push_back(std::move(t));
  }
  const auto* inputs = spec.contains("input_units") ? &spec["input_units"] : nullptr;
  if (inputs && inputs->is_array())
    for (const auto& name : *inputs) {
      if (!name.is_string()) throw error("'input_units' holds a value that is not a name");
      const auto it = type_index.find(name.get<std::string>());
      if (it == type_index.end())
        throw error("input unit " + name.get<std::string>() + " is not a cell type in 'nodes'");
      const auto& t = types[it->second];
      for (auto i = t.first; i < t.first + t.count; ++i)
        neurons.sensory[static_cast<std::size_t>(i)] = 1;
    }

  auto type_named = [&](const nlohmann::json& value, const std::string& what) -> cell_type& {
    if (!value.is_string()) throw error(what + " is not a cell type name");
    const auto it = type_index.find(value.get<std::string>());
    if (it == type_index.end())
      throw error(what + " '" + value.get<std::string>() + "' is not a cell type in 'nodes'");
    return types[it->second];
  };

  std::vector<edge> edges;
  const auto& edge_specs = field(spec, "edges", "the file");
  if (!edge_specs.is_array()) throw error("'edges' is not a list");
  for (std::size_t k = 0; k < edge_specs.size(); ++k) {
    const auto& es = edge_specs[k];
    const std::string where = "edge " + std::to_string(k);
    const auto& src = type_named(field(es, "src", where), where + "'s src");
    const auto& tar = type_named(field(es, "tar", where), where + "'s tar");
    const std::string pair = src.name + " -> " + tar.name;
    const auto alpha = number(field(es, "alpha", pair), pair + ": alpha");
    if (alpha != 1 && alpha != -1) throw error(pair + ": alpha is not +1 or -1");
    const auto& offset_list = field(es, "offsets", pair);
    if (!offset_list.is_array()) throw error(pair + ": 'offsets' is not a list");
    std::vector<offset_syn> offsets;
    for (const auto& o : offset_list) {
      if (!o.is_array() || o.size() != 2 || !o[0].is_array() || o[0].size() != 2)
        throw error(pair + ": an offset is not [[du, dv], n_syn]");
      const offset_syn os{{integer(o[0][0], pair + ": du"), integer(o[0][1], pair + ": dv")},
                          number(o[1], pair + ": n_syn")};
      if (os.n_syn < 0) throw error(pair + ": a negative n_syn");
      offsets.push_back(os);
    }
    if (options.n_syn_fill > 0 && offsets.size() >= 3) fill_hull(offsets, options.n_syn_fill);

    const std::int8_t sign = alpha < 0 ? -1 : 1;
    for (const auto& o : offsets) {
      // The source cells are found through their grid slots, which give their (u, v).
      for (std::size_t g = 0; g < src.at.size(); ++g) {
        const auto s = src.at[g];
        if (s < 0) continue;
        const auto u = static_cast<std::int64_t>(g) / width - e + o.offset.u;
        const auto v = static_cast<std::int64_t>(g) % width - e + o.offset.v;
        if (u < -e || u > e || v < -e || v > e) continue;
        const auto t = tar.at[static_cast<std::size_t>(grid_index(u, v))];
        if (t >= 0) edges.push_back({s, t, o.n_syn, sign});
      }
    }
  }

  // Input proportions over every connection into a cell, thresholded or not.
  const auto n = static_cast<std::size_t>(neurons.size());
  std::vector<double> input(n, 0.0);
  for (const auto& ed : edges) input[static_cast<std::size_t>(ed.post)] += ed.n_syn;

  // Rows are presynaptic cells; within a row the targets ascend. A type pair listed twice
  // would give one cell pair twice: its synapses are summed (before the threshold, as the
  // loaders sum a pair's rows), and its signs must agree.
  std::vector<std::size_t> row_begin(n + 1, 0);
  for (const auto& ed : edges) ++row_begin[static_cast<std::size_t>(ed.pre) + 1];
  std::partial_sum(row_begin.begin(), row_begin.end(), row_begin.begin());
  std::vector<std::size_t> order(edges.size());
  {
    auto next = row_begin;
    for (std::size_t i = 0; i < edges.size(); ++i)
      order[next[static_cast<std::size_t>(edges[i].pre)]++] = i;
  }
  auto& m = out.inprop;
  m.rows = m.cols = neurons.size();
  m.row_begin.assign(n + 1, 0);
  m.col.reserve(edges.size());
  m.value.reserve(edges.size());
  out.edge_sign.reserve(edges.size());
  std::vector<edge> row;
  for (std::size_t r = 0; r < n; ++r) {
    const auto first = order.begin() + static_cast<std::ptrdiff_t>(row_begin[r]);
    const auto last = order.begin() + static_cast<std::ptrdiff_t>(row_begin[r + 1]);
    std::sort(first, last,
              [&](std::size_t a, std::size_t b) { return edges[a].post < edges[b].post; });
    row.clear();
    for (auto it = first; it != last; ++it) {
      const auto& ed = edges[*it];
      if (row.empty() || row.back().post != ed.post) {
        row.push_back(ed);
      } else if (row.back().sign != ed.sign) {
        throw error("cells " + std::to_string(ed.pre) + " -> " + std::to_string(ed.post) +
                    " are connected with both signs");
      } else {
        row.back().n_syn += ed.n_syn;
      }
    }
    double signed_sum = 0;
    for (const auto& ed : row) {
      if (ed.n_syn < load.min_synapses) continue;
      const double total = input[static_cast<std::size_t>(ed.post)];
      const double w = !load.input_proportion ? ed.n_syn : total > 0 ? ed.n_syn / total : 0.0;
      m.col.push_back(ed.post);
      m.value.push_back(static_cast<float>(w));
      out.edge_sign.push_back(ed.sign);
      signed_sum += ed.sign * w;
    }
    neurons.sign[r] = signed_sum < 0 ? -1 : 1;
    m.row_begin[r + 1] = static_cast<std::int64_t>(m.col.size());
  }
  return out;
}

}  // namespace

void flyvis_options::validate() const {
  if (extent < 0 || extent > max_extent)
    throw parameter_error("extent", "expected 0 to " + std::to_string(max_extent) + ", got " +
                                        std::to_string(extent));
  if (!std::isfinite(n_syn_fill) || n_syn_fill < 0)
    throw parameter_error("n_syn_fill", "expected a finite number >= 0");
}

std::vector<std::string> shipped_names() { return {"larva", "flyvis", "hemibrain-mb"}; }

std::filesystem::path shipped_dir() {
  if (const char* env = std::getenv("KENYON_CONNECTOME_DIR"); env && *env)
    return std::filesystem::path(env);
  return std::filesystem::path(KENYON_REPO_DIR) / "data" / "connectomes";
}

connectome expand_flyvis(const std::filesystem::path& json, const flyvis_options& options,
                         const load_options& load) {
  options.validate();
  load.validate();
  if (!load.neuropils.empty())
    throw parameter_error("neuropils", "the flyvis connectome has no neuropils to filter by");
  const auto text = read_text_file(json, "flyvis connectome file");
  try {
    auto out = expand(nlohmann::json::parse(text), options, load);
    out.name = json.string();
    return out;
  } catch (const nlohmann::json::exception& e) {
    throw file_error(json.string(), std::string("not a flyvis connectome: ") + e.what());
  } catch (const file_error&) {
    throw;
  } catch (const error& e) {
    throw file_error(json.string(), e.what());
  }
}

connectome load_shipped(std::string_view name, const load_options& options) {
  // A file of the dataset's folder, required to exist.
  auto file = [&](const char* file_name) {
    return require_file(shipped_dir() / std::string(name) / file_name, name);
  };
  auto named = [&](connectome c) {
    c.name = std::string(name);
    return c;
  };
  if (name == "larva")
    return named(load_edge_list(file("edges.csv.gz"), file("neurons.csv.gz"), options));
  if (name == "flyvis") return named(expand_flyvis(file(flyvis_file), {}, options));
  if (name == "hemibrain-mb")
    return named(load_neuprint(file("adjacency.csv.gz"), file("neurons.csv.gz"), options));
  std::string known;
  for (const auto& n : shipped_names()) known += (known.empty() ? "" : ", ") + n;
  throw unknown_name_error(
      std::string(name), "shipped connectome",
      "unknown shipped connectome '" + std::string(name) + "' (available: " + known + ")");
}

}  // namespace kenyon::connectome

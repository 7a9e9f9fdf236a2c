#include "kenyon/connectome/loaders.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <limits>
#include <numeric>
#include <unordered_map>
#include <utility>

#include "kenyon/core/error.hpp"
#include "kenyon/core/table.hpp"
#include "kenyon/sparse/csr.hpp"

namespace kenyon::connectome {
namespace detail {
// Defined in npz.cpp: a scipy.sparse .npz as a csr matrix with rows and columns as stored.
sparse::csr_matrix read_scipy_npz(const std::filesystem::path& path);
std::array<std::int64_t, 2> read_scipy_npz_shape(const std::filesystem::path& path);
}  // namespace detail

namespace {

namespace fs = std::filesystem;
using names = std::initializer_list<std::string_view>;
constexpr std::size_t no_column = static_cast<std::size_t>(-1);

// Column names, in the order the header documents them (the first present wins).
const names id_names = {"id", "root_id", "bodyId", "skid", "skeleton_id", "neuron_id"};
const names type_names = {"type", "cell_type", "celltype", "group"};
const names sign_names = {"sign"};
const names transmitter_names = {"nt", "nt_type", "top_nt", "predictedNt", "transmitter"};
const names sensory_names = {"sensory"};
const names class_names = {"super_class", "flow"};  // for the sensory flag
// The optional coarse class above the type (neuron_table::cell_class).
const names cell_class_names = {"class", "cell_class", "super_class"};
const names side_names = {"side", "hemisphere"};
const names index_names = {"idx", "index"};
const names pre_names = {"pre", "pre_id", "pre_root_id", "bodyId_pre", "source"};
const names post_names = {"post", "post_id", "post_root_id", "bodyId_post", "target"};
const names count_names = {"weight", "syn_count", "count", "synapses", "total"};
const names edge_transmitter_names = {"nt", "nt_type"};
const names neuropil_names = {"neuropil", "roi"};

char lower_char(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return lower_char(x) == lower_char(y);
         });
}

// pandas writes missing strings as empty fields; other tools spell them out.
bool is_missing(std::string_view s) {
  return s.empty() || iequals(s, "nan") || iequals(s, "none") || iequals(s, "null") ||
         iequals(s, "na");
}

std::string number_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::string joined(names list) {
  std::string out;
  for (auto n : list) out.append(out.empty() ? "" : ", ").append(n);
  return out;
}

// 64-bit ids -> neuron indices by open addressing: two lookups per edge row, and a node-based
// std::unordered_map spends most of a whole-brain load chasing its nodes.
class id_index {
 public:
  explicit id_index(std::size_t expected = 0) { grow(expected); }

  // The index of `id`, or -1.
  std::int64_t find(std::int64_t id) const {
    for (auto s = slot_of(id);; s = (s + 1) & mask_) {
      if (slots_[s].index < 0 || slots_[s].id == id) return slots_[s].index;
    }
  }
  // The index of `id`, giving it `next` if it has none yet; `second` tells whether it did.
  std::pair<std::int64_t, bool> insert(std::int64_t id, std::int64_t next) {
    if (2 * (size_ + 1) > slots_.size()) grow(size_ + 1);
    auto s = slot_of(id);
    for (; slots_[s].index >= 0; s = (s + 1) & mask_)
      if (slots_[s].id == id) return {slots_[s].index, false};
    slots_[s] = {id, next};
    ++size_;
    return {next, true};
  }

 private:
  struct slot {
    std::int64_t id = 0, index = -1;
  };
  std::size_t slot_of(std::int64_t id) const {
    return static_cast<std::size_t>((static_cast<std::uint64_t>(id) * 0x9E3779B97F4A7C15u) >>
                                    shift_);
  }
  void grow(std::size_t entries) {
    int bits = 4;
    while ((std::size_t{1} << bits) < 2 * entries) ++bits;
    auto old = std::exchange(slots_, std::vector<slot>(std::size_t{1} << bits));
    mask_ = slots_.size() - 1;
    shift_ = 64 - bits;
    size_ = 0;
    for (const auto& e : old)
      if (e.index >= 0) insert(e.id, e.index);
  }

  std::vector<slot> slots_;
  std::size_t mask_ = 0, size_ = 0;
  int shift_ = 64;
};

// A CSV header: finds columns by their accepted names and words errors about fields.
class csv_header {
 public:
  csv_header(std::string path, std::size_t line, std::vector<std::string> fields)
      : path_(std::move(path)), line_(line), names_(std::move(fields)) {}

  const std::string& path() const { return path_; }
  std::size_t line() const { return line_; }
  const std::string& name(std::size_t column) const { return names_[column]; }

  // The first of `accepted` that the header has (any case), or no_column.
  std::size_t find(names accepted) const {
    for (auto want : accepted)
      for (std::size_t c = 0; c < names_.size(); ++c)
        if (iequals(names_[c], want)) return c;
    return no_column;
  }
  std::size_t require(names accepted, std::string_view role) const {
    const auto c = find(accepted);
    if (c == no_column)
      throw file_error(
          path_,
          "no column for the " + std::string(role) + " (accepted names: " + joined(accepted) + ")",
          line_);
    return c;
  }
  // Every column present among `accepted`, in that order.
  std::vector<std::size_t> find_all(names accepted) const {
    std::vector<std::size_t> out;
    for (auto want : accepted)
      for (std::size_t c = 0; c < names_.size(); ++c)
        if (iequals(names_[c], want)) out.push_back(c);
    return out;
  }

  void check_width(std::size_t line, const std::vector<std::string>& fields) const {
    if (fields.size() == names_.size()) return;
    const auto counts = std::to_string(fields.size()) + " fields where the header has " +
                        std::to_string(names_.size());
    if (fields.size() < names_.size())
      throw file_error(path_, counts + ": no value for column '" + names_[fields.size()] + "'",
                       line);
    throw file_error(path_, counts + ": a field after the last column '" + names_.back() + "'",
                     line);
  }

  [[noreturn]] void fail(std::size_t line, std::size_t column, const std::string& what) const {
    throw file_error(path_, what, line, names_[column]);
  }

  std::int64_t id(std::size_t line, std::size_t column, std::string_view text) const {
    std::int64_t value = 0;
    const auto* end = text.data() + text.size();
    if (auto [p, ec] = std::from_chars(text.data(), end, value); ec != std::errc() || p != end)
      fail(line, column,
           text.empty() ? "no id" : "'" + std::string(text) + "' is not an integer id");
    return value;
  }

  double count(std::size_t line, std::size_t column, std::string_view text) const {
    double value = 0;
    const auto* end = text.data() + text.size();
    if (auto [p, ec] = std::from_chars(text.data(), end, value); ec != std::errc() || p != end)
      fail(line, column,
           text.empty() ? "no value, expected a number"
                        : "'" + std::string(text) + "' is not a number");
    if (!std::isfinite(value)) fail(line, column, "'" + std::string(text) + "' is not finite");
    if (value < 0) fail(line, column, "'" + std::string(text) + "' is negative");
    return value;
  }

  int sign(std::size_t line, std::size_t column, std::string_view text) const {
    auto digits = text.starts_with('+') ? text.substr(1) : text;
    double value = 0;
    const auto* end = digits.data() + digits.size();
    if (auto [p, ec] = std::from_chars(digits.data(), end, value);
        ec == std::errc() && p == end && (value == 1 || value == -1))
      return value > 0 ? 1 : -1;
    fail(line, column, "'" + std::string(text) + "' is not a sign (+1 or -1)");
  }

  bool flag(std::size_t line, std::size_t column, std::string_view text) const {
    for (auto yes : {"1", "true", "yes", "t", "y", "1.0"})
      if (iequals(text, yes)) return true;
    for (auto no : {"0", "false", "no", "f", "n", "0.0"})
      if (iequals(text, no)) return false;
    if (is_missing(text)) return false;
    fail(line, column, "'" + std::string(text) + "' is not true or false");
  }

 private:
  std::string path_;
  std::size_t line_;
  std::vector<std::string> names_;
};

std::string side_of(std::string_view text) {
  for (auto [spelling, side] : {std::pair{"l", "left"},
                                {"left", "left"},
                                {"r", "right"},
                                {"right", "right"},
                                {"c", "center"},
                                {"center", "center"},
                                {"centre", "center"},
                                {"m", "center"},
                                {"middle", "center"}})
    if (iequals(text, spelling)) return side;
  return {};  // unknown sides are metadata only, not worth failing a load
}

// Reads a CSV whose first non-blank line is its header.
void read_table(const fs::path& path, const std::function<void(const csv_header&)>& header_read,
                const std::function<void(const csv_header&, std::size_t line,
                                         std::vector<std::string>& fields)>& row) {
  std::optional<csv_header> header;
  read_csv_records(path, [&](std::size_t line, std::vector<std::string>& fields) {
    if (!header) {
      header.emplace(path.string(), line, fields);
      header_read(*header);
      return;
    }
    header->check_width(line, fields);
    row(*header, line, fields);
  });
  if (!header) throw file_error(path.string(), "empty file: no header row");
}

// Which columns a neuron table of one origin may have.
struct neuron_columns {
  names type = type_names;  // per row, the first of these with a value; else the id
  bool index = false;       // read an index column (npz metadata)
};

struct neuron_rows {
  neuron_table neurons;
  std::vector<char> sign_known;     // the table gave the neuron a sign or transmitter
  std::vector<std::int64_t> index;  // the index column's values, if read
  std::vector<std::size_t> line;    // each neuron's line, for messages
  std::size_t index_column = no_column;
  std::string index_name;  // as the header spells it
  std::string path;

  id_index index_of_id() const {
    id_index out(neurons.id.size());
    for (std::size_t i = 0; i < neurons.id.size(); ++i)
      out.insert(neurons.id[i], static_cast<std::int64_t>(i));
    return out;
  }
};

neuron_rows read_neurons(const fs::path& path, const neuron_columns& spec,
                         const load_options& options) {
  neuron_rows out;
  out.path = path.string();
  std::size_t id_col = no_column, sign_col = no_column, nt_col = no_column;
  std::size_t sensory_col = no_column, side_col = no_column, cell_class_col = no_column;
  std::vector<std::size_t> type_cols, class_cols;
  std::unordered_map<std::int64_t, std::size_t> line_of_id;
  read_table(
      path,
      [&](const csv_header& h) {
        id_col = h.require(id_names, "neuron id");
        type_cols = h.find_all(spec.type);
        sign_col = h.find(sign_names);
        nt_col = h.find(transmitter_names);
        sensory_col = h.find(sensory_names);
        class_cols = h.find_all(class_names);
        cell_class_col = h.find(cell_class_names);
        side_col = h.find(side_names);
        if (spec.index) out.index_column = h.find(index_names);
        if (out.index_column != no_column) out.index_name = h.name(out.index_column);
      },
      [&](const csv_header& h, std::size_t line, std::vector<std::string>& f) {
        const auto id = h.id(line, id_col, f[id_col]);
        if (auto [it, added] = line_of_id.emplace(id, line); !added)
          h.fail(line, id_col,
                 "id " + std::to_string(id) + " appears again (first on line " +
                     std::to_string(it->second) + ")");
        // The class first: the type may move the same field out (codex: type from class).
        std::string cell_class;
        if (cell_class_col != no_column && !is_missing(f[cell_class_col]))
          cell_class = f[cell_class_col];
        std::string type;
        for (auto c : type_cols)
          if (!is_missing(f[c])) {
            type = std::move(f[c]);
            break;
          }
        if (type.empty()) type = std::to_string(id);
        int sign = options.default_sign;
        bool known = true;
        if (sign_col != no_column && !is_missing(f[sign_col]))
          sign = h.sign(line, sign_col, f[sign_col]);
        else if (nt_col != no_column && !is_missing(f[nt_col]))
          sign = sign_of_transmitter(f[nt_col], options);
        else
          known = false;
        bool sensory = false;
        if (sensory_col != no_column)
          sensory = h.flag(line, sensory_col, f[sensory_col]);
        else
          for (auto c : class_cols)
            sensory |= iequals(f[c], "sensory") || iequals(f[c], "afferent");
        out.neurons.add(id, std::move(type), sign, sensory,
                        side_col == no_column ? std::string() : side_of(f[side_col]));
        if (cell_class_col != no_column) {
          // The first row creates the column; add() extends it from then on.
          out.neurons.cell_class.resize(out.neurons.id.size());
          out.neurons.cell_class.back() = std::move(cell_class);
        }
        out.sign_known.push_back(known ? 1 : 0);
        out.line.push_back(line);
        if (out.index_column != no_column) {
          const auto index = h.id(line, out.index_column, f[out.index_column]);
          if (index < 0) h.fail(line, out.index_column, "negative index " + f[out.index_column]);
          out.index.push_back(index);
        }
      });
  return out;
}

// The neurons of an edge list without a neuron table: its ids, typed by their id.
neuron_rows neurons_of_ids(const std::vector<std::int64_t>& ids, const load_options& options) {
  neuron_rows out;
  for (auto id : ids) out.neurons.add(id, std::to_string(id), options.default_sign, false);
  out.sign_known.assign(ids.size(), 0);
  return out;
}

struct edge_totals {
  std::vector<std::int64_t> ids;  // without a neuron table: the ids found, ascending
  sparse::csr_matrix matrix;
  std::vector<int> voted_sign;  // per neuron: the sign of its outgoing synapses, 0 if unknown
};

// Reads an edge list. With `table` (id -> neuron index) every id must be in it; without,
// the neurons are the ids found, ascending. Synapse counts are summed per (pre, post) over
// the kept neuropils: one record per row is collected and sorted, which for whole-brain
// files (~15 million rows) takes less memory than a hash map of pairs.
edge_totals read_edges(const fs::path& path, const id_index* table, std::size_t table_size,
                       const std::string& table_path, const load_options& options) {
  struct pair_count {
    std::uint64_t key;  // pre index << 32 | post index
    double count;
  };
  std::size_t pre_col = no_column, post_col = no_column, count_col = no_column;
  std::size_t sign_col = no_column, nt_col = no_column, neuropil_col = no_column;
  id_index found;  // without a table: id -> index in the order found
  std::vector<std::int64_t> ids;
  std::vector<pair_count> pairs;
  std::vector<double> input(table_size);  // all kept input synapses per neuron
  // Votes for a neuron's sign: per label (a transmitter, or +1 / -1 from a sign column),
  // the synapses of each presynaptic neuron that carry it.
  std::vector<std::string> labels;
  std::vector<int> label_sign;
  std::vector<std::vector<double>> votes;
  std::size_t rows = 0, kept_rows = 0;
  std::int64_t last_pre_id = 0, last_pre = -1;

  auto index_of = [&](const csv_header& h, std::size_t line, std::size_t column,
                      std::int64_t id) -> std::int64_t {
    if (table) {
      const auto index = table->find(id);
      if (index < 0)
        h.fail(line, column,
               "id " + std::to_string(id) + " is not in the neuron table " + table_path);
      return index;
    }
    const auto [index, added] = found.insert(id, static_cast<std::int64_t>(ids.size()));
    if (added) {
      if (ids.size() >= std::numeric_limits<std::int32_t>::max())
        throw file_error(h.path(), "more than 2^31 neurons", line);
      ids.push_back(id);
      input.push_back(0);
    }
    return index;
  };
  auto label_of = [&](std::string_view transmitter) -> std::size_t {
    for (std::size_t k = 0; k < labels.size(); ++k)
      if (iequals(labels[k], transmitter)) return k;
    labels.emplace_back(transmitter);
    label_sign.push_back(sign_of_transmitter(transmitter, options));
    votes.emplace_back();
    return labels.size() - 1;
  };

  read_table(
      path,
      [&](const csv_header& h) {
        pre_col = h.require(pre_names, "presynaptic id");
        post_col = h.require(post_names, "postsynaptic id");
        count_col = h.require(count_names, "synapse count");
        sign_col = h.find(sign_names);
        if (sign_col == no_column) nt_col = h.find(edge_transmitter_names);
        neuropil_col = h.find(neuropil_names);
        if (!options.neuropils.empty() && neuropil_col == no_column)
          throw file_error(h.path(),
                           "no column for the neuropil (accepted names: " + joined(neuropil_names) +
                               "), which the neuropil filter needs",
                           h.line());
        if (sign_col != no_column) {
          labels = {"+1", "-1"};
          label_sign = {1, -1};
          votes.resize(2);
        }
      },
      [&](const csv_header& h, std::size_t line, std::vector<std::string>& f) {
        ++rows;
        // Exports are usually grouped by presynaptic neuron: reuse the last lookup.
        const auto pre_id = h.id(line, pre_col, f[pre_col]);
        if (pre_id != last_pre_id || last_pre < 0) {
          last_pre = index_of(h, line, pre_col, pre_id);
          last_pre_id = pre_id;
        }
        const auto pre = last_pre;
        const auto post = index_of(h, line, post_col, h.id(line, post_col, f[post_col]));
        const double count = h.count(line, count_col, f[count_col]);
        // A neuron's transmitter is its own, whichever neuropil: every row votes.
        std::size_t label = labels.size();
        if (sign_col != no_column && !is_missing(f[sign_col]))
          label = h.sign(line, sign_col, f[sign_col]) > 0 ? 0 : 1;
        else if (nt_col != no_column && !is_missing(f[nt_col]))
          label = label_of(f[nt_col]);
        if (label < labels.size()) {
          auto& v = votes[label];
          if (v.size() <= static_cast<std::size_t>(pre))
            v.resize(static_cast<std::size_t>(pre) + 1);
          v[static_cast<std::size_t>(pre)] += count;
        }
        if (!options.neuropils.empty() &&
            std::none_of(options.neuropils.begin(), options.neuropils.end(),
                         [&](const std::string& n) { return iequals(n, f[neuropil_col]); }))
          return;
        ++kept_rows;
        pairs.push_back(
            {static_cast<std::uint64_t>(pre) << 32 | static_cast<std::uint64_t>(post), count});
        input[static_cast<std::size_t>(post)] += count;
      });
  // A header and nothing else is a truncated export, not a connectome without synapses.
  if (rows == 0) throw file_error(path.string(), "a header row and no connections");
  if (!options.neuropils.empty() && kept_rows == 0) {
    std::string list;
    for (const auto& n : options.neuropils) list += (list.empty() ? "'" : ", '") + n + "'";
    throw parameter_error(
        "neuropils", "none of " + list + " appears in the neuropil column of " + path.string());
  }

  edge_totals out;
  const auto n = table ? table_size : ids.size();
  if (!table) {  // renumber the neurons by ascending id
    std::vector<std::int64_t> order(ids.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](auto a, auto b) { return ids[a] < ids[b]; });
    std::vector<std::uint64_t> rank(ids.size());
    for (std::size_t r = 0; r < order.size(); ++r) rank[static_cast<std::size_t>(order[r])] = r;
    for (auto& p : pairs) p.key = rank[p.key >> 32] << 32 | rank[p.key & 0xffffffffu];
    auto renumber = [&](auto& per_neuron) {
      std::remove_reference_t<decltype(per_neuron)> sorted(per_neuron.size());
      for (std::size_t i = 0; i < per_neuron.size(); ++i) sorted[rank[i]] = per_neuron[i];
      per_neuron = std::move(sorted);
    };
    renumber(input);
    for (auto& v : votes) {
      v.resize(n);
      renumber(v);
    }
    for (std::size_t r = 0; r < order.size(); ++r)
      out.ids.push_back(ids[static_cast<std::size_t>(order[r])]);
  }

  out.voted_sign.assign(n, 0);
  for (std::size_t i = 0; i < n; ++i) {  // the transmitter with most synapses; ties: first seen
    double best = 0;
    for (std::size_t k = 0; k < votes.size(); ++k)
      if (i < votes[k].size() && votes[k][i] > best) {
        best = votes[k][i];
        out.voted_sign[i] = label_sign[k];
      }
  }

  // Sorted by (pre, post), the pairs are the matrix's rows in order: it is built in place,
  // without a triplet copy (a whole-brain load keeps its peak memory near the pairs' size).
  std::sort(pairs.begin(), pairs.end(), [](auto& a, auto& b) { return a.key < b.key; });
  auto& m = out.matrix;
  m.rows = m.cols = static_cast<std::int64_t>(n);
  m.row_begin.assign(n + 1, 0);
  for (std::size_t k = 0; k < pairs.size();) {
    const auto key = pairs[k].key;
    double sum = 0;
    for (; k < pairs.size() && pairs[k].key == key; ++k) sum += pairs[k].count;
    // Pairs below the threshold are dropped here, after their synapses joined `input`.
    if (sum <= 0 || sum < options.min_synapses) continue;
    const auto post = key & 0xffffffffu;
    ++m.row_begin[(key >> 32) + 1];
    m.col.push_back(static_cast<std::int32_t>(post));
    m.value.push_back(static_cast<float>(options.input_proportion ? sum / input[post] : sum));
  }
  for (std::size_t r = 0; r < n; ++r) m.row_begin[r + 1] += m.row_begin[r];
  return out;
}

connectome assemble(const fs::path& source, neuron_rows table, edge_totals edges) {
  connectome out;
  out.name = source.filename().string();
  out.neurons = std::move(table.neurons);
  // A sign from the neuron table wins over the transmitters of the edges.
  for (std::size_t i = 0; i < out.neurons.sign.size(); ++i)
    if (!table.sign_known[i] && edges.voted_sign[i] != 0) out.neurons.sign[i] = edges.voted_sign[i];
  out.inprop = std::move(edges.matrix);
  out.validate();
  return out;
}

connectome load_with_table(const fs::path& edges, const std::optional<fs::path>& neurons,
                           const neuron_columns& spec, const load_options& options) {
  options.validate();
  if (!neurons) {
    auto totals = read_edges(edges, nullptr, 0, {}, options);
    auto table = neurons_of_ids(totals.ids, options);
    return assemble(edges, std::move(table), std::move(totals));
  }
  auto table = read_neurons(*neurons, spec, options);
  const auto index = table.index_of_id();
  auto totals = read_edges(edges, &index, table.neurons.id.size(), neurons->string(), options);
  return assemble(edges, std::move(table), std::move(totals));
}

}  // namespace

void load_options::validate() const {
  if (!std::isfinite(min_synapses) || min_synapses < 0)
    throw parameter_error("min_synapses",
                          "is " + number_text(min_synapses) + ", expected a finite number >= 0");
  for (const auto& [transmitter, sign] : transmitter_sign)
    if (sign != 1 && sign != -1)
      throw parameter_error("transmitter_sign", "'" + transmitter + "' has sign " +
                                                    std::to_string(sign) + ", expected +1 or -1");
  if (default_sign != 1 && default_sign != -1)
    throw parameter_error("default_sign",
                          "is " + std::to_string(default_sign) + ", expected +1 or -1");
}

int sign_of_transmitter(std::string_view transmitter, const load_options& options) {
  if (transmitter.empty()) return options.default_sign;
  for (const auto& [name, sign] : options.transmitter_sign)
    if (iequals(name, transmitter)) return sign;
  for (auto inhibitory : {"gaba", "glut", "glutamate"})
    if (iequals(transmitter, inhibitory)) return -1;
  return 1;
}

neuron_table read_neuron_table(const fs::path& path, const load_options& options) {
  options.validate();
  auto table = read_neurons(path, {}, options);
  table.neurons.validate();
  return std::move(table.neurons);
}

connectome load_edge_list(const fs::path& edges, const std::optional<fs::path>& neurons,
                          const load_options& options) {
  return load_with_table(edges, neurons, {}, options);
}

connectome load_neuprint(const fs::path& adjacency, const std::optional<fs::path>& neurons,
                         const load_options& options) {
  return load_with_table(adjacency, neurons, {.type = {"type", "instance"}}, options);
}

connectome load_codex(const fs::path& connections, const std::optional<fs::path>& classification,
                      const std::optional<fs::path>& neurons, const load_options& options) {
  options.validate();
  std::optional<neuron_rows> extra;  // the neurons table: transmitters (and groups)
  if (neurons) extra = read_neurons(*neurons, {.type = {"group"}}, options);
  neuron_rows table;
  edge_totals totals;
  if (classification) {
    table =
        read_neurons(*classification, {.type = {"cell_type", "hemibrain_type", "class"}}, options);
    const auto index = table.index_of_id();
    totals =
        read_edges(connections, &index, table.neurons.id.size(), classification->string(), options);
  } else {
    totals = read_edges(connections, nullptr, 0, {}, options);
    table = neurons_of_ids(totals.ids, options);
  }
  if (extra) {
    const auto index = table.index_of_id();
    for (std::size_t e = 0; e < extra->neurons.id.size(); ++e) {
      const auto found = index.find(extra->neurons.id[e]);
      if (found < 0) continue;  // the neurons table may cover more than these edges
      const auto i = static_cast<std::size_t>(found);
      if (extra->sign_known[e]) {
        table.neurons.sign[i] = extra->neurons.sign[e];
        table.sign_known[i] = 1;
      }
      if (!classification) {
        table.neurons.type[i] = std::move(extra->neurons.type[e]);
        if (extra->neurons.has_classes()) {
          table.neurons.cell_class.resize(table.neurons.id.size());
          table.neurons.cell_class[i] = std::move(extra->neurons.cell_class[e]);
        }
      }
    }
  }
  return assemble(connections, std::move(table), std::move(totals));
}

connectome load_npz(const fs::path& npz, const fs::path& metadata, const load_options& options) {
  options.validate();
  if (!options.neuropils.empty())
    throw parameter_error("neuropils", "an .npz matrix has no neuropils to filter by");
  if (options.min_synapses > 0)
    throw parameter_error("min_synapses",
                          "an .npz matrix holds input proportions, not synapse counts");
  auto table = read_neurons(metadata, {.index = true}, options);
  const auto n = table.neurons.size();
  auto check_shape = [&](std::int64_t rows, std::int64_t cols) {
    if (rows != n || cols != n)
      throw file_error(table.path, std::to_string(n) + " neuron rows, but the matrix in " +
                                       npz.string() + " is " + std::to_string(rows) + " x " +
                                       std::to_string(cols));
  };
  // The stated shape first: the matrix is built only at the metadata's size (a corrupt coo
  // shape of 3e8 rows made kenyon allocate 2.4 GB for its row pointers, fuzz_npz).
  const auto shape = detail::read_scipy_npz_shape(npz);
  check_shape(shape[0], shape[1]);
  auto matrix = detail::read_scipy_npz(npz);
  check_shape(matrix.rows, matrix.cols);
  if (table.index_column != no_column) {  // put each row at its matrix index
    std::vector<std::size_t> row_of(static_cast<std::size_t>(n), no_column);
    for (std::size_t r = 0; r < table.index.size(); ++r) {
      const auto index = table.index[r];
      auto fail = [&](const std::string& what) {
        throw file_error(table.path, what, table.line[r], table.index_name);
      };
      if (index >= n)
        fail("index " + std::to_string(index) + " is outside the matrix (0 to " +
             std::to_string(n - 1) + ")");
      auto& slot = row_of[static_cast<std::size_t>(index)];
      if (slot != no_column)
        fail("index " + std::to_string(index) + " appears again (first on line " +
             std::to_string(table.line[slot]) + ")");
      slot = r;
    }
    neuron_rows ordered;
    const auto& t = table.neurons;
    for (auto r : row_of)
      ordered.neurons.add(t.id[r], t.type[r], t.sign[r], t.sensory[r] != 0, t.side[r]);
    if (t.has_classes())
      for (auto r : row_of) ordered.neurons.cell_class.push_back(t.cell_class[r]);
    table = std::move(ordered);
  }
  connectome out;
  out.name = npz.filename().string();
  out.neurons = std::move(table.neurons);
  out.inprop = std::move(matrix);
  out.validate();
  return out;
}

}  // namespace kenyon::connectome

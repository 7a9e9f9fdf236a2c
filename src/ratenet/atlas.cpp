#include "kenyon/ratenet/atlas.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "kenyon/core/error.hpp"
#include "kenyon/core/progress.hpp"
#include "kenyon/core/rng.hpp"
#include "kenyon/core/table.hpp"
#include "kenyon/ratenet/optim.hpp"

namespace kenyon::ratenet {

// ------------------------------------------------------------------------ target sets

std::vector<atlas_target> atlas_targets_matching(const connectome::connectome& c,
                                                 std::string_view pattern, int layer, double value,
                                                 bool by_neuron) {
  const std::string p(pattern);
  std::map<std::string, std::vector<std::int64_t>> types;  // in name order
  for (std::int64_t i = 0; i < c.size(); ++i) {
    const auto& t = c.neurons.type[static_cast<std::size_t>(i)];
    if (fnmatch(p.c_str(), t.c_str(), 0) == 0) types[t].push_back(i);
  }
  // As selectors do: a pattern that matches no type names the types of the classes it
  // matches ("MBON": every MBON type of the larva).
  if (types.empty() && c.neurons.has_classes())
    for (std::int64_t i = 0; i < c.size(); ++i)
      if (fnmatch(p.c_str(), c.neurons.cell_class[static_cast<std::size_t>(i)].c_str(), 0) == 0)
        types[c.neurons.type[static_cast<std::size_t>(i)]].push_back(i);
  if (types.empty())
    throw unknown_name_error(p, "cell type pattern",
                             "--each: '" + p + "' matches no cell type" +
                                 (c.neurons.has_classes() ? " or class" : "") + " of connectome " +
                                 c.name);
  std::vector<atlas_target> out;
  if (!by_neuron) {
    for (auto& [name, neurons] : types) out.push_back({name, std::move(neurons), layer, value});
    return out;
  }
  std::vector<std::int64_t> all;
  for (const auto& [name, neurons] : types) all.insert(all.end(), neurons.begin(), neurons.end());
  std::sort(all.begin(), all.end());
  for (const auto i : all)
    out.push_back({std::to_string(c.neurons.id[static_cast<std::size_t>(i)]), {i}, layer, value});
  return out;
}

std::vector<atlas_target> read_atlas_targets(const std::filesystem::path& file,
                                             const connectome::connectome& c, int default_layer,
                                             double default_value) {
  const auto path = file.string();
  std::optional<std::size_t> target_col, layer_col, value_col, name_col;
  std::size_t width = 0;
  std::vector<atlas_target> out;
  read_csv_records(file, [&](std::size_t line, std::vector<std::string>& fields) {
    if (width == 0) {  // the header
      width = fields.size();
      const std::pair<const char*, std::optional<std::size_t>*> known[] = {{"target", &target_col},
                                                                           {"layer", &layer_col},
                                                                           {"value", &value_col},
                                                                           {"name", &name_col}};
      for (std::size_t k = 0; k < fields.size(); ++k)
        for (const auto& [name, col] : known)  // other columns are left alone
          if (fields[k] == name) {
            if (*col) throw file_error(path, "the column appears twice", line, name);
            *col = k;
          }
      if (!target_col)
        throw file_error(path, "no 'target' column (a cell type or neuron ids per row)", line);
      return;
    }
    if (fields.size() != width)
      throw file_error(
          path,
          "expected " + std::to_string(width) + " fields, got " + std::to_string(fields.size()),
          line);
    atlas_target t;
    const auto& text = fields[*target_col];
    std::set<std::int64_t> neurons;
    std::string token;
    const auto add = [&] {
      if (token.empty()) return;
      try {
        for (const auto i : c.select(token)) neurons.insert(i);
      } catch (const unknown_name_error& e) {
        throw file_error(path, e.what(), line, "target");
      }
      token.clear();
    };
    for (const char ch : text) {
      if (ch == ' ' || ch == ';')
        add();
      else
        token += ch;
    }
    add();
    if (neurons.empty()) throw file_error(path, "no cell type or neuron id", line, "target");
    t.neurons.assign(neurons.begin(), neurons.end());
    t.name = name_col && !fields[*name_col].empty() ? fields[*name_col] : text;
    t.layer = default_layer;
    t.value = default_value;
    if (layer_col && !fields[*layer_col].empty()) {
      const auto v = cell_integer(fields[*layer_col]);
      if (!v || *v < 0 || *v > 1000000)
        throw file_error(
            path, "expected a layer (a non-negative integer), got '" + fields[*layer_col] + "'",
            line, "layer");
      t.layer = static_cast<int>(*v);
    }
    if (value_col && !fields[*value_col].empty()) {
      char* end = nullptr;
      const auto& f = fields[*value_col];
      const double v = std::strtod(f.c_str(), &end);
      if (end != f.c_str() + f.size() || !std::isfinite(v))
        throw file_error(path, "expected a finite number, got '" + f + "'", line, "value");
      t.value = v;
    }
    out.push_back(std::move(t));
  });
  if (width == 0) throw file_error(path, "the targets file is empty");
  if (out.empty()) throw file_error(path, "the targets file has a header but no target sets");
  return out;
}

void check_atlas_targets(std::span<const atlas_target> targets, const network& net) {
  if (targets.empty()) throw parameter_error("targets", "no target sets");
  for (const auto& t : targets) {
    if (t.neurons.empty()) throw parameter_error("targets", "target set '" + t.name + "' is empty");
    if (t.layer < 0 || t.layer >= net.num_layers())
      throw parameter_error("layer", "target set '" + t.name + "': layer " +
                                         std::to_string(t.layer) + " is outside 0.." +
                                         std::to_string(net.num_layers() - 1));
    if (!std::isfinite(t.value))
      throw parameter_error("value", "target set '" + t.name + "': the value is not finite");
    for (const auto i : t.neurons)
      if (i < 0 || i >= net.size())
        throw parameter_error("targets", "target set '" + t.name + "': neuron " +
                                             std::to_string(i) + " is outside the network");
  }
}

void atlas_params::validate() const {
  optimise.validate();
  if (batch < 1) throw parameter_error("batch", "expected at least 1 target set at a time");
  if (top < 0) throw parameter_error("top", "expected 0 or more");
  using plain = double (*)(std::span<const float>, std::span<float>, float);
  const auto* f = optimise.out_reg.target<plain>();
  if (!f || (*f != &l1_plus_l2 && *f != &l1_plus_l2_mean))
    throw parameter_error("out_reg", "the atlas takes l1_plus_l2 or l1_plus_l2_mean");
  if (optimise.checkpoint_interval != 0)
    throw parameter_error("checkpoint_interval", "the atlas keeps every layer (0)");
}

// ------------------------------------------------------------------------ entries as bytes

std::string to_bytes(const atlas_entry& e) {
  nlohmann::json j = {{"index", e.index},
                      {"name", e.name},
                      {"neurons", e.neurons},
                      {"layer", e.layer},
                      {"value", e.value},
                      {"loss_start", e.loss_start},
                      {"loss_end", e.loss_end},
                      {"iterations", e.iterations},
                      {"stopped_early", e.stopped_early},
                      {"sensory_types", e.sensory_types},
                      {"intermediate_types", e.intermediate_types},
                      {"inputs", e.input.size()}};
  if (e.non_finite) j["non_finite"] = to_json(*e.non_finite);
  // Losses can be NaN, which JSON cannot hold: their bits go along as integers.
  j["loss_start_bits"] = std::bit_cast<std::uint64_t>(e.loss_start);
  j["loss_end_bits"] = std::bit_cast<std::uint64_t>(e.loss_end);
  auto out = j.dump() + "\n";
  static_assert(std::endian::native == std::endian::little, "entries are little-endian");
  const auto offset = out.size();
  out.resize(offset + e.input.size() * sizeof(float));
  if (!e.input.empty())
    std::memcpy(out.data() + offset, e.input.data(), e.input.size() * sizeof(float));
  return out;
}

atlas_entry atlas_entry_from_bytes(std::string_view bytes, const std::string& what) {
  const auto newline = bytes.find('\n');
  if (newline == std::string_view::npos)
    throw file_error(what, "not an atlas entry (no header line)");
  atlas_entry e;
  try {
    const auto j = nlohmann::json::parse(bytes.substr(0, newline));
    e.index = j.at("index").get<std::size_t>();
    e.name = j.at("name").get<std::string>();
    e.neurons = j.at("neurons").get<std::int64_t>();
    e.layer = j.at("layer").get<int>();
    e.value = j.at("value").get<double>();
    e.loss_start = std::bit_cast<double>(j.at("loss_start_bits").get<std::uint64_t>());
    e.loss_end = std::bit_cast<double>(j.at("loss_end_bits").get<std::uint64_t>());
    e.iterations = j.at("iterations").get<int>();
    e.stopped_early = j.at("stopped_early").get<bool>();
    e.sensory_types = j.at("sensory_types").get<std::vector<std::pair<std::string, double>>>();
    e.intermediate_types =
        j.at("intermediate_types").get<std::vector<std::pair<std::string, double>>>();
    if (j.contains("non_finite")) e.non_finite = non_finite_report_from_json(j.at("non_finite"));
    const auto count = j.at("inputs").get<std::size_t>();
    if (bytes.size() - newline - 1 != count * sizeof(float))
      throw file_error(what, "not an atlas entry: " + std::to_string(count) +
                                 " input values announced, " +
                                 std::to_string(bytes.size() - newline - 1) + " bytes follow");
    e.input.resize(count);
    if (count) std::memcpy(e.input.data(), bytes.data() + newline + 1, count * sizeof(float));
  } catch (const nlohmann::json::exception& x) {
    throw file_error(what, std::string("not an atlas entry: ") + x.what());
  } catch (const file_error&) {
    throw;
  } catch (const error& x) {
    throw file_error(what, std::string("not an atlas entry: ") + x.what());
  }
  return e;
}

// ------------------------------------------------------------------------ the work queue

namespace {

// FNV-1a, for the random start of a target set from its name and layer.
std::uint64_t name_key(const atlas_target& t) {
  std::uint64_t h = 1469598103934665603ull;
  const auto mix = [&h](unsigned char c) {
    h ^= c;
    h *= 1099511628211ull;
  };
  for (const char c : t.name) mix(static_cast<unsigned char>(c));
  mix(0);
  for (int k = 0; k < 4; ++k) mix(static_cast<unsigned char>(t.layer >> (8 * k)));
  return h;
}

constexpr std::uint32_t atlas_stream = 3;  // beside core's named streams

// What the atlas needs of the model's cell types, computed once.
struct type_index {
  std::vector<std::string> names;  // sorted
  std::vector<std::int32_t> of;    // per neuron
  std::vector<char> sensory;       // per neuron
};

// Without cell types every neuron is of one unnamed type, which the lists leave out.
type_index index_types(const network& net, std::span<const std::string> cell_types) {
  type_index t;
  std::vector<std::string> none;
  if (cell_types.empty()) none.resize(static_cast<std::size_t>(net.size()));
  const auto types = cell_types.empty() ? std::span<const std::string>(none) : cell_types;
  if (static_cast<std::int64_t>(types.size()) != net.size())
    throw parameter_error("cell_types", std::to_string(types.size()) + " cell types for " +
                                            std::to_string(net.size()) + " neurons");
  t.names.assign(types.begin(), types.end());
  std::sort(t.names.begin(), t.names.end());
  t.names.erase(std::unique(t.names.begin(), t.names.end()), t.names.end());
  t.of.resize(types.size());
  for (std::size_t i = 0; i < types.size(); ++i)
    t.of[i] = static_cast<std::int32_t>(std::lower_bound(t.names.begin(), t.names.end(), types[i]) -
                                        t.names.begin());
  t.sensory.assign(types.size(), 0);
  for (const auto s : net.sensory_indices()) t.sensory[static_cast<std::size_t>(s)] = 1;
  return t;
}

// The `top` names with the highest means (ties by name), means over the counted entries.
std::vector<std::pair<std::string, double>> top_means(const std::vector<std::string>& names,
                                                      const std::vector<double>& sum,
                                                      const std::vector<double>& count, int top) {
  std::vector<std::pair<std::string, double>> all;
  for (std::size_t k = 0; k < names.size(); ++k)
    if (count[k] > 0 && !names[k].empty()) all.emplace_back(names[k], sum[k] / count[k]);
  std::stable_sort(all.begin(), all.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  if (all.size() > static_cast<std::size_t>(top)) all.resize(static_cast<std::size_t>(top));
  return all;
}

// One batch slot: the target set it holds and where its optimisation stands.
struct slot {
  enum class phase { idle, optimising, evaluating } state = phase::idle;
  const atlas_target* target = nullptr;
  atlas_entry entry;
  std::optional<adam<float>> optimiser;
  std::vector<double> totals;  // the losses compared for early stopping
  float weight = 0;            // 1 / number of target neurons
  bool has_loss = false;       // entry.loss_start is set
};

}  // namespace

bool optimise_atlas(const network& net, std::span<const std::string> cell_types,
                    std::span<const atlas_target> targets, const atlas_params& params,
                    const atlas_hooks& hooks, progress_bar* progress) {
  params.validate();
  check_atlas_targets(targets, net);
  if (!hooks.next || !hooks.done) throw internal_error("optimise_atlas: next and done are needed");
  const auto& p = params.optimise;
  const std::int64_t batch = params.batch, n = net.size(), sensory = net.num_sensory();
  const int layers = net.num_layers();
  const auto per_item = static_cast<std::size_t>(sensory * layers);
  const auto types = index_types(net, cell_types);
  using plain = double (*)(std::span<const float>, std::span<float>, float);
  const bool mean_reg = *p.out_reg.target<plain>() == &l1_plus_l2_mean;
  const auto act_size = static_cast<double>(n * layers);  // one item's activity
  const float w1 = mean_reg ? static_cast<float>(1 / act_size) : 1.0f;
  const double w2 = mean_reg ? 1 / std::sqrt(act_size) : 1.0;
  const auto out_lambda = static_cast<float>(p.out_reg_lambda);
  const auto in_lambda = static_cast<float>(p.in_reg_lambda);

  std::vector<slot> slots(static_cast<std::size_t>(batch));
  std::vector<float> x(per_item * static_cast<std::size_t>(batch), 0.0f), grad_x(x.size());
  std::vector<float> inv_norm(static_cast<std::size_t>(batch), 0.0f);
  bool exhausted = false;
  trajectory recorded;  // its arrays serve every iteration

  const auto item = [&](std::vector<float>& v, std::size_t b) {
    return std::span<float>(v.data() + b * per_item, per_item);
  };
  const auto start = [&](std::size_t b, std::size_t index) {
    if (index >= targets.size())
      throw internal_error("optimise_atlas: target index " + std::to_string(index) +
                           " outside the list");
    auto& s = slots[b];
    const auto& t = targets[index];
    s = slot{};
    s.state = slot::phase::optimising;
    s.target = &t;
    s.entry.index = index;
    s.entry.name = t.name;
    s.entry.neurons = static_cast<std::int64_t>(t.neurons.size());
    s.entry.layer = t.layer;
    s.entry.value = t.value;
    s.weight = static_cast<float>(1.0 / double(t.neurons.size()));
    s.optimiser.emplace(per_item, adam_params{.learning_rate = p.learning_rate});
    rng_stream gen(p.seed ^ name_key(t), atlas_stream);
    for (auto& v : item(x, b)) v = static_cast<float>(gen.uniform());
  };
  // Ends slot b's optimisation: its input is clamped and the next run evaluates it.
  const auto conclude = [&](std::size_t b) {
    for (auto& v : item(x, b)) v = std::clamp(v, -1.0f, 1.0f);
    slots[b].state = slot::phase::evaluating;
  };
  const auto start_and_check = [&](std::size_t b, std::size_t index) {
    start(b, index);
    if (p.num_iterations == 0) conclude(b);
  };

  for (;;) {
    for (std::size_t b = 0; b < slots.size() && !exhausted; ++b) {
      if (slots[b].state != slot::phase::idle) continue;
      if (const auto next = hooks.next())
        start_and_check(b, *next);
      else
        exhausted = true;
    }
    const bool any = std::any_of(slots.begin(), slots.end(),
                                 [](const slot& s) { return s.state != slot::phase::idle; });
    if (!any) return true;
    if (hooks.poll) hooks.poll();
    if (hooks.stop && hooks.stop()) return false;

    recorded = net.record({x, {batch, sensory, layers}}, {}, {}, {}, std::move(recorded));
    const auto& trajectory = recorded;
    // Per item: the activity regulariser's sums and the first value that is not finite, in
    // (layer, neuron) order, as one run of that item alone would find it.
    std::vector<double> l1(slots.size(), 0), sq(slots.size(), 0);
    std::vector<double> a1(slots.size()), a2(slots.size());
    std::vector<std::optional<non_finite_report>> bad(slots.size());
    for (int l = 0; l < layers; ++l) {
      const auto state = trajectory.state(l);
      // Each item's sums run over the neurons in order, all items at once (the state is
      // neuron-major).
      std::fill(a1.begin(), a1.end(), 0.0);
      std::fill(a2.begin(), a2.end(), 0.0);
      for (std::int64_t i = 0; i < n; ++i) {
        const float* v = state.data() + i * batch;
        for (std::size_t b = 0; b < slots.size(); ++b) {
          a1[b] += std::abs(v[b]);
          a2[b] += double(v[b]) * v[b];
        }
      }
      for (std::size_t b = 0; b < slots.size(); ++b) {
        if (slots[b].state == slot::phase::idle) continue;
        l1[b] += a1[b];
        sq[b] += a2[b];
        if (!bad[b] && !std::isfinite(a1[b] + a2[b]))
          for (std::int64_t i = 0; i < n; ++i)
            if (const float v = state[static_cast<std::size_t>(i * batch) + b]; !std::isfinite(v)) {
              bad[b] = non_finite_report{
                  .where = "atlas",
                  .quantity = "state",
                  .layer = l,
                  .neuron = i,
                  .cell_type =
                      types.names[static_cast<std::size_t>(types.of[static_cast<std::size_t>(i)])],
                  .value = v};
              break;
            }
      }
    }
    const auto target_loss_of = [&](std::size_t b) {
      const auto& t = *slots[b].target;
      const auto state = trajectory.state(t.layer);
      double loss = 0;
      for (const auto i : t.neurons) {
        const float d =
            state[static_cast<std::size_t>(i * batch) + b] - static_cast<float>(t.value);
        loss += double(slots[b].weight) * d * d;
      }
      return loss;
    };

    // Slot b's input was clamped and has been run: its row, and the slot is free again.
    const auto finish = [&](std::size_t b) {
      auto& s = slots[b];
      auto& e = s.entry;
      e.loss_end = target_loss_of(b);
      if (!s.has_loss) e.loss_start = e.loss_end;  // no iteration was run
      if (!e.non_finite && bad[b]) {
        e.non_finite = bad[b];
        e.non_finite->step = e.iterations;
      }
      // The input by sensory type, over the steps up to the target layer.
      const auto in = item(x, b);
      std::vector<double> sum(types.names.size(), 0), count(types.names.size(), 0);
      const auto& sens = net.sensory_indices();
      for (std::int64_t j = 0; j < sensory; ++j) {
        const auto ty = static_cast<std::size_t>(
            types.of[static_cast<std::size_t>(sens[static_cast<std::size_t>(j)])]);
        for (int t = 0; t <= e.layer; ++t) {
          sum[ty] += in[static_cast<std::size_t>(j * layers + t)];
          count[ty] += 1;
        }
      }
      e.sensory_types = top_means(types.names, sum, count, params.top);
      // The other cell types on the way: the layers before the target layer.
      std::fill(sum.begin(), sum.end(), 0.0);
      std::fill(count.begin(), count.end(), 0.0);
      const auto& mine = s.target->neurons;
      for (int l = 0; l < std::max(1, e.layer); ++l) {
        const auto state = trajectory.state(l);
        for (std::int64_t i = 0; i < n; ++i) {
          if (types.sensory[static_cast<std::size_t>(i)] ||
              std::binary_search(mine.begin(), mine.end(), i))
            continue;
          const auto ty = static_cast<std::size_t>(types.of[static_cast<std::size_t>(i)]);
          sum[ty] += state[static_cast<std::size_t>(i * batch) + b];
          count[ty] += 1;
        }
      }
      e.intermediate_types = top_means(types.names, sum, count, params.top);
      e.input.assign(in.begin(), in.end());
      hooks.done(std::move(e));
      s = slot{};
      std::fill(in.begin(), in.end(), 0.0f);
      if (progress) progress->advance(1);
    };

    std::fill(grad_x.begin(), grad_x.end(), 0.0f);
    std::vector<char> stepping(slots.size(), 0);  // takes an Adam step this iteration
    for (std::size_t b = 0; b < slots.size(); ++b) {
      auto& s = slots[b];
      auto& e = s.entry;
      if (s.state == slot::phase::evaluating) {
        finish(b);
        continue;
      }
      if (s.state != slot::phase::optimising) continue;
      const int it = e.iterations;
      if (bad[b]) {  // stop here; the evaluation of the clamped input reports it again
        e.non_finite = bad[b];
        e.non_finite->step = it;
        conclude(b);
        continue;
      }
      const double target_loss = target_loss_of(b);
      const double out_reg = p.out_reg_lambda * (w1 * l1[b] + w2 * std::sqrt(sq[b]));
      const double in_reg = p.in_reg_lambda * p.in_reg(item(x, b), item(grad_x, b), in_lambda);
      const double total = target_loss + in_reg + out_reg;
      if (!s.has_loss) {
        e.loss_start = target_loss;
        s.has_loss = true;
      }
      if (!std::isfinite(total)) {
        const double parts[] = {target_loss, out_reg, in_reg};
        const char* names[] = {"target loss", "output regulariser", "input regulariser"};
        std::size_t k = 0;
        while (k < 2 && std::isfinite(parts[k])) ++k;
        e.non_finite = non_finite_report{
            .where = "atlas", .quantity = names[k], .step = it, .value = parts[k]};
        conclude(b);
        continue;
      }
      s.totals.push_back(total);
      if (p.early_stopping && it > p.n_runs) {
        const auto last = s.totals.end() - p.n_runs;
        const auto [lo, hi] = std::minmax_element(last, s.totals.end());
        if (*hi - *lo < p.stopping_threshold) {
          e.stopped_early = true;
          conclude(b);
          continue;
        }
      }
      inv_norm[b] = sq[b] > 0 ? static_cast<float>(w2 / std::sqrt(sq[b])) : 0.0f;
      stepping[b] = 1;
    }
    if (std::none_of(stepping.begin(), stepping.end(), [](char c) { return c != 0; })) continue;

    // The activity regulariser's gradient goes into every item, also those not stepping:
    // items are independent lanes, and the gradients of those are not used.
    const auto g = net.backward(
        trajectory,
        [&](int layer, std::span<const float> state, std::span<float> grad) {
#pragma omp parallel for schedule(static) if (n * batch > 32768)
          for (std::int64_t i = 0; i < n; ++i)
            for (std::int64_t b = 0; b < batch; ++b) {
              const auto k = static_cast<std::size_t>(i * batch + b);
              const float a = state[k];
              grad[k] += out_lambda * (w1 * static_cast<float>((a > 0) - (a < 0)) +
                                       a * inv_norm[static_cast<std::size_t>(b)]);
            }
          for (std::size_t b = 0; b < slots.size(); ++b) {
            if (!stepping[b] || slots[b].target->layer != layer) continue;
            const auto& t = *slots[b].target;
            for (const auto i : t.neurons) {
              const auto k = static_cast<std::size_t>(i * batch) + b;
              grad[k] += 2 * slots[b].weight * (state[k] - static_cast<float>(t.value));
            }
          }
        },
        {}, {.parameters = false});
    for (std::size_t b = 0; b < slots.size(); ++b) {
      if (!stepping[b]) continue;
      auto& s = slots[b];
      auto gx = item(grad_x, b);
      const float* from = g.input.data() + b * per_item;
      for (std::size_t k = 0; k < per_item; ++k) gx[k] += from[k];
      if (const auto at = first_non_finite(std::span<const float>(gx)); at >= 0) {
        const auto j = static_cast<std::size_t>(at) / static_cast<std::size_t>(layers);
        const auto neuron = net.sensory_indices()[j];
        s.entry.non_finite = non_finite_report{
            .where = "atlas",
            .quantity = "input gradient",
            .step = s.entry.iterations,
            .neuron = neuron,
            .cell_type =
                types.names[static_cast<std::size_t>(types.of[static_cast<std::size_t>(neuron)])],
            .value = gx[static_cast<std::size_t>(at)]};
        conclude(b);
        continue;
      }
      if (p.normalize_gradients)
        for (int t = 0; t < layers; ++t) {
          double norm = 0;
          for (std::size_t k = static_cast<std::size_t>(t); k < per_item;
               k += static_cast<std::size_t>(layers))
            norm += double(gx[k]) * gx[k];
          const float scale = static_cast<float>(1 / (std::sqrt(norm) + 1e-8));
          for (std::size_t k = static_cast<std::size_t>(t); k < per_item;
               k += static_cast<std::size_t>(layers))
            gx[k] *= scale;
        }
      s.optimiser->step(item(x, b), gx);
      if (++s.entry.iterations == p.num_iterations) conclude(b);
    }
  }
}

}  // namespace kenyon::ratenet

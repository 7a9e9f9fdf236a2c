#include "kenyon/ratenet/results.hpp"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <numeric>

#include "kenyon/core/error.hpp"
#include "kenyon/core/files.hpp"
#include "kenyon/core/npy.hpp"
#include "kenyon/core/plot.hpp"
#include "kenyon/core/resources.hpp"
#include "kenyon/ratenet/activation_summary.hpp"
#include "kenyon/ratenet/guess.hpp"
#include "kenyon/ratenet/neuroglancer.hpp"

namespace kenyon::ratenet {
namespace {

using clock_type = std::chrono::steady_clock;
double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

std::string npy_file(const std::vector<std::int64_t>& shape, const std::vector<float>& values) {
  return npy_bytes(shape, values.data());
}

std::string batch_suffix(std::int64_t batch, std::int64_t b) {
  return batch > 1 ? "_" + std::to_string(b) : std::string();
}

std::string shape_text(const input_array& in) {
  return std::to_string(in.batch) + " x " + std::to_string(in.sensory) + " x " +
         std::to_string(in.steps);
}

// ---------------------------------------------------------------- group means for figures

// The group rows of a get_neuron_activation or get_input_activation table (2-D): the group
// names and their time_* columns, row-major.
struct grouped_rows {
  std::vector<std::string> groups;
  std::vector<double> means;  // groups x steps
  std::size_t steps = 0;
  double at(std::size_t group, std::size_t step) const { return means[group * steps + step]; }
};

grouped_rows rows_of(const table& t) {
  grouped_rows g;
  g.steps = t.columns.size() - 1;  // group, time_0 .. time_{T-1}
  for (const auto& row : t.rows) {
    g.groups.push_back(format_cell(row[0]));
    for (std::size_t c = 1; c < row.size(); ++c) g.means.push_back(std::get<double>(row[c]));
  }
  return g;
}

std::vector<std::int64_t> all_neurons(const model& m) {
  std::vector<std::int64_t> all(static_cast<std::size_t>(m.net.size()));
  std::iota(all.begin(), all.end(), std::int64_t{0});
  return all;
}

// One batch item of (batch, neurons, layers) activations, as an (neurons, layers) view.
array_view<const float> item_of(const model& m, std::span<const float> activations,
                                std::int64_t b) {
  const auto n = m.net.size();
  const auto layers = static_cast<std::int64_t>(m.net.num_layers());
  return {activations.subspan(static_cast<std::size_t>(b * n * layers),
                              static_cast<std::size_t>(n * layers)),
          {n, layers}};
}

// Mean activation per layer of the given neurons, per cell type, in batch item b.
grouped_rows type_means(const model& m, std::span<const float> activations, std::int64_t b,
                        std::span<const std::int64_t> neurons) {
  return rows_of(
      get_neuron_activation(item_of(m, activations, b), neurons, {}, m.conn.idx_to_group()));
}

// Heatmap of one batch item of a (batch, sensory, steps) array, sensory neurons averaged
// per cell type (rows) and time steps as columns.
heatmap input_heatmap(const model& m, const array_view<const float>& values, std::int64_t b,
                      const std::string& title, const std::string& colour_label) {
  const std::int64_t sensory = values.shape[1], steps = values.shape[2];
  const auto per_item = static_cast<std::size_t>(sensory * steps);
  const auto g = rows_of(get_input_activation(
      {values.values.subspan(static_cast<std::size_t>(b) * per_item, per_item), {sensory, steps}},
      m.net.sensory_indices(), m.conn.idx_to_group()));
  heatmap h;
  h.title = title;
  h.x_label = "time step";
  h.y_label = "sensory cell type";
  h.row_labels = g.groups;
  for (std::int64_t t = 0; t < steps; ++t) h.column_labels.push_back(std::to_string(t));
  h.values = g.means;
  h.colour_label = colour_label;
  return h;
}

// Mean activation per layer of the given cell types in batch item b, one line per type.
line_plot group_timeseries(const model& m, std::span<const float> activations, std::int64_t b,
                           const std::vector<std::string>& types, const std::string& title) {
  line_plot p;
  p.title = title;
  p.x_label = "layer (time step)";
  p.y_label = "mean activation";
  for (const auto& type : types) {
    const auto g = type_means(m, activations, b, m.conn.select(type));
    for (std::size_t k = 0; k < g.groups.size(); ++k) {
      plot_series s;
      s.label = g.groups.size() == 1 ? type : g.groups[k];
      for (std::size_t l = 0; l < g.steps; ++l) {
        s.x.push_back(static_cast<double>(l));
        s.y.push_back(g.at(k, l));
      }
      p.series.push_back(std::move(s));
    }
  }
  return p;
}

// Loss curves against the iteration or epoch; every curve after the first is dashed.
line_plot loss_curves(const std::string& title, const std::string& x_label,
                      const std::vector<std::pair<std::string, std::vector<double>>>& curves) {
  line_plot p;
  p.title = title;
  p.x_label = x_label;
  p.y_label = "loss";
  for (const auto& [label, values] : curves) {
    plot_series s{label, {}, values, {}, !p.series.empty()};
    for (std::size_t k = 0; k < values.size(); ++k) s.x.push_back(static_cast<double>(k));
    p.series.push_back(std::move(s));
  }
  return p;
}

// activity_by_column's figure for one cell type: one line per layer (the static
// counterpart of connectome_interpreter's plot_activity_by_column slider).
line_plot column_plot(const table& t, const std::string& type) {
  line_plot p;
  p.title = type + ": activity by column";
  p.x_label = "column (normalised)";
  p.y_label = "mean activation";
  std::map<std::int64_t, plot_series> by_step;
  for (std::size_t r = 0; r < t.size(); ++r) {
    if (std::get<std::string>(t.at(r, "cell_group")) != type) continue;
    const auto step = std::get<std::int64_t>(t.at(r, "time_step"));
    auto& s = by_step[step];
    s.label = "layer " + std::to_string(step - 1);
    s.x.push_back(std::get<double>(t.at(r, "normalised_column")));
    s.y.push_back(std::get<double>(t.at(r, "activation")));
  }
  for (auto& [step, s] : by_step) p.series.push_back(std::move(s));
  return p;
}

// The cell types with the highest mean activation over all layers (batch item 0).
std::vector<std::string> most_active_types(const model& m, std::span<const float> activations,
                                           std::size_t count) {
  const auto g = type_means(m, activations, 0, all_neurons(m));
  std::vector<std::pair<double, std::string>> ranked;
  for (std::size_t k = 0; k < g.groups.size(); ++k) {
    double sum = 0;
    for (std::size_t l = 0; l < g.steps; ++l) sum += g.at(k, l);
    ranked.emplace_back(-sum, g.groups[k]);
  }
  std::sort(ranked.begin(), ranked.end());
  std::vector<std::string> out;
  for (std::size_t k = 0; k < std::min(count, ranked.size()); ++k) out.push_back(ranked[k].second);
  return out;
}

// ---------------------------------------------------------------- targets

// As many batch items as the specs name (the largest batch item + 1).
std::int64_t batch_of(std::span<const neuron_spec> specs) {
  std::int64_t batch = 1;
  for (const auto& s : specs)
    if (s.batch) batch = std::max(batch, *s.batch + 1);
  return batch;
}

// A cell type names a group of the network (when it has groups), and a class the class's
// neurons together (network::members), else its neurons' indices.
std::vector<neuron_key> neuron_keys(const model& m, const std::string& selector) {
  if (m.net.has_groups()) {
    const auto& groups = m.net.groups();
    if (std::binary_search(groups.begin(), groups.end(), selector)) return {selector};
    if (m.net.params().idx_to_class && m.conn.is_class(selector)) return {selector};
  }
  std::vector<neuron_key> keys;
  for (auto i : m.conn.select(selector)) keys.emplace_back(i);
  return keys;
}

// guess_optimal_stimulus for resolved targets (signs per presynaptic neuron).
input_array linear_guess(const model& m, const target_activation& targets, int longest_path) {
  return guess_optimal_stimulus(m.conn.inprop, m.net.sensory_indices(), m.conn.neurons.sign,
                                targets, longest_path);
}

// Records a numerical failure in the result and its last terminal line.
void report_non_finite(result_base& r, const std::optional<non_finite_report>& report,
                       const std::string& extra = {}) {
  if (!report) return;
  r.non_finite = report;
  r.lines.push_back("numerical failure: " + report->message() + extra);
}

}  // namespace

run_info run_info_of(const model& m, std::string command) {
  run_info i;
  i.command = "net " + std::move(command);
  i.connectome = m.conn.name;
  i.neurons = m.conn.size();
  i.connections = m.conn.inprop.nonzeros();
  i.sensory = m.net.num_sensory();
  i.layers = m.net.num_layers();
  i.load_seconds = m.load_seconds;
  i.network_seconds = m.build_seconds;
  return i;
}

// ---------------------------------------------------------------- result_base

nlohmann::json result_base::summary() const {
  auto s = details;
  s["command"] = info.command;
  s["connectome"] = {{"name", info.connectome},
                     {"neurons", info.neurons},
                     {"connections", info.connections},
                     {"sensory", info.sensory},
                     {"load_seconds", info.load_seconds}};
  s["layers"] = info.layers;
  s["network_seconds"] = info.network_seconds;
  s["threads"] = omp_get_max_threads();
  s["seconds"] = info.seconds;
  s["peak_rss_mb"] = peak_rss_mb();
  s["status"] = to_string(status());
  if (non_finite) s["non_finite"] = to_json(*non_finite);
  if (provenance.is_object()) s.update(provenance);
  return s;
}

std::vector<named_file> result_base::files() const {
  auto out = data_files();
  out.insert(out.end(), figures.begin(), figures.end());
  return out;
}

nlohmann::json result_base::write(const std::filesystem::path& dir) const {
  auto out = files();
  auto s = summary();
  nlohmann::json names = nlohmann::json::array();
  for (const auto& f : out) names.push_back(f.first);
  names.push_back("summary.json");
  s["outputs"] = names;
  // Last, so that a complete summary.json means a complete folder.
  out.emplace_back("summary.json", s.dump(2) + "\n");
  write_folder_atomic(dir, out);
  return s;
}

// ---------------------------------------------------------------- forward

forward_result run_forward(const model& m, const forward_options& o) {
  const auto& net = m.net;
  const auto& in = o.input;
  // Without a batch item, in every one.
  const auto clamps = resolve_targets(m.conn, o.clamps, net.num_layers(), in.batch);
  forward_result r;
  r.info = run_info_of(m, "forward");
  const auto t0 = clock_type::now();
  r.activations.resize(static_cast<std::size_t>(in.batch * net.size() * net.num_layers()));
  const auto non_finite = net.forward(in.view(), clamps, r.activations);
  r.info.seconds = seconds_since(t0);
  r.input = in;
  r.details = {{"batch", in.batch}, {"input_shape", in.shape()}};
  r.lines.push_back("input " + shape_text(in) + " (batch x sensory x steps)");
  if (non_finite) {
    // The per-type summaries and figures need finite activations: the arrays only.
    report_non_finite(r, non_finite);
    return r;
  }
  r.shown = o.show.empty() ? most_active_types(m, r.activations, 8) : o.show;
  const auto layers = static_cast<std::int64_t>(net.num_layers());
  r.group_activations = get_neuron_activation({r.activations, {in.batch, net.size(), layers}},
                                              all_neurons(m), {}, m.conn.idx_to_group());
  for (const auto& type : r.shown) {
    const auto g = type_means(m, r.activations, 0, m.conn.select(type));
    std::string line = "  " + type + ", mean activation per layer (batch item 0):";
    char buf[32];
    for (std::size_t l = 0; l < g.steps; ++l) {
      double mean = 0;  // over the types a pattern selects
      for (std::size_t k = 0; k < g.groups.size(); ++k)
        mean += g.at(k, l) / static_cast<double>(g.groups.size());
      std::snprintf(buf, sizeof buf, " %.3g", mean);
      line += buf;
    }
    r.lines.push_back(line);
  }
  if (o.figures)
    for (std::int64_t b = 0; b < in.batch; ++b) {
      const std::string suffix = batch_suffix(in.batch, b);
      r.figures.emplace_back("timeseries" + suffix + ".svg",
                             to_svg(group_timeseries(m, r.activations, b, r.shown,
                                                     "response, batch item " + std::to_string(b))));
      if (m.conn.neurons.column.empty()) continue;
      // Mean activation per spatial column of the shown cell types, and its figures.
      const auto t = activity_by_column(item_of(m, r.activations, b), m.conn.idx_to_group(),
                                        m.conn.neurons.column, r.shown);
      r.figures.emplace_back("activity_by_column" + suffix + ".csv", t.to_csv());
      for (const auto& type : r.shown)
        r.figures.emplace_back("activity_by_column_" + type + suffix + ".svg",
                               to_svg(column_plot(t, type)));
    }
  return r;
}

std::vector<named_file> forward_result::data_files() const {
  const auto layers = static_cast<std::int64_t>(info.layers);
  std::vector<named_file> out = {
      {"input.npy", npy_file(input.shape(), input.values)},
      {"activations.npy", npy_file({input.batch, info.neurons, layers}, activations)}};
  // Not made after a numerical failure.
  if (!group_activations.columns.empty())
    out.emplace_back("group_activations.csv", group_activations.to_csv());
  return out;
}

// ---------------------------------------------------------------- maximise

maximise_result run_maximise(const model& m, const maximise_options& o, progress_bar* progress) {
  const auto& net = m.net;
  maximise_result r;
  r.info = run_info_of(m, "maximise");
  r.targets = resolve_targets(m.conn, o.targets, net.num_layers(), o.batch);
  const std::int64_t batch = o.batch, sensory = net.num_sensory(), steps = net.num_layers();
  std::optional<std::vector<float>> initial;
  if (o.initial) {
    if (o.initial->batch != batch || o.initial->sensory != sensory || o.initial->steps != steps)
      throw parameter_error("initial", "the initial input must have shape (" +
                                           std::to_string(batch) + ", " + std::to_string(sensory) +
                                           ", " + std::to_string(steps) + ")");
    initial = o.initial->values;
  } else if (o.init == maximise_options::start::guess) {
    const auto guess = linear_guess(m, r.targets, 5);
    // The guess covers min(5, last target layer + 1) steps; later steps start at 0.
    initial.emplace(static_cast<std::size_t>(batch * sensory * steps), 0.0f);
    float largest = 0;
    for (float v : guess.values) largest = std::max(largest, std::abs(v));
    for (std::int64_t b = 0; b < guess.batch; ++b)
      for (std::int64_t j = 0; j < guess.sensory; ++j)
        for (std::int64_t t = 0; t < std::min(guess.steps, steps); ++t)
          (*initial)[static_cast<std::size_t>((b * sensory + j) * steps + t)] =
              largest > 0 ? guess.at(b, j, t) / largest : 0.0f;
  }

  const auto t0 = clock_type::now();
  r.optimised = activation_maximisation(
      net, r.targets, o.params,
      initial ? std::optional<std::span<const float>>(*initial) : std::nullopt, progress,
      &o.control);
  r.info.seconds = seconds_since(t0);
  const auto& a = r.optimised;
  if (a.stopped) return r;

  // The target loss of the starting input (the first iteration's) and of the result.
  r.target_loss_start = a.target_loss.empty() ? 0.0 : a.target_loss.front();
  r.target_loss_end = target_loss(net, r.targets, a.activations);
  const double rate = r.info.seconds > 0 ? a.iterations / r.info.seconds : 0.0;
  const auto targets = r.targets.per_item();  // one row per (batch item, neuron)
  r.details = {{"iterations", a.iterations},
               {"iterations_per_second", rate},
               {"targets", targets.size()},
               {"target_loss_start", r.target_loss_start},
               {"target_loss_end", r.target_loss_end},
               {"closer_to_targets", r.target_loss_end < r.target_loss_start}};
  char line[256];
  std::snprintf(line, sizeof line,
                "%d iterations, %.1f iterations/s; %zu target neurons, mean squared distance "
                "from the targets %.4g at the start, %.4g at the end",
                a.iterations, rate, targets.size(), r.target_loss_start, r.target_loss_end);
  r.lines.emplace_back(line);
  report_non_finite(r, a.non_finite, " (the optimisation stopped there)");

  r.losses = table({"iteration", "target_loss", "out_reg", "in_reg"});
  for (std::size_t k = 0; k < a.target_loss.size(); ++k)
    r.losses.add_row({static_cast<std::int64_t>(k), a.target_loss[k], a.out_reg[k], a.in_reg[k]});
  r.target_values =
      table({"batch", "neuron_index", "neuron_id", "type", "layer", "target", "activation"});
  for (const auto& tg : targets) {
    const auto i = static_cast<std::size_t>(tg.neuron);
    const float activation = a.activations[static_cast<std::size_t>(
        (*tg.batch * net.size() + tg.neuron) * net.num_layers() + tg.layer)];
    r.target_values.add_row({*tg.batch, tg.neuron, m.conn.neurons.id[i], m.conn.neurons.type[i],
                             std::int64_t{tg.layer}, tg.value, float_cell(activation)});
  }

  if (o.figures && !r.non_finite) {  // the figures need finite values
    r.figures.emplace_back("loss.svg", to_svg(loss_curves("activation maximisation", "iteration",
                                                          {{"target loss", a.target_loss},
                                                           {"activity regulariser", a.out_reg},
                                                           {"input regulariser", a.in_reg}})));
    for (std::int64_t b = 0; b < batch; ++b) {
      const std::string suffix = batch_suffix(batch, b);
      r.figures.emplace_back(
          "optimised_input" + suffix + ".svg",
          to_svg(input_heatmap(m, {a.input, a.shape}, b,
                               "optimised input, batch item " + std::to_string(b), "input")));
      std::vector<std::string> types;
      for (const auto& s : o.targets)
        if ((!s.batch || *s.batch == b) &&
            std::find(types.begin(), types.end(), s.selector) == types.end())
          types.push_back(s.selector);
      r.figures.emplace_back("target_timeseries" + suffix + ".svg",
                             to_svg(group_timeseries(m, a.activations, b, types,
                                                     "targets' response to the optimised input")));
    }
  }
  return r;
}

std::vector<named_file> maximise_result::data_files() const {
  const auto& s = optimised.shape;
  return {{"optimised_input.npy", npy_file(s, optimised.input)},
          {"activations.npy", npy_file({s[0], info.neurons, static_cast<std::int64_t>(info.layers)},
                                       optimised.activations)},
          {"losses.csv", losses.to_csv()},
          {"targets.csv", target_values.to_csv()}};
}

// ---------------------------------------------------------------- train

training_result run_train(model& m, const train_options& o, progress_bar* progress) {
  auto& net = m.net;
  const auto& in = o.input;
  training_result r;
  r.info = run_info_of(m, "train");
  const auto t0 = clock_type::now();
  r.trained = train_model(net, in.view(), o.targets, o.params, progress, &o.control);
  r.info.seconds = seconds_since(t0);
  if (r.trained.stopped) return r;
  const auto& h = r.trained.history;
  r.details = {{"epochs", h.loss.size()},
               {"loss", to_string(o.params.loss)},
               {"loss_start", h.loss.empty() ? 0.0 : h.loss.front()},
               {"loss_end", h.loss.empty() ? 0.0 : h.loss.back()},
               {"train_items", r.trained.train_indices.size()},
               {"validation_items", r.trained.val_indices.size()},
               {"skipped_steps", r.trained.skipped_steps}};
  if (!h.loss.empty()) {
    char line[160];
    std::snprintf(line, sizeof line, "%zu epochs: loss %.4g -> %.4g", h.loss.size(), h.loss.front(),
                  h.loss.back());
    r.lines.emplace_back(line);
  }
  report_non_finite(r, r.trained.non_finite,
                    "; " + std::to_string(r.trained.skipped_steps) + " of " +
                        std::to_string(h.loss.size()) + " updates skipped");
  const auto& q = r.trained.parameters;
  r.parameters = table({"group", "slope", "bias", "tau"});
  const auto& groups = net.groups();
  for (std::size_t g = 0; g < groups.size(); ++g)
    r.parameters.add_row({groups[g], float_cell(q.slope[g]), float_cell(std::abs(q.raw_bias[g])),
                          float_cell(std::max(1.0f, q.tau_param[g]))});
  r.history = table({"epoch", "loss", "activation_loss", "param_reg_loss", "val_loss"});
  for (std::size_t e = 0; e < h.loss.size(); ++e)
    r.history.add_row({static_cast<std::int64_t>(e), h.loss[e], h.activation_loss[e],
                       h.param_reg_loss[e], h.val_loss[e]});
  if (o.figures && !r.non_finite)  // the figures need finite values
    r.figures.emplace_back(
        "loss.svg",
        to_svg(loss_curves("training", "epoch",
                           {{"training loss", h.loss}, {"validation loss", h.val_loss}})));
  return r;
}

std::vector<named_file> training_result::data_files() const {
  return {{"parameters.csv", parameters.to_csv()}, {"history.csv", history.to_csv()}};
}

// ---------------------------------------------------------------- saliency

saliency_result run_saliency(const model& m, const saliency_options& o) {
  const auto& in = o.input;
  saliency_result r;
  r.info = run_info_of(m, "saliency");
  const auto of_interest = resolve_targets(m.conn, o.targets, m.net.num_layers(), in.batch);
  r.shape = in.shape();
  const auto t0 = clock_type::now();
  std::optional<non_finite_report> non_finite;
  r.map = saliency(m.net, in.view(), of_interest, o.method, o.normalize, &non_finite);
  r.info.seconds = seconds_since(t0);
  r.details = {{"shape", in.shape()}, {"method", to_string(o.method)}};
  report_non_finite(r, non_finite);
  if (o.figures && !r.non_finite)  // the figures need finite values
    for (std::int64_t b = 0; b < in.batch; ++b)
      r.figures.emplace_back(
          "saliency" + batch_suffix(in.batch, b) + ".svg",
          to_svg(input_heatmap(m, {r.map, r.shape}, b, "saliency, batch item " + std::to_string(b),
                               "gradient")));
  return r;
}

std::vector<named_file> saliency_result::data_files() const {
  return {{"saliency.npy", npy_file(shape, map)}};
}

// ---------------------------------------------------------------- gradients

gradients_result run_gradients(const model& m, const gradients_options& o) {
  const auto& in = o.input;
  gradients_result r;
  r.info = run_info_of(m, "gradients");
  gradient_params p;
  for (const auto& sel : o.monitor)
    for (auto& k : neuron_keys(m, sel)) p.monitor.push_back(std::move(k));
  p.targets = resolve_targets(m.conn, o.targets, m.net.num_layers(), in.batch);
  p.monitor_layers = o.monitor_layers;
  p.method = o.method;
  p.normalize_per_layer = o.normalize_per_layer;
  const auto t0 = clock_type::now();
  r.gradients = get_gradients(m.net, in.view(), p);
  r.info.seconds = seconds_since(t0);
  const auto& t = r.gradients;
  r.details = {{"rows", t.values.size()}, {"method", to_string(o.method)}};
  report_non_finite(r, t.non_finite);
  if (o.figures && !r.non_finite) {  // the figures need finite values
    line_plot plot;
    plot.title = "gradient of the targets' activity";
    plot.x_label = "layer";
    plot.y_label = "gradient";
    for (std::size_t row = 0; row < t.values.size(); ++row) {
      plot_series s;
      s.label = t.group[row] + (in.batch > 1 ? " " + t.batch_name[row] : "");
      for (std::size_t c = 0; c < t.layers.size(); ++c)
        if (!std::isnan(t.values[row][c])) {
          s.x.push_back(t.layers[c]);
          s.y.push_back(t.values[row][c]);
        }
      plot.series.push_back(std::move(s));
    }
    r.figures.emplace_back("gradients.svg", to_svg(plot));
  }
  return r;
}

std::vector<named_file> gradients_result::data_files() const {
  return {{"gradients.csv", gradients.to_table().to_csv()}};
}

// ---------------------------------------------------------------- paths

paths_result run_paths(const model& m, const paths_options& o) {
  const auto& net = m.net;
  const auto& in = o.input;
  paths_result r;
  r.info = run_info_of(m, "paths");
  const auto t0 = clock_type::now();
  std::vector<float> activations(
      static_cast<std::size_t>(in.batch * net.size() * net.num_layers()));
  const auto non_finite = net.forward(in.view(), {}, activations);
  if (non_finite) {
    // Path tables need finite activations.
    r.info.seconds = seconds_since(t0);
    r.details["edges"] = 0;
    report_non_finite(r, non_finite);
    return r;
  }
  path_table_options options;
  options.activation_threshold = o.activation_threshold;
  options.connectivity_threshold = o.connectivity_threshold;
  options.high_ram = o.high_ram;
  if (!o.by_neuron) options.inidx_mapping = m.conn.idx_to_group();
  const auto layers = static_cast<std::int64_t>(net.num_layers());
  const auto sensory = net.sensory_indices();
  const bool batched = in.batch > 1;
  const auto per_input = static_cast<std::size_t>(in.sensory * in.steps);
  auto input_of = [&](std::int64_t b) -> array_view<const float> {
    return {std::span<const float>(in.values).subspan(static_cast<std::size_t>(b) * per_input,
                                                      per_input),
            {in.sensory, in.steps}};
  };
  r.paths = batched ? activations_to_df_batched(
                          m.conn.inprop, {in.values, {in.batch, in.sensory, in.steps}},
                          {activations, {in.batch, net.size(), layers}}, sensory, options)
                    : activations_to_df(m.conn.inprop, input_of(0), item_of(m, activations, 0),
                                        sensory, options);
  ngl_options ngl_opts;  // FlyWire's segmentation unless told otherwise
  if (m.conn.name == "hemibrain-mb")
    ngl_opts.source = "precomputed://gs://neuroglancer-janelia-flyem-hemibrain/v1.2/segmentation";
  if (!o.ngl_source.empty()) ngl_opts.source = o.ngl_source;
  // Per batch item: the path with its activations and, neuron by neuron, the neuroglancer
  // table and state.
  for (std::int64_t b = 0; b < in.batch; ++b) {
    table path({"pre", "post", "weight", "layer"});  // the columns get_activations_for_path takes
    for (std::size_t row = 0; row < r.paths.size(); ++row) {
      if (batched && std::get<std::int64_t>(r.paths.at(row, "batch")) != b) continue;
      std::vector<cell> cells;
      for (const char* c : {"pre", "post", "weight", "layer"}) cells.push_back(r.paths.at(row, c));
      if (o.by_neuron)  // neuron indices, as numbers
        for (std::size_t k = 0; k < 2; ++k)
          cells[k] = static_cast<std::int64_t>(std::stoll(std::get<std::string>(cells[k])));
      path.add_row(std::move(cells));
    }
    if (path.size() == 0) continue;
    paths_result::item item;
    item.suffix = batched ? "_" + std::to_string(b) : "";
    item.path_activations = get_activations_for_path(
        path, item_of(m, activations, b), input_of(b), sensory,
        o.by_neuron ? std::span<const std::string>{} : m.conn.idx_to_group());
    if (o.by_neuron) {
      item.ngl = activated_path_for_ngl(item.path_activations, m.conn.neurons.id);
      item.ngl_state = ngl_state(*item.ngl, ngl_opts);
      if (!o.ngl_base.empty())
        r.details["neuroglancer_url" + item.suffix] = ngl_url(*item.ngl_state, o.ngl_base);
    }
    r.items.push_back(std::move(item));
  }
  r.info.seconds = seconds_since(t0);
  for (const auto& w : r.paths.warnings) r.lines.push_back("  " + w);
  r.details["edges"] = r.paths.size();
  r.lines.push_back(std::to_string(r.paths.size()) + " edges in the path table");
  return r;
}

std::vector<named_file> paths_result::data_files() const {
  std::vector<named_file> out;
  for (const auto& item : items) {
    out.emplace_back("path_activations" + item.suffix + ".csv", item.path_activations.to_csv());
    if (item.ngl) out.emplace_back("ngl" + item.suffix + ".csv", item.ngl->to_csv());
    if (item.ngl_state)
      out.emplace_back("neuroglancer" + item.suffix + ".json", item.ngl_state->dump(2) + "\n");
  }
  out.emplace_back("paths.csv", paths.to_csv());
  return out;
}

// ---------------------------------------------------------------- guess

guess_result run_guess(const model& m, const guess_options& o) {
  guess_result r;
  r.info = run_info_of(m, "guess");
  const auto targets = resolve_targets(m.conn, o.targets, m.net.num_layers(), batch_of(o.targets));
  const auto t0 = clock_type::now();
  r.guess = linear_guess(m, targets, o.longest_path);
  r.info.seconds = seconds_since(t0);
  r.details = {{"shape", r.guess.shape()}, {"targets", targets.per_item().size()}};
  r.lines.push_back("guessed input " + shape_text(r.guess) + " (batch x sensory x steps)");
  if (o.figures)
    r.figures.emplace_back(
        "guess.svg",
        to_svg(input_heatmap(m, r.guess.view(), 0, "linear guess of the optimal input", "score")));
  return r;
}

std::vector<named_file> guess_result::data_files() const {
  return {{"guess.npy", npy_file(guess.shape(), guess.values)}};
}

// ---------------------------------------------------------------- atlas

namespace {

std::string type_list(const std::vector<std::pair<std::string, double>>& types) {
  std::string out;
  for (const auto& [name, mean] : types)
    out += (out.empty() ? "" : ";") + name + ":" + format_cell(mean);
  return out;
}

// The input of entry e by sensory cell type (rows) and time step (columns).
grouped_rows input_by_type(const atlas_entry& e, const std::vector<std::string>& sensory_types,
                           int steps) {
  const auto sensory = static_cast<std::int64_t>(sensory_types.size());
  std::vector<std::int64_t> positions(static_cast<std::size_t>(sensory));
  std::iota(positions.begin(), positions.end(), std::int64_t{0});
  return rows_of(get_input_activation({e.input, {sensory, steps}}, positions, sensory_types));
}

}  // namespace

std::vector<std::string> sensory_types_of(const model& m) {
  std::vector<std::string> out;
  for (const auto i : m.net.sensory_indices())
    out.push_back(m.conn.neurons.type[static_cast<std::size_t>(i)]);
  return out;
}

atlas_result make_atlas_result(run_info info, std::vector<atlas_entry> entries,
                               std::vector<std::string> sensory_types, bool figures) {
  atlas_result r;
  r.info = std::move(info);
  std::sort(entries.begin(), entries.end(),
            [](const atlas_entry& a, const atlas_entry& b) { return a.index < b.index; });
  for (std::size_t k = 1; k < entries.size(); ++k)
    if (entries[k].index == entries[k - 1].index)
      throw parameter_error("targets", "target set " + std::to_string(entries[k].index) + " ('" +
                                           entries[k].name + "') was optimised twice");
  const auto per_item = sensory_types.size() * static_cast<std::size_t>(r.info.layers);
  r.rows = table({"index", "target", "neurons", "layer", "value", "loss_start", "loss_end",
                  "iterations", "stopped_early", "status", "top_sensory", "top_sensory_input",
                  "sensory_types", "intermediate_types"});
  std::int64_t improved = 0, iterations = 0, failed = 0;
  std::map<std::string, std::int64_t> by_top;  // target sets per favoured sensory type
  for (const auto& e : entries) {
    if (e.input.size() != per_item)
      throw parameter_error(
          "targets", "target set '" + e.name + "' has " + std::to_string(e.input.size()) +
                         " input values, expected sensory x layers = " + std::to_string(per_item));
    const bool ok = !e.non_finite;
    const std::string top = e.sensory_types.empty() ? "" : e.sensory_types.front().first;
    r.rows.add_row(
        {static_cast<std::int64_t>(e.index), e.name, e.neurons, static_cast<std::int64_t>(e.layer),
         e.value, e.loss_start, e.loss_end, static_cast<std::int64_t>(e.iterations),
         std::string(e.stopped_early ? "true" : "false"), std::string(ok ? "ok" : "non_finite"),
         top, e.sensory_types.empty() ? std::nan("") : e.sensory_types.front().second,
         type_list(e.sensory_types), type_list(e.intermediate_types)});
    improved += e.loss_end < e.loss_start;
    iterations += e.iterations;
    failed += !ok;
    if (!top.empty()) ++by_top[top];
    if (!ok && !r.non_finite) r.non_finite = e.non_finite;
  }
  const auto count = static_cast<double>(entries.size());
  const double rate = r.info.seconds > 0 ? count / r.info.seconds : 0.0;
  nlohmann::json favoured = nlohmann::json::object();
  for (const auto& [type, n] : by_top) favoured[type] = n;
  r.details = {{"target_sets", entries.size()},
               {"iterations", iterations},
               {"targets_per_second", rate},
               {"seconds_per_target", count > 0 ? r.info.seconds / count : 0.0},
               {"loss_decreased", improved},
               {"non_finite", failed},
               {"favoured_sensory_types", favoured}};
  char line[256];
  std::snprintf(line, sizeof line,
                "%zu target sets, %.3g target sets/s; the loss fell for %lld of them, %lld "
                "stopped on a value that is not finite",
                entries.size(), rate, static_cast<long long>(improved),
                static_cast<long long>(failed));
  r.lines.emplace_back(line);
  std::vector<std::pair<std::string, std::int64_t>> ranked(by_top.begin(), by_top.end());
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  std::string favourites;
  for (std::size_t k = 0; k < std::min<std::size_t>(ranked.size(), 8); ++k)
    favourites += (k ? ", " : "") + ranked[k].first + " " + std::to_string(ranked[k].second);
  if (!favourites.empty()) r.lines.push_back("most driven sensory type: " + favourites);
  if (r.non_finite) r.lines.push_back("numerical failure: " + r.non_finite->message());

  if (figures && !entries.empty()) {
    // One figure per target set: its optimised input by sensory type and step.
    for (const auto& e : entries) {
      const auto g = input_by_type(e, sensory_types, r.info.layers);
      heatmap h;
      h.title = "optimised input for " + e.name + " (layer " + std::to_string(e.layer) + ")";
      h.x_label = "time step";
      h.y_label = "sensory cell type";
      h.row_labels = g.groups;
      for (int t = 0; t < r.info.layers; ++t) h.column_labels.push_back(std::to_string(t));
      h.values = g.means;
      h.colour_label = "mean input";
      r.figures.emplace_back("figures/target_" + std::to_string(e.index) + ".svg", to_svg(h));
    }
    // The overview: target sets (rows) by sensory type (columns), the mean input over the
    // steps up to each target's layer.
    heatmap h;
    h.title = "optimised input by sensory cell type";
    h.x_label = "sensory cell type";
    h.y_label = "target set";
    const auto first = input_by_type(entries.front(), sensory_types, r.info.layers);
    h.column_labels = first.groups;
    for (const auto& e : entries) {
      const auto g = input_by_type(e, sensory_types, r.info.layers);
      h.row_labels.push_back(e.name);
      const auto steps = static_cast<std::size_t>(r.info.layers);
      for (std::size_t k = 0; k < g.groups.size(); ++k) {
        double sum = 0;
        for (int t = 0; t <= e.layer; ++t) sum += g.means[k * steps + static_cast<std::size_t>(t)];
        h.values.push_back(sum / (e.layer + 1));
      }
    }
    h.colour_label = "mean input";
    r.figures.emplace_back("overview.svg", to_svg(h));
  }
  r.entries = std::move(entries);
  r.sensory_types = std::move(sensory_types);
  return r;
}

atlas_result run_atlas(const model& m, const atlas_options& o, progress_bar* progress) {
  auto info = run_info_of(m, "atlas");
  std::size_t next = 0;
  std::vector<atlas_entry> done;
  const auto t0 = clock_type::now();
  optimise_atlas(m.net, m.conn.neurons.type, o.targets, o.params,
                 {.next = [&]() -> std::optional<std::size_t> {
                    if (next >= o.targets.size()) return std::nullopt;
                    return next++;
                  },
                  .done = [&](atlas_entry e) { done.push_back(std::move(e)); },
                  .poll = {},
                  .stop = o.stop},
                 progress);
  info.seconds = seconds_since(t0);
  auto r = make_atlas_result(std::move(info), std::move(done), sensory_types_of(m), o.figures);
  r.details["batch"] = o.params.batch;
  return r;
}

std::vector<named_file> atlas_result::data_files() const {
  const auto per_item = sensory_types.size() * static_cast<std::size_t>(info.layers);
  std::vector<float> inputs;
  inputs.reserve(entries.size() * per_item);
  for (const auto& e : entries) inputs.insert(inputs.end(), e.input.begin(), e.input.end());
  return {{"atlas.csv", rows.to_csv()},
          {"inputs.npy", npy_file({static_cast<std::int64_t>(entries.size()),
                                   static_cast<std::int64_t>(sensory_types.size()), info.layers},
                                  inputs)}};
}

}  // namespace kenyon::ratenet

// kenyon net forward | maximise | train | saliency | gradients | paths | guess: rate networks
// on a connectome given as files or by a shipped name. Each subcommand loads the
// connectome, builds the network, calls one library function and writes what it returns.
#include <omp.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>
#include <sstream>

#include "commands.hpp"
#include "kenyon/connectome/source.hpp"
#include "kenyon/core/error.hpp"
#include "kenyon/core/files.hpp"
#include "kenyon/core/npy.hpp"
#include "kenyon/core/plot.hpp"
#include "kenyon/core/progress.hpp"
#include "kenyon/core/table.hpp"
#include "kenyon/ratenet/activation_summary.hpp"
#include "kenyon/ratenet/actmax.hpp"
#include "kenyon/ratenet/attribution.hpp"
#include "kenyon/ratenet/connectome_model.hpp"
#include "kenyon/ratenet/guess.hpp"
#include "kenyon/ratenet/neuroglancer.hpp"
#include "kenyon/ratenet/path_tables.hpp"
#include "kenyon/ratenet/train.hpp"

namespace kenyon::cli {
namespace {

using clock_type = std::chrono::steady_clock;
double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

// Options every net subcommand takes: where the connectome comes from, the model, outputs.
struct common_options {
  std::string connectome, neurons, classification, format = "auto";
  double min_synapses = 0;
  std::vector<std::string> neuropils, transmitter_signs, sensory;
  int default_sign = 1;
  bool raw_weights = false;

  ratenet::network_params model;
  std::string kind = "multilayered";
  bool no_groups = false;
  std::vector<std::string> group_slope, group_bias, group_tau;

  std::string out;
  bool json = false, plots = false, quiet = false;
  int threads = 0;
  std::uint64_t seed = 0;
};

void add_common_options(CLI::App* cmd, common_options& o) {
  cmd->add_option("--connectome,-c", o.connectome,
                  "shipped name (larva, flyvis, hemibrain-mb) or file: edge list, Codex "
                  "connections, neuPrint adjacency, .npz, flyvis .json")
      ->required();
  cmd->add_option("--neurons", o.neurons, "neuron table (or the .npz metadata CSV)");
  cmd->add_option("--classification", o.classification, "Codex classification table");
  cmd->add_option("--format", o.format,
                  "auto, shipped, edge-list, codex, neuprint, npz or flyvis-json")
      ->capture_default_str();
  cmd->add_option("--min-synapses", o.min_synapses, "drop connections with fewer synapses")
      ->capture_default_str();
  cmd->add_option("--neuropil", o.neuropils, "keep only synapses in this neuropil/ROI (repeat)")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--transmitter-sign", o.transmitter_signs,
                  "override a transmitter's sign, e.g. GLUT=1 (repeat)")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--default-sign", o.default_sign, "sign of neurons with no transmitter")
      ->capture_default_str();
  cmd->add_flag("--raw-weights", o.raw_weights, "synapse counts as weights, not proportions");
  cmd->add_option("--sensory", o.sensory,
                  "cell types or ids that receive the input, instead of the table's sensory "
                  "neurons (repeat)")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);

  cmd->add_option("--layers,-L", o.model.num_layers, "unrolled layers (time steps)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  cmd->add_option("--kind", o.kind, "multilayered or linear")->capture_default_str();
  cmd->add_option("--threshold", o.model.threshold, "activation threshold")->capture_default_str();
  cmd->add_option("--slope", o.model.tanh_steepness, "default tanh slope")->capture_default_str();
  cmd->add_option("--bias", o.model.default_bias, "default bias")->capture_default_str();
  cmd->add_option("--tau", o.model.tau, "default time constant (steps)")->capture_default_str();
  cmd->add_option("--group-slope", o.group_slope, "slope of one cell type, TYPE=VALUE (repeat)")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--group-bias", o.group_bias, "bias of one cell type, TYPE=VALUE (repeat)")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--group-tau", o.group_tau, "time constant of one cell type (repeat)")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_flag("--no-groups", o.no_groups, "no per-cell-type parameters");

  cmd->add_option("--out,-o", o.out, "write results (.npy, .csv, .json, figures) into DIR");
  cmd->add_flag("--json", o.json, "print a JSON summary");
  cmd->add_flag("--plots", o.plots, "also write SVG figures under --out");
  cmd->add_flag("--quiet,-q", o.quiet, "no progress bar");
  cmd->add_option("--threads", o.threads, "OpenMP threads (0: all cores)")
      ->capture_default_str()
      ->check(CLI::Range(0, 4096));
  cmd->add_option("--seed", o.seed, "seed of every random draw")->capture_default_str();
  // Read by expand_config before parsing; declared here for --help and for its checks.
  cmd->add_option("--config", "TOML or JSON file of options (keys are option names)")
      ->type_name("FILE");
}

// "NAME=VALUE" -> (NAME, VALUE); throws parameter_error naming the option.
std::pair<std::string, double> name_value(const std::string& text, const std::string& option) {
  const auto eq = text.rfind('=');
  if (eq == std::string::npos || eq == 0)
    throw parameter_error(option, "'" + text + "': expected NAME=VALUE");
  const std::string value = text.substr(eq + 1);
  char* end = nullptr;
  const double v = std::strtod(value.c_str(), &end);
  if (value.empty() || *end != '\0' || !std::isfinite(v))
    throw parameter_error(option, "'" + text + "': the value is not a finite number");
  return {text.substr(0, eq), v};
}

// A loaded connectome and the network on it, with what loading cost.
struct loaded_model {
  connectome::connectome conn;
  std::optional<ratenet::network> net;
  double load_seconds = 0, build_seconds = 0;
};

loaded_model load_model(const common_options& o) {
  if (o.threads > 0) omp_set_num_threads(o.threads);
  loaded_model m;
  connectome::source from;
  from.connectome = o.connectome;
  if (!o.neurons.empty()) from.neurons = o.neurons;
  if (!o.classification.empty()) from.classification = o.classification;
  from.format = connectome::parse_source_format(o.format);
  from.options.min_synapses = o.min_synapses;
  from.options.neuropils = o.neuropils;
  for (const auto& t : o.transmitter_signs) {
    auto [name, v] = name_value(t, "--transmitter-sign");
    from.options.transmitter_sign[name] = static_cast<int>(v);
  }
  from.options.default_sign = o.default_sign;
  from.options.input_proportion = !o.raw_weights;
  const auto t0 = clock_type::now();
  m.conn = connectome::load(from);
  if (!o.sensory.empty()) {
    auto& flags = m.conn.neurons.sensory;
    std::fill(flags.begin(), flags.end(), 0);
    for (const auto& selector : o.sensory)
      for (auto i : m.conn.select(selector)) flags[static_cast<std::size_t>(i)] = 1;
  }
  m.load_seconds = seconds_since(t0);

  auto params = o.model;
  params.kind = ratenet::parse_network_kind(o.kind);
  for (const auto& s : o.group_slope) params.slope_by_group.insert(name_value(s, "--group-slope"));
  for (const auto& s : o.group_bias) params.bias_by_group.insert(name_value(s, "--group-bias"));
  for (const auto& s : o.group_tau) params.tau_by_group.insert(name_value(s, "--group-tau"));
  const auto t1 = clock_type::now();
  if (m.conn.sensory_indices().empty())
    throw parameter_error("--sensory", "connectome " + m.conn.name +
                                           " marks no sensory neurons: name the input neurons "
                                           "with --sensory TYPE (or a 'sensory' column in the "
                                           "neuron table)");
  m.net.emplace(ratenet::make_network(m.conn, std::move(params), !o.no_groups));
  m.build_seconds = seconds_since(t1);
  return m;
}

std::vector<ratenet::neuron_spec> parse_specs(const std::vector<std::string>& texts,
                                              const char* option) {
  std::vector<ratenet::neuron_spec> out;
  for (const auto& t : texts) out.push_back(ratenet::parse_neuron_spec(t, option));
  return out;
}

// Reads a network input .npy: (batch, sensory, steps) or (sensory, steps).
ratenet::input_array read_input(const std::string& path, const ratenet::network& net) {
  const auto a = read_npy(path);
  ratenet::input_array in;
  if (a.shape.size() == 2) {
    in = ratenet::input_array(1, a.shape[0], a.shape[1]);
  } else if (a.shape.size() == 3) {
    in = ratenet::input_array(a.shape[0], a.shape[1], a.shape[2]);
  } else {
    throw file_error(path,
                     "expected an array of shape (batch, sensory, steps) or (sensory, "
                     "steps), got " +
                         std::to_string(a.shape.size()) + " dimensions");
  }
  if (in.sensory != net.num_sensory() || in.steps < net.num_layers())
    throw file_error(
        path, "shape (" + std::to_string(in.batch) + ", " + std::to_string(in.sensory) + ", " +
                  std::to_string(in.steps) + ") does not fit the network: expected " +
                  std::to_string(net.num_sensory()) + " sensory neurons and at least " +
                  std::to_string(net.num_layers()) + " steps");
  in.values = a.values<float>();
  for (std::size_t k = 0; k < in.values.size(); ++k)
    if (!std::isfinite(in.values[k]))
      throw file_error(path, "entry " + std::to_string(k) + " is not a finite number");
  return in;
}

// What a subcommand hands back: files for --out, a JSON summary and lines for the terminal.
struct job_output {
  std::vector<std::pair<std::string, std::string>> files;
  nlohmann::json summary;
  std::vector<std::string> lines;
  void add(std::string name, std::string contents);
};

// Out of line: GCC 12 reports a false -Warray-bounds for emplace_back into this vector of
// pairs when it is inlined into the commands.
void job_output::add(std::string name, std::string contents) {
  files.emplace_back(std::move(name), std::move(contents));
}

int finish(const common_options& o, const loaded_model& m, const std::string& command,
           double run_seconds, job_output out) {
  auto& s = out.summary;
  s["command"] = "net " + command;
  s["connectome"] = {{"name", m.conn.name},
                     {"neurons", m.conn.size()},
                     {"connections", m.conn.inprop.nonzeros()},
                     {"sensory", m.net->num_sensory()},
                     {"load_seconds", m.load_seconds}};
  s["layers"] = m.net->num_layers();
  s["network_seconds"] = m.build_seconds;
  s["threads"] = o.threads > 0 ? o.threads : omp_get_max_threads();
  s["seconds"] = run_seconds;
  s["peak_rss_mb"] = peak_rss_mb();
  if (!o.out.empty()) {
    nlohmann::json names = nlohmann::json::array();
    for (const auto& f : out.files) names.push_back(f.first);
    names.push_back("summary.json");
    s["outputs"] = names;
    // Last, so that a complete summary.json means a complete folder.
    out.add("summary.json", s.dump(2) + "\n");
    write_folder_atomic(o.out, out.files);
  }
  if (o.json) {
    std::cout << s.dump(2) << std::endl;
    return 0;
  }
  std::printf("connectome %s: %lld neurons, %lld connections, %lld sensory, loaded in %.2f s\n",
              m.conn.name.c_str(), static_cast<long long>(m.conn.size()),
              static_cast<long long>(m.conn.inprop.nonzeros()),
              static_cast<long long>(m.net->num_sensory()), m.load_seconds);
  for (const auto& line : out.lines) std::printf("%s\n", line.c_str());
  std::printf("%s in %.2f s, peak memory %.0f MB\n", command.c_str(), run_seconds, peak_rss_mb());
  if (!o.out.empty()) std::printf("results in %s\n", o.out.c_str());
  return 0;
}

std::string npy_file(const std::vector<std::int64_t>& shape, const std::vector<float>& values) {
  return npy_bytes(shape, values.data());
}

// The group rows of a get_neuron_activation or get_input_activation table (2-D): the group
// names and their time_* columns, row-major, for figures and terminal lines.
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

// 0 .. N - 1.
std::vector<std::int64_t> all_neurons(const loaded_model& m) {
  std::vector<std::int64_t> all(static_cast<std::size_t>(m.net->size()));
  std::iota(all.begin(), all.end(), std::int64_t{0});
  return all;
}

// Mean activation per layer of the given neurons, per cell type, in batch item b.
grouped_rows type_means(const loaded_model& m, std::span<const float> activations,
                        std::int64_t batch_item, std::span<const std::int64_t> neurons) {
  const auto n = m.net->size();
  const auto layers = static_cast<std::int64_t>(m.net->num_layers());
  const auto item = activations.subspan(static_cast<std::size_t>(batch_item * n * layers),
                                        static_cast<std::size_t>(n * layers));
  return rows_of(
      ratenet::get_neuron_activation({item, {n, layers}}, neurons, {}, m.conn.idx_to_group()));
}

// Heatmap of one batch item of a (batch, sensory, steps) array, sensory neurons averaged
// per cell type (rows) and time steps as columns.
heatmap input_heatmap(const loaded_model& m, std::span<const float> values,
                      const ratenet::input_shape& shape, std::int64_t batch_item,
                      const std::string& title, const std::string& colour_label) {
  const auto per_item = static_cast<std::size_t>(shape.sensory * shape.steps);
  const auto g = rows_of(ratenet::get_input_activation(
      {values.subspan(static_cast<std::size_t>(batch_item) * per_item, per_item),
       {shape.sensory, shape.steps}},
      m.net->sensory_indices(), m.conn.idx_to_group()));
  heatmap h;
  h.title = title;
  h.x_label = "time step";
  h.y_label = "sensory cell type";
  h.row_labels = g.groups;
  for (std::int64_t t = 0; t < shape.steps; ++t) h.column_labels.push_back(std::to_string(t));
  h.values = g.means;
  h.colour_label = colour_label;
  return h;
}

// Line plot of the mean activation per layer of the given cell types, batch item b.
line_plot group_timeseries(const loaded_model& m, std::span<const float> activations,
                           std::int64_t batch_item, const std::vector<std::string>& types,
                           const std::string& title) {
  line_plot p;
  p.title = title;
  p.x_label = "layer (time step)";
  p.y_label = "mean activation";
  for (const auto& type : types) {
    const auto g = type_means(m, activations, batch_item, m.conn.select(type));
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

// The cell types with the highest mean activation over all layers, for default plots.
std::vector<std::string> most_active_types(const loaded_model& m,
                                           std::span<const float> activations, std::size_t count) {
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

// guess_optimal_stimulus for resolved targets (signs per presynaptic neuron).
ratenet::input_array linear_guess(const loaded_model& m, const ratenet::target_activation& targets,
                                  int longest_path = 5) {
  std::vector<ratenet::layer_targets> per_batch(static_cast<std::size_t>(targets.batch_size));
  for (const auto& t : targets.targets)
    per_batch[static_cast<std::size_t>(t.batch)][t.layer][t.neuron] = t.value;
  return ratenet::guess_optimal_stimulus(m.conn.inprop, m.net->sensory_indices(),
                                         m.conn.neurons.sign, per_batch, longest_path);
}

std::unique_ptr<progress_bar> make_bar(const common_options& o, const std::string& label,
                                       std::uint64_t total) {
  if (o.quiet || o.json) return std::make_unique<progress_bar>(label, total, false);
  return std::make_unique<progress_bar>(label, total);
}

void add_maximise(CLI::App* net, command& selected) {
  auto* cmd = net->add_subcommand(
      "maximise", "find the sensory input that drives target neurons (activation maximisation)");
  cmd->alias("maximize");
  struct options : common_options {
    std::vector<std::string> targets;
    std::int64_t batch = 1;
    ratenet::actmax_params am;
    bool no_early_stopping = false;
    std::string init = "random", reg = "mean";
  };
  auto o = std::make_shared<options>();
  add_common_options(cmd, *o);
  cmd->add_option("--target,-t", o->targets,
                  "[batch/]TYPE-or-ID:LAYER[=VALUE], e.g. MBON:5=1.0 (repeat)")
      ->required()
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--batch", o->batch, "batch items optimised together")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 20));
  cmd->add_option("--iterations", o->am.num_iterations, "Adam iterations")
      ->capture_default_str()
      ->check(CLI::Range(0, 100000000));
  cmd->add_option("--learning-rate", o->am.learning_rate, "Adam step size")->capture_default_str();
  cmd->add_option("--in-reg", o->am.in_reg_lambda, "weight of the input regulariser")
      ->capture_default_str();
  cmd->add_option("--out-reg", o->am.out_reg_lambda, "weight of the activity regulariser")
      ->capture_default_str();
  cmd->add_option("--reg", o->reg,
                  "regularisers per value (mean) or summed as connectome_interpreter (sum)")
      ->capture_default_str()
      ->check(CLI::IsMember({"mean", "sum"}));
  cmd->add_flag("--no-early-stopping", o->no_early_stopping, "run every iteration");
  cmd->add_option("--stopping-threshold", o->am.stopping_threshold,
                  "stop when the last n-runs losses span less than this")
      ->capture_default_str();
  cmd->add_option("--n-runs", o->am.n_runs, "losses compared for early stopping")
      ->capture_default_str();
  cmd->add_flag("--normalize-gradients", o->am.normalize_gradients,
                "divide each time step's input gradient by its norm");
  cmd->add_option("--checkpoint", o->am.checkpoint_interval,
                  "keep every k-th layer and recompute the rest (0: keep all)")
      ->capture_default_str();
  cmd->add_option("--init", o->init, "initial input: random, guess, or an .npy file")
      ->capture_default_str();
  cmd->callback([o, &selected] {
    selected = [o] {
      const auto m = load_model(*o);
      const auto& net = *m.net;
      const auto specs = parse_specs(o->targets, "--target");
      const auto targets = ratenet::resolve_targets(m.conn, specs, net.num_layers(), o->batch);
      auto am = o->am;
      am.seed = o->seed;
      am.early_stopping = !o->no_early_stopping;
      if (o->reg == "mean") am.in_reg = am.out_reg = ratenet::l1_plus_l2_mean;
      const ratenet::input_shape shape{o->batch, net.num_sensory(), net.num_layers()};

      std::optional<std::vector<float>> initial;
      if (o->init == "guess") {
        const auto guess = linear_guess(m, targets);
        // The guess covers min(5, last target layer + 1) steps; later steps start at 0.
        initial.emplace(static_cast<std::size_t>(shape.batch * shape.sensory * shape.steps), 0.0f);
        float largest = 0;
        for (float v : guess.values) largest = std::max(largest, std::abs(v));
        for (std::int64_t b = 0; b < guess.batch; ++b)
          for (std::int64_t j = 0; j < guess.sensory; ++j)
            for (std::int64_t t = 0; t < std::min(guess.steps, shape.steps); ++t)
              (*initial)[static_cast<std::size_t>((b * shape.sensory + j) * shape.steps + t)] =
                  largest > 0 ? guess.at(b, j, t) / largest : 0.0f;
      } else if (o->init != "random") {
        const auto in = read_input(o->init, net);
        if (in.batch != shape.batch || in.steps != shape.steps)
          throw file_error(o->init, "the initial input must have shape (" +
                                        std::to_string(shape.batch) + ", " +
                                        std::to_string(shape.sensory) + ", " +
                                        std::to_string(shape.steps) + ")");
        initial = in.values;
      }

      auto bar = make_bar(*o, "maximise", static_cast<std::uint64_t>(am.num_iterations));
      const auto t0 = clock_type::now();
      const auto r = ratenet::activation_maximisation(
          net, targets, am,
          initial ? std::optional<std::span<const float>>(*initial) : std::nullopt, bar.get());
      const double seconds = seconds_since(t0);
      bar.reset();

      // The target loss of the starting input (the first iteration's) and of the result.
      const double loss_start = r.target_loss.empty() ? 0.0 : r.target_loss.front();
      const double loss_end = ratenet::target_loss(net, targets, r.activations);

      job_output out;
      const double rate = seconds > 0 ? r.iterations / seconds : 0.0;
      out.summary = {
          {"iterations", r.iterations},        {"iterations_per_second", rate},
          {"targets", targets.targets.size()}, {"target_loss_start", loss_start},
          {"target_loss_end", loss_end},       {"closer_to_targets", loss_end < loss_start}};
      char line[256];
      std::snprintf(line, sizeof line,
                    "%d iterations, %.1f iterations/s; %zu target neurons, mean squared distance "
                    "from the targets %.4g at the start, %.4g at the end",
                    r.iterations, rate, targets.targets.size(), loss_start, loss_end);
      out.lines.emplace_back(line);
      if (!o->out.empty()) {
        out.add("optimised_input.npy",
                npy_file({shape.batch, shape.sensory, shape.steps}, r.input));
        out.add("activations.npy",
                npy_file({shape.batch, net.size(), static_cast<std::int64_t>(net.num_layers())},
                         r.activations));
        table losses({"iteration", "target_loss", "out_reg", "in_reg"});
        for (std::size_t k = 0; k < r.target_loss.size(); ++k)
          losses.add_row(
              {static_cast<std::int64_t>(k), r.target_loss[k], r.out_reg[k], r.in_reg[k]});
        out.add("losses.csv", losses.to_csv());
        std::string t = "batch,neuron_index,neuron_id,type,layer,target,activation\n";
        for (const auto& tg : targets.targets) {
          const auto i = static_cast<std::size_t>(tg.neuron);
          std::ostringstream row;
          row.precision(9);
          row << tg.batch << ',' << tg.neuron << ',' << m.conn.neurons.id[i] << ','
              << m.conn.neurons.type[i] << ',' << tg.layer << ',' << tg.value << ','
              << r.activations[static_cast<std::size_t>(
                     (tg.batch * net.size() + tg.neuron) * net.num_layers() + tg.layer)]
              << '\n';
          t += row.str();
        }
        out.add("targets.csv", t);
        if (o->plots) {
          out.add("loss.svg", to_svg(loss_curves("activation maximisation", "iteration",
                                                 {{"target loss", r.target_loss},
                                                  {"activity regulariser", r.out_reg},
                                                  {"input regulariser", r.in_reg}})));
          for (std::int64_t b = 0; b < shape.batch; ++b) {
            const std::string suffix = shape.batch > 1 ? "_" + std::to_string(b) : "";
            out.add(
                "optimised_input" + suffix + ".svg",
                to_svg(input_heatmap(m, r.input, shape, b,
                                     "optimised input, batch item " + std::to_string(b), "input")));
            std::vector<std::string> types;
            for (const auto& s : specs)
              if (s.batch == b && std::find(types.begin(), types.end(), s.selector) == types.end())
                types.push_back(s.selector);
            out.add("target_timeseries" + suffix + ".svg",
                    to_svg(group_timeseries(m, r.activations, b, types,
                                            "targets' response to the optimised input")));
          }
        }
      }
      return finish(*o, m, "maximise", seconds, std::move(out));
    };
  });
}

// Mean activation per cell type and layer, one row per (batch item, type).
std::string group_activation_csv(const loaded_model& m, std::span<const float> activations,
                                 std::int64_t batch) {
  return ratenet::get_neuron_activation(
             {activations, {batch, m.net->size(), static_cast<std::int64_t>(m.net->num_layers())}},
             all_neurons(m), {}, m.conn.idx_to_group())
      .to_csv();
}

// Mean activation per spatial column of the shown cell types (activity_by_column), and its
// figure: one line per layer for each type (the static counterpart of
// connectome_interpreter's plot_activity_by_column slider).
table columns_table(const loaded_model& m, std::span<const float> activations,
                    std::int64_t batch_item, const std::vector<std::string>& types) {
  const auto n = m.net->size();
  const auto layers = static_cast<std::int64_t>(m.net->num_layers());
  return ratenet::activity_by_column(
      {activations.subspan(static_cast<std::size_t>(batch_item * n * layers),
                           static_cast<std::size_t>(n * layers)),
       {n, layers}},
      m.conn.idx_to_group(), m.conn.neurons.column, types);
}

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

// Where a subcommand's network input comes from: an .npy array or stimulus specs.
struct input_options {
  std::string input;
  std::vector<std::string> stimuli;
  std::int64_t batch = 1;
};

void add_input_options(CLI::App* cmd, input_options& o) {
  cmd->add_option("--input,-i", o.input, "network input .npy, (batch, sensory, steps)");
  cmd->add_option("--stimulus,-s", o.stimuli,
                  "[batch/]SENSORY-TYPE-or-ID:STEP[=VALUE] sets sensory input (repeat)")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--batch", o.batch, "batch items (with --stimulus)")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 20));
}

ratenet::input_array make_input(const input_options& o, const loaded_model& m) {
  if (!o.input.empty() && !o.stimuli.empty())
    throw parameter_error("--input", "give either --input or --stimulus, not both");
  if (!o.input.empty()) return read_input(o.input, *m.net);
  if (o.stimuli.empty())
    throw parameter_error("--input", "no network input: give --input FILE.npy or --stimulus");
  return ratenet::input_from_specs(m.conn, parse_specs(o.stimuli, "--stimulus"), o.batch,
                                   m.net->num_layers());
}

// Targets for as many batch items as the specs name (the largest batch prefix + 1).
ratenet::target_activation targets_of(const loaded_model& m,
                                      std::span<const ratenet::neuron_spec> specs) {
  std::int64_t batch = 1;
  for (const auto& s : specs) batch = std::max(batch, s.batch + 1);
  return ratenet::resolve_targets(m.conn, specs, m.net->num_layers(), batch);
}

// Neurons of interest per layer, from target specs (values are ignored).
std::map<int, std::vector<std::int64_t>> neurons_by_layer(const loaded_model& m,
                                                          const std::vector<std::string>& texts) {
  // Batch prefixes are accepted and do not matter here.
  std::map<int, std::vector<std::int64_t>> out;
  for (const auto& t : targets_of(m, parse_specs(texts, "--target")).targets)
    out[t.layer].push_back(t.neuron);
  return out;
}

std::string input_shape_text(const ratenet::input_array& in) {
  return std::to_string(in.batch) + " x " + std::to_string(in.sensory) + " x " +
         std::to_string(in.steps);
}

void add_forward(CLI::App* net, command& selected) {
  auto* cmd = net->add_subcommand("forward", "run the network on an input");
  struct options : common_options, input_options {
    std::vector<std::string> show, clamps;
  };
  auto o = std::make_shared<options>();
  add_common_options(cmd, *o);
  add_input_options(cmd, *o);
  cmd->add_option("--show", o->show, "cell types or ids to tabulate and plot (repeat)")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--clamp", o->clamps,
                  "[batch/]TYPE-or-ID:LAYER=VALUE holds neurons at a value (repeat)")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->callback([o, &selected] {
    selected = [o] {
      const auto m = load_model(*o);
      const auto& net = *m.net;
      const auto in = make_input(*o, m);
      ratenet::manipulation clamps;
      for (const auto& spec : parse_specs(o->clamps, "--clamp")) {
        auto& layer = clamps.per_batch[spec.batch][spec.step];
        for (auto i : m.conn.select(spec.selector)) layer[i] = spec.value;
      }
      const ratenet::input_shape shape{in.batch, in.sensory, in.steps};
      const auto t0 = clock_type::now();
      const auto activations = net.forward(in.values, shape, clamps);
      const double seconds = seconds_since(t0);
      const auto show = o->show.empty() ? most_active_types(m, activations, 8) : o->show;

      job_output out;
      out.summary = {{"batch", in.batch}, {"input_shape", in.shape()}};
      out.lines.push_back("input " + input_shape_text(in) + " (batch x sensory x steps)");
      for (const auto& type : show) {
        const auto g = type_means(m, activations, 0, m.conn.select(type));
        std::string line = "  " + type + ", mean activation per layer (batch item 0):";
        char buf[32];
        for (std::size_t l = 0; l < g.steps; ++l) {
          double mean = 0;  // over the types a pattern selects
          for (std::size_t k = 0; k < g.groups.size(); ++k)
            mean += g.at(k, l) / static_cast<double>(g.groups.size());
          std::snprintf(buf, sizeof buf, " %.3g", mean);
          line += buf;
        }
        out.lines.push_back(line);
      }
      if (!o->out.empty()) {
        out.add("input.npy", npy_file(in.shape(), in.values));
        out.add("activations.npy",
                npy_file({in.batch, net.size(), static_cast<std::int64_t>(net.num_layers())},
                         activations));
        out.add("group_activations.csv", group_activation_csv(m, activations, in.batch));
        if (o->plots)
          for (std::int64_t b = 0; b < in.batch; ++b) {
            const std::string suffix = in.batch > 1 ? "_" + std::to_string(b) : "";
            out.add("timeseries" + suffix + ".svg",
                    to_svg(group_timeseries(m, activations, b, show,
                                            "response, batch item " + std::to_string(b))));
            if (!m.conn.neurons.column.empty()) {
              const auto t = columns_table(m, activations, b, show);
              out.add("activity_by_column" + suffix + ".csv", t.to_csv());
              for (const auto& type : show)
                out.add("activity_by_column_" + type + suffix + ".svg",
                        to_svg(column_plot(t, type)));
            }
          }
      }
      return finish(*o, m, "forward", seconds, std::move(out));
    };
  });
}

void add_guess(CLI::App* net, command& selected) {
  auto* cmd = net->add_subcommand(
      "guess", "linear guess of the input that drives targets (signed paths, no optimisation)");
  struct options : common_options {
    std::vector<std::string> targets;
    int longest_path = 5;
  };
  auto o = std::make_shared<options>();
  add_common_options(cmd, *o);
  cmd->add_option("--target,-t", o->targets, "[batch/]TYPE-or-ID:LAYER[=VALUE] (repeat)")
      ->required()
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--longest-path", o->longest_path, "longest path length considered")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  cmd->callback([o, &selected] {
    selected = [o] {
      const auto m = load_model(*o);
      const auto targets = targets_of(m, parse_specs(o->targets, "--target"));
      const auto t0 = clock_type::now();
      const auto guess = linear_guess(m, targets, o->longest_path);
      const double seconds = seconds_since(t0);
      job_output out;
      out.summary = {{"shape", guess.shape()}, {"targets", targets.targets.size()}};
      out.lines.push_back("guessed input " + input_shape_text(guess) +
                          " (batch x sensory x steps)");
      if (!o->out.empty()) {
        out.add("guess.npy", npy_file(guess.shape(), guess.values));
        if (o->plots)
          out.add("guess.svg",
                  to_svg(input_heatmap(m, guess.values, {guess.batch, guess.sensory, guess.steps},
                                       0, "linear guess of the optimal input", "score")));
      }
      return finish(*o, m, "guess", seconds, std::move(out));
    };
  });
}

// What saliency and gradients share: the model, the input, the targets whose activity is
// explained and the attribution method.
struct attribution_options : common_options, input_options {
  std::vector<std::string> targets;
  std::string method = "vanilla";
};

void add_attribution_options(CLI::App* cmd, attribution_options& o) {
  add_common_options(cmd, o);
  add_input_options(cmd, o);
  cmd->add_option("--target,-t", o.targets, "TYPE-or-ID:LAYER whose activity is explained")
      ->required()
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--method", o.method, "vanilla or input_x_gradient")->capture_default_str();
}

void add_saliency(CLI::App* net, command& selected) {
  auto* cmd = net->add_subcommand("saliency", "gradient of target activity w.r.t. the input");
  struct options : attribution_options {
    bool normalize = false;
  };
  auto o = std::make_shared<options>();
  add_attribution_options(cmd, *o);
  cmd->add_flag("--normalize", o->normalize, "scale each batch item to a maximum of 1");
  cmd->callback([o, &selected] {
    selected = [o] {
      const auto m = load_model(*o);
      const auto& net = *m.net;
      const auto in = make_input(*o, m);
      const auto of_interest = neurons_by_layer(m, o->targets);
      const ratenet::input_shape shape{in.batch, in.sensory, in.steps};
      const auto t0 = clock_type::now();
      const auto map =
          ratenet::saliency(net, in.values, shape, of_interest,
                            ratenet::parse_attribution_method(o->method), o->normalize);
      const double seconds = seconds_since(t0);
      job_output out;
      out.summary = {{"shape", in.shape()}, {"method", o->method}};
      if (!o->out.empty()) {
        out.add("saliency.npy", npy_file(in.shape(), map));
        if (o->plots)
          for (std::int64_t b = 0; b < in.batch; ++b)
            out.add("saliency" + (in.batch > 1 ? "_" + std::to_string(b) : std::string()) + ".svg",
                    to_svg(input_heatmap(m, map, shape, b,
                                         "saliency, batch item " + std::to_string(b), "gradient")));
      }
      return finish(*o, m, "saliency", seconds, std::move(out));
    };
  });
}

// A cell type names a group of the network (when it has groups), else its neurons' indices.
std::vector<ratenet::neuron_key> neuron_keys(const loaded_model& m, const std::string& selector) {
  if (m.net->has_groups()) {
    const auto& groups = m.net->groups();
    if (std::binary_search(groups.begin(), groups.end(), selector)) return {selector};
  }
  std::vector<ratenet::neuron_key> keys;
  for (auto i : m.conn.select(selector)) keys.emplace_back(i);
  return keys;
}

void add_gradients(CLI::App* net, command& selected) {
  auto* cmd = net->add_subcommand(
      "gradients", "gradient of target activity w.r.t. monitored neurons at each layer");
  struct options : attribution_options {
    std::vector<std::string> monitor;
    std::vector<int> monitor_layers;
    bool normalize_per_layer = false;
  };
  auto o = std::make_shared<options>();
  add_attribution_options(cmd, *o);
  cmd->add_option("--monitor", o->monitor, "cell types or ids to attribute to (repeat)")
      ->required()
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--monitor-layer", o->monitor_layers, "layers to report (default: all)")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_flag("--normalize-per-layer", o->normalize_per_layer,
                "divide each layer's gradient by its norm");
  cmd->callback([o, &selected] {
    selected = [o] {
      const auto m = load_model(*o);
      const auto& net = *m.net;
      const auto in = make_input(*o, m);
      ratenet::gradient_params p;
      for (const auto& sel : o->monitor)
        for (auto& k : neuron_keys(m, sel)) p.monitor.push_back(std::move(k));
      for (const auto& spec : parse_specs(o->targets, "--target"))
        for (auto& k : neuron_keys(m, spec.selector)) p.targets[spec.step].push_back(std::move(k));
      p.monitor_layers = o->monitor_layers;
      p.method = ratenet::parse_attribution_method(o->method);
      p.normalize_per_layer = o->normalize_per_layer;
      const ratenet::input_shape shape{in.batch, in.sensory, in.steps};
      const auto t0 = clock_type::now();
      const auto table = ratenet::get_gradients(net, in.values, shape, p);
      const double seconds = seconds_since(t0);
      job_output out;
      out.summary = {{"rows", table.values.size()}, {"method", o->method}};
      if (!o->out.empty()) {
        out.add("gradients.csv", table.to_table().to_csv());
        if (o->plots) {
          line_plot plot;
          plot.title = "gradient of the targets' activity";
          plot.x_label = "layer";
          plot.y_label = "gradient";
          for (std::size_t r = 0; r < table.values.size(); ++r) {
            plot_series s;
            s.label = table.group[r] + (in.batch > 1 ? " " + table.batch_name[r] : "");
            for (std::size_t c = 0; c < table.layers.size(); ++c)
              if (!std::isnan(table.values[r][c])) {
                s.x.push_back(table.layers[c]);
                s.y.push_back(table.values[r][c]);
              }
            plot.series.push_back(std::move(s));
          }
          out.add("gradients.svg", to_svg(plot));
        }
      }
      return finish(*o, m, "gradients", seconds, std::move(out));
    };
  });
}

void add_train(CLI::App* net, command& selected) {
  auto* cmd = net->add_subcommand(
      "train", "fit per-cell-type slopes, biases and time constants to recorded activity");
  struct options : common_options {
    std::string input, targets;
    ratenet::train_params train;
    bool fixed_slopes = false, fixed_biases = false, fixed_divisive = false, fixed_tau = false;
  };
  auto o = std::make_shared<options>();
  add_common_options(cmd, *o);
  cmd->add_option("--input,-i", o->input, "inputs .npy, (batch, sensory, steps)")->required();
  cmd->add_option("--targets", o->targets,
                  "CSV of batch, neuron_idx or neuron (type or id), [layer,] value: the activity "
                  "to fit")
      ->required();
  cmd->add_option("--epochs", o->train.num_epochs, "epochs")->capture_default_str();
  cmd->add_option("--learning-rate", o->train.learning_rate, "Adam step size")
      ->capture_default_str();
  cmd->add_option("--param-reg", o->train.param_reg_lambda, "weight of the drift penalty")
      ->capture_default_str();
  cmd->add_option("--train-fraction", o->train.train_fraction, "share of items trained on")
      ->capture_default_str();
  cmd->add_flag("--fixed-slopes", o->fixed_slopes, "do not train the slopes");
  cmd->add_flag("--fixed-biases", o->fixed_biases, "do not train the biases");
  cmd->add_flag("--fixed-divisive", o->fixed_divisive, "do not train divisive strengths");
  cmd->add_flag("--fixed-tau", o->fixed_tau, "do not train the time constants");
  cmd->callback([o, &selected] {
    selected = [o] {
      auto m = load_model(*o);
      auto& net = *m.net;
      const auto in = read_input(o->input, net);
      const auto targets = ratenet::read_training_targets_csv(
          o->targets, [&](const std::string& selector) { return m.conn.select(selector); });
      auto p = o->train;
      p.seed = o->seed;
      p.train_slopes = !o->fixed_slopes;
      p.train_biases = !o->fixed_biases;
      p.train_divisive_strength = !o->fixed_divisive;
      p.train_tau = !o->fixed_tau;
      auto bar = make_bar(*o, "train", static_cast<std::uint64_t>(p.num_epochs));
      const auto t0 = clock_type::now();
      const auto r = ratenet::train_model(net, in.values, {in.batch, in.sensory, in.steps}, targets,
                                          p, bar.get());
      const double seconds = seconds_since(t0);
      bar.reset();
      const auto& h = r.history;
      job_output out;
      out.summary = {{"epochs", h.loss.size()},
                     {"loss_start", h.loss.empty() ? 0.0 : h.loss.front()},
                     {"loss_end", h.loss.empty() ? 0.0 : h.loss.back()},
                     {"train_items", r.train_indices.size()},
                     {"validation_items", r.val_indices.size()}};
      if (!h.loss.empty()) {
        char line[160];
        std::snprintf(line, sizeof line, "%zu epochs: loss %.4g -> %.4g", h.loss.size(),
                      h.loss.front(), h.loss.back());
        out.lines.emplace_back(line);
      }
      if (!o->out.empty()) {
        const auto& q = r.parameters;
        std::string t = "group,slope,bias,tau\n";
        const auto& groups = net.groups();
        for (std::size_t g = 0; g < groups.size(); ++g) {
          std::ostringstream row;
          row.precision(9);
          row << groups[g] << ',' << q.slope[g] << ',' << std::abs(q.raw_bias[g]) << ','
              << std::max(1.0f, q.tau_param[g]) << '\n';
          t += row.str();
        }
        out.add("parameters.csv", t);
        table hist({"epoch", "loss", "activation_loss", "param_reg_loss", "val_loss"});
        for (std::size_t e = 0; e < h.loss.size(); ++e)
          hist.add_row({static_cast<std::int64_t>(e), h.loss[e], h.activation_loss[e],
                        h.param_reg_loss[e], h.val_loss[e]});
        out.add("history.csv", hist.to_csv());
        if (o->plots) {
          out.add("loss.svg", to_svg(loss_curves(
                                  "training", "epoch",
                                  {{"training loss", h.loss}, {"validation loss", h.val_loss}})));
        }
      }
      return finish(*o, m, "train", seconds, std::move(out));
    };
  });
}

void add_paths(CLI::App* net, command& selected) {
  auto* cmd = net->add_subcommand(
      "paths", "tables of the active paths from the input to every layer (and neuroglancer)");
  struct options : common_options, input_options {
    ratenet::path_table_options table;
    bool low_ram = false, by_neuron = false;
    std::string ngl_source, ngl_base;
  };
  auto o = std::make_shared<options>();
  add_common_options(cmd, *o);
  add_input_options(cmd, *o);
  cmd->add_option("--activation-threshold", o->table.activation_threshold,
                  "a neuron is active at or above this (0: every neuron)")
      ->capture_default_str();
  cmd->add_option("--connectivity-threshold", o->table.connectivity_threshold,
                  "leave out weaker group connections")
      ->capture_default_str();
  cmd->add_flag("--low-ram", o->low_ram, "group matrices per layer (high_ram=False)");
  cmd->add_flag("--by-neuron", o->by_neuron,
                "one node per neuron instead of per cell type; adds the neuroglancer tables");
  cmd->add_option("--ngl-source", o->ngl_source, "segmentation source of the neuroglancer state");
  cmd->add_option("--ngl-base", o->ngl_base, "neuroglancer address, e.g. https://ngl.flywire.ai/");
  cmd->callback([o, &selected] {
    selected = [o] {
      const auto m = load_model(*o);
      const auto& net = *m.net;
      const auto in = make_input(*o, m);
      const ratenet::input_shape shape{in.batch, in.sensory, in.steps};
      const auto t0 = clock_type::now();
      const auto activations = net.forward(in.values, shape);
      auto options = o->table;
      options.high_ram = !o->low_ram;
      if (!o->by_neuron) options.inidx_mapping = m.conn.idx_to_group();
      const auto layers = static_cast<std::int64_t>(net.num_layers());
      const auto sensory = net.sensory_indices();
      job_output out;
      const bool batched = in.batch > 1;
      const auto per_input = static_cast<std::size_t>(in.sensory * in.steps);
      const auto per_item = static_cast<std::size_t>(net.size() * layers);
      auto input_of = [&](std::int64_t b) -> array_view<const float> {
        return {std::span<const float>(in.values).subspan(static_cast<std::size_t>(b) * per_input,
                                                          per_input),
                {in.sensory, in.steps}};
      };
      auto activations_of = [&](std::int64_t b) -> array_view<const float> {
        return {std::span<const float>(activations)
                    .subspan(static_cast<std::size_t>(b) * per_item, per_item),
                {net.size(), layers}};
      };
      const auto paths = batched
                             ? ratenet::activations_to_df_batched(
                                   m.conn.inprop, {in.values, {in.batch, in.sensory, in.steps}},
                                   {activations, {in.batch, net.size(), layers}}, sensory, options)
                             : ratenet::activations_to_df(m.conn.inprop, input_of(0),
                                                          activations_of(0), sensory, options);
      ratenet::ngl_options ngl_opts;  // FlyWire's segmentation unless told otherwise
      if (m.conn.name == "hemibrain-mb")
        ngl_opts.source =
            "precomputed://gs://neuroglancer-janelia-flyem-hemibrain/v1.2/segmentation";
      if (!o->ngl_source.empty()) ngl_opts.source = o->ngl_source;
      // Per batch item: the path with its activations and, neuron by neuron, the
      // neuroglancer table and state.
      for (std::int64_t b = 0; b < in.batch; ++b) {
        table path;  // the columns get_activations_for_path takes
        path.columns = {"pre", "post", "weight", "layer"};
        for (std::size_t r = 0; r < paths.size(); ++r) {
          if (batched && std::get<std::int64_t>(paths.at(r, "batch")) != b) continue;
          std::vector<cell> row;
          for (const char* c : {"pre", "post", "weight", "layer"}) row.push_back(paths.at(r, c));
          if (o->by_neuron)  // neuron indices, as numbers
            for (std::size_t k = 0; k < 2; ++k)
              row[k] = static_cast<std::int64_t>(std::stoll(std::get<std::string>(row[k])));
          path.add_row(std::move(row));
        }
        if (path.size() == 0) continue;
        const std::string suffix = batched ? "_" + std::to_string(b) : "";
        const auto with_activations = ratenet::get_activations_for_path(
            path, activations_of(b), input_of(b), sensory,
            o->by_neuron ? std::span<const std::string>{} : m.conn.idx_to_group());
        out.add("path_activations" + suffix + ".csv", with_activations.to_csv());
        if (!o->by_neuron) continue;
        const auto ngl = ratenet::activated_path_for_ngl(with_activations, m.conn.neurons.id);
        out.add("ngl" + suffix + ".csv", ngl.to_csv());
        const auto state = ratenet::ngl_state(ngl, ngl_opts);
        out.add("neuroglancer" + suffix + ".json", state.dump(2) + "\n");
        if (!o->ngl_base.empty())
          out.summary["neuroglancer_url" + suffix] = ratenet::ngl_url(state, o->ngl_base);
      }
      const double seconds = seconds_since(t0);
      for (const auto& w : paths.warnings) out.lines.push_back("  " + w);
      out.summary["edges"] = paths.size();
      out.lines.push_back(std::to_string(paths.size()) + " edges in the path table");
      out.add("paths.csv", paths.to_csv());
      if (o->out.empty()) out.files.clear();
      return finish(*o, m, "paths", seconds, std::move(out));
    };
  });
}

}  // namespace

void add_net_commands(CLI::App& app, command& selected) {
  auto* net = app.add_subcommand("net", "rate networks on connectomes");
  net->require_subcommand(1);
  // A value given twice (in a --config file, then on the command line) takes the last;
  // list options say TakeAll themselves. The subcommands inherit this default.
  net->option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  add_forward(net, selected);
  add_maximise(net, selected);
  add_train(net, selected);
  add_saliency(net, selected);
  add_gradients(net, selected);
  add_paths(net, selected);
  add_guess(net, selected);
}

}  // namespace kenyon::cli

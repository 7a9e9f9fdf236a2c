// kenyon net forward | maximise | train | saliency | gradients | paths | guess: rate networks
// on a connectome given as files or by a shipped name. Each subcommand turns its options
// into a model_spec and the operation's options, calls ratenet::run_<operation>
// (ratenet/results.hpp), prints the result's summary or lines and writes it under --out.
#include <omp.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "commands.hpp"
#include "kenyon/core/error.hpp"
#include "kenyon/core/files.hpp"
#include "kenyon/core/interrupt.hpp"
#include "kenyon/core/progress.hpp"
#include "kenyon/core/resources.hpp"
#include "kenyon/ratenet/checkpoint.hpp"
#include "net_options.hpp"

namespace kenyon::cli {

void add_common_options(CLI::App* cmd, common_options& o) {
  o.cmd = cmd;
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
  cmd->add_option("--seed", o.seed, "seed of every random draw")
      ->check(seed_value())
      ->capture_default_str();
  // Read by expand_config before parsing; declared here for --help and for its checks.
  cmd->add_option("--config", "TOML or JSON file of options (keys are option names)")
      ->type_name("FILE");
}

ratenet::model load_model(const common_options& o) {
  if (o.threads > 0) omp_set_num_threads(o.threads);
  ratenet::model_spec spec;
  auto& from = spec.source;
  from.connectome = o.connectome;
  if (!o.neurons.empty()) from.neurons = o.neurons;
  if (!o.classification.empty()) from.classification = o.classification;
  from.format = connectome::parse_source_format(o.format);
  from.options.min_synapses = o.min_synapses;
  from.options.neuropils = o.neuropils;
  for (const auto& t : o.transmitter_signs) {
    auto [name, v] = ratenet::parse_name_value(t, "--transmitter-sign");
    from.options.transmitter_sign[name] = static_cast<int>(v);
  }
  from.options.default_sign = o.default_sign;
  from.options.input_proportion = !o.raw_weights;
  spec.sensory = o.sensory;
  spec.network = o.model;
  spec.network.kind = ratenet::parse_network_kind(o.kind);
  for (const auto& s : o.group_slope)
    spec.network.slope_by_group.insert(ratenet::parse_name_value(s, "--group-slope"));
  for (const auto& s : o.group_bias)
    spec.network.bias_by_group.insert(ratenet::parse_name_value(s, "--group-bias"));
  for (const auto& s : o.group_tau)
    spec.network.tau_by_group.insert(ratenet::parse_name_value(s, "--group-tau"));
  spec.use_groups = !o.no_groups;
  auto m = ratenet::load_model(spec);
  // The library ignores names that are not groups (as connectome_interpreter does); on the
  // command line such a name is a typo, and a silently ignored option.
  const auto& groups = m.net.groups();
  const std::pair<const char*, const std::map<std::string, double>*> per_group[] = {
      {"--group-slope", &spec.network.slope_by_group},
      {"--group-bias", &spec.network.bias_by_group},
      {"--group-tau", &spec.network.tau_by_group}};
  for (const auto& [option, values] : per_group)
    for (const auto& [name, value] : *values) {
      // A class stands for its types (those without a value of their own).
      if (std::binary_search(groups.begin(), groups.end(), name) || m.conn.is_class(name)) continue;
      if (groups.empty())
        throw parameter_error(option, "per-cell-type values need cell types: drop --no-groups");
      try {
        m.conn.select(name);
      } catch (const unknown_name_error& e) {
        throw unknown_name_error(name, "cell type", std::string(option) + ": " + e.what());
      }
      throw unknown_name_error(name, "cell type",
                               std::string(option) + ": '" + name + "' is not a cell type of " +
                                   m.conn.name + " (a neuron id or pattern names no group)");
    }
  return m;
}

std::unique_ptr<progress_bar> make_bar(const common_options& o, const std::string& label,
                                       std::uint64_t total) {
  if (o.quiet || o.json) return std::make_unique<progress_bar>(label, total, false);
  return std::make_unique<progress_bar>(label, total);
}

ratenet::actmax_params optimiser_options::params(std::uint64_t seed) const {
  auto p = am;
  p.seed = seed;
  p.early_stopping = !no_early_stopping;
  if (reg == "mean") p.in_reg = p.out_reg = ratenet::l1_plus_l2_mean;
  return p;
}

void add_optimiser_options(CLI::App* cmd, optimiser_options& o) {
  cmd->add_option("--iterations", o.am.num_iterations, "Adam iterations")
      ->capture_default_str()
      ->check(CLI::Range(0, 100000000));
  cmd->add_option("--learning-rate", o.am.learning_rate, "Adam step size")->capture_default_str();
  cmd->add_option("--in-reg", o.am.in_reg_lambda, "weight of the input regulariser")
      ->capture_default_str();
  cmd->add_option("--out-reg", o.am.out_reg_lambda, "weight of the activity regulariser")
      ->capture_default_str();
  cmd->add_option("--reg", o.reg,
                  "regularisers per value (mean) or summed as connectome_interpreter (sum)")
      ->capture_default_str()
      ->check(CLI::IsMember({"mean", "sum"}));
  cmd->add_flag("--no-early-stopping", o.no_early_stopping, "run every iteration");
  cmd->add_option("--stopping-threshold", o.am.stopping_threshold,
                  "stop when the last n-runs losses span less than this")
      ->capture_default_str();
  cmd->add_option("--n-runs", o.am.n_runs, "losses compared for early stopping")
      ->capture_default_str();
  cmd->add_flag("--normalize-gradients", o.am.normalize_gradients,
                "divide each time step's input gradient by its norm");
}

namespace {

std::vector<ratenet::neuron_spec> parse_specs(const std::vector<std::string>& texts,
                                              const char* option) {
  std::vector<ratenet::neuron_spec> out;
  for (const auto& t : texts) out.push_back(ratenet::parse_neuron_spec(t, option));
  return out;
}

// maximise and train stop between iterations or epochs on SIGINT or SIGTERM and continue
// with --resume from DIR/checkpoint.json (only with --out).
struct resume_options {
  bool resume = false;
  int save_every = 0;
};

void add_resume_options(CLI::App* cmd, resume_options& r, const std::string& units) {
  cmd->add_option("--save-every", r.save_every,
                  units + " between checkpoints under --out (0: only when stopped)")
      ->capture_default_str()
      ->check(CLI::Range(0, 100000000));
  cmd->add_flag("--resume", r.resume,
                "continue the run that SIGINT or SIGTERM stopped, from --out's checkpoint.json");
}

std::filesystem::path checkpoint_file(const common_options& o) {
  return std::filesystem::path(o.out) / "checkpoint.json";
}

// Sets `control` (an actmax_control or train_control) to stop on a signal and save the
// state under --out, and to continue from `saved`, read there, with --resume.
template <class state_type, class control_type>
void use_checkpoints(const common_options& o, const resume_options& r, control_type& control,
                     std::optional<state_type>& saved,
                     state_type (*from_json)(const nlohmann::json&)) {
  if (r.resume && o.out.empty())
    throw parameter_error("--resume", "needs --out, the stopped run's");
  if (o.out.empty()) return;
  const auto file = checkpoint_file(o);
  const auto made_by = provenance(*o.cmd);
  if (r.resume) {
    remove_write_leftovers(o.out);
    if (auto state = load_checkpoint(file, made_by))
      saved = from_json(*state);
    else
      std::fprintf(stderr, "kenyon: no checkpoint in %s, starting from the beginning\n",
                   o.out.c_str());
  }
  control.resume = saved ? &*saved : nullptr;
  control.stop = stop_requested;
  control.save_every = r.save_every;
  control.save = [file, made_by](const state_type& s) {
    save_checkpoint(file, made_by, ratenet::to_json(s));
  };
  catch_stop_signals();
}

// finish() for a run that may have saved checkpoints: the finished folder holds none.
template <class result_type>
int finish_resumable(const common_options& o, result_type&& r) {
  const int code = finish(o, std::forward<result_type>(r));
  if (!o.out.empty()) {
    std::error_code ignored;
    std::filesystem::remove(checkpoint_file(o), ignored);
  }
  return code;
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
                  "[batch/]SENSORY-TYPE-or-ID:STEP[=VALUE] sets sensory input; without batch/ "
                  "in batch item 0 (repeat)")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--batch", o.batch, "batch items (with --stimulus)")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 20));
}

ratenet::input_array make_input(const input_options& o, const ratenet::model& m) {
  if (!o.input.empty() && !o.stimuli.empty())
    throw parameter_error("--input", "give either --input or --stimulus, not both");
  if (!o.input.empty()) return ratenet::read_network_input(o.input, m.net);
  if (o.stimuli.empty())
    throw parameter_error("--input", "no network input: give --input FILE.npy or --stimulus");
  check_fits_in_memory(o.batch, m.net.size(), m.net.num_layers());
  return ratenet::input_from_specs(m.conn, parse_specs(o.stimuli, "--stimulus"), o.batch,
                                   m.net.num_layers());
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
                  "[batch/]TYPE-or-ID:LAYER=VALUE holds neurons at a value; without batch/ in "
                  "every batch item (repeat)")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->callback([o, &selected] {
    selected = [o] {
      const auto m = load_model(*o);
      ratenet::forward_options f;
      f.input = make_input(*o, m);
      f.clamps = parse_specs(o->clamps, "--clamp");
      f.show = o->show;
      f.figures = o->figures();
      return finish(*o, ratenet::run_forward(m, f));
    };
  });
}

void add_maximise(CLI::App* net, command& selected) {
  auto* cmd = net->add_subcommand(
      "maximise", "find the sensory input that drives target neurons (activation maximisation)");
  cmd->alias("maximize");
  struct options : common_options, optimiser_options, resume_options {
    std::vector<std::string> targets;
    std::int64_t batch = 1;
    std::string init = "random";
  };
  auto o = std::make_shared<options>();
  add_common_options(cmd, *o);
  cmd->add_option("--target,-t", o->targets,
                  "[batch/]TYPE-or-ID:LAYER[=VALUE], e.g. MBON:5=1.0; without batch/ in every "
                  "batch item (repeat)")
      ->required()
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--batch", o->batch, "batch items optimised together")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 20));
  add_optimiser_options(cmd, *o);
  cmd->add_option("--checkpoint", o->am.checkpoint_interval,
                  "keep every k-th layer and recompute the rest (0: keep all)")
      ->capture_default_str();
  cmd->add_option("--init", o->init, "initial input: random, guess, or an .npy file")
      ->capture_default_str();
  o->save_every = 100;
  add_resume_options(cmd, *o, "iterations");
  cmd->callback([o, &selected] {
    selected = [o] {
      const auto m = load_model(*o);
      check_fits_in_memory(o->batch, m.net.size(), m.net.num_layers());
      ratenet::maximise_options x;
      x.targets = parse_specs(o->targets, "--target");
      x.batch = o->batch;
      x.params = o->params(o->seed);
      if (o->init == "guess") {
        x.init = ratenet::maximise_options::start::guess;
      } else if (o->init != "random") {
        x.initial = ratenet::read_network_input(o->init, m.net);
        if (x.initial->batch != o->batch || x.initial->steps != m.net.num_layers())
          throw file_error(o->init, "the initial input must have shape (" +
                                        std::to_string(o->batch) + ", " +
                                        std::to_string(m.net.num_sensory()) + ", " +
                                        std::to_string(m.net.num_layers()) + ")");
      }
      x.figures = o->figures();
      std::optional<ratenet::actmax_state> saved;
      use_checkpoints(*o, *o, x.control, saved, ratenet::actmax_state_from_json);
      auto bar = make_bar(*o, "maximise", static_cast<std::uint64_t>(x.params.num_iterations));
      auto r = ratenet::run_maximise(m, x, bar.get());
      bar.reset();
      if (r.optimised.stopped)
        return report_stopped(r.optimised.iterations, x.params.num_iterations, "iterations",
                              o->out);
      return finish_resumable(*o, std::move(r));
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
      ratenet::guess_options g;
      g.targets = parse_specs(o->targets, "--target");
      g.longest_path = o->longest_path;
      g.figures = o->figures();
      return finish(*o, ratenet::run_guess(m, g));
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
      ratenet::saliency_options s;
      s.input = make_input(*o, m);
      s.targets = parse_specs(o->targets, "--target");
      s.method = ratenet::parse_attribution_method(o->method);
      s.normalize = o->normalize;
      s.figures = o->figures();
      return finish(*o, ratenet::run_saliency(m, s));
    };
  });
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
      ratenet::gradients_options g;
      g.input = make_input(*o, m);
      g.monitor = o->monitor;
      g.targets = parse_specs(o->targets, "--target");
      g.monitor_layers = o->monitor_layers;
      g.method = ratenet::parse_attribution_method(o->method);
      g.normalize_per_layer = o->normalize_per_layer;
      g.figures = o->figures();
      return finish(*o, ratenet::run_gradients(m, g));
    };
  });
}

void add_train(CLI::App* net, command& selected) {
  auto* cmd = net->add_subcommand(
      "train", "fit per-cell-type slopes, biases and time constants to recorded activity");
  struct options : common_options, resume_options {
    std::string input, targets, loss = "mse";
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
  cmd->add_option("--loss", o->loss, "activation loss: mse (mean squared) or mae (mean absolute)")
      ->check(CLI::IsMember({"mse", "mae"}))
      ->capture_default_str();
  cmd->add_flag("--fixed-slopes", o->fixed_slopes, "do not train the slopes");
  cmd->add_flag("--fixed-biases", o->fixed_biases, "do not train the biases");
  cmd->add_flag("--fixed-divisive", o->fixed_divisive, "do not train divisive strengths");
  cmd->add_flag("--fixed-tau", o->fixed_tau, "do not train the time constants");
  o->save_every = 10;
  add_resume_options(cmd, *o, "epochs");
  cmd->callback([o, &selected] {
    selected = [o] {
      auto m = load_model(*o);
      ratenet::train_options t;
      t.input = ratenet::read_network_input(o->input, m.net);
      t.targets = ratenet::read_training_targets_csv(
          o->targets, [&](const std::string& selector) { return m.conn.select(selector); });
      ratenet::check_training_targets(o->targets, t.targets, t.input.batch, m.net.size(),
                                      m.net.num_layers());
      t.params = o->train;
      t.params.seed = o->seed;
      t.params.loss = ratenet::parse_loss_kind(o->loss);
      t.params.train_slopes = !o->fixed_slopes;
      t.params.train_biases = !o->fixed_biases;
      t.params.train_divisive_strength = !o->fixed_divisive;
      t.params.train_tau = !o->fixed_tau;
      t.figures = o->figures();
      std::optional<ratenet::train_state> saved;
      use_checkpoints(*o, *o, t.control, saved, ratenet::train_state_from_json);
      auto bar = make_bar(*o, "train", static_cast<std::uint64_t>(t.params.num_epochs));
      auto r = ratenet::run_train(m, t, bar.get());
      bar.reset();
      if (r.trained.stopped)
        return report_stopped(static_cast<std::int64_t>(r.trained.history.loss.size()),
                              t.params.num_epochs, "epochs", o->out);
      return finish_resumable(*o, std::move(r));
    };
  });
}

void add_paths(CLI::App* net, command& selected) {
  auto* cmd = net->add_subcommand(
      "paths", "tables of the active paths from the input to every layer (and neuroglancer)");
  struct options : common_options, input_options {
    ratenet::paths_options paths;
    bool low_ram = false;
  };
  auto o = std::make_shared<options>();
  add_common_options(cmd, *o);
  add_input_options(cmd, *o);
  cmd->add_option("--activation-threshold", o->paths.activation_threshold,
                  "a neuron is active at or above this (0: every neuron)")
      ->capture_default_str();
  cmd->add_option("--connectivity-threshold", o->paths.connectivity_threshold,
                  "leave out weaker group connections")
      ->capture_default_str();
  cmd->add_flag("--low-ram", o->low_ram, "group matrices per layer (high_ram=False)");
  cmd->add_flag("--by-neuron", o->paths.by_neuron,
                "one node per neuron instead of per cell type; adds the neuroglancer tables");
  cmd->add_option("--ngl-source", o->paths.ngl_source,
                  "segmentation source of the neuroglancer state");
  cmd->add_option("--ngl-base", o->paths.ngl_base,
                  "neuroglancer address, e.g. https://ngl.flywire.ai/");
  cmd->callback([o, &selected] {
    selected = [o] {
      const auto m = load_model(*o);
      auto p = o->paths;
      p.input = make_input(*o, m);
      p.high_ram = !o->low_ram;
      return finish(*o, ratenet::run_paths(m, p));
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
  add_atlas_commands(net, selected);
}

}  // namespace kenyon::cli

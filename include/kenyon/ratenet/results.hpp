#pragma once
// One call and one result type per rate-network operation on a connectome model
// (connectome_model.hpp): forward, maximise, train, saliency, gradients, paths, guess and
// the atlas.
// A result holds the arrays and tables the operation produced, its JSON summary, the lines
// a terminal shows and, when asked for, its figures (SVG); write(dir) puts all of it into a
// folder. The `kenyon net` commands and the Python package call these, so both print the
// same summaries and write the same files.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "kenyon/core/table.hpp"
#include "kenyon/ratenet/actmax.hpp"
#include "kenyon/ratenet/atlas.hpp"
#include "kenyon/ratenet/attribution.hpp"
#include "kenyon/ratenet/connectome_model.hpp"
#include "kenyon/ratenet/inputs.hpp"
#include "kenyon/ratenet/path_tables.hpp"
#include "kenyon/ratenet/train.hpp"

namespace kenyon {
class progress_bar;
}

namespace kenyon::ratenet {

// A file of a result: its name inside the output folder and its contents.
using named_file = std::pair<std::string, std::string>;

// What every result reports about its model and its run.
struct run_info {
  std::string command;  // "net forward", "net maximise", ...
  std::string connectome;
  std::int64_t neurons = 0, connections = 0, sensory = 0;
  int layers = 0;
  double load_seconds = 0, network_seconds = 0;  // from the model
  double seconds = 0;                            // the operation itself
};

// The run_info of an operation on m, before it ran (seconds 0).
run_info run_info_of(const model& m, std::string command);

// The part every result shares.
struct result_base {
  run_info info;
  nlohmann::json details = nlohmann::json::object();  // the operation's own summary fields
  std::vector<std::string> lines;                     // what a terminal shows, one per line
  std::vector<named_file> figures;                    // SVGs (and their data), if asked for
  // The first value that was not a finite number (numeric_status.hpp), if any: the
  // summary's "status" is then "non_finite" and its "non_finite" object says where, and the
  // last terminal line gives the message. The kenyon CLI exits with 3.
  std::optional<non_finite_report> non_finite;
  numeric_status status() const { return status_of(non_finite); }
  // How the result was made (kenyon version, command line, configuration), set by the
  // command-line tool and merged into the summary; null: not recorded.
  nlohmann::json provenance;

  // The JSON summary: command, connectome {name, neurons, connections, sensory,
  // load_seconds}, layers, network_seconds, seconds, threads and peak_rss_mb (of the
  // process so far), status ("ok" or "non_finite", with the "non_finite" report), and the
  // operation's details.
  nlohmann::json summary() const;
  // Writes files() and then summary.json (the summary plus "outputs", the names written)
  // into `dir` atomically (core/files.hpp: all or nothing); returns that summary.
  nlohmann::json write(const std::filesystem::path& dir) const;
  // Every file write() puts in the folder except summary.json, figures last.
  std::vector<named_file> files() const;

  virtual ~result_base() = default;

 protected:
  result_base() = default;
  result_base(const result_base&) = default;
  result_base& operator=(const result_base&) = default;
  // The operation's data files (arrays as .npy, tables as .csv), before the figures.
  virtual std::vector<named_file> data_files() const = 0;
};

// ---------------------------------------------------------------- forward

struct forward_options {
  input_array input;  // (batch, sensory, steps), steps >= layers
  // Hold the selected neurons at a value at a layer; without a batch item, in every one.
  std::vector<neuron_spec> clamps;
  // Cell types or ids for the terminal lines and figures; empty: the 8 most active types.
  std::vector<std::string> show;
  bool figures = false;  // also the SVG time series (and activity by column, if columns)
};

struct forward_result : result_base {
  input_array input;
  std::vector<float> activations;  // (batch, neurons, layers)
  std::vector<std::string> shown;  // the cell types shown
  table group_activations;         // mean per (batch item, cell type) and layer

 protected:
  std::vector<named_file> data_files() const override;
};

forward_result run_forward(const model& m, const forward_options& options);

// ---------------------------------------------------------------- maximise

struct maximise_options {
  std::vector<neuron_spec> targets;  // without a batch item: every batch item
  std::int64_t batch = 1;
  actmax_params params;
  // The starting input: random (params.seed), the linear guess (scaled to a largest
  // magnitude of 1, zero after its last step) or this (batch, sensory, layers) array.
  enum class start { random, guess } init = start::random;
  std::optional<input_array> initial;  // overrides init when given
  bool figures = false;
  // Stopping, saving and resuming (actmax.hpp). A stopped run returns right away with
  // optimised.stopped set and nothing else filled in.
  actmax_control control;
};

struct maximise_result : result_base {
  target_activation targets;
  actmax_result optimised;
  double target_loss_start = 0, target_loss_end = 0;
  table losses;         // iteration, target_loss, out_reg, in_reg
  table target_values;  // batch, neuron_index, neuron_id, type, layer, target, activation

 protected:
  std::vector<named_file> data_files() const override;
};

maximise_result run_maximise(const model& m, const maximise_options& options,
                             progress_bar* progress = nullptr);

// ---------------------------------------------------------------- train

struct train_options {
  input_array input;
  std::vector<training_target> targets;
  train_params params;
  bool figures = false;
  // Stopping, saving and resuming (train.hpp). A stopped run returns right away with
  // trained.stopped set and nothing else filled in.
  train_control control;
};

struct training_result : result_base {
  train_result trained;
  table parameters;  // group, slope, bias (|raw bias|), tau (max(1, tau_param))
  table history;     // epoch, loss, activation_loss, param_reg_loss, val_loss

 protected:
  std::vector<named_file> data_files() const override;
};

// Trains m.net's per-group parameters (they stay set on it, see train_model).
training_result run_train(model& m, const train_options& options, progress_bar* progress = nullptr);

// ---------------------------------------------------------------- saliency

struct saliency_options {
  input_array input;
  // Whose activity is explained, in their batch item or, without one, in every item.
  std::vector<neuron_spec> targets;
  attribution_method method = attribution_method::vanilla;
  bool normalize = false;  // scale each batch item to a maximum of 1
  bool figures = false;
};

struct saliency_result : result_base {
  std::vector<std::int64_t> shape;  // of map: the input's, (batch, sensory, steps)
  std::vector<float> map;           // d(target activity)/d(input), the input's shape

 protected:
  std::vector<named_file> data_files() const override;
};

saliency_result run_saliency(const model& m, const saliency_options& options);

// ---------------------------------------------------------------- gradients

struct gradients_options {
  input_array input;
  std::vector<std::string> monitor;  // cell types (groups) or ids to attribute to
  // Whose mean activity is differentiated, in their batch item or, without one, in every item.
  std::vector<neuron_spec> targets;
  std::vector<int> monitor_layers;  // empty: every layer
  attribution_method method = attribution_method::vanilla;
  bool normalize_per_layer = false;
  bool figures = false;
};

struct gradients_result : result_base {
  gradient_table gradients;

 protected:
  std::vector<named_file> data_files() const override;
};

gradients_result run_gradients(const model& m, const gradients_options& options);

// ---------------------------------------------------------------- paths

struct paths_options {
  input_array input;
  double activation_threshold = 0;    // see path_table_options
  double connectivity_threshold = 0;  // see path_table_options
  bool high_ram = true;
  // One node per neuron instead of per cell type; adds the neuroglancer tables and states.
  bool by_neuron = false;
  std::string ngl_source;  // segmentation source; empty: FlyWire's (hemibrain's for it)
  std::string ngl_base;    // neuroglancer address; if given, the summary gets the links
};

struct paths_result : result_base {
  table paths;  // activations_to_df (with a batch column for several batch items)
  // Per batch item with edges (suffix "" for one item, else "_<b>"): the path with its
  // activations and, by neuron, the neuroglancer table and state.
  struct item {
    std::string suffix;
    table path_activations;
    std::optional<table> ngl;
    std::optional<nlohmann::json> ngl_state;
  };
  std::vector<item> items;

 protected:
  std::vector<named_file> data_files() const override;
};

paths_result run_paths(const model& m, const paths_options& options);

// ---------------------------------------------------------------- guess

struct guess_options {
  // Without a batch item: every one of the batch items the others name (at least one).
  std::vector<neuron_spec> targets;
  int longest_path = 5;
  bool figures = false;
};

struct guess_result : result_base {
  input_array guess;

 protected:
  std::vector<named_file> data_files() const override;
};

guess_result run_guess(const model& m, const guess_options& options);

// ---------------------------------------------------------------- atlas

struct atlas_options {
  std::vector<atlas_target> targets;
  atlas_params params;
  bool figures = false;        // a figure per target set and an overview (targets by sensory type)
  std::function<bool()> stop;  // polled once per iteration: true drops the unfinished sets
};

// An atlas: one row per target set (atlas.csv) and the optimised inputs (inputs.npy,
// (target sets, sensory, layers) in the rows' order).
struct atlas_result : result_base {
  std::vector<atlas_entry> entries;        // by index
  std::vector<std::string> sensory_types;  // the cell type of each sensory neuron
  table rows;  // index, target, neurons, layer, value, loss_start, loss_end, iterations,
               // stopped_early, status, top_sensory, top_sensory_input, sensory_types,
               // intermediate_types (the last two as "type:mean;type:mean")

 protected:
  std::vector<named_file> data_files() const override;
};

// The result of finished entries, wherever they were optimised (here, on other ranks, in
// earlier runs whose parts were saved): rows sorted by index; info.seconds is the
// optimisation's time. Throws parameter_error for two entries with the same index.
atlas_result make_atlas_result(run_info info, std::vector<atlas_entry> entries,
                               std::vector<std::string> sensory_types, bool figures);

// The cell type of each of m's sensory neurons, in input order.
std::vector<std::string> sensory_types_of(const model& m);

// Every target set of `o`, optimised in this process (its threads).
atlas_result run_atlas(const model& m, const atlas_options& o, progress_bar* progress = nullptr);

}  // namespace kenyon::ratenet

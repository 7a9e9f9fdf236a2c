#pragma once
// The optimal-stimulus atlas: one activation maximisation per target set (a cell type, a
// neuron, or a row of a targets file), for many target sets. B target sets are optimised
// together as the batch of one network run, each with its own loss, regularisers, Adam
// state and early stopping; a finished set's batch slot takes the next set at once, so no
// slot idles. A set's result depends only on the set, the model and the parameters: not on
// the batch size, the order in which sets are taken, the thread count, or the process
// (shard, MPI rank) that ran it, bit for bit. Its random start is drawn from (seed, the
// set's name and layer).
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kenyon/connectome/connectome.hpp"
#include "kenyon/core/numeric_status.hpp"
#include "kenyon/ratenet/actmax.hpp"
#include "kenyon/ratenet/network.hpp"

namespace kenyon {
class progress_bar;
}

namespace kenyon::ratenet {

// Neurons driven towards `value` at `layer`.
struct atlas_target {
  std::string name;                   // the cell type, neuron id or targets-file row name
  std::vector<std::int64_t> neurons;  // network indices, ascending, unique
  int layer = 0;
  double value = 1;
};

// One target set per cell type whose name matches `pattern` (shell wildcards: * ? [...]),
// in name order, or, if none does, per cell type of the classes it matches; with by_neuron
// one per neuron of those types, named by its id, in neuron order. Throws
// unknown_name_error (kind "cell type pattern") when nothing matches.
std::vector<atlas_target> atlas_targets_matching(const connectome::connectome& c,
                                                 std::string_view pattern, int layer, double value,
                                                 bool by_neuron = false);

// One target set per row of a CSV file with the column `target` (a cell type, or neuron ids
// separated by spaces or semicolons) and optionally `layer`, `value` (defaults: the
// arguments) and `name` (default: the target text). Throws file_error naming the file, line
// and column for an empty file, a missing column, an unknown name or a bad number.
std::vector<atlas_target> read_atlas_targets(const std::filesystem::path& file,
                                             const connectome::connectome& c, int default_layer,
                                             double default_value);

struct atlas_params {
  // Iterations, learning rate, regularisers and their weights, early stopping and the seed,
  // as kenyon net maximise; each target set gets its own regularisers (of its own input and
  // activity). The activity regulariser must be l1_plus_l2 or l1_plus_l2_mean (computed
  // layer by layer from the recorded states).
  actmax_params optimise;
  std::int64_t batch = 8;  // target sets optimised together
  int top = 5;             // cell types listed per target set (sensory and intermediate)
  void validate() const;
};

// Throws parameter_error (field "targets" or "layer") for no target sets, a set without
// neurons, a layer outside 0 .. num_layers - 1 or a value that is not finite.
void check_atlas_targets(std::span<const atlas_target> targets, const network& net);

// What one target set's optimisation gave: its atlas.csv row and its optimised input.
struct atlas_entry {
  std::size_t index = 0;  // in the target list
  std::string name;
  std::int64_t neurons = 0;
  int layer = 0;
  double value = 1;
  // The mean squared distance of the targets from their value: for the starting input (the
  // first iteration's) and for the optimised input.
  double loss_start = 0, loss_end = 0;
  int iterations = 0;          // Adam steps taken
  bool stopped_early = false;  // the loss stopped changing before the last iteration
  // The sensory cell types with the highest mean optimised input (over their neurons and the
  // steps up to the target layer), and the other cell types most active on the way (mean
  // activation over their neurons and the layers before the target layer; the target
  // neurons excluded), highest first.
  std::vector<std::pair<std::string, double>> sensory_types, intermediate_types;
  std::optional<non_finite_report> non_finite;  // the optimisation stopped there
  std::vector<float> input;                     // (sensory, layers), clamped to [-1, 1]
};

// An entry as bytes (a JSON line, then the input as little-endian float32): what a rank
// sends and what a finished target set's file under an atlas's parts/ folder holds.
std::string to_bytes(const atlas_entry& entry);
// Throws file_error naming `what` for bytes that to_bytes did not write.
atlas_entry atlas_entry_from_bytes(std::string_view bytes, const std::string& what);

// Where target sets come from and where finished ones go (a local list, or a work queue
// shared by MPI ranks).
struct atlas_hooks {
  std::function<std::optional<std::size_t>()> next;  // the next index to optimise, or none
  std::function<void(atlas_entry)> done;             // a finished target set
  std::function<void()> poll;                        // called once per iteration; optional
  std::function<bool()> stop;  // polled once per iteration: true ends the run; optional
};

// Optimises the target sets that hooks.next hands out until it has no more and every slot
// is done. `cell_types` (one per neuron, or empty: no type lists) names the types the
// entries list. Returns false if hooks.stop ended the run (the unfinished sets are dropped;
// they start from the beginning when given again). Throws what check_atlas_targets and
// params.validate() throw, and parameter_error for cell_types of the wrong size.
bool optimise_atlas(const network& net, std::span<const std::string> cell_types,
                    std::span<const atlas_target> targets, const atlas_params& params,
                    const atlas_hooks& hooks, progress_bar* progress = nullptr);

}  // namespace kenyon::ratenet

#pragma once
// Rate networks on a loaded connectome (connectome/connectome.hpp): the network with the
// connectome's signed weights, sensory neurons and cell types as groups, and targets and
// stimuli named by cell type or neuron id, as users write them on the command line:
// "MBON:5=1.0" (every MBON at layer 5 should reach 1.0), "2/720575940624000000:3" (that
// neuron, in batch item 2, at layer 3, value 1).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kenyon/connectome/connectome.hpp"
#include "kenyon/connectome/source.hpp"
#include "kenyon/ratenet/actmax.hpp"
#include "kenyon/ratenet/inputs.hpp"
#include "kenyon/ratenet/network.hpp"

namespace kenyon::ratenet {

// The network on `c`: weights c.signed_weights(), sensory neurons c.sensory_indices(), and
// (if use_groups) the cell types as groups, so per-group parameters are per cell type, and
// the classes as idx_to_class, so members() takes a class name. A key of the *_by_group
// maps that is a class and not a type sets every type of the class that has no entry of its
// own ("sensory=2": every sensory type's value is 2). Throws kenyon::error if the
// connectome has no sensory neurons.
network make_network(const connectome::connectome& c, network_params params,
                     bool use_groups = true);

// What a model is made of: where its connectome comes from, which neurons receive the
// input, and the network's parameters, per cell type too (network_params' *_by_group maps,
// keyed by cell type when use_groups).
struct model_spec {
  connectome::source source;
  // Cell types or ids that receive the input instead of the neuron table's sensory
  // neurons; empty: the table's.
  std::vector<std::string> sensory;
  network_params network;  // idx_to_group is filled in from the cell types (use_groups)
  bool use_groups = true;
};

// A connectome and the network on it, with what loading and building cost.
struct model {
  connectome::connectome conn;
  network net;
  double load_seconds = 0, build_seconds = 0;
};

// Loads spec.source, marks spec.sensory as the sensory neurons if given, and builds the
// network. Throws what connectome::load and make_network throw, unknown_name_error for a
// sensory selector that names nothing, and parameter_error (field "sensory") when no
// neuron is sensory.
model load_model(const model_spec& spec);
// The same for a connectome already in memory.
model make_model(connectome::connectome conn, const model_spec& spec);

// "NAME=VALUE" (a per-cell-type parameter, a transmitter sign) -> (NAME, VALUE); throws
// parameter_error naming `option` when there is no name or the value is not a finite number.
std::pair<std::string, double> parse_name_value(std::string_view text, std::string_view option);

// Reads a network input .npy of shape (batch, sensory, steps) or (sensory, steps). Throws
// file_error naming the file for another shape, a size that does not fit `net` (its sensory
// neurons, at least its layers as steps) or a value that is not finite.
input_array read_network_input(const std::filesystem::path& path, const network& net);

// "[batch/]selector:step[=value]": a cell type, class (connectome::select) or neuron id, a layer
// (targets) or time step (stimuli), and a value (default 1). Without "batch/" a target or clamp
// applies to every batch item (as a dict target in connectome_interpreter) and a stimulus to item 0
// (so that "S:0 1/X:0" stimulates S in item 0 and X alone in item 1). Throws parameter_error naming
// `option` and the text for a missing selector or step, a step or batch that is not a non-negative
// integer, or a value that is not a finite number.
struct neuron_spec {
  std::optional<std::int64_t> batch;  // empty: see above
  std::string selector;
  int step = 0;
  double value = 1;
};
neuron_spec parse_neuron_spec(std::string_view text, std::string_view option = "--target");

// Targets for activation maximisation: every neuron a spec selects gets its value at its
// layer, in its batch item or, without one, in every one of the batch_size items. Throws
// kenyon::error naming an unknown cell type or id, a layer outside 0 .. num_layers - 1, or a batch
// item outside 0 .. batch_size - 1.
target_activation resolve_targets(const connectome::connectome& c,
                                  std::span<const neuron_spec> specs, int num_layers,
                                  std::int64_t batch_size = 1);

// An input (batch, sensory, steps) that is zero except where a spec sets the selected
// sensory neurons at its time step. Throws kenyon::error naming a spec that selects no
// sensory neuron, or a step or batch item out of range.
input_array input_from_specs(const connectome::connectome& c, std::span<const neuron_spec> specs,
                             std::int64_t batch, std::int64_t steps);

}  // namespace kenyon::ratenet

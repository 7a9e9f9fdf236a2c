#pragma once
// Rate networks on a loaded connectome (connectome/connectome.hpp): the network with the
// connectome's signed weights, sensory neurons and cell types as groups, and targets and
// stimuli named by cell type or neuron id, as users write them on the command line:
// "MBON:5=1.0" (every MBON at layer 5 should reach 1.0), "2/720575940624000000:3" (that
// neuron, in batch item 2, at layer 3, value 1).
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kenyon/connectome/connectome.hpp"
#include "kenyon/ratenet/actmax.hpp"
#include "kenyon/ratenet/inputs.hpp"
#include "kenyon/ratenet/network.hpp"

namespace kenyon::ratenet {

// The network on `c`: weights c.signed_weights(), sensory neurons c.sensory_indices(), and
// (if use_groups) the cell types as groups, so per-group parameters are per cell type.
// Throws kenyon::error if the connectome has no sensory neurons.
network make_network(const connectome::connectome& c, network_params params,
                     bool use_groups = true);

// "[batch/]selector:step[=value]": a cell type or neuron id, a layer (targets) or time step
// (stimuli), and a value (default 1). Throws parameter_error naming `option` and the text
// for a missing selector or step, a step or batch that is not a non-negative integer, or a
// value that is not a finite number.
struct neuron_spec {
  std::int64_t batch = 0;
  std::string selector;
  int step = 0;
  double value = 1;
};
neuron_spec parse_neuron_spec(std::string_view text, std::string_view option = "--target");

// Targets for activation maximisation: every neuron a spec selects gets its value at its
// layer, in its batch item. Throws kenyon::error naming an unknown cell type or id, a layer
// outside 0 .. num_layers - 1, or a batch item outside 0 .. batch_size - 1.
target_activation resolve_targets(const connectome::connectome& c,
                                  std::span<const neuron_spec> specs, int num_layers,
                                  std::int64_t batch_size = 1);

// An input (batch, sensory, steps) that is zero except where a spec sets the selected
// sensory neurons at its time step. Throws kenyon::error naming a spec that selects no
// sensory neuron, or a step or batch item out of range.
input_array input_from_specs(const connectome::connectome& c, std::span<const neuron_spec> specs,
                             std::int64_t batch, std::int64_t steps);

}  // namespace kenyon::ratenet

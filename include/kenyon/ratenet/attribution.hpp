#pragma once
// How much each input or intermediate neuron matters to chosen targets (spec
// rate_network.md sections 7 and 8): saliency maps over the input, and gradients of a
// target's mean activity with respect to monitored neurons at each layer.
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kenyon/core/table.hpp"
#include "kenyon/ratenet/actmax.hpp"
#include "kenyon/ratenet/network.hpp"
#include "kenyon/ratenet/target.hpp"

namespace kenyon::ratenet {

enum class attribution_method { vanilla, input_x_gradient };
// "vanilla", "input_x_gradient"; parse throws parameter_error for anything else.
attribution_method parse_attribution_method(std::string_view name);
std::string to_string(attribution_method method);

// d(sum over the neurons of interest of their activations)/d(input), the input's shape
// (batch, sensory, steps): each entry of neurons_of_interest adds its neuron's activation
// at its layer in its batch item, or in every batch item if it has none (values and
// batch_size are not used: the input gives the batch). input_x_gradient multiplies by the
// input. With normalize, and only if the largest value anywhere is positive, each batch
// item whose largest value is positive is divided by it. Throws item_error naming an
// entry outside the network. If `non_finite` is given it receives the first state (forward)
// or gradient (backward) value that was not a finite number, or nothing.
std::vector<float> saliency(const network& net, const array_view<const float>& input,
                            const target_activation& neurons_of_interest,
                            attribution_method method = attribution_method::vanilla,
                            bool normalize = false,
                            std::optional<non_finite_report>* non_finite = nullptr);

struct gradient_params {
  // Neuron indices, or group names when the network has groups: one row each.
  std::vector<neuron_key> monitor;
  // The neurons whose mean activity is differentiated, each at its layer in its batch item
  // or in every item (values and batch_size are not used: the input gives the batch).
  target_activation targets;
  std::vector<int> monitor_layers;  // empty: every layer
  attribution_method method = attribution_method::vanilla;
  std::vector<std::string> batch_names;  // empty: batch_0, batch_1, ...
  int checkpoint_interval = 0;
  bool normalize_per_layer = false;  // divide each layer's gradient by its Frobenius norm
};

// One row per (monitored neuron or group, batch item); one column per layer.
struct gradient_table {
  std::vector<std::string> group, batch_name;  // row labels
  std::vector<int> layers;                     // the columns, time_<layer>
  std::vector<std::vector<double>> values;     // [row][column]; NaN where not computed
  // The first state (forward) or gradient (backward) value that was not a finite number.
  std::optional<non_finite_report> non_finite;
  // Columns group, batch_name, time_<layer>...; NaN cells are written empty.
  table to_table() const;
};

// The gradient of the mean target activity (over every distinct (batch item, layer, neuron)
// of the targets) with respect to each monitored neuron's state at each monitored layer:
// the effect through later layers, plus the direct term at a target layer. With groups,
// a group's rows are summed. input_x_gradient multiplies by the monitored activity (group
// means); its table has a column per layer, NaN where not monitored (as the original).
// Rows are sorted by neuron index (or group name), then batch name as text.
gradient_table get_gradients(const network& net, const array_view<const float>& input,
                             const gradient_params& params);

}  // namespace kenyon::ratenet

#pragma once
// Values at (batch item, layer, neuron): the one way the rate networks take chosen neurons,
// as activation targets, clamped neurons ("manipulate"), neurons of interest (saliency,
// gradients, the linear guess) alike.
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <variant>
#include <vector>

namespace kenyon::ratenet {

// A neuron by index, or a group of neurons by name (the network's idx_to_group), as the
// original's dict keys are; basic_network::members resolves it.
using neuron_key = std::variant<std::int64_t, std::string>;

// A value at (batch item, layer, neuron). Without a batch item it holds in every batch
// item, as a dict target does in connectome_interpreter's TargetActivation.
struct target {
  std::optional<std::int64_t> batch;  // empty: every batch item
  int layer = 0;
  std::int64_t neuron = 0;
  double value = 0;
};

// (batch item, layer, neuron)
using target_key = std::tuple<std::int64_t, int, std::int64_t>;

// connectome_interpreter's TargetActivation: values at (batch item, layer, neuron) for a
// batch of batch_size items. A later duplicate of the same (batch, layer, neuron) overrides
// an earlier one.
struct target_activation {
  std::vector<target> targets;
  std::int64_t batch_size = 1;
  // {layer: {neuron: value}} for every one of batch_size items.
  static target_activation same_for_all(const std::map<int, std::map<std::int64_t, double>>& t,
                                        std::int64_t batch_size = 1);
  // One {layer: {neuron: value}} per batch item (connectome_interpreter's list of dicts).
  static target_activation from_items(
      const std::vector<std::map<int, std::map<std::int64_t, double>>>& items);
  // `value` for each of `neurons` at `layer` in batch item `batch` (empty: every item), e.g.
  // the members of a group (basic_network::members).
  void add(std::optional<std::int64_t> batch, int layer, std::span<const std::int64_t> neurons,
           double value);
  // Every target with its batch item: item 0's first, then item 1's, ..., each item's in the
  // order given; entries naming an item outside 0 .. batch_size - 1 come last.
  std::vector<target> per_item() const;
  // The value at each (batch item, layer, neuron), a later entry overriding an earlier one;
  // call validate first.
  std::map<target_key, double> values() const;
  // Throws item_error naming the entry (`what` starts the message) for a batch item, layer
  // or neuron out of range or a value that is not finite, parameter_error for batch_size < 1.
  void validate(std::int64_t neurons, int layers, std::string_view what = "target") const;
};

}  // namespace kenyon::ratenet

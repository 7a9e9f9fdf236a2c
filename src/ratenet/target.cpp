#include "kenyon/ratenet/target.hpp"

#include <cmath>

#include "kenyon/core/error.hpp"

namespace kenyon::ratenet {

target_activation target_activation::same_for_all(
    const std::map<int, std::map<std::int64_t, double>>& t, std::int64_t batch_size) {
  target_activation out;
  out.batch_size = batch_size;
  for (const auto& [layer, neurons] : t)
    for (const auto& [neuron, value] : neurons)
      out.targets.push_back({std::nullopt, layer, neuron, value});
  return out;
}

target_activation target_activation::from_items(
    const std::vector<std::map<int, std::map<std::int64_t, double>>>& items) {
  target_activation out;
  out.batch_size = static_cast<std::int64_t>(items.size());
  for (std::size_t b = 0; b < items.size(); ++b)
    for (const auto& [layer, neurons] : items[b])
      for (const auto& [neuron, value] : neurons)
        out.targets.push_back({static_cast<std::int64_t>(b), layer, neuron, value});
  return out;
}

void target_activation::add(std::optional<std::int64_t> batch, int layer,
                            std::span<const std::int64_t> neurons, double value) {
  for (auto i : neurons) targets.push_back({batch, layer, i, value});
}

std::vector<target> target_activation::per_item() const {
  std::vector<target> out;
  for (std::int64_t b = 0; b < batch_size; ++b)
    for (const auto& t : targets)
      if (!t.batch || *t.batch == b) out.push_back({b, t.layer, t.neuron, t.value});
  for (const auto& t : targets)  // left for validate() to name
    if (t.batch && (*t.batch < 0 || *t.batch >= batch_size)) out.push_back(t);
  return out;
}

std::map<target_key, double> target_activation::values() const {
  std::map<target_key, double> out;
  for (const auto& t : targets)
    for (std::int64_t b = t.batch.value_or(0); b < (t.batch ? *t.batch + 1 : batch_size); ++b)
      out[{b, t.layer, t.neuron}] = t.value;
  return out;
}

void target_activation::validate(std::int64_t neurons, int layers, std::string_view what) const {
  if (batch_size < 1) throw parameter_error("batch_size", "expected at least 1");
  for (const auto& t : targets) {
    const std::string where =
        std::string(what) + " (batch " + (t.batch ? std::to_string(*t.batch) : "every") +
        ", layer " + std::to_string(t.layer) + ", neuron " + std::to_string(t.neuron) + ")";
    const auto fail = [&](const std::string& why) {
      throw item_error(t.batch, t.layer, t.neuron, where + ": " + why);
    };
    if (t.batch && (*t.batch < 0 || *t.batch >= batch_size))
      fail("batch item outside 0.." + std::to_string(batch_size - 1));
    if (t.layer < 0) fail("the layer is negative");
    if (t.layer >= layers) fail("layer outside 0.." + std::to_string(layers - 1));
    if (t.neuron < 0 || t.neuron >= neurons)
      fail("unknown neuron (the network has " + std::to_string(neurons) + ")");
    if (!std::isfinite(t.value)) fail("the value is not a finite number");
  }
}

}  // namespace kenyon::ratenet

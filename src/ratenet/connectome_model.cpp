#include "kenyon/ratenet/connectome_model.hpp"

#include <charconv>
#include <cmath>

#include "kenyon/core/error.hpp"

namespace kenyon::ratenet {

network make_network(const connectome::connectome& c, network_params params, bool use_groups) {
  auto sensory = c.sensory_indices();
  if (sensory.empty())
    throw error("connectome " + c.name +
                " has no sensory neurons: mark them in the neuron table (column 'sensory')");
  if (use_groups) params.idx_to_group = c.idx_to_group();
  return network(c.signed_weights(), std::move(sensory), std::move(params));
}

namespace {

template <class T>
bool parse_whole(std::string_view text, T& value) {
  const auto* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, value);
  return ec == std::errc() && p == end;
}

// A spec's step and batch item must lie in 0 .. steps - 1 and 0 .. batch - 1.
void check_range(const neuron_spec& s, const char* what, const char* step_name, std::int64_t steps,
                 std::int64_t batch) {
  if (s.step >= steps)
    throw error(std::string(what) + " " + s.selector + ": " + step_name + " " +
                std::to_string(s.step) + " is outside 0 .. " + std::to_string(steps - 1));
  if (s.batch >= batch)
    throw error(std::string(what) + " " + s.selector + ": batch item " + std::to_string(s.batch) +
                " is outside 0 .. " + std::to_string(batch - 1));
}

}  // namespace

neuron_spec parse_neuron_spec(std::string_view text, std::string_view option) {
  const std::string field(option);
  auto fail = [&](const std::string& why) -> parameter_error {
    // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on "'" + std::string(...).
    std::string message(1, '\'');
    message.append(text).append("': ").append(why).append(
        " (expected [batch/]type-or-id:step[=value], e.g. MBON:5=1.0)");
    return parameter_error(field, message);
  };
  neuron_spec spec;
  std::string_view rest = text;
  // Parsed from the right, so cell types may contain '/' or ':'.
  if (auto eq = rest.rfind('='); eq != std::string_view::npos) {
    const std::string value(rest.substr(eq + 1));
    char* end = nullptr;
    spec.value = std::strtod(value.c_str(), &end);
    if (value.empty() || *end != '\0' || !std::isfinite(spec.value))
      throw fail("the value is not a finite number");
    rest = rest.substr(0, eq);
  }
  const auto colon = rest.rfind(':');
  if (colon == std::string_view::npos) throw fail("no ':step'");
  if (!parse_whole(rest.substr(colon + 1), spec.step) || spec.step < 0)
    throw fail("the step is not a non-negative integer");
  rest = rest.substr(0, colon);
  if (auto slash = rest.find('/');
      slash != std::string_view::npos && parse_whole(rest.substr(0, slash), spec.batch)) {
    if (spec.batch < 0) throw fail("the batch item is negative");
    rest = rest.substr(slash + 1);
  }
  if (rest.empty()) throw fail("no cell type or neuron id");
  spec.selector = std::string(rest);
  return spec;
}

target_activation resolve_targets(const connectome::connectome& c,
                                  std::span<const neuron_spec> specs, int num_layers,
                                  std::int64_t batch_size) {
  target_activation out;
  out.batch_size = batch_size;
  for (const auto& s : specs) {
    check_range(s, "target", "layer", num_layers, batch_size);
    for (auto i : c.select(s.selector)) out.targets.push_back({s.batch, s.step, i, s.value});
  }
  return out;
}

input_array input_from_specs(const connectome::connectome& c, std::span<const neuron_spec> specs,
                             std::int64_t batch, std::int64_t steps) {
  const auto sensory = c.sensory_indices();
  std::vector<std::int64_t> position(static_cast<std::size_t>(c.size()), -1);
  for (std::size_t j = 0; j < sensory.size(); ++j)
    position[static_cast<std::size_t>(sensory[j])] = static_cast<std::int64_t>(j);
  input_array in(batch, static_cast<std::int64_t>(sensory.size()), steps);
  for (const auto& s : specs) {
    check_range(s, "stimulus", "time step", steps, batch);
    bool any = false;
    for (auto i : c.select(s.selector))
      if (auto j = position[static_cast<std::size_t>(i)]; j >= 0) {
        in.at(s.batch, j, s.step) = static_cast<float>(s.value);
        any = true;
      }
    if (!any)
      throw error("stimulus " + s.selector + " selects no sensory neuron of connectome " + c.name);
  }
  return in;
}

}  // namespace kenyon::ratenet

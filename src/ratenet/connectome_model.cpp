#include "kenyon/ratenet/connectome_model.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdlib>

#include "kenyon/core/error.hpp"
#include "kenyon/core/npy.hpp"

namespace kenyon::ratenet {

network make_network(const connectome::connectome& c, network_params params, bool use_groups) {
  auto sensory = c.sensory_indices();
  if (sensory.empty())
    throw error("connectome " + c.name +
                " has no sensory neurons: mark them in the neuron table (column 'sensory')");
  if (use_groups) {
    params.idx_to_group = c.idx_to_group();
    if (c.neurons.has_classes()) params.idx_to_class = c.idx_to_class();
  }
  return network(c.signed_weights(), std::move(sensory), std::move(params));
}

namespace {

using clock_type = std::chrono::steady_clock;
double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

template <class T>
bool parse_whole(std::string_view text, T& value) {
  const auto* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, value);
  return ec == std::errc() && p == end;
}

// "<integer>/..." -> the integer.
bool slash_prefix(std::string_view text, std::int64_t& batch) {
  const auto slash = text.find('/');
  return slash != std::string_view::npos && parse_whole(text.substr(0, slash), batch);
}

// A spec's step and batch item must lie in 0 .. steps - 1 and 0 .. batch - 1.
void check_range(const neuron_spec& s, const char* what, const char* step_name, std::int64_t steps,
                 std::int64_t batch) {
  if (s.step >= steps)
    throw error(std::string(what) + " " + s.selector + ": " + step_name + " " +
                std::to_string(s.step) + " is outside 0 .. " + std::to_string(steps - 1));
  if (s.batch && *s.batch >= batch)
    throw error(std::string(what) + " " + s.selector + ": batch item " + std::to_string(*s.batch) +
                " is outside 0 .. " + std::to_string(batch - 1));
}

}  // namespace

model make_model(connectome::connectome conn, const model_spec& spec) {
  if (!spec.sensory.empty()) {
    auto& flags = conn.neurons.sensory;
    std::fill(flags.begin(), flags.end(), 0);
    for (const auto& selector : spec.sensory)
      for (auto i : conn.select(selector)) flags[static_cast<std::size_t>(i)] = 1;
  }
  if (conn.sensory_indices().empty())
    throw parameter_error("--sensory", "connectome " + conn.name +
                                           " marks no sensory neurons: name the input neurons "
                                           "with --sensory TYPE (or a 'sensory' column in the "
                                           "neuron table)");
  const auto t0 = clock_type::now();
  auto net = make_network(conn, spec.network, spec.use_groups);
  const double build_seconds = seconds_since(t0);
  return model{std::move(conn), std::move(net), 0, build_seconds};
}

model load_model(const model_spec& spec) {
  const auto t0 = clock_type::now();
  auto conn = connectome::load(spec.source);
  const double load_seconds = seconds_since(t0);
  auto m = make_model(std::move(conn), spec);
  m.load_seconds = load_seconds;
  return m;
}

std::pair<std::string, double> parse_name_value(std::string_view text, std::string_view option) {
  const std::string whole(text), field(option);
  const auto eq = whole.rfind('=');
  if (eq == std::string::npos || eq == 0)
    throw parameter_error(field, "'" + whole + "': expected NAME=VALUE");
  const std::string value = whole.substr(eq + 1);
  char* end = nullptr;
  const double v = std::strtod(value.c_str(), &end);
  if (value.empty() || *end != '\0' || !std::isfinite(v))
    throw parameter_error(field, "'" + whole + "': the value is not a finite number");
  return {whole.substr(0, eq), v};
}

input_array read_network_input(const std::filesystem::path& path, const network& net) {
  const std::string name = path.string();
  const auto a = read_npy(path);
  input_array in;
  if (a.shape.size() == 2) {
    in = input_array(1, a.shape[0], a.shape[1]);
  } else if (a.shape.size() == 3) {
    in = input_array(a.shape[0], a.shape[1], a.shape[2]);
  } else {
    throw file_error(name,
                     "expected an array of shape (batch, sensory, steps) or (sensory, "
                     "steps), got " +
                         std::to_string(a.shape.size()) + " dimensions");
  }
  if (in.sensory != net.num_sensory() || in.steps < net.num_layers())
    throw file_error(
        name, "shape (" + std::to_string(in.batch) + ", " + std::to_string(in.sensory) + ", " +
                  std::to_string(in.steps) + ") does not fit the network: expected " +
                  std::to_string(net.num_sensory()) + " sensory neurons and at least " +
                  std::to_string(net.num_layers()) + " steps");
  in.values = a.values<float>();
  for (std::size_t k = 0; k < in.values.size(); ++k)
    if (!std::isfinite(in.values[k]))
      throw file_error(name, "entry " + std::to_string(k) + " is not a finite number");
  return in;
}

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
  if (std::int64_t batch = 0; slash_prefix(rest, batch)) {
    if (batch < 0) throw fail("the batch item is negative");
    spec.batch = batch;
    rest = rest.substr(rest.find('/') + 1);
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
        in.at(s.batch.value_or(0), j, s.step) = static_cast<float>(s.value);
        any = true;
      }
    if (!any)
      throw error("stimulus " + s.selector + " selects no sensory neuron of connectome " + c.name);
  }
  return in;
}

}  // namespace kenyon::ratenet

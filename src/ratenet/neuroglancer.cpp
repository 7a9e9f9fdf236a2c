#include "kenyon/ratenet/neuroglancer.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <map>
#include <utility>

#include "kenyon/core/error.hpp"
#include "table_checks.hpp"

namespace kenyon::ratenet {
using namespace detail;

// ---------------------------------------------------------------- neuroglancer

namespace {

struct rgb {
  double r, g, b;
};

rgb parse_color(const std::string& text, const char* name) {
  auto hex = [&](std::size_t k) {
    int v = 0;
    const auto res = std::from_chars(text.data() + k, text.data() + k + 2, v, 16);
    if (res.ec != std::errc() || res.ptr != text.data() + k + 2)
      throw parameter_error(name, "'" + text + "' is not a colour of the form #rrggbb");
    return static_cast<double>(v);
  };
  if (text.size() != 7 || text[0] != '#')
    throw parameter_error(name, "'" + text + "' is not a colour of the form #rrggbb");
  return {hex(1), hex(3), hex(5)};
}

std::string color_text(const rgb& c) {
  auto channel = [](double v) { return static_cast<int>(std::lround(std::clamp(v, 0.0, 255.0))); };
  char buf[8];
  std::snprintf(buf, sizeof buf, "#%02x%02x%02x", channel(c.r), channel(c.g), channel(c.b));
  return buf;
}

}  // namespace

nlohmann::json ngl_state(const table& activated, const ngl_options& options) {
  const auto id_col = activated.column("neuron_id"), layer_col = activated.column("layer");
  const auto act_col = activated.column("activation");
  const auto low = parse_color(options.low_color, "low_color");
  const auto high = parse_color(options.high_color, "high_color");
  if (!(options.color_saturation >= 0 && options.color_saturation <= 1))
    throw parameter_error("color_saturation", "must be within 0..1");
  double largest = options.max_activation;
  std::map<std::int64_t, std::vector<std::pair<std::int64_t, double>>> layers;
  for (std::size_t r = 0; r < activated.rows.size(); ++r) {
    const auto& row = activated.rows[r];
    const auto id = cell_integer(row[id_col]);
    if (!id)
      throw parameter_error("activated", "row " + std::to_string(r) + ": neuron_id '" +
                                             format_cell(row[id_col]) + "' is not an integer");
    const double a = cell_number(row[act_col], "activated", r);
    if (a < 0)
      throw parameter_error("activated", "row " + std::to_string(r) + ": activation " +
                                             std::to_string(a) + " is negative");
    if (options.max_activation <= 0 && a > largest) largest = a;
    layers[layer_of(row[layer_col], r)].emplace_back(*id, a);
  }
  auto state = nlohmann::json::object();
  state["layout"] = options.layout;
  state["layers"] = nlohmann::json::array();
  bool first = true;
  for (const auto& [l, neurons] : layers) {
    nlohmann::json layer;
    layer["type"] = "segmentation";
    layer["source"] = options.source;
    layer["name"] = "layer " + std::to_string(l);
    auto segments = nlohmann::json::array();
    auto colors = nlohmann::json::object();
    for (const auto& [id, a] : neurons) {
      const auto key = std::to_string(id);
      if (colors.contains(key)) continue;
      const double scaled = largest > 0 && std::isfinite(a) ? std::min(a / largest, 1.0) : 0.0;
      const double t = options.color_saturation + (1 - options.color_saturation) * scaled;
      segments.push_back(key);
      colors[key] = color_text({low.r + (high.r - low.r) * t, low.g + (high.g - low.g) * t,
                                low.b + (high.b - low.b) * t});
    }
    layer["segments"] = std::move(segments);
    layer["segmentColors"] = std::move(colors);
    layer["visible"] = options.all_visible || first;
    first = false;
    state["layers"].push_back(std::move(layer));
  }
  return state;
}

std::string ngl_url(const nlohmann::json& state, std::string_view base) {
  std::string out(base);
  out += "#!";
  static const char digits[] = "0123456789ABCDEF";
  for (unsigned char c : state.dump()) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += digits[c >> 4];
      out += digits[c & 15];
    }
  }
  return out;
}

}  // namespace kenyon::ratenet

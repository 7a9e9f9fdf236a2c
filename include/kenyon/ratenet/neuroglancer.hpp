#pragma once
// A neuroglancer viewer state of an activated path (a table from activated_path_for_ngl,
// ratenet/path_tables.hpp), coloured by activation, and the link that opens it.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "kenyon/core/table.hpp"

namespace kenyon::ratenet {

struct ngl_options {
  // Segmentation source of every layer (the default: FlyWire's FAFB v783 release).
  std::string source = "precomputed://gs://flywire_v141_m783";
  // Activation 0 gets low_color mixed color_saturation of the way towards high_color, the
  // largest activation (or max_activation if > 0) high_color; in between linearly.
  std::string low_color = "#ffffff";
  std::string high_color = "#d62728";
  double color_saturation = 0.3;
  double max_activation = 0;
  std::string layout = "3d";
  bool all_visible = false;  // false: only the first layer is shown at first
};

// A neuroglancer viewer state for a table from activated_path_for_ngl (columns neuron_id,
// layer, activation): {"layout": options.layout, "layers": [...]} with one layer per path
// layer in increasing order, each {"type": "segmentation", "source": options.source,
// "name": "layer <l>", "segments": [ids as text], "segmentColors": {id: "#rrggbb"},
// "visible": bool}. Throws kenyon::error for a missing column, a malformed colour or a
// negative activation.
nlohmann::json ngl_state(const table& activated, const ngl_options& options = {});

// `base` (e.g. "https://ngl.flywire.ai/") + "#!" + the state as percent-encoded JSON: a
// link that opens the state in that neuroglancer deployment.
std::string ngl_url(const nlohmann::json& state, std::string_view base);

}  // namespace kenyon::ratenet

#pragma once
// Tables of what a rate network did: connectome_interpreter's activations_to_df and the
// helpers around it (spec rate_network.md sections 10, 11.1 get_activations and 11.2
// result_summary), one small table type for all of them, written like pandas'
// to_csv(index=False), and a neuroglancer viewer state of an activated path.
//
// Arrays are C-order float32, as numpy hands them over: an (N, T) array has neurons in rows
// and time steps (layers) in columns; a 3-D array has the batch first.
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "kenyon/sparse/csr.hpp"

namespace kenyon::ratenet {

// ---------------------------------------------------------------- the table type

// One cell: text, an integer or a floating-point number (NaN for pandas' missing value).
using cell = std::variant<std::string, std::int64_t, double>;

// A data frame without an index: named columns, rows of cells.
struct table {
  std::vector<std::string> columns;
  std::vector<std::vector<cell>> rows;  // each row has columns.size() cells
  // Messages the original prints while building the table (e.g. layers without edges).
  std::vector<std::string> warnings;

  std::size_t size() const { return rows.size(); }
  // The position of a column; throws kenyon::error naming it if there is none.
  std::size_t column(std::string_view name) const;
  const cell& at(std::size_t row, std::string_view column_name) const;
  // Appends a row; throws internal_error if it has the wrong number of cells.
  void add_row(std::vector<cell> row);
  // CSV text as pandas' to_csv(index=False) writes it: a header line, then one line per
  // row; integers in decimal, floats as Python's repr (shortest round-trip digits, so
  // "1.0", "0.25", "1e-05"), NaN as an empty field, text quoted only when it holds a
  // comma, a double quote or a line break.
  std::string to_csv() const;
};

// One cell as to_csv writes it (without CSV quoting).
std::string format_cell(const cell& value);

// Reads a CSV file with a header line (as pandas' read_csv would): a column whose every
// field is an integer becomes integers, else one whose every field is a number or empty
// becomes floats (empty = NaN), else text. Throws file_error naming the file and line for
// a row with the wrong number of fields.
table read_table_csv(const std::filesystem::path& path);

// ---------------------------------------------------------------- arrays

// A read-only view of a C-order float32 array and its shape.
struct array_ref {
  std::span<const float> values;
  std::vector<std::int64_t> shape;  // empty: not given
  bool given() const { return !shape.empty(); }
};

// ---------------------------------------------------------------- activation tables

// Grouping and thresholds of activations_to_df. The mappings have one group name per
// neuron; empty means every neuron is its own group, named by its index ("17").
struct path_table_options {
  std::span<const std::string> inidx_mapping = {};   // groups of presynaptic neurons
  std::span<const std::string> outidx_mapping = {};  // of postsynaptic ones; empty: inidx
  // A neuron counts as active in a layer when its activation is >= this (applied only if
  // > 0, so by default every neuron is "active"); a group's activation is the mean over
  // its active neurons.
  double activation_threshold = 0;
  // Group connections weaker than this (or exactly 0) are left out.
  double connectivity_threshold = 0;
  // true: one group matrix over the neurons of every group active in any layer (group
  // means then run over all of those); false: one per layer, over that layer's groups.
  // Both as the original; they can give slightly different weights.
  bool high_ram = true;
};

// connectome_interpreter's activations_to_df: the layered edge list of active paths.
// `inprop` holds the unsigned input proportions with PRESYNAPTIC neurons in rows (N x N);
// `model_input` is (sensory, T) with rows in the order of `sensory_indices`; `out` is
// (N, L). Layer 1 holds the edges from the groups active in input column 0 to the groups
// active in out[:, 0]; layer l + 1 those from out[:, l - 1] to out[:, l]. A weight is
// result_summary's: the input proportions summed over the presynaptic group's neurons and
// averaged over the postsynaptic group's neurons; groups whose every weight is below 1e-3
// are dropped first, as there. Rows come in the original's order (per layer: presynaptic
// groups by decreasing weight onto the first postsynaptic group, ties as numpy's
// quicksort leaves them; postsynaptic groups by name).
// Columns: pre, post (text), weight, layer, pre_activation, post_activation. A layer
// without edges is skipped with a warning. Throws kenyon::error naming the argument for
// bad shapes, NaN or infinite values, out-of-range or repeated sensory indices, mappings
// of the wrong length, and when no layer has any edge.
table activations_to_df(const sparse::csr_matrix& inprop, const array_ref& model_input,
                        const array_ref& out, std::span<const std::int64_t> sensory_indices,
                        const path_table_options& options = {});

// The same for every batch item of 3-D arrays (batch, sensory, T) and (batch, N, L),
// concatenated, with a `batch` column (the item's position).
table activations_to_df_batched(const sparse::csr_matrix& inprop, const array_ref& model_input,
                                const array_ref& out, std::span<const std::int64_t> sensory_indices,
                                const path_table_options& options = {});

// connectome_interpreter's get_activations_for_path: adds pre_activation and
// post_activation to a path table (columns pre, post, layer, any others kept). For path
// layer l (after adding activation_start) the presynaptic activation is the input column
// 0 of the sensory neurons (l == 1) or activations[:, l - 2], the postsynaptic one
// activations[:, l - 1], both averaged over every neuron of the group. Without
// idx_to_group, pre and post are neuron indices (integers or integer text). Rows come
// grouped by layer in increasing order, in path order within a layer. Differences from
// the original: at layer 1 a group's activation averages its sensory neurons only (the
// original fails on a non-sensory one), and a pre or post naming no neuron gets NaN.
// Throws kenyon::error for a layer outside 1 .. L (after the shift), a missing column,
// bad shapes, and a layer-1 pre without sensory neurons or without model_in.
table get_activations_for_path(const table& path, const array_ref& activations,
                               const array_ref& model_in = {},
                               std::span<const std::int64_t> sensory_indices = {},
                               std::span<const std::string> idx_to_group = {},
                               std::int64_t activation_start = 0);

// connectome_interpreter's activated_path_for_ngl: a long table neuron_id, layer,
// activation from a path with pre_activation and post_activation: the pre neurons of the
// smallest layer l at layer l, and for every layer l (in order of first appearance) its
// post neurons at layer l + 1, duplicates removed within each. pre and post must be
// neuron indices; with `neuron_ids` (one external id per neuron, e.g. FlyWire root ids)
// neuron_id is the external id, otherwise the index.
table activated_path_for_ngl(const table& path, std::span<const std::int64_t> neuron_ids = {});

// ---------------------------------------------------------------- activation summaries

// connectome_interpreter's get_neuron_activation. 2-D (N, T): the rows of the given
// neurons (sorted, repeats ignored) averaged per group: columns group, time_0 .. time_T-1,
// one row per group in sorted order (numeric for indices, by name for groups). 3-D
// (B, N, T): columns batch_name, group, time_*, averaged per (batch_name, group) and
// sorted by both; batch names default to batch_0, batch_1, ... (sorted as text) and are
// ignored for 2-D. Throws kenyon::error for bad shapes, an index out of range, or a
// batch_names / idx_to_group of the wrong length.
table get_neuron_activation(const array_ref& activations,
                            std::span<const std::int64_t> neuron_indices,
                            std::span<const std::string> batch_names = {},
                            std::span<const std::string> idx_to_group = {});

struct input_activation_options {
  std::vector<std::int64_t> selected_indices = {};  // global sensory indices; empty: all
  // A sensory neuron is kept if |x| >= this at some time step.
  double activation_threshold = 0;
  std::vector<std::string> batch_names = {};  // 3-D only; empty: batch_0, batch_1, ...
};

// connectome_interpreter's get_input_activation: the kept sensory rows of the input
// averaged per group. 2-D (sensory, T): columns group, time_*; 3-D (B, sensory, T):
// columns batch_name, group, time_*, batch items in order, groups sorted within each
// (no rows at all if nothing is kept). Rows of model_in follow `sensory_indices` as given.
// Throws kenyon::error for bad shapes, a selected index that is not sensory, or an
// idx_to_group that does not cover a sensory neuron.
table get_input_activation(const array_ref& model_in, std::span<const std::int64_t> sensory_indices,
                           std::span<const std::string> idx_to_group,
                           const input_activation_options& options = {});

// connectome_interpreter's activity_by_column: for each selected group, the mean activity
// per column id (idx_to_column, one per neuron; negative = no column, left out), with
// normalised_column = column id / the group's largest column id. Long format: columns
// normalised_column, cell_group, time_point (time_k), activation, time_step (k + 1),
// sorted by time_step, cell_group, normalised_column. With model_input (sensory, T) and
// sensory_indices, rows with time_step 0 hold input column 0 of the group's sensory
// neurons (the original's intent; its code fails there), normalised by the same largest
// column id as the group's other rows. Throws kenyon::error naming the argument for bad
// shapes, a group that no neuron belongs to or none of whose neurons has a column, and
// model_input given without sensory_indices or the other way round.
table activity_by_column(const array_ref& activity, std::span<const std::string> idx_to_group,
                         std::span<const std::int64_t> idx_to_column,
                         std::span<const std::string> selected_groups,
                         const array_ref& model_input = {},
                         std::span<const std::int64_t> sensory_indices = {});

// ---------------------------------------------------------------- neuroglancer

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

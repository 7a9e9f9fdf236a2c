#pragma once
// Tables of the paths a rate network's activity takes: connectome_interpreter's
// activations_to_df, get_activations_for_path and activated_path_for_ngl (spec
// rate_network.md sections 10 and 11.2). Arrays are C-order float32 views
// (core/array_view.hpp): an (N, T) array has neurons in rows and time steps (layers) in
// columns; a 3-D array has the batch first.
#include <cstdint>
#include <span>
#include <string>

#include "kenyon/core/array_view.hpp"
#include "kenyon/core/table.hpp"
#include "kenyon/sparse/csr.hpp"

namespace kenyon::ratenet {

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
table activations_to_df(const sparse::csr_matrix& inprop,
                        const array_view<const float>& model_input,
                        const array_view<const float>& out,
                        std::span<const std::int64_t> sensory_indices,
                        const path_table_options& options = {});

// The same for every batch item of 3-D arrays (batch, sensory, T) and (batch, N, L),
// concatenated, with a `batch` column (the item's position).
table activations_to_df_batched(const sparse::csr_matrix& inprop,
                                const array_view<const float>& model_input,
                                const array_view<const float>& out,
                                std::span<const std::int64_t> sensory_indices,
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
table get_activations_for_path(const table& path, const array_view<const float>& activations,
                               const array_view<const float>& model_in = {},
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

}  // namespace kenyon::ratenet

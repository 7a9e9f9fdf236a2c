#pragma once
// Activity summarised per cell type: connectome_interpreter's get_neuron_activation,
// get_input_activation and activity_by_column (spec rate_network.md section 11.1). Arrays
// are C-order float32 views (core/array_view.hpp): an (N, T) array has neurons in rows and
// time steps in columns; a 3-D array has the batch first.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "kenyon/core/array_view.hpp"
#include "kenyon/core/table.hpp"

namespace kenyon::ratenet {

// connectome_interpreter's get_neuron_activation. 2-D (N, T): the rows of the given
// neurons (sorted, repeats ignored) averaged per group: columns group, time_0 .. time_T-1,
// one row per group in sorted order (numeric for indices, by name for groups). 3-D
// (B, N, T): columns batch_name, group, time_*, averaged per (batch_name, group) and
// sorted by both; batch names default to batch_0, batch_1, ... (sorted as text) and are
// ignored for 2-D. Throws kenyon::error for bad shapes, an index out of range, or a
// batch_names / idx_to_group of the wrong length.
table get_neuron_activation(const array_view<const float>& activations,
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
table get_input_activation(const array_view<const float>& model_in,
                           std::span<const std::int64_t> sensory_indices,
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
table activity_by_column(const array_view<const float>& activity,
                         std::span<const std::string> idx_to_group,
                         std::span<const std::int64_t> idx_to_column,
                         std::span<const std::string> selected_groups,
                         const array_view<const float>& model_input = {},
                         std::span<const std::int64_t> sensory_indices = {});

}  // namespace kenyon::ratenet

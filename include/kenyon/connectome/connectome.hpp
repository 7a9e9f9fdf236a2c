#pragma once
// A connectome as the rate networks use it: a table of neurons (external ids, cell types,
// optional coarse classes, signs, sensory flags) and the unsigned input-proportion matrix between
// them. Every loader (connectome/loaders.hpp) and every shipped dataset (connectome/shipped.hpp)
// produces this one value type; the networks take `signed_weights()`, the path tables and the
// linear guess take `inprop` as it is.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "kenyon/sparse/csr.hpp"

namespace kenyon::connectome {

// One row per neuron; the row number is the neuron's index in the matrix and in a network.
struct neuron_table {
  std::vector<std::int64_t> id;   // external id (CATMAID skeleton, FlyWire root, bodyId), unique
  std::vector<std::string> type;  // cell type or group; never empty (the id as text if unknown)
  std::vector<int> sign;          // +1 excitatory, -1 inhibitory (as presynaptic neuron)
  std::vector<char> sensory;      // 1 for sensory (input) neurons
  std::vector<std::string> side;  // "left", "right", "center" or "" if unknown
  // Optional spatial column per neuron (e.g. the hexagonal column of the visual system),
  // -1 where none; empty if the dataset has no columns. Used by activity_by_column.
  std::vector<std::int64_t> column;
  // Optional coarse class per neuron (e.g. the larva's sensory, PN, KC, MBON above types
  // such as ORN or PN-olfactory), "" where none; empty if the dataset has no classes. A
  // selector that is not a cell type but is a class names every neuron of the class.
  std::vector<std::string> cell_class;

  std::int64_t size() const { return static_cast<std::int64_t>(id.size()); }
  bool has_classes() const { return !cell_class.empty(); }
  // Appends one neuron (column -1 if the table has columns, class "" if it has classes).
  void add(std::int64_t neuron_id, std::string cell_type, int neuron_sign, bool is_sensory,
           std::string neuron_side = {});
  // Throws kenyon::error for vectors of different lengths, a duplicated id (naming it), an
  // empty type or a sign other than +-1.
  void validate() const;
};

struct connectome {
  std::string name;  // dataset name or file it came from, for messages and summaries
  neuron_table neurons;
  // Input proportions, unsigned, with PRESYNAPTIC neurons in rows (connectome_interpreter's
  // `inprop`): inprop(pre, post) = synapses pre -> post / all input synapses of post.
  sparse::csr_matrix inprop;
  // Optional per-connection signs, one per entry of inprop (same order), for datasets whose
  // signs belong to connections rather than presynaptic neurons (the visual system: a few
  // cell types excite some targets and inhibit others). Empty: neurons.sign applies, and
  // neurons.sign is then the majority (by weight) of a neuron's outgoing signs.
  std::vector<std::int8_t> edge_sign;

  std::int64_t size() const { return neurons.size(); }
  // The signed post-rows/pre-columns matrix the networks run on: inprop transposed, with the
  // column of every inhibitory presynaptic neuron negated (connectome_interpreter's add_sign),
  // or each entry signed by edge_sign where given.
  sparse::csr_matrix signed_weights() const;
  // Indices of the sensory neurons, ascending.
  std::vector<std::int64_t> sensory_indices() const;
  // One group name per neuron (the cell types), for network_params::idx_to_group.
  const std::vector<std::string>& idx_to_group() const { return neurons.type; }
  // One class per neuron ("" where none), empty without classes; for
  // network_params::idx_to_class.
  const std::vector<std::string>& idx_to_class() const { return neurons.cell_class; }

  // Neuron indices for a selector: a cell type (every neuron of that type), else a class
  // (every neuron of that class; a name that is both a type and a class means the type),
  // else a shell pattern over the types ("MBON*": every MBON type), else one over the
  // classes, else, if it is an integer, an external id. Throws unknown_name_error naming
  // the selector if it matches nothing.
  std::vector<std::int64_t> select(std::string_view selector) const;
  // Whether `name` is a class of some neuron and not a cell type (so it selects the class).
  bool is_class(std::string_view name) const;
  // The distinct cell types of the neurons of a class, sorted; empty if `name` is no class.
  std::vector<std::string> types_of_class(std::string_view name) const;
  // External id -> neuron index.
  std::unordered_map<std::int64_t, std::int64_t> id_to_index() const;

  // Checks the table (neuron_table::validate), that inprop is square with one row per
  // neuron and only finite, non-negative entries, and that edge_sign is empty or has one
  // +-1 per entry. Throws kenyon::error naming the problem.
  void validate() const;
};

}  // namespace kenyon::connectome

#pragma once
// Loading connectomes from the formats neuroscientists bring: a plain edge list with an
// optional neuron table, FlyWire Codex exports, neuPrint adjacency exports and
// connectome_interpreter's scipy .npz with its metadata CSV. CSV files may be gzipped
// (detected from the content, not the name). Every loader returns the one value type of
// connectome.hpp, with input-proportion weights and a sign per neuron.
//
// Errors: a missing file or column, a malformed or non-numeric field, a duplicated id, an
// id in the edges that the neuron table lacks, an unreadable gzip or zip: kenyon::file_error
// naming the file, the row (1-based line number, header = 1) and the column.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kenyon/connectome/connectome.hpp"

namespace kenyon::connectome {

struct load_options {
  // (pre, post) pairs with fewer synapses than this, summed over the kept neuropils, are
  // dropped. They still count in the postsynaptic neuron's total input, so the remaining
  // proportions are not inflated.
  double min_synapses = 0;
  // Keep only synapses in these neuropils / ROIs (the `neuropil` or `roi` column, any
  // case); empty: all. Needs an edge list with such a column; a filter that keeps no row
  // is a parameter_error. The neurons and their transmitters still come from every row.
  std::vector<std::string> neuropils{};
  // Transmitter -> sign, overriding the defaults (case-insensitive names). Defaults: GABA
  // and glutamate (gaba, glut, glutamate) -1; acetylcholine, dopamine, serotonin,
  // octopamine and anything else +1.
  std::map<std::string, int> transmitter_sign{};
  // Sign of neurons for which neither a sign nor a transmitter is known.
  int default_sign = 1;
  // true: weights are input proportions (synapses / all input synapses of the
  // postsynaptic neuron). false: weights are the synapse counts (or weights) as given.
  bool input_proportion = true;
  // Throws parameter_error for a negative or non-finite min_synapses, or a sign other
  // than +-1 (naming the transmitter).
  void validate() const;
};

// The sign a transmitter name gives under `options` (see load_options::transmitter_sign);
// an empty name gives options.default_sign.
int sign_of_transmitter(std::string_view transmitter, const load_options& options);

// A neuron table CSV. Columns (first matching name wins, case-insensitive; empty, NaN and
// None fields count as missing):
//   id: id, root_id, bodyId, skid, skeleton_id, neuron_id            (required)
//   type: type, cell_type, celltype, group  (the first with a value in the row; else the id)
//   sign: sign (+1/-1), or transmitter: nt, nt_type, top_nt, predictedNt, transmitter
//   sensory: sensory (true/false, 1/0, yes/no), or super_class / flow equal to
//            "sensory" / "afferent"
//   side: side, hemisphere (L/R/left/right/center)
//   class: class, cell_class, super_class  (optional: the coarse class above the type, e.g.
//          sensory, PN, KC; neuron_table::cell_class. A selector that is not a type but a
//          class names every neuron of the class. Without the column there are no classes)
neuron_table read_neuron_table(const std::filesystem::path& path, const load_options& options = {});

// An edge-list CSV: pre and post ids (pre/post, pre_id/post_id, pre_root_id/post_root_id,
// bodyId_pre/bodyId_post, source/target), a count (weight, syn_count, count, synapses,
// total), optionally nt (nt, nt_type: a neuron's sign is then the majority of its outgoing
// synapses' transmitters) or sign, and optionally neuropil or roi (rows of one pair in
// several neuropils are summed). With a neuron table every id of the edges must be in it
// and the neurons keep the table's order; without one the neurons are the ids of the
// edges, ascending, typed by their id. Signs in a neuron table win over edge transmitters.
// The majority transmitter is the one with most synapses over all the neuron's rows (every
// neuropil, before min_synapses; ties: the one the file names first); a sign column votes
// the same way. Neurons with neither get options.default_sign.
connectome load_edge_list(const std::filesystem::path& edges,
                          const std::optional<std::filesystem::path>& neurons,
                          const load_options& options = {});

// FlyWire Codex exports: connections (pre_root_id, post_root_id, neuropil, syn_count,
// nt_type), and optionally the classification table (root_id, flow, super_class, class,
// sub_class, cell_type, hemibrain_type, side, ...: the type is cell_type, else
// hemibrain_type, else class, else the id; the class is `class` (e.g. ALPN, Kenyon_Cell,
// olfactory); sensory if super_class is sensory or flow is afferent) and the neurons table
// (root_id, group, nt_type, ...: the sign from nt_type, which wins over the connections' nt_type;
// without a classification table the type is the group). Ids are 64-bit root ids. Neurons are those
// of the classification table if given (edges to ids it lacks are an error), else the ids of the
// connections; neurons-table rows for other ids are ignored.
connectome load_codex(const std::filesystem::path& connections,
                      const std::optional<std::filesystem::path>& classification,
                      const std::optional<std::filesystem::path>& neurons,
                      const load_options& options = {});

// neuPrint adjacency exports (neuprint-python's fetch_adjacencies): the ROI connection
// table (bodyId_pre, bodyId_post, roi, weight) and optionally the neuron table (bodyId,
// type, instance, ...; the type is `type`, else `instance`, else the id).
connectome load_neuprint(const std::filesystem::path& adjacency,
                         const std::optional<std::filesystem::path>& neurons,
                         const load_options& options = {});

// connectome_interpreter's inputs: a scipy.sparse .npz (csr, csc or coo; presynaptic
// neurons in rows, usually input proportions already, taken as they are) and a metadata
// CSV with one row per matrix index: an index column (idx, index; else the row order), an
// id column and the neuron-table columns above. The values are used as stored, whatever
// input_proportion says; neuropils or a min_synapses above 0 are a parameter_error.
connectome load_npz(const std::filesystem::path& npz, const std::filesystem::path& metadata,
                    const load_options& options = {});

}  // namespace kenyon::connectome

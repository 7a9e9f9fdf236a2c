#pragma once
// The connectomes kenyon ships (data/connectomes/<name>/, each with a README giving source,
// licence and what is assumed), and the expansion of the fly visual system template onto
// its hexagonal lattice.
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "kenyon/connectome/connectome.hpp"
#include "kenyon/connectome/loaders.hpp"

namespace kenyon::connectome {

// "larva" (Winding et al. 2023, 2,952 neurons), "flyvis" (Lappalainen et al. 2024,
// 45,669 cells on 721 columns) and "hemibrain-mb" (Scheffer et al. 2020: the mushroom
// body's uPNs, KCs, MBONs and APL, 2,096 neurons).
std::vector<std::string> shipped_names();
// Where the shipped datasets are: $KENYON_CONNECTOME_DIR if set, else the repository's
// data/connectomes.
std::filesystem::path shipped_dir();
// Loads a shipped dataset by name. Throws kenyon::error listing the names for an unknown
// one, and file_error if its files are missing. "larva" is load_edge_list on its edge list
// and neuron table, so every load option applies; "flyvis" is expand_flyvis with the
// default flyvis_options (see there for the load options that apply); "hemibrain-mb" is
// load_neuprint on its adjacency and neuron tables.
connectome load_shipped(std::string_view name, const load_options& options = {});

struct flyvis_options {
  int extent = 15;        // lattice radius in columns: 3 extent (extent + 1) + 1 columns
                          // (0 to 1000)
  double n_syn_fill = 1;  // synapses assumed at offsets inside an edge's convex hull
                          // that the data leave out (flyvis's fill_hull); 0: none
  // Throws parameter_error for an extent outside 0 to 1000 or a negative or non-finite
  // n_syn_fill.
  void validate() const;
};
// flyvis's ConnectomeFromAvgFilters: every cell type tiled over the hexagonal lattice
// (strided types on every stride-th column), every type-to-type edge repeated at each
// column offset (target = source + offset), offsets inside the convex hull of an edge's
// reported offsets filled with n_syn_fill synapses. Weights are input proportions of the
// mean synapse counts; signs per connection from the edges' `alpha` (connectome::edge_sign;
// neurons.sign is each cell's majority by weight); cell types as groups; ids are the cell
// indices (flyvis's node index); the columns (0 .. columns-1, in lattice order) in
// neuron_table::column; R1-R8 sensory. Of `load`, min_synapses drops connections with a
// smaller mean synapse count (they still count in the target's input) and
// input_proportion applies; signs come from the file, so the transmitter options do not
// apply, and neuropils must be empty. Throws file_error for a missing or malformed file.
connectome expand_flyvis(const std::filesystem::path& json, const flyvis_options& options = {},
                         const load_options& load = {});

}  // namespace kenyon::connectome

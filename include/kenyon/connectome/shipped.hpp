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

// "larva" (Winding et al. 2023, 2,952 neurons) and "flyvis" (Lappalainen et al. 2024,
// 45,669 cells on 721 columns).
std::vector<std::string> shipped_names();
// Where the shipped datasets are: $KENYON_CONNECTOME_DIR if set, else the repository's
// data/connectomes.
std::filesystem::path shipped_dir();
// Loads a shipped dataset by name. Throws kenyon::error listing the names for an unknown
// one, and file_error if its files are missing.
connectome load_shipped(std::string_view name, const load_options& options = {});

struct flyvis_options {
  int extent = 15;        // lattice radius in columns: 3 extent (extent + 1) + 1 columns
  double n_syn_fill = 1;  // synapses assumed at offsets inside an edge's convex hull
                          // that the data leave out (flyvis's fill_hull); 0: none
  void validate() const;
};
// flyvis's ConnectomeFromAvgFilters: every cell type tiled over the hexagonal lattice
// (strided types on every stride-th column), every type-to-type edge repeated at each
// column offset (target = source + offset), offsets inside the convex hull of an edge's
// reported offsets filled with n_syn_fill synapses. Weights are input proportions of the
// mean synapse counts; signs per cell type from the edges' `alpha`; cell types as groups;
// the columns (0 .. columns-1) in neuron_table::column; R1-R8 sensory.
connectome expand_flyvis(const std::filesystem::path& json, const flyvis_options& options = {});

}  // namespace kenyon::connectome

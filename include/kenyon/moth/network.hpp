#pragma once
// One moth: the connection matrices and per-neuron gains of spec section 3, drawn from a
// seed. The inert inhibitory projection neurons (PI) of the originals are left out: all
// their output weights are zero in MNIST mode, and their row normalisation is what gives
// pymoth its NaN moths (spec section 9, item 7).
#include <cstdint>
#include <vector>

#include "kenyon/moth/params.hpp"

namespace kenyon::moth {

// P->K weights in compressed sparse rows (one row per Kenyon cell). Zeros are permanent:
// a synapse that does not exist never grows (spec 5.5).
struct p2k_matrix {
  int rows = 0, cols = 0;
  std::vector<std::int32_t> row_begin;  // rows + 1
  std::vector<std::uint16_t> col;
  std::vector<float> value;
  std::size_t nonzeros() const { return value.size(); }
};

// One drawn moth: every connection matrix and per-neuron gain the simulation reads.
struct network {
  int num_glomeruli = 0;  // nG = nF = nR = nP = nL
  int num_kenyon = 0;     // nK
  int num_readouts = 0;   // nE
  // Feature j drives receptor r = feature_to_r[j] with gain f2r_gain (a permutation).
  std::vector<int> feature_to_r;
  float f2r_gain = 0;
  std::vector<float> r_spont;   // nG, R spontaneous drive
  std::vector<float> r2p, r2l;  // nG, within-glomerulus gains
  // Lateral inhibition, three nG x nG blocks stacked row-major: L->R, L->P, L->L
  // (row = destination glomerulus, column = source).
  std::vector<float> lateral;
  p2k_matrix p2k;
  std::vector<float> k2e;                        // nK x nE, Kenyon-cell-major: k2e[k * nE + e]
  std::vector<float> octo2r, octo2p, octo2l;     // nG
  std::vector<float> noise_r, noise_p, noise_l;  // nG, per-neuron noise multipliers
  enum lateral_block { l2r = 0, l2p = 1, l2l = 2 };
  float lateral_at(lateral_block block, int to, int from) const {
    return lateral[(static_cast<std::size_t>(block) * num_glomeruli + to) * num_glomeruli + from];
  }
};

// Draws a moth with `num_glomeruli` glomeruli (one per feature) from (seed, connectivity).
network make_network(const model_params& params, int num_glomeruli, std::uint64_t seed);

}  // namespace kenyon::moth

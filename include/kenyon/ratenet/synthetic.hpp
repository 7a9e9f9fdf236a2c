#pragma once
// Seeded synthetic connectomes, built the way connectome_interpreter's performance was
// measured, so that `kenyon bench net` figures compare with it.
#include <cstdint>
#include <vector>

#include "kenyon/sparse/csr.hpp"

namespace kenyon::ratenet {

struct synthetic_params {
  std::int64_t neurons = 140000;
  std::int64_t connections = 3500000;
  std::uint64_t seed = 0;
  int sensory_divisor = 50;    // the first neurons / 50 are sensory and receive nothing
  int inhibitory_modulo = 10;  // presynaptic neurons with index % 10 < 3 are inhibitory
  int inhibitory_below = 3;
  void validate() const;
};

struct synthetic_connectome {
  sparse::csr_matrix weights;                 // post rows, pre columns, signed
  std::vector<std::int64_t> sensory_indices;  // 0 .. neurons / 50 - 1
};

// Each connection has a uniformly random presynaptic neuron and a uniformly random
// non-sensory postsynaptic neuron (duplicates summed) and a weight uniform in [0, 1);
// every neuron's inputs are then normalised to sum to 1, and the outputs of inhibitory
// presynaptic neurons are negated. Built row by row, so memory stays near the matrix.
synthetic_connectome make_synthetic_connectome(const synthetic_params& params);

}  // namespace kenyon::ratenet

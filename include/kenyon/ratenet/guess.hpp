#pragma once
// Signed effective connectivity by path length and connectome_interpreter's linear guess
// of an optimal stimulus (spec rate_network.md sections 9 and 11.2).
#include <cstdint>
#include <map>
#include <span>
#include <vector>

#include "kenyon/ratenet/inputs.hpp"
#include "kenyon/ratenet/target.hpp"
#include "kenyon/sparse/csr.hpp"

namespace kenyon::ratenet {

// Excitatory and inhibitory effective connectivity from `sources` to `targets` for path
// lengths 1 .. max_length. With A+ (A-) the input proportions of excitatory (inhibitory)
// presynaptic neurons: E_1 = A+, I_1 = A-, E_{k+1} = E_k A+ + I_k A-,
// I_{k+1} = E_k A- + I_k A+, i.e. E_p (I_p) sums, over all p-hop walks from a source to a
// target, the product of the input proportions along the walk, for walks through an even
// (odd) number of inhibitory presynaptic neurons.
struct signed_connectivity {
  std::int64_t sources = 0, targets = 0;
  // [p - 1][s * targets + t] for path length p, source position s, target position t.
  std::vector<std::vector<double>> excitatory, inhibitory;
  double e(int p, std::int64_t s, std::int64_t t) const {
    return excitatory[static_cast<std::size_t>(p - 1)][static_cast<std::size_t>(s * targets + t)];
  }
  double i(int p, std::int64_t s, std::int64_t t) const {
    return inhibitory[static_cast<std::size_t>(p - 1)][static_cast<std::size_t>(s * targets + t)];
  }
};

// connectome_interpreter's signed_conn_by_path_length_data with identity grouping.
// `inprop` holds the unsigned input proportions with presynaptic neurons in ROWS (square,
// non-negative); `idx_to_sign` gives each presynaptic neuron's sign, +1 or -1. Computed
// with sparse products on only as many dense columns as the smaller of the source and
// target sets (propagating backwards from the targets or forwards from the sources, in
// blocks of columns), in double precision; never forms N x N powers. The original finds the
// edges that lie on complete p-hop paths and chains them layer by layer; that pruning
// removes only edges on no such walk, so the sums are the same. Throws parameter_error
// naming the offending item for a non-square or negative inprop, a sign other than +-1, an
// index out of range, or max_length < 1.
signed_connectivity signed_connectivity_by_path_length(const sparse::csr_matrix& inprop,
                                                       std::span<const int> idx_to_sign,
                                                       std::span<const std::int64_t> sources,
                                                       std::span<const std::int64_t> targets,
                                                       int max_length);

// connectome_interpreter's guess_optimal_stimulus: a linear guess of the input pattern
// that drives the targets (a later duplicate of a (batch item, layer, neuron) overrides an
// earlier one). max_layer is the largest target layer over all batch items and the result
// has shape (targets.batch_size, sensory_indices.size(), min(longest_plen, max_layer + 1)). For
// each batch item and each target layer l, with n = min(l + 1, longest_plen), the score for path
// length p = 1..n, sum_t v_t (E_p[s, t] - I_p[s, t]), is added to column n - p. A batch item
// without targets gets zeros. Throws item_error naming the offending entry (a negative layer, a
// neuron or batch item out of range, a value that is not finite), parameter_error for no
// targets at all or longest_plen < 1, and everything signed_connectivity_by_path_length rejects.
input_array guess_optimal_stimulus(const sparse::csr_matrix& inprop,
                                   std::span<const std::int64_t> sensory_indices,
                                   std::span<const int> idx_to_sign,
                                   const target_activation& targets, int longest_plen = 5);

}  // namespace kenyon::ratenet

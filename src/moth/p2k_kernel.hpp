#pragma once
// The simulation's hot path: the P->K product, K = W P, with W the sparse P->K weights
// (~12% nonzero) and P a short vector.
//
// Layout: a hybrid of sliced ELLPACK and a coordinate list. Rows go in slices of 16
// consecutive rows stored slot-major, so one SIMD register holds one slot of 16 rows.
// Columns go in blocks of 32; block b gives every row width_[b] slots, the same in every
// slice, so the loops have fixed trip counts (variable ones cost a branch miss each).
// A row's entries beyond that width in a block go to the short overflow list, added
// afterwards. With AVX-512 each slot looks its P values up with one in-register permute
// of the block's 32 values (gathers are slow on current Intel cores).
#include <cstdint>
#include <vector>

#include "kenyon/moth/network.hpp"

namespace kenyon::moth::detail {

class p2k_kernel {
 public:
  static constexpr int lanes = 16;
  static constexpr int block = 32;  // columns per permute table

  explicit p2k_kernel(const p2k_matrix& weights);

  // out[k] = sum_j W(k, j) p[j] for every row k.
  void multiply(const float* p, float* out) const;

  // multiply() for `batch` vectors at once, neuron-major (p[j * batch + i] is entry j of
  // vector i, out likewise): each vector's sums are multiply()'s, term by term in the same
  // order, fused where multiply() fuses, so bit for bit the same.
  void multiply_batch(const float* p, int batch, float* out) const;

  // Hebbian growth on existing synapses: W(k, j) += gain[k] p[j] for rows with
  // gain[k] > 0, then clipped to [0, max].
  void hebbian(const float* gain, const float* p, float max);

  // Writes the current weights back into `weights` (same sparsity pattern).
  void store(p2k_matrix& weights) const;

  std::size_t padded_slots() const { return value_.size(); }
  std::size_t overflow_entries() const { return overflow_row_.size(); }

 private:
  float& weight(std::int32_t n);

  int rows_ = 0, cols_ = 0, blocks_ = 0, slices_ = 0;
  std::vector<std::int32_t> row_begin_;  // the CSR pattern the kernel was built from
  std::vector<std::uint16_t> col_;       // CSR column of each nonzero
  // Where each CSR nonzero lives: >= 0 an index into value_, < 0 overflow entry -1 - i.
  std::vector<std::int32_t> entry_at_;
  std::vector<std::uint8_t> odd_slot_;  // its slot's index within its block is odd
  std::vector<int> width_;              // slots per row in each column block
  std::vector<int> block_slot_;         // first slot of each block within a slice
  int slice_slots_ = 0;                 // sum of width_
  std::vector<float> value_;            // [slice][slot][lane], padding is 0
  std::vector<std::uint8_t> slot_col_;  // column within the block, same layout
  std::vector<std::int32_t> overflow_row_;
  std::vector<std::uint16_t> overflow_col_;
  std::vector<float> overflow_value_;
};

}  // namespace kenyon::moth::detail

#pragma once
// Signed sparse weight matrices in compressed sparse rows, and the batched products the
// rate networks run on. Convention (connectome_interpreter's): row = postsynaptic neuron,
// column = presynaptic neuron, so y = W x propagates activity one synapse forward.
// Activations are neuron-major: x[j * batch + b] is neuron j in batch item b.
#include <cstdint>
#include <span>
#include <vector>

namespace kenyon::sparse {

template <class real>
struct basic_csr {
  std::int64_t rows = 0, cols = 0;
  std::vector<std::int64_t> row_begin;  // rows + 1 offsets into col/value
  std::vector<std::int32_t> col;        // ascending within a row, no duplicates
  std::vector<real> value;
  std::int64_t nonzeros() const { return static_cast<std::int64_t>(value.size()); }
  std::size_t bytes() const {
    return row_begin.size() * sizeof(std::int64_t) + col.size() * sizeof(std::int32_t) +
           value.size() * sizeof(real);
  }
  // The same pattern with values converted (e.g. to double for gradient checks).
  template <class other>
  basic_csr<other> cast() const {
    return {rows, cols, row_begin, col, std::vector<other>(value.begin(), value.end())};
  }
};

using csr_matrix = basic_csr<float>;

// From coordinate triplets; duplicates are summed, entries that sum to exactly zero are
// kept (they are part of the pattern). Throws kenyon::error naming the offending entry
// for an index out of range or a NaN or infinite value, and for negative sizes.
csr_matrix from_triplets(std::int64_t rows, std::int64_t cols, std::span<const std::int64_t> row,
                         std::span<const std::int64_t> col, std::span<const float> value);

// From a dense row-major array; zeros are dropped. Throws on NaN or infinity.
csr_matrix from_dense(std::span<const float> dense, std::int64_t rows, std::int64_t cols);

// connectome_interpreter's add_sign: `inprop` holds input proportions with presynaptic
// neurons in ROWS; every entry whose presynaptic neuron has sign -1 is negated, and the
// result is transposed into the post-rows/pre-columns layout the networks use.
// `pre_sign` has one entry per presynaptic neuron (only -1 counts as inhibitory).
csr_matrix signed_from_inprop(const csr_matrix& inprop, std::span<const int> pre_sign);

template <class real>
basic_csr<real> transpose(const basic_csr<real>& m);

// Throws kenyon::error unless the matrix is square (a network maps neurons to neurons).
template <class real>
void require_square(const basic_csr<real>& m, const char* what);

// y = W x for `batch` columns, neuron-major. Multi-threaded over rows (OpenMP): each
// output row is summed by one thread in one fixed order, the same for every batch size,
// so a batch item's result depends neither on the thread count nor on the other items in
// its batch (bit for bit). For y = W^T x use the product with transpose(W).
template <class real>
void multiply(const basic_csr<real>& w, const real* x, real* y, std::int64_t batch);

// For each entry of wt = transpose(w): which of multiply()'s four partial sums of its row of w
// the corresponding entry of w goes to (what multiply_adaptive needs). Throws kenyon::error if
// wt is not w's transpose in size.
template <class real>
std::vector<std::uint8_t> sum_chains(const basic_csr<real>& w, const basic_csr<real>& wt);

// y = W x as above, given also wt = transpose(W) and wt_chain = sum_chains(w, wt): when few
// rows of x are nonzero (a sparse activity or gradient pattern), only their columns of W are
// visited, serially; otherwise the threaded product runs. The same result as multiply, bit
// for bit, either way.
template <class real>
void multiply_adaptive(const basic_csr<real>& w, const basic_csr<real>& wt,
                       std::span<const std::uint8_t> wt_chain, const real* x, real* y,
                       std::int64_t batch);

}  // namespace kenyon::sparse

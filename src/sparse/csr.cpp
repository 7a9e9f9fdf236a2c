#include "kenyon/sparse/csr.hpp"

#include <omp.h>

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <type_traits>
#include <vector>

#include "kenyon/core/error.hpp"
#include "kenyon/core/madd.hpp"

namespace kenyon::sparse {
namespace {

std::string entry_name(std::int64_t r, std::int64_t c) {
  return "(row " + std::to_string(r) + ", column " + std::to_string(c) + ")";
}

void require_sizes(std::int64_t rows, std::int64_t cols) {
  if (rows < 0 || cols < 0)
    throw error("sparse matrix: negative size " + std::to_string(rows) + " x " +
                std::to_string(cols));
  if (cols > std::numeric_limits<std::int32_t>::max())
    throw error("sparse matrix: more than 2^31 columns");
}

}  // namespace

csr_matrix from_triplets(std::int64_t rows, std::int64_t cols, std::span<const std::int64_t> row,
                         std::span<const std::int64_t> col, std::span<const float> value) {
  require_sizes(rows, cols);
  if (row.size() != col.size() || row.size() != value.size())
    throw error("sparse matrix: triplet arrays differ in length (" + std::to_string(row.size()) +
                " rows, " + std::to_string(col.size()) + " columns, " +
                std::to_string(value.size()) + " values)");
  const std::size_t n = row.size();
  for (std::size_t k = 0; k < n; ++k) {
    if (row[k] < 0 || row[k] >= rows || col[k] < 0 || col[k] >= cols)
      throw error("sparse matrix: entry " + std::to_string(k) + " " + entry_name(row[k], col[k]) +
                  " is outside the " + std::to_string(rows) + " x " + std::to_string(cols) +
                  " matrix");
    if (!std::isfinite(value[k]))
      throw error("sparse matrix: entry " + std::to_string(k) + " " + entry_name(row[k], col[k]) +
                  " is not a finite number");
  }
  // Counting sort by row, then sort each row by column and merge duplicates.
  csr_matrix m;
  m.rows = rows;
  m.cols = cols;
  m.row_begin.assign(static_cast<std::size_t>(rows) + 1, 0);
  for (std::size_t k = 0; k < n; ++k) ++m.row_begin[static_cast<std::size_t>(row[k]) + 1];
  std::partial_sum(m.row_begin.begin(), m.row_begin.end(), m.row_begin.begin());
  std::vector<std::int64_t> next(m.row_begin.begin(), m.row_begin.end() - 1);
  std::vector<std::pair<std::int32_t, float>> entries(n);
  for (std::size_t k = 0; k < n; ++k)
    entries[static_cast<std::size_t>(next[static_cast<std::size_t>(row[k])]++)] = {
        static_cast<std::int32_t>(col[k]), value[k]};
  std::vector<std::int64_t> begin(m.row_begin);
  m.row_begin.assign(1, 0);
  for (std::int64_t r = 0; r < rows; ++r) {
    auto first = entries.begin() + begin[static_cast<std::size_t>(r)];
    auto last = entries.begin() + begin[static_cast<std::size_t>(r) + 1];
    // Stable, so duplicates are summed in input order (deterministic).
    std::stable_sort(first, last, [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto it = first; it != last; ++it) {
      if (!m.col.empty() && static_cast<std::int64_t>(m.col.size()) > m.row_begin.back() &&
          m.col.back() == it->first)
        m.value.back() += it->second;
      else {
        m.col.push_back(it->first);
        m.value.push_back(it->second);
      }
    }
    m.row_begin.push_back(static_cast<std::int64_t>(m.col.size()));
  }
  return m;
}

csr_matrix from_dense(std::span<const float> dense, std::int64_t rows, std::int64_t cols) {
  require_sizes(rows, cols);
  if (static_cast<std::int64_t>(dense.size()) != rows * cols)
    throw error("dense matrix: " + std::to_string(dense.size()) + " values for a " +
                std::to_string(rows) + " x " + std::to_string(cols) + " matrix");
  csr_matrix m;
  m.rows = rows;
  m.cols = cols;
  m.row_begin.assign(1, 0);
  for (std::int64_t r = 0; r < rows; ++r) {
    for (std::int64_t c = 0; c < cols; ++c) {
      const float v = dense[static_cast<std::size_t>(r * cols + c)];
      if (!std::isfinite(v))
        throw error("dense matrix: entry " + entry_name(r, c) + " is not a finite number");
      if (v != 0) {
        m.col.push_back(static_cast<std::int32_t>(c));
        m.value.push_back(v);
      }
    }
    m.row_begin.push_back(static_cast<std::int64_t>(m.col.size()));
  }
  return m;
}

template <class real>
basic_csr<real> transpose(const basic_csr<real>& m) {
  basic_csr<real> t;
  t.rows = m.cols;
  t.cols = m.rows;
  t.row_begin.assign(static_cast<std::size_t>(t.rows) + 1, 0);
  for (auto c : m.col) ++t.row_begin[static_cast<std::size_t>(c) + 1];
  std::partial_sum(t.row_begin.begin(), t.row_begin.end(), t.row_begin.begin());
  std::vector<std::int64_t> next(t.row_begin.begin(), t.row_begin.end() - 1);
  t.col.resize(m.col.size());
  t.value.resize(m.value.size());
  // Rows of m in ascending order, so each row of t comes out sorted by column.
  for (std::int64_t r = 0; r < m.rows; ++r)
    for (auto n = m.row_begin[static_cast<std::size_t>(r)];
         n < m.row_begin[static_cast<std::size_t>(r) + 1]; ++n) {
      const auto at = next[static_cast<std::size_t>(m.col[static_cast<std::size_t>(n)])]++;
      t.col[static_cast<std::size_t>(at)] = static_cast<std::int32_t>(r);
      t.value[static_cast<std::size_t>(at)] = m.value[static_cast<std::size_t>(n)];
    }
  return t;
}

csr_matrix signed_from_inprop(const csr_matrix& inprop, std::span<const int> pre_sign) {
  if (static_cast<std::int64_t>(pre_sign.size()) != inprop.rows)
    throw error("add_sign: " + std::to_string(pre_sign.size()) + " signs for " +
                std::to_string(inprop.rows) + " presynaptic neurons");
  csr_matrix signed_pre = inprop;
  for (std::int64_t r = 0; r < inprop.rows; ++r)
    if (pre_sign[static_cast<std::size_t>(r)] == -1)
      for (auto n = inprop.row_begin[static_cast<std::size_t>(r)];
           n < inprop.row_begin[static_cast<std::size_t>(r) + 1]; ++n)
        signed_pre.value[static_cast<std::size_t>(n)] =
            -signed_pre.value[static_cast<std::size_t>(n)];
  return transpose(signed_pre);
}

template <class real>
void require_square(const basic_csr<real>& m, const char* what) {
  if (m.rows != m.cols)
    throw error(std::string(what) + ": the weight matrix must be square (neurons x neurons), got " +
                std::to_string(m.rows) + " x " + std::to_string(m.cols));
}

namespace {

// What a batched product reads: W's entries and the batch columns of x. `live` has bit j
// set where neuron j is nonzero in some batch column. An entry whose neuron is zero in
// every column reads a block of zeros instead (in L1): its products are +-0, and adding
// +-0 leaves a partial sum as it is (a sum starts at +0 and never becomes -0), so the bits
// are those of the full product, without fetching the rows that are silent (~3/4 of them
// in an atlas batch).
template <class real>
struct batch_input {
  const std::int32_t* col;
  const real* value;
  std::int64_t nonzeros;
  const real* x;
  std::int64_t batch;
  const std::uint64_t* live;
  static constexpr int chunk = 128 / sizeof(real);  // columns per pass over a row
  alignas(64) static constexpr real zeros[chunk] = {};

  // Entry k's columns from b0 on.
  const real* in(std::int64_t k, std::int64_t b0) const {
    const auto j = static_cast<std::uint32_t>(col[k]);
    return (live[j / 64] >> (j % 64)) & 1 ? x + static_cast<std::int64_t>(j) * batch + b0 : zeros;
  }
  // The batch columns of a random presynaptic neuron are rarely in cache once the batch's
  // activity outgrows it: the products ask for those of the entry `ahead` positions on
  // (two steps), across the end of the row (a row of ~10-100 entries is too short to hide
  // the latency alone). At most 128 bytes, two cache lines. Inlined early: GCC takes a
  // function that only prefetches for one without effects and deletes its calls.
  static constexpr std::int64_t ahead = 8;
  [[gnu::always_inline]] void fetch(std::int64_t k, std::int64_t b0, std::int64_t width) const {
    if (k >= nonzeros) return;
    const real* at = in(k, b0);
    __builtin_prefetch(at);
    if (width * static_cast<std::int64_t>(sizeof(real)) > 64)
      __builtin_prefetch(at + 64 / sizeof(real));
  }
};

// Bit j: neuron j of x (cols x batch, neuron-major) is nonzero in some batch column.
template <class real>
std::vector<std::uint64_t> live_neurons(const real* x, std::int64_t cols, std::int64_t batch) {
  const auto words = (cols + 63) / 64;
  std::vector<std::uint64_t> live(static_cast<std::size_t>(words), 0);
#pragma omp parallel for schedule(static) if (cols * batch > 200000)
  for (std::int64_t w = 0; w < words; ++w) {
    std::uint64_t bits = 0;
    for (std::int64_t j = w * 64; j < std::min(cols, w * 64 + 64); ++j) {
      bool any = false;
      for (std::int64_t b = 0; b < batch; ++b) any |= x[j * batch + b] != 0;
      bits |= std::uint64_t{any} << (j % 64);
    }
    live[static_cast<std::size_t>(w)] = bits;
  }
  return live;
}

// One row's products with the batch columns b0 .. b0 + width - 1, summed in the one order
// every product here uses, whatever the batch size or the path: four partial sums (a row
// is ~10-100 products, and one chain would wait on the latency of every multiply-add),
// entry k of the row going to sum k % 4 except the last (length % 4) entries, which go to
// sum 0, combined as (s0 + s1) + (s2 + s3). Batch items are independent lanes, so a batch
// item's result does not depend on the batch it is computed in (the atlas relies on it).
template <class real>
void row_product(const batch_input<real>& in, std::int64_t begin, std::int64_t end, std::int64_t b0,
                 std::int64_t width, real* out) {
  constexpr int chunk = batch_input<real>::chunk;
  real s0[chunk] = {}, s1[chunk] = {}, s2[chunk] = {}, s3[chunk] = {};
  const auto* value = in.value;
  auto n = begin;
  for (; n + 3 < end; n += 4) {
    for (std::int64_t k = in.ahead; k < in.ahead + 4; ++k) in.fetch(n + k, b0, width);
    const real v0 = value[n], v1 = value[n + 1], v2 = value[n + 2], v3 = value[n + 3];
    const real *in0 = in.in(n, b0), *in1 = in.in(n + 1, b0), *in2 = in.in(n + 2, b0),
               *in3 = in.in(n + 3, b0);
#pragma omp simd
    for (std::int64_t b = 0; b < width; ++b) {
      s0[b] = madd(v0, in0[b], s0[b]);
      s1[b] = madd(v1, in1[b], s1[b]);
      s2[b] = madd(v2, in2[b], s2[b]);
      s3[b] = madd(v3, in3[b], s3[b]);
    }
  }
  for (; n < end; ++n) {
    in.fetch(n + in.ahead, b0, width);
    const real v0 = value[n];
    const real* in0 = in.in(n, b0);
#pragma omp simd
    for (std::int64_t b = 0; b < width; ++b) s0[b] = madd(v0, in0[b], s0[b]);
  }
  for (std::int64_t b = 0; b < width; ++b) out[b] = (s0[b] + s1[b]) + (s2[b] + s3[b]);
}

#if defined(__AVX2__) && defined(__FMA__)
// row_product for 8 * V float columns, in registers (GCC's code for the lane loops keeps
// the sums in memory): the same fused multiply-adds in the same order, so the same bits.
template <int V>
void row_product_avx2(const batch_input<float>& in, std::int64_t begin, std::int64_t end,
                      std::int64_t b0, float* out) {
  __m256 s0[V], s1[V], s2[V], s3[V];
  for (int v = 0; v < V; ++v) s0[v] = s1[v] = s2[v] = s3[v] = _mm256_setzero_ps();
  const float* value = in.value;
  auto n = begin;
  for (; n + 3 < end; n += 4) {
    for (std::int64_t k = in.ahead; k < in.ahead + 4; ++k) in.fetch(n + k, b0, 8 * V);
    const __m256 v0 = _mm256_broadcast_ss(value + n), v1 = _mm256_broadcast_ss(value + n + 1),
                 v2 = _mm256_broadcast_ss(value + n + 2), v3 = _mm256_broadcast_ss(value + n + 3);
    const float *in0 = in.in(n, b0), *in1 = in.in(n + 1, b0), *in2 = in.in(n + 2, b0),
                *in3 = in.in(n + 3, b0);
    for (int v = 0; v < V; ++v) {
      s0[v] = _mm256_fmadd_ps(v0, _mm256_loadu_ps(in0 + 8 * v), s0[v]);
      s1[v] = _mm256_fmadd_ps(v1, _mm256_loadu_ps(in1 + 8 * v), s1[v]);
      s2[v] = _mm256_fmadd_ps(v2, _mm256_loadu_ps(in2 + 8 * v), s2[v]);
      s3[v] = _mm256_fmadd_ps(v3, _mm256_loadu_ps(in3 + 8 * v), s3[v]);
    }
  }
  for (; n < end; ++n) {
    in.fetch(n + in.ahead, b0, 8 * V);
    const __m256 v0 = _mm256_broadcast_ss(value + n);
    const float* in0 = in.in(n, b0);
    for (int v = 0; v < V; ++v) s0[v] = _mm256_fmadd_ps(v0, _mm256_loadu_ps(in0 + 8 * v), s0[v]);
  }
  for (int v = 0; v < V; ++v)
    _mm256_storeu_ps(out + 8 * v,
                     _mm256_add_ps(_mm256_add_ps(s0[v], s1[v]), _mm256_add_ps(s2[v], s3[v])));
}
#endif

// Row r of y = W x, batch 1: the same arithmetic as row_product without the lane loops.
template <class real>
void product_row(const basic_csr<real>& w, std::int64_t r, const real* x, real* y) {
  const auto* col = w.col.data();
  const auto* value = w.value.data();
  auto n = w.row_begin[static_cast<std::size_t>(r)];
  const auto end = w.row_begin[static_cast<std::size_t>(r) + 1];
  real s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (; n + 3 < end; n += 4) {
    s0 = madd(value[n], x[col[n]], s0);
    s1 = madd(value[n + 1], x[col[n + 1]], s1);
    s2 = madd(value[n + 2], x[col[n + 2]], s2);
    s3 = madd(value[n + 3], x[col[n + 3]], s3);
  }
  for (; n < end; ++n) s0 = madd(value[n], x[col[n]], s0);
  y[r] = (s0 + s1) + (s2 + s3);
}

// Row r of y = W x for every batch column.
template <class real>
void product_row(const basic_csr<real>& w, std::int64_t r, const batch_input<real>& in, real* y) {
  const auto begin = w.row_begin[static_cast<std::size_t>(r)];
  const auto end = w.row_begin[static_cast<std::size_t>(r) + 1];
  const auto batch = in.batch;
  real* out = y + r * batch;
  std::int64_t b0 = 0;
#if defined(__AVX2__) && defined(__FMA__)
  if constexpr (std::is_same_v<real, float>) {
    // 16 columns a pass: their 8 sums and 4 weights fit the 16 registers (32 columns would
    // spill sums to the stack and zero them there for every row).
    for (; b0 + 16 <= batch; b0 += 16) row_product_avx2<2>(in, begin, end, b0, out + b0);
    if (b0 + 8 <= batch) {
      row_product_avx2<1>(in, begin, end, b0, out + b0);
      b0 += 8;
    }
  }
#endif
  // Batch columns held at a time: 4 sums x 128 bytes (a batch of 32 floats in one pass
  // over the row, so that its entries are read once).
  constexpr int chunk = batch_input<real>::chunk;
  for (; b0 < batch; b0 += chunk)
    row_product(in, begin, end, b0, std::min<std::int64_t>(chunk, batch - b0), out + b0);
}

}  // namespace

template <class real>
void multiply(const basic_csr<real>& w, const real* x, real* y, std::int64_t batch) {
  // Small products are not worth waking threads for.
  const bool parallel = w.nonzeros() * batch > 200000;
  if (batch == 1) {
#pragma omp parallel for schedule(dynamic, 256) if (parallel)
    for (std::int64_t r = 0; r < w.rows; ++r) product_row(w, r, x, y);
    return;
  }
  const auto live = live_neurons(x, w.cols, batch);
  const batch_input<real> in{w.col.data(), w.value.data(), w.nonzeros(), x, batch, live.data()};
#pragma omp parallel for schedule(dynamic, 64) if (parallel)
  for (std::int64_t r = 0; r < w.rows; ++r) product_row(w, r, in, y);
}

template <class real>
std::vector<std::uint8_t> sum_chains(const basic_csr<real>& w, const basic_csr<real>& wt) {
  if (wt.rows != w.cols || wt.cols != w.rows || wt.nonzeros() != w.nonzeros())
    throw error("sum_chains: the second matrix is not the transpose of the first");
  // transpose() fills each row of wt in ascending row order of w, as this walk does.
  std::vector<std::uint8_t> chain(static_cast<std::size_t>(wt.nonzeros()));
  std::vector<std::int64_t> cursor(wt.row_begin.begin(), wt.row_begin.end() - 1);
  for (std::int64_t r = 0; r < w.rows; ++r) {
    const auto begin = w.row_begin[static_cast<std::size_t>(r)];
    const auto length = w.row_begin[static_cast<std::size_t>(r) + 1] - begin;
    const auto tail = length - length % 4;  // entries from here on go to sum 0
    for (std::int64_t k = 0; k < length; ++k) {
      const auto j = static_cast<std::size_t>(w.col[static_cast<std::size_t>(begin + k)]);
      chain[static_cast<std::size_t>(cursor[j]++)] =
          static_cast<std::uint8_t>(k < tail ? k % 4 : 0);
    }
  }
  return chain;
}

template <class real>
void multiply_adaptive(const basic_csr<real>& w, const basic_csr<real>& wt,
                       std::span<const std::uint8_t> wt_chain, const real* x, real* y,
                       std::int64_t batch) {
  if (wt_chain.size() != static_cast<std::size_t>(wt.nonzeros()))
    throw error("multiply_adaptive: the partial sums are not sum_chains(w, wt)");
  // Below 1 in 16 nonzero rows of x, only their columns of W are visited (rows of wt, in
  // ascending order), each product added to the partial sum multiply() adds it to: the same
  // sums in the same order, without the products with zero inputs, which leave a sum as it
  // is (a sum starts at +0, and adding +-0 changes neither +0 nor any other value). So the
  // result is multiply()'s, bit for bit.
  const std::int64_t cols = w.cols;
  std::vector<std::int64_t> nonzero;
  for (std::int64_t j = 0; j < cols && static_cast<std::int64_t>(nonzero.size()) * 16 < cols; ++j)
    for (std::int64_t b = 0; b < batch; ++b)
      if (x[j * batch + b] != 0) {
        nonzero.push_back(j);
        break;
      }
  if (static_cast<std::int64_t>(nonzero.size()) * 16 >= cols) {
    multiply(w, x, y, batch);
    return;
  }
  // The rows reached, each with room for its four partial sums.
  std::vector<std::int32_t> slot(static_cast<std::size_t>(w.rows), -1);
  std::vector<std::int64_t> reached;
  for (const auto j : nonzero)
    for (auto e = wt.row_begin[static_cast<std::size_t>(j)];
         e < wt.row_begin[static_cast<std::size_t>(j) + 1]; ++e) {
      const auto r = static_cast<std::size_t>(wt.col[static_cast<std::size_t>(e)]);
      if (slot[r] < 0) {
        slot[r] = static_cast<std::int32_t>(reached.size());
        reached.push_back(static_cast<std::int64_t>(r));
      }
    }
  std::vector<real> sums(reached.size() * 4 * static_cast<std::size_t>(batch), real(0));
  for (const auto j : nonzero) {
    const real* in = x + j * batch;
    for (auto e = wt.row_begin[static_cast<std::size_t>(j)];
         e < wt.row_begin[static_cast<std::size_t>(j) + 1]; ++e) {
      const auto k = static_cast<std::size_t>(e);
      const real v = wt.value[k];
      real* s =
          sums.data() +
          (static_cast<std::size_t>(slot[static_cast<std::size_t>(wt.col[k])]) * 4 + wt_chain[k]) *
              static_cast<std::size_t>(batch);
      for (std::int64_t b = 0; b < batch; ++b) s[b] = madd(v, in[b], s[b]);
    }
  }
  std::fill(y, y + w.rows * batch, real(0));
  for (std::size_t q = 0; q < reached.size(); ++q) {
    const real* s = sums.data() + q * 4 * static_cast<std::size_t>(batch);
    real* out = y + reached[q] * batch;
    for (std::int64_t b = 0; b < batch; ++b)
      out[b] = (s[b] + s[batch + b]) + (s[2 * batch + b] + s[3 * batch + b]);
  }
}

template void multiply_adaptive(const basic_csr<float>&, const basic_csr<float>&,
                                std::span<const std::uint8_t>, const float*, float*, std::int64_t);
template void multiply_adaptive(const basic_csr<double>&, const basic_csr<double>&,
                                std::span<const std::uint8_t>, const double*, double*,
                                std::int64_t);
template std::vector<std::uint8_t> sum_chains(const basic_csr<float>&, const basic_csr<float>&);
template std::vector<std::uint8_t> sum_chains(const basic_csr<double>&, const basic_csr<double>&);
template basic_csr<float> transpose(const basic_csr<float>&);
template basic_csr<double> transpose(const basic_csr<double>&);
template void require_square(const basic_csr<float>&, const char*);
template void require_square(const basic_csr<double>&, const char*);
template void multiply(const basic_csr<float>&, const float*, float*, std::int64_t);
template void multiply(const basic_csr<double>&, const double*, double*, std::int64_t);

}  // namespace kenyon::sparse

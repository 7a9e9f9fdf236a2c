#include "p2k_kernel.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
#include <immintrin.h>
#endif

#include "kenyon/core/madd.hpp"

namespace kenyon::moth::detail {
namespace {

// Relative costs of one slot of 16 lanes and of one overflow entry handled alone. Both
// are dominated by streaming the weights from L2; measured on AVX-512 hardware.
constexpr double slot_cost = 1.0;
constexpr double overflow_cost = 2.5;

#if defined(__AVX512F__)
inline __m512i load_cols(const std::uint8_t* c) {
  return _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(c)));
}
#elif defined(__AVX2__) && defined(__FMA__)
// The P values of 8 lanes' columns (0..31) from a block's 32 values in four registers:
// each register permuted by the low 3 bits, then chosen by bits 3 and 4 (moved to the
// sign bit, which blendv reads).
inline __m256 lookup(const __m256 t[4], const std::uint8_t* c) {
  const __m256i idx = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(c)));
  const __m256 bit3 = _mm256_castsi256_ps(_mm256_slli_epi32(idx, 28));
  const __m256 bit4 = _mm256_castsi256_ps(_mm256_slli_epi32(idx, 27));
  const __m256 low = _mm256_blendv_ps(_mm256_permutevar8x32_ps(t[0], idx),
                                      _mm256_permutevar8x32_ps(t[1], idx), bit3);
  const __m256 high = _mm256_blendv_ps(_mm256_permutevar8x32_ps(t[2], idx),
                                       _mm256_permutevar8x32_ps(t[3], idx), bit3);
  return _mm256_blendv_ps(low, high, bit4);
}
#endif

}  // namespace

p2k_kernel::p2k_kernel(const p2k_matrix& w)
    : rows_(w.rows),
      cols_(w.cols),
      blocks_((w.cols + block - 1) / block),
      slices_((w.rows + lanes - 1) / lanes),
      row_begin_(w.row_begin),
      col_(w.col),
      entry_at_(w.col.size()),
      odd_slot_(w.col.size(), 0) {
  // Per block, the width that balances padded slots against overflow entries.
  std::vector<std::vector<int>> degree(blocks_, std::vector<int>(rows_, 0));
  for (int r = 0; r < rows_; ++r)
    for (auto n = row_begin_[r]; n < row_begin_[r + 1]; ++n) ++degree[col_[n] / block][r];
  width_.assign(blocks_, 0);
  for (int b = 0; b < blocks_; ++b) {
    const int max_degree = *std::max_element(degree[b].begin(), degree[b].end());
    double best = std::numeric_limits<double>::infinity();
    for (int width = 0; width <= max_degree; ++width) {
      double overflow = 0;
      for (int d : degree[b]) overflow += std::max(0, d - width);
      const double cost = slot_cost * slices_ * width + overflow_cost * overflow;
      if (cost < best) {
        best = cost;
        width_[b] = width;
      }
    }
  }
  block_slot_.assign(1, 0);
  for (int b = 0; b < blocks_; ++b) block_slot_.push_back(block_slot_.back() + width_[b]);
  slice_slots_ = block_slot_.back();

  const auto size = static_cast<std::size_t>(slices_) * slice_slots_ * lanes;
  value_.assign(size, 0.0f);
  slot_col_.assign(size, 0);
  std::vector<int> used(blocks_);
  for (int r = 0; r < rows_; ++r) {
    std::fill(used.begin(), used.end(), 0);
    const int s = r / lanes, l = r % lanes;
    for (auto n = row_begin_[r]; n < row_begin_[r + 1]; ++n) {
      const int b = col_[n] / block;
      if (used[b] < width_[b]) {
        odd_slot_[n] = static_cast<std::uint8_t>(used[b] % 2);
        const auto slot = static_cast<std::size_t>(s) * slice_slots_ + block_slot_[b] + used[b]++;
        const auto at = slot * lanes + l;
        entry_at_[n] = static_cast<std::int32_t>(at);
        value_[at] = w.value[n];
        slot_col_[at] = static_cast<std::uint8_t>(col_[n] % block);
      } else {
        entry_at_[n] = -1 - static_cast<std::int32_t>(overflow_row_.size());
        overflow_row_.push_back(r);
        overflow_col_.push_back(col_[n]);
        overflow_value_.push_back(w.value[n]);
      }
    }
  }
}

void p2k_kernel::multiply(const float* p, float* out) const {
#if defined(__AVX512F__)
  if (blocks_ <= 16) {
    alignas(64) float table[16 * block] = {};
    std::copy(p, p + cols_, table);
    __m512 t[32];
    for (int i = 0; i < 2 * blocks_; ++i) t[i] = _mm512_load_ps(table + 16 * i);
    const float* value = value_.data();
    const std::uint8_t* col = slot_col_.data();
    for (int s = 0; s < slices_; ++s) {
      // Two accumulators, so consecutive FMAs do not wait on each other.
      __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
      for (int b = 0; b < blocks_; ++b) {
        const __m512 lo = t[2 * b], hi = t[2 * b + 1];
        int q = 0;
        for (; q + 1 < width_[b]; q += 2, value += 2 * lanes, col += 2 * lanes) {
          const __m512 p0 = _mm512_permutex2var_ps(lo, load_cols(col), hi);
          const __m512 p1 = _mm512_permutex2var_ps(lo, load_cols(col + lanes), hi);
          acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(value), p0, acc0);
          acc1 = _mm512_fmadd_ps(_mm512_loadu_ps(value + lanes), p1, acc1);
        }
        if (q < width_[b]) {
          const __m512 p0 = _mm512_permutex2var_ps(lo, load_cols(col), hi);
          acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(value), p0, acc0);
          value += lanes;
          col += lanes;
        }
      }
      const __m512 acc = _mm512_add_ps(acc0, acc1);
      const int r0 = s * lanes;
      if (r0 + lanes <= rows_) {
        _mm512_storeu_ps(out + r0, acc);
      } else {
        alignas(64) float tail[lanes];
        _mm512_store_ps(tail, acc);
        std::copy(tail, tail + (rows_ - r0), out + r0);
      }
    }
  } else
#elif defined(__AVX2__) && defined(__FMA__)
  // The portable loop's arithmetic (one fused multiply-add per slot and lane, in slot
  // order), with the P lookups done in registers: the same numbers, bit for bit.
  if (blocks_ <= 16) {
    alignas(32) float table[16 * block] = {};
    std::copy(p, p + cols_, table);
    const float* value = value_.data();
    const std::uint8_t* col = slot_col_.data();
    for (int s = 0; s < slices_; ++s) {
      __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
      for (int b = 0; b < blocks_; ++b) {
        const __m256 t[4] = {
            _mm256_load_ps(table + b * block), _mm256_load_ps(table + b * block + 8),
            _mm256_load_ps(table + b * block + 16), _mm256_load_ps(table + b * block + 24)};
        for (int q = 0; q < width_[b]; ++q, value += lanes, col += lanes) {
          acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(value), lookup(t, col), acc0);
          acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(value + 8), lookup(t, col + 8), acc1);
        }
      }
      alignas(32) float acc[lanes];
      _mm256_store_ps(acc, acc0);
      _mm256_store_ps(acc + 8, acc1);
      for (int l = 0; l < lanes && s * lanes + l < rows_; ++l) out[s * lanes + l] = acc[l];
    }
  } else
#endif
  {
    const float* value = value_.data();
    const std::uint8_t* col = slot_col_.data();
    for (int s = 0; s < slices_; ++s) {
      float acc[lanes] = {};
      for (int b = 0; b < blocks_; ++b) {
        const float* pb = p + b * block;
        for (int q = 0; q < width_[b]; ++q, value += lanes, col += lanes) {
#pragma omp simd
          for (int l = 0; l < lanes; ++l) acc[l] = madd(value[l], pb[col[l]], acc[l]);
        }
      }
      for (int l = 0; l < lanes && s * lanes + l < rows_; ++l) out[s * lanes + l] = acc[l];
    }
  }
  // Overflow entries come grouped by row: sum each row's in a register, then add once.
  for (std::size_t i = 0; i < overflow_row_.size();) {
    const auto row = overflow_row_[i];
    float sum = 0;
    for (; i < overflow_row_.size() && overflow_row_[i] == row; ++i)
      sum = madd(overflow_value_[i], p[overflow_col_[i]], sum);
    out[row] += sum;
  }
}

namespace {

// One row of multiply_batch for the `width` vectors from i0 on (width = W, or for W = 0 a
// runtime count up to 16): the row's slotted entries in CSR order, which is multiply()'s
// slot order (blocks ascend, and a block's slots fill in CSR order), then its overflow
// entries summed apart. Padding slots are left out: they add +0 to a sum that is never -0
// (weights and rates are >= 0).
template <int W, bool pairs>
void batch_row(const float* value, const std::int32_t* entry_at, const std::uint16_t* col,
               const std::uint8_t* odd_slot, std::int32_t begin, std::int32_t end,
               const float* overflow_value, const float* p, int batch, int i0, int width,
               float* out) {
  constexpr int max_width = W == 0 ? 16 : W;
  const int lanes = W == 0 ? width : W;
  float even[max_width] = {}, odd[max_width] = {}, over[max_width] = {};
  bool any_overflow = false;
  for (auto n = begin; n < end; ++n) {
    const auto at = entry_at[n];
    const float* pc = p + static_cast<std::size_t>(col[n]) * batch + i0;
    if (at < 0) {
      any_overflow = true;
      continue;
    }
    const float v = value[at];
    if (pairs && odd_slot[n]) {
#pragma omp simd
      for (int i = 0; i < lanes; ++i) odd[i] = madd(v, pc[i], odd[i]);
    } else {
#pragma omp simd
      for (int i = 0; i < lanes; ++i) even[i] = madd(v, pc[i], even[i]);
    }
  }
  if constexpr (pairs)
    for (int i = 0; i < lanes; ++i) even[i] += odd[i];
  if (any_overflow) {
    for (auto n = begin; n < end; ++n) {
      const auto at = entry_at[n];
      if (at >= 0) continue;
      const float v = overflow_value[-1 - at];
      const float* pc = p + static_cast<std::size_t>(col[n]) * batch + i0;
#pragma omp simd
      for (int i = 0; i < lanes; ++i) over[i] = madd(v, pc[i], over[i]);
    }
    for (int i = 0; i < lanes; ++i) even[i] += over[i];
  }
  std::copy(even, even + lanes, out);
}

}  // namespace

void p2k_kernel::multiply_batch(const float* p, int batch, float* out) const {
  if (batch == 1) {  // the same bits, without the batched loop's overhead
    multiply(p, out);
    return;
  }
  // multiply()'s AVX-512 loop sums a block's even slots and its odd slots apart, and adds
  // the two at the end; its other paths keep one sum.
#if defined(__AVX512F__)
  const bool pairs = blocks_ <= 16;
#else
  const bool pairs = false;
#endif
  const auto rows = [&]<bool paired>() {
    for (int r = 0; r < rows_; ++r) {
      float* o = out + static_cast<std::size_t>(r) * batch;
      const auto begin = row_begin_[r], end = row_begin_[r + 1];
      int i0 = 0;
      for (; i0 + 16 <= batch; i0 += 16)
        batch_row<16, paired>(value_.data(), entry_at_.data(), col_.data(), odd_slot_.data(), begin,
                              end, overflow_value_.data(), p, batch, i0, 16, o + i0);
      for (; i0 < batch; i0 += 16)
        batch_row<0, paired>(value_.data(), entry_at_.data(), col_.data(), odd_slot_.data(), begin,
                             end, overflow_value_.data(), p, batch, i0, std::min(16, batch - i0),
                             o + i0);
    }
  };
  if (pairs)
    rows.template operator()<true>();
  else
    rows.template operator()<false>();
}

float& p2k_kernel::weight(std::int32_t n) {
  const auto at = entry_at_[n];
  return at >= 0 ? value_[at] : overflow_value_[-1 - at];
}

void p2k_kernel::hebbian(const float* gain, const float* p, float max) {
  for (int r = 0; r < rows_; ++r) {
    if (!(gain[r] > 0)) continue;
    for (auto n = row_begin_[r]; n < row_begin_[r + 1]; ++n) {
      float& w = weight(n);
      w = std::clamp(w + gain[r] * p[col_[n]], 0.0f, max);
    }
  }
}

void p2k_kernel::store(p2k_matrix& w) const {
  for (std::size_t n = 0; n < col_.size(); ++n) {
    const auto at = entry_at_[n];
    w.value[n] = at >= 0 ? value_[at] : overflow_value_[-1 - at];
  }
}

}  // namespace kenyon::moth::detail

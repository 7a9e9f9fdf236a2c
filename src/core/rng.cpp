#include "kenyon/core/rng.hpp"

#include <Random123/philox.h>

#include <math.h>
#include <algorithm>

#include <cmath>
#include <numbers>

namespace kenyon {
namespace {

using philox = r123::Philox4x32;

philox::ctr_type draw(std::uint64_t seed, std::uint32_t stream, std::uint64_t block,
                      std::uint64_t step) {
  const philox::key_type key = {
      {static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}};
  const philox::ctr_type ctr = {{static_cast<std::uint32_t>(block),
                                 static_cast<std::uint32_t>(step),
                                 static_cast<std::uint32_t>(step >> 32), stream}};
  return philox()(ctr, key);
}

}  // namespace

void fill_normals(std::uint64_t seed, std::uint32_t stream, std::uint64_t step, float* out,
                  std::size_t n) {
  // Box-Muller on pairs of 24-bit uniforms in (0, 1): Philox block b gives the pairs
  // (r0, r1) and (r2, r3) for items 4b..4b+3. The draws are made first; the
  // transcendental functions then run over the whole batch as one vectorised loop
  // (glibc's libmvec, which GCC uses for this file's -ffast-math).
  constexpr std::size_t batch = 256;  // pairs per pass
  std::uint32_t radius_bits[batch] = {}, angle_bits[batch] = {};
  float c[batch], s[batch];
  const std::size_t pairs_total = (n + 1) / 2;
  for (std::size_t first = 0; first < pairs_total; first += batch) {
    const std::size_t pairs = std::min(batch, pairs_total - first);
    for (std::size_t p = 0; p < pairs; p += 2) {
      const auto r = draw(seed, stream, (first + p) / 2, step);
      radius_bits[p] = r[0];
      angle_bits[p] = r[1];
      radius_bits[p + 1] = r[2];
      angle_bits[p + 1] = r[3];
    }
    constexpr float two_pi = 2.0f * std::numbers::pi_v<float>;
    const int padded = static_cast<int>((pairs + 15) / 16 * 16);
#pragma omp simd
    for (int p = 0; p < padded; ++p) {
      // 24-bit uniforms centred in their bins, so the log is finite. The C functions,
      // not std::, carry glibc's vector declarations.
      const float u1 = (static_cast<float>(radius_bits[p] >> 8) + 0.5f) * 0x1.0p-24f;
      const float u2 = (static_cast<float>(angle_bits[p] >> 8) + 0.5f) * 0x1.0p-24f;
      const float radius = sqrtf(-2.0f * logf(u1));
      // sin(x) as cos(pi/2 - x): GCC would fuse sin and cos of one argument into a
      // sincosf call, which it cannot vectorise.
      c[p] = radius * cosf(two_pi * u2);
      s[p] = radius * cosf(two_pi * (0.25f - u2));
    }
    for (std::size_t p = 0; p < pairs; ++p) {
      out[2 * (first + p)] = c[p];
      if (2 * (first + p) + 1 < n) out[2 * (first + p) + 1] = s[p];
    }
  }
}

rng_stream::result_type rng_stream::operator()() {
  if (used_ == 4) {
    // Step 2^63 and up is reserved for set-up streams, so they never meet SDE noise.
    const auto r = draw(seed_, stream_, counter_, std::uint64_t{1} << 63);
    ++counter_;
    for (int k = 0; k < 4; ++k) buffer_[k] = r[k];
    used_ = 0;
  }
  return buffer_[used_++];
}

double rng_stream::uniform() {
  const std::uint64_t hi = (*this)() >> 5;  // 27 bits
  const std::uint64_t lo = (*this)() >> 6;  // 26 bits
  return static_cast<double>((hi << 26) | lo) * 0x1.0p-53;
}

}  // namespace kenyon

#include "kenyon/core/rng.hpp"

#include <Random123/philox.h>

#include <Eigen/Dense>
#include <cmath>
#include <numbers>

namespace kenyon {
namespace {

using philox = r123::Philox4x32;

philox::ctr_type draw(std::uint64_t seed, std::uint32_t stream, std::uint64_t block,
                      std::uint64_t step) {
  const philox::key_type key = {
      {static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}};
  const philox::ctr_type ctr = {{static_cast<std::uint32_t>(block), static_cast<std::uint32_t>(step),
                                 static_cast<std::uint32_t>(step >> 32), stream}};
  return philox()(ctr, key);
}

}  // namespace

void fill_normals(std::uint64_t seed, std::uint32_t stream, std::uint64_t step, float* out,
                  std::size_t n) {
  // Box-Muller on pairs of 24-bit uniforms in (0, 1): Philox block b gives the pairs
  // (u0, u1) and (u2, u3) for items 4b..4b+3. The uniforms are converted first, then the
  // transcendental functions run vectorised over the whole batch.
  const std::size_t blocks = (n + 3) / 4;
  // Padded to whole SIMD registers, so Eigen's vectorised log/sin/cos never fall back to
  // scalar code for a tail; kept between calls to avoid allocating every step.
  const auto pairs = static_cast<Eigen::Index>((2 * blocks + 15) / 16 * 16);
  thread_local Eigen::Array<std::uint32_t, Eigen::Dynamic, 1> radius_bits, angle_bits;
  thread_local Eigen::ArrayXf c, s;
  if (radius_bits.size() < pairs) {
    radius_bits.resize(pairs);
    angle_bits.resize(pairs);
    c.resize(pairs);
    s.resize(pairs);
  }
  radius_bits.setZero();
  angle_bits.setZero();
  for (std::size_t b = 0; b < blocks; ++b) {
    const auto r = draw(seed, stream, b, step);
    radius_bits[2 * b] = r[0];
    angle_bits[2 * b] = r[1];
    radius_bits[2 * b + 1] = r[2];
    angle_bits[2 * b + 1] = r[3];
  }
  // 24-bit uniforms centred in their bins: in (0, 1), so the log is finite.
  const auto uniform = [](const auto& bits) {
    return (bits.template shiftRight<8>().template cast<float>() + 0.5f) * 0x1.0p-24f;
  };
  const Eigen::ArrayXf radius = (-2.0f * uniform(radius_bits.head(pairs)).log()).sqrt();
  const Eigen::ArrayXf angle = (2.0f * std::numbers::pi_v<float>)*uniform(angle_bits.head(pairs));
  c.head(pairs) = radius * angle.cos();
  s.head(pairs) = radius * angle.sin();
  for (std::size_t p = 0; 2 * p < n; ++p) {
    out[2 * p] = c[static_cast<Eigen::Index>(p)];
    if (2 * p + 1 < n) out[2 * p + 1] = s[static_cast<Eigen::Index>(p)];
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

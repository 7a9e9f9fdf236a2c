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
  Eigen::ArrayXf radius_u(2 * blocks), angle_u(2 * blocks);
  for (std::size_t b = 0; b < blocks; ++b) {
    const auto r = draw(seed, stream, b, step);
    for (int pair = 0; pair < 2; ++pair) {
      radius_u[2 * b + pair] = (static_cast<float>(r[2 * pair] >> 8) + 0.5f) * 0x1.0p-24f;
      angle_u[2 * b + pair] = (static_cast<float>(r[2 * pair + 1] >> 8) + 0.5f) * 0x1.0p-24f;
    }
  }
  const Eigen::ArrayXf radius = (-2.0f * radius_u.log()).sqrt();
  const Eigen::ArrayXf angle = (2.0f * std::numbers::pi_v<float>)*angle_u;
  const Eigen::ArrayXf c = radius * angle.cos(), s = radius * angle.sin();
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t pair = i / 2;  // items 2p and 2p+1 share a pair
    out[i] = i % 2 == 0 ? c[pair] : s[pair];
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

#include "kenyon/core/rng.hpp"

#include <Random123/philox.h>

#include <cmath>
#include <numbers>

namespace kenyon {
namespace {

using philox = r123::Philox4x32;

philox::ctr_type draw(std::uint64_t seed, std::uint32_t stream, std::uint64_t block,
                      std::uint64_t step) {
  const philox::key_type key = {{static_cast<std::uint32_t>(seed),
                                 static_cast<std::uint32_t>(seed >> 32)}};
  const philox::ctr_type ctr = {{static_cast<std::uint32_t>(block),
                                 static_cast<std::uint32_t>(step),
                                 static_cast<std::uint32_t>(step >> 32), stream}};
  return philox()(ctr, key);
}

// Uniform in the open interval (0, 1): 24 bits, centred in their bin, so log() is finite.
inline float open_unit(std::uint32_t x) {
  return (static_cast<float>(x >> 8) + 0.5f) * (1.0f / 16777216.0f);
}

}  // namespace

void fill_normals(std::uint64_t seed, std::uint32_t stream, std::uint64_t step, float* out,
                  std::size_t n) {
  constexpr float two_pi = 2.0f * std::numbers::pi_v<float>;
  for (std::size_t block = 0; block * 4 < n; ++block) {
    const auto r = draw(seed, stream, block, step);
    float z[4];
    for (int pair = 0; pair < 2; ++pair) {
      const float radius = std::sqrt(-2.0f * std::log(open_unit(r[2 * pair])));
      const float angle = two_pi * open_unit(r[2 * pair + 1]);
      z[2 * pair] = radius * std::cos(angle);
      z[2 * pair + 1] = radius * std::sin(angle);
    }
    for (std::size_t k = 0; k < 4 && block * 4 + k < n; ++k) out[block * 4 + k] = z[k];
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

#pragma once
// Counter-based random numbers (Random123 Philox4x32-10), the seeding contract of
// docs/numerics.md: every draw is a pure function of (seed, stream, index, step), so
// results do not depend on thread count or on the order in which work is done.
#include <cstdint>
#include <limits>

namespace kenyon {

// Fills out[0..n) with standard normal draws for items 0..n-1 at time step `step`
// (Box-Muller on Philox output). Item i's draw depends only on (seed, stream, i, step).
void fill_normals(std::uint64_t seed, std::uint32_t stream, std::uint64_t step, float* out,
                  std::size_t n);

// A UniformRandomBitGenerator over Philox keyed on (seed, stream): a reproducible,
// independent sequence per stream, for the std:: distributions used in set-up code.
class rng_stream {
 public:
  using result_type = std::uint32_t;
  rng_stream(std::uint64_t seed, std::uint32_t stream) : seed_(seed), stream_(stream) {}
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }
  result_type operator()();
  // A uniform double in [0, 1) with 53 random bits.
  double uniform();

 private:
  std::uint64_t seed_;
  std::uint32_t stream_;
  std::uint64_t counter_ = 0;
  std::uint32_t buffer_[4] = {};
  int used_ = 4;
};

// Named streams, so that adding draws to one part of a model never shifts another's.
namespace streams {
inline constexpr std::uint32_t sampling = 1;      // which digits a run uses
inline constexpr std::uint32_t connectivity = 2;  // connection matrices and gains
inline constexpr std::uint32_t noise_r = 10;      // SDE noise, one stream per population
inline constexpr std::uint32_t noise_p = 11;
inline constexpr std::uint32_t noise_l = 12;
inline constexpr std::uint32_t frozen_noise_r = 20;  // the same, for digits read frozen
inline constexpr std::uint32_t frozen_noise_p = 21;
inline constexpr std::uint32_t frozen_noise_l = 22;
inline constexpr std::uint32_t test = 100;  // for tests and benchmarks
}  // namespace streams

}  // namespace kenyon

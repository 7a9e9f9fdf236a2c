#pragma once
// Seeds of the randomised tests. A plain run draws each test's data from its fixed seed
// (`site`), so it is reproducible; KENYON_TEST_SEED=S draws other data (every site's seed
// mixed with S), as Eigen's EIGEN_SEED does. The seed in use is printed and recorded in
// the test's XML properties, so any failure can be replayed.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace kenyon::test {

inline std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

inline std::uint64_t test_seed(std::uint64_t site) {
  const char* env = std::getenv("KENYON_TEST_SEED");
  const bool given = env && *env;
  const std::uint64_t seed =
      given ? splitmix64(std::strtoull(env, nullptr, 10) ^ splitmix64(site)) : site;
  ::testing::Test::RecordProperty("seed", std::to_string(seed));
  std::printf("[ seed     ] %llu (%s)\n", static_cast<unsigned long long>(seed),
              given ? (std::string("KENYON_TEST_SEED=") + env).c_str()
                    : "fixed; KENYON_TEST_SEED=N draws other data");
  return seed;
}

}  // namespace kenyon::test

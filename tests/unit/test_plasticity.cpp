// One Hebbian K->E step on a tiny network, against a hand calculation (spec 5.5).
#include <gtest/gtest.h>

#include <vector>

#include "kenyon/moth/plasticity.hpp"

namespace kenyon::moth {
namespace {

TEST(plasticity, k2e_step_grows_active_synapses_and_kills_silent_ones) {
  // 3 Kenyon cells x 2 ENs, Kenyon-cell-major: k2e[k * 2 + e].
  std::vector<float> k2e = {3,  3,   // k = 0
                            3,  3,   // k = 1
                            58, 3};  // k = 2
  const std::vector<float> k_old = {0.5f, 0.0f, 2.0f};
  // growth 1 / 0.3 per step, die-back dt / 7.5 with dt = 0.02, clamp at 60.
  const k2e_learning rule{1 / 0.3f, 0.02f / 7.5f, 60.0f};
  k2e_hebbian_step(k2e.data(), 2, 3, /*en=*/0, /*e_new=*/1.2f, k_old.data(), rule);
  // k = 0: 3 + 1.2 * 0.5 / 0.3 = 5.
  EXPECT_NEAR(k2e[0], 5.0f, 1e-5);
  // k = 1 (silent): 3 - (3 + 2) * 0.02 / 7.5 = 2.98666...
  EXPECT_NEAR(k2e[2], 3.0f - 5.0f * 0.02f / 7.5f, 1e-6);
  // k = 2: 58 + 1.2 * 2 / 0.3 = 66, clipped to 60.
  EXPECT_FLOAT_EQ(k2e[4], 60.0f);
  // The other EN is untouched.
  EXPECT_EQ(k2e[1], 3.0f);
  EXPECT_EQ(k2e[3], 3.0f);
  EXPECT_EQ(k2e[5], 3.0f);
}

TEST(plasticity, k2e_die_back_reaches_zero_and_stays_there) {
  std::vector<float> k2e = {0.001f};
  const std::vector<float> k_old = {0.0f};
  const k2e_learning rule{1 / 0.3f, 0.5f, 60.0f};
  // (0.001 + 2) * 0.5 > 0.001: the weight would go negative and is clipped to 0.
  k2e_hebbian_step(k2e.data(), 1, 1, 0, 1.0f, k_old.data(), rule);
  EXPECT_EQ(k2e[0], 0.0f);
}

TEST(plasticity, k2e_no_readout_activity_means_every_synapse_dies_back) {
  // With E = 0 every growth term is exactly zero, so die-back applies to all synapses.
  std::vector<float> k2e = {10, 20};
  const std::vector<float> k_old = {1.0f, 2.0f};
  const k2e_learning rule{1 / 0.3f, 0.01f, 60.0f};
  k2e_hebbian_step(k2e.data(), 1, 2, 0, 0.0f, k_old.data(), rule);
  EXPECT_NEAR(k2e[0], 10 - 12 * 0.01f, 1e-5);
  EXPECT_NEAR(k2e[1], 20 - 22 * 0.01f, 1e-5);
}

}  // namespace
}  // namespace kenyon::moth

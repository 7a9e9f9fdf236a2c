#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kenyon/ratenet/optim.hpp"

namespace kenyon::ratenet {
namespace {

TEST(optim, adam_first_step_moves_by_the_learning_rate_against_the_gradient) {
  adam<double> opt(3, {.learning_rate = 0.1});
  std::vector<double> p = {1, 2, 3};
  const std::vector<double> g = {0.5, -4, 0};
  opt.step(p, g);
  // After one step m_hat = g and v_hat = g^2, so the move is lr * g / (|g| + eps).
  EXPECT_NEAR(p[0], 1 - 0.1 * 0.5 / (0.5 + 1e-8), 1e-12);
  EXPECT_NEAR(p[1], 2 + 0.1 * 4 / (4 + 1e-8), 1e-12);
  EXPECT_EQ(p[2], 3);
}

TEST(optim, adam_second_step_matches_the_update_rule) {
  const double lr = 0.05, b1 = 0.9, b2 = 0.999, eps = 1e-8;
  adam<double> opt(1, {.learning_rate = lr});
  std::vector<double> p = {0};
  opt.step(p, std::vector<double>{1.0});
  const double after_one = p[0];
  opt.step(p, std::vector<double>{-2.0});
  const double m = (1 - b1) * 1 * b1 + (1 - b1) * -2;
  const double v = (1 - b2) * 1 * b2 + (1 - b2) * 4;
  const double expected =
      after_one - lr / (1 - b1 * b1) * m / (std::sqrt(v) / std::sqrt(1 - b2 * b2) + eps);
  EXPECT_NEAR(p[0], expected, 1e-12);
  EXPECT_EQ(opt.steps_taken(), 2);
}

TEST(optim, clip_grad_norm_scales_only_above_the_limit) {
  std::vector<double> a = {3, 0}, b = {4};
  std::vector<std::span<double>> grads = {a, b};
  const double norm = clip_grad_norm<double>(grads, 1.0);
  EXPECT_DOUBLE_EQ(norm, 5);
  EXPECT_NEAR(a[0], 3 / (5 + 1e-6), 1e-12);
  EXPECT_NEAR(b[0], 4 / (5 + 1e-6), 1e-12);
  std::vector<double> c = {0.3};
  std::vector<std::span<double>> small = {c};
  clip_grad_norm<double>(small, 1.0);
  EXPECT_EQ(c[0], 0.3);
}

}  // namespace
}  // namespace kenyon::ratenet

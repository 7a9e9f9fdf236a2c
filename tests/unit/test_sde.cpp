// Euler-Maruyama with kenyon's counter-based noise on an Ornstein-Uhlenbeck process,
// dx = -theta x dt + sigma dW, against the discrete scheme's exact statistics.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "kenyon/core/rng.hpp"
#include "kenyon/core/sde.hpp"

namespace kenyon {
namespace {

struct ou_run {
  std::vector<float> before, after;  // states at the last two steps
};

ou_run simulate_ou(float theta, float sigma, float dt, int steps, std::size_t n,
                   std::uint64_t seed) {
  std::vector<float> x(n, 0.0f), z(n);
  ou_run r;
  const float sqrt_dt = std::sqrt(dt);
  for (int s = 0; s < steps; ++s) {
    fill_normals(seed, streams::test, static_cast<std::uint64_t>(s), z.data(), n);
    if (s == steps - 1) r.before = x;
    for (std::size_t i = 0; i < n; ++i)
      x[i] = euler_maruyama(x[i], theta, 0.0f, sigma, z[i], dt, sqrt_dt);
  }
  r.after = x;
  return r;
}

// x_{n+1} = a x_n + b z with a = 1 - theta dt, b = sigma sqrt(dt): stationary variance
// b^2 / (1 - a^2), lag-one correlation a.
TEST(sde, ornstein_uhlenbeck_stationary_moments) {
  const float theta = 7, sigma = 1.3f, dt = 0.02f;
  const std::size_t n = 40000;
  const auto r = simulate_ou(theta, sigma, dt, 400, n, 2024);  // 8 s, 56 relaxation times
  const double a = 1 - theta * dt, b2 = double(sigma) * sigma * dt;
  const double var = b2 / (1 - a * a);
  double mean = 0, m2 = 0, cross = 0, m4 = 0;
  for (std::size_t i = 0; i < n; ++i) {
    mean += r.after[i];
    m2 += double(r.after[i]) * r.after[i];
    m4 += std::pow(double(r.after[i]), 4);
    cross += double(r.after[i]) * r.before[i];
  }
  mean /= n;
  m2 /= n;
  m4 /= n;
  cross /= n;
  // Standard errors with n = 40000 independent paths: mean sqrt(var/n), variance
  // var sqrt(2/n), lag-one covariance about var sqrt(2/n); 5 standard errors each.
  EXPECT_NEAR(mean, 0.0, 5 * std::sqrt(var / n));
  EXPECT_NEAR(m2, var, 5 * var * std::sqrt(2.0 / n));
  EXPECT_NEAR(cross, a * var, 5 * var * std::sqrt(2.0 / n));
  // Gaussian: fourth moment 3 var^2 (its sd is about var^2 sqrt(96 / n)).
  EXPECT_NEAR(m4, 3 * var * var, 5 * var * var * std::sqrt(96.0 / n));
}

// The stationary distribution is Gaussian: Kolmogorov-Smirnov at alpha = 0.01.
TEST(sde, ornstein_uhlenbeck_stationary_distribution_is_normal) {
  const float theta = 7, sigma = 1, dt = 0.02f;
  const std::size_t n = 20000;
  auto x = simulate_ou(theta, sigma, dt, 300, n, 77).after;
  const double a = 1 - theta * dt;
  const double sd = std::sqrt(double(sigma) * sigma * dt / (1 - a * a));
  std::sort(x.begin(), x.end());
  double d = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double cdf = 0.5 * std::erfc(-x[i] / (sd * std::sqrt(2.0)));
    d = std::max({d, std::abs(cdf - double(i) / n), std::abs(cdf - double(i + 1) / n)});
  }
  EXPECT_LT(d, 1.63 / std::sqrt(double(n)));
}

TEST(sde, noise_free_step_is_the_euler_step) {
  // dx = (-2 x + 3) dt from x = 1 with dt = 0.1: 1 + 0.1 * (-2 + 3) = 1.1.
  EXPECT_FLOAT_EQ(euler_maruyama(1.0f, 2.0f, 3.0f, 0.0f, 5.0f, 0.1f, std::sqrt(0.1f)), 1.1f);
  // The noise term is sqrt(dt) * noise * z.
  EXPECT_NEAR(euler_maruyama(0.0f, 0.0f, 0.0f, 2.0f, 1.5f, 0.04f, 0.2f), 0.6f, 1e-6);
}

}  // namespace
}  // namespace kenyon

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kenyon/core/rng.hpp"

namespace kenyon {
namespace {

TEST(rng, normals_are_a_pure_function_of_seed_stream_index_step) {
  std::vector<float> a(103), b(7);
  fill_normals(42, streams::test, 9, a.data(), a.size());
  fill_normals(42, streams::test, 9, b.data(), b.size());
  for (std::size_t i = 0; i < b.size(); ++i) EXPECT_EQ(a[i], b[i]);
  std::vector<float> c(103);
  fill_normals(42, streams::test, 10, c.data(), c.size());
  int same = 0;
  for (std::size_t i = 0; i < a.size(); ++i) same += a[i] == c[i];
  EXPECT_EQ(same, 0);
  fill_normals(43, streams::test, 9, c.data(), c.size());
  same = 0;
  for (std::size_t i = 0; i < a.size(); ++i) same += a[i] == c[i];
  EXPECT_EQ(same, 0);
}

TEST(rng, normals_have_standard_moments) {
  // 400k draws: the mean's standard error is 0.0016, the variance's about 0.0022.
  const std::size_t n = 1000, steps = 400;
  std::vector<float> z(n);
  double s1 = 0, s2 = 0, s3 = 0, s4 = 0;
  for (std::size_t step = 0; step < steps; ++step) {
    fill_normals(7, streams::test, step, z.data(), n);
    for (float v : z) {
      s1 += v;
      s2 += double(v) * v;
      s3 += double(v) * v * v;
      s4 += double(v) * v * v * v;
    }
  }
  const double count = double(n * steps);
  EXPECT_NEAR(s1 / count, 0.0, 0.008);
  EXPECT_NEAR(s2 / count, 1.0, 0.011);
  EXPECT_NEAR(s3 / count, 0.0, 0.02);
  EXPECT_NEAR(s4 / count, 3.0, 0.05);
}

TEST(rng, stream_uniforms_are_reproducible_and_uniform) {
  rng_stream a(5, streams::test), b(5, streams::test), c(5, streams::test + 1);
  double sum = 0;
  int differ = 0;
  for (int i = 0; i < 100000; ++i) {
    const double u = a.uniform();
    EXPECT_EQ(u, b.uniform());
    differ += u != c.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
  }
  EXPECT_NEAR(sum / 100000, 0.5, 0.005);
  EXPECT_GT(differ, 99990);
}

}  // namespace
}  // namespace kenyon

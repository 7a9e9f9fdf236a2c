#include <gtest/gtest.h>

#include <cmath>

#include "kenyon/core/error.hpp"
#include "kenyon/ratenet/synthetic.hpp"

namespace kenyon::ratenet {
namespace {

TEST(synthetic, follows_the_benchmark_recipe) {
  synthetic_params p;
  p.neurons = 5000;
  p.connections = 60000;
  p.seed = 3;
  const auto c = make_synthetic_connectome(p);
  const auto& w = c.weights;
  ASSERT_EQ(w.rows, 5000);
  ASSERT_EQ(w.cols, 5000);
  ASSERT_EQ(c.sensory_indices.size(), 100u);  // the first N / 50
  EXPECT_EQ(c.sensory_indices.front(), 0);
  EXPECT_EQ(c.sensory_indices.back(), 99);
  // Sensory neurons receive nothing.
  for (int s = 0; s < 100; ++s) EXPECT_EQ(w.row_begin[s + 1], w.row_begin[s]);
  // Duplicates are merged, so there are at most as many entries as connections, and with
  // 60000 draws over 4900 x 5000 pairs only a few collide (expected ~73).
  EXPECT_LE(w.nonzeros(), 60000);
  EXPECT_GT(w.nonzeros(), 59800);
  int inputs_checked = 0;
  for (std::int64_t r = 100; r < w.rows; ++r) {
    double total = 0;
    for (auto n = w.row_begin[r]; n < w.row_begin[r + 1]; ++n) {
      const bool inhibitory = w.col[n] % 10 < 3;
      EXPECT_EQ(w.value[n] < 0, inhibitory) << "row " << r << " column " << w.col[n];
      total += std::abs(w.value[n]);
      if (n > w.row_begin[r]) {
        EXPECT_LT(w.col[n - 1], w.col[n]);
      }
    }
    if (w.row_begin[r + 1] > w.row_begin[r]) {
      EXPECT_NEAR(total, 1.0, 1e-5) << "row " << r;
      ++inputs_checked;
    }
  }
  EXPECT_GT(inputs_checked, 4800);  // ~12 inputs each: almost no neuron is left without one
}

TEST(synthetic, same_seed_same_matrix) {
  synthetic_params p;
  p.neurons = 1000;
  p.connections = 10000;
  const auto a = make_synthetic_connectome(p), b = make_synthetic_connectome(p);
  EXPECT_EQ(a.weights.col, b.weights.col);
  EXPECT_EQ(a.weights.value, b.weights.value);
  p.seed = 1;
  EXPECT_NE(make_synthetic_connectome(p).weights.col, a.weights.col);
}

TEST(synthetic, bad_sizes_name_the_field) {
  synthetic_params p;
  p.neurons = 1;
  EXPECT_THROW(make_synthetic_connectome(p), parameter_error);
  p.neurons = 100;
  p.connections = -1;
  EXPECT_THROW(make_synthetic_connectome(p), parameter_error);
}

}  // namespace
}  // namespace kenyon::ratenet

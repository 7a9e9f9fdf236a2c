// The simulation's sparse P->K kernel against a dense reference.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

#include "moth/p2k_kernel.hpp"
#include "seed.hpp"

namespace kenyon::moth {
namespace {

struct dense_and_sparse {
  int rows, cols;
  std::vector<double> dense;  // row-major
  p2k_matrix sparse;
};

// A random matrix with the given density and uneven row lengths.
dense_and_sparse random_matrix(int rows, int cols, double density, unsigned seed) {
  std::mt19937 gen(kenyon::test::test_seed(seed));
  std::uniform_real_distribution<double> u(0, 1);
  dense_and_sparse m{
      rows, cols, std::vector<double>(static_cast<std::size_t>(rows) * cols, 0.0), {}};
  m.sparse.rows = rows;
  m.sparse.cols = cols;
  m.sparse.row_begin.assign(1, 0);
  for (int r = 0; r < rows; ++r) {
    const double row_density = density * (r % 7 == 0 ? 3.0 : 1.0);  // some long rows
    for (int c = 0; c < cols; ++c) {
      if (u(gen) >= row_density) continue;
      const float w = static_cast<float>(0.1 + 5 * u(gen));
      m.dense[static_cast<std::size_t>(r) * cols + c] = w;
      m.sparse.col.push_back(static_cast<std::uint16_t>(c));
      m.sparse.value.push_back(w);
    }
    m.sparse.row_begin.push_back(static_cast<std::int32_t>(m.sparse.value.size()));
  }
  return m;
}

std::vector<float> random_vector(int n, unsigned seed) {
  std::mt19937 gen(kenyon::test::test_seed(seed));
  std::uniform_real_distribution<float> u(0, 3);
  std::vector<float> v(n);
  for (auto& x : v) x = u(gen);
  return v;
}

class p2k_kernel_shapes : public ::testing::TestWithParam<std::tuple<int, int, double>> {};

TEST_P(p2k_kernel_shapes, multiply_matches_dense_reference) {
  const auto [rows, cols, density] = GetParam();
  const auto m = random_matrix(rows, cols, density, 11);
  const detail::p2k_kernel kernel(m.sparse);
  const auto p = random_vector(cols, 12);
  std::vector<float> out(rows, -1.0f);
  kernel.multiply(p.data(), out.data());
  for (int r = 0; r < rows; ++r) {
    double expected = 0, magnitude = 0;
    for (int c = 0; c < cols; ++c) {
      expected += m.dense[static_cast<std::size_t>(r) * cols + c] * p[c];
      magnitude += std::abs(m.dense[static_cast<std::size_t>(r) * cols + c] * p[c]);
    }
    ASSERT_NEAR(out[r], expected, 1e-5 * magnitude + 1e-6) << "row " << r;
  }
}

// Batched, each vector's product is multiply()'s bit for bit (compared with memcmp).
TEST_P(p2k_kernel_shapes, multiply_batch_gives_each_vector_multiplys_bits) {
  const auto [rows, cols, density] = GetParam();
  const auto m = random_matrix(rows, cols, density, 13);
  const detail::p2k_kernel kernel(m.sparse);
  for (const int batch : {1, 3, 16}) {
    const auto p = random_vector(cols * batch, 14 + batch);
    std::vector<float> out(static_cast<std::size_t>(rows) * batch, -1.0f);
    kernel.multiply_batch(p.data(), batch, out.data());
    std::vector<float> one(cols), alone(rows);
    for (int i = 0; i < batch; ++i) {
      for (int c = 0; c < cols; ++c) one[c] = p[static_cast<std::size_t>(c) * batch + i];
      kernel.multiply(one.data(), alone.data());
      for (int r = 0; r < rows; ++r)
        ASSERT_EQ(std::memcmp(&out[static_cast<std::size_t>(r) * batch + i], &alone[r], 4), 0)
            << "batch " << batch << ", vector " << i << ", row " << r;
    }
  }
}

TEST_P(p2k_kernel_shapes, hebbian_updates_existing_synapses_only_and_clips) {
  const auto [rows, cols, density] = GetParam();
  auto m = random_matrix(rows, cols, density, 21);
  detail::p2k_kernel kernel(m.sparse);
  const auto p = random_vector(cols, 22);
  std::vector<float> gain(rows, 0.0f);
  for (int r = 0; r < rows; r += 3) gain[r] = 0.05f * static_cast<float>(r % 5);
  const float max = 5.5f;
  kernel.hebbian(gain.data(), p.data(), max);
  p2k_matrix stored = m.sparse;
  kernel.store(stored);
  ASSERT_EQ(stored.col, m.sparse.col);
  for (int r = 0; r < rows; ++r)
    for (auto n = m.sparse.row_begin[r]; n < m.sparse.row_begin[r + 1]; ++n) {
      const float expected = gain[r] > 0
                                 ? std::min(max, m.sparse.value[n] + gain[r] * p[m.sparse.col[n]])
                                 : m.sparse.value[n];
      ASSERT_FLOAT_EQ(stored.value[n], expected) << "row " << r;
    }
  // The product uses the updated weights.
  std::vector<float> out(rows);
  kernel.multiply(p.data(), out.data());
  for (int r = 0; r < rows; ++r) {
    double expected = 0;
    for (auto n = stored.row_begin[r]; n < stored.row_begin[r + 1]; ++n)
      expected += double(stored.value[n]) * p[stored.col[n]];
    ASSERT_NEAR(out[r], expected, 1e-4 * (1 + std::abs(expected)));
  }
}

// MothNet's shape (85 glomeruli, 2550 Kenyon cells, ~12%), rows not a multiple of 16,
// more than 256 columns, and more than 16 column blocks (the portable path).
INSTANTIATE_TEST_SUITE_P(shapes, p2k_kernel_shapes,
                         ::testing::Values(std::tuple{2550, 85, 0.1176}, std::tuple{37, 85, 0.3},
                                           std::tuple{100, 300, 0.05}, std::tuple{50, 600, 0.02},
                                           std::tuple{16, 5, 0.5}, std::tuple{3, 40, 0.0}));

}  // namespace
}  // namespace kenyon::moth

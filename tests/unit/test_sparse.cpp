// The sparse layer: building CSR matrices, add_sign, transpose, and the batched products
// against dense references, including thread-count independence.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "kenyon/core/aligned.hpp"
#include "kenyon/core/error.hpp"
#include "kenyon/core/npy.hpp"
#include "kenyon/sparse/csr.hpp"
#include "seed.hpp"
#include "thread_count.hpp"

namespace kenyon::sparse {
namespace {

namespace fs = std::filesystem;
using i64s = std::vector<std::int64_t>;
using floats = std::vector<float>;

template <class real>
std::vector<double> to_dense(const basic_csr<real>& m) {
  std::vector<double> d(static_cast<std::size_t>(m.rows * m.cols), 0.0);
  for (std::int64_t r = 0; r < m.rows; ++r)
    for (auto n = m.row_begin[static_cast<std::size_t>(r)];
         n < m.row_begin[static_cast<std::size_t>(r) + 1]; ++n)
      d[static_cast<std::size_t>(r * m.cols + m.col[static_cast<std::size_t>(n)])] +=
          m.value[static_cast<std::size_t>(n)];
  return d;
}

// The structural invariants every csr_matrix keeps.
template <class real>
void expect_well_formed(const basic_csr<real>& m) {
  ASSERT_EQ(m.row_begin.size(), static_cast<std::size_t>(m.rows) + 1);
  EXPECT_EQ(m.row_begin.front(), 0);
  EXPECT_EQ(m.row_begin.back(), m.nonzeros());
  ASSERT_EQ(m.col.size(), m.value.size());
  for (std::int64_t r = 0; r < m.rows; ++r) {
    const auto b = m.row_begin[static_cast<std::size_t>(r)];
    const auto e = m.row_begin[static_cast<std::size_t>(r) + 1];
    ASSERT_LE(b, e);
    for (auto n = b; n < e; ++n) {
      EXPECT_GE(m.col[static_cast<std::size_t>(n)], 0);
      EXPECT_LT(m.col[static_cast<std::size_t>(n)], m.cols);
      if (n > b) {
        EXPECT_LT(m.col[static_cast<std::size_t>(n) - 1], m.col[static_cast<std::size_t>(n)])
            << "row " << r << " not strictly ascending";
      }
    }
  }
}

template <class function>
std::string error_of(function&& f) {
  try {
    f();
  } catch (const error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no kenyon::error thrown";
  return {};
}

// A random rows x cols matrix with about density * rows * cols entries in [-1, 1).
csr_matrix random_matrix(std::int64_t rows, std::int64_t cols, double density, unsigned seed) {
  std::mt19937_64 gen(kenyon::test::test_seed(seed));
  std::uniform_real_distribution<float> u(0, 1);
  std::uniform_int_distribution<std::int64_t> ri(0, rows - 1), ci(0, cols - 1);
  const auto n = static_cast<std::size_t>(density * static_cast<double>(rows * cols));
  i64s r(n), c(n);
  floats v(n);
  for (std::size_t k = 0; k < n; ++k) {
    r[k] = ri(gen);
    c[k] = ci(gen);
    v[k] = 2 * u(gen) - 1;
  }
  return from_triplets(rows, cols, r, c, v);
}

template <class real>
std::vector<real> random_vector(std::size_t n, unsigned seed) {
  std::mt19937_64 gen(kenyon::test::test_seed(seed));
  std::uniform_real_distribution<double> u(-1, 1);
  std::vector<real> x(n);
  for (auto& v : x) v = static_cast<real>(u(gen));
  return x;
}

// ---------------------------------------------------------------- from_triplets

TEST(from_triplets, sums_duplicates_and_sorts_columns) {
  const i64s row{2, 0, 2, 0, 2, 1, 0};
  const i64s col{3, 1, 0, 1, 3, 2, 0};
  const floats val{1.0f, 2.0f, 3.0f, 4.0f, 0.5f, -1.0f, 5.0f};
  const auto m = from_triplets(4, 5, row, col, val);
  expect_well_formed(m);
  EXPECT_EQ(m.rows, 4);
  EXPECT_EQ(m.cols, 5);
  EXPECT_EQ(m.row_begin, (i64s{0, 2, 3, 5, 5}));
  EXPECT_EQ(m.col, (std::vector<std::int32_t>{0, 1, 2, 0, 3}));
  EXPECT_EQ(m.value, (floats{5.0f, 6.0f, -1.0f, 3.0f, 1.5f}));
}

TEST(from_triplets, keeps_entries_that_sum_to_zero_and_empty_matrices) {
  const i64s row{1, 1}, col{0, 0};
  const floats val{0.25f, -0.25f};
  const auto m = from_triplets(2, 2, row, col, val);
  expect_well_formed(m);
  EXPECT_EQ(m.nonzeros(), 1);
  EXPECT_EQ(m.value[0], 0.0f);

  const auto empty = from_triplets(3, 0, {}, {}, {});
  expect_well_formed(empty);
  EXPECT_EQ(empty.nonzeros(), 0);
  EXPECT_EQ(empty.row_begin, (i64s{0, 0, 0, 0}));
}

TEST(from_triplets, errors_name_the_entry) {
  const i64s row{0, 1, 2}, col{0, 1, 2};
  auto msg = error_of([&] { from_triplets(2, 3, row, col, floats{1, 2, 3}); });
  EXPECT_NE(msg.find("entry 2"), std::string::npos) << msg;
  EXPECT_NE(msg.find("(row 2, column 2)"), std::string::npos) << msg;

  msg = error_of([&] { from_triplets(3, 3, row, i64s{0, -1, 2}, floats{1, 2, 3}); });
  EXPECT_NE(msg.find("entry 1"), std::string::npos) << msg;
  EXPECT_NE(msg.find("column -1"), std::string::npos) << msg;

  msg = error_of([&] { from_triplets(3, 2, row, col, floats{1, 2, 3}); });
  EXPECT_NE(msg.find("entry 2"), std::string::npos) << msg;

  msg = error_of([&] {
    from_triplets(3, 3, row, col, floats{1, std::numeric_limits<float>::quiet_NaN(), 3});
  });
  EXPECT_NE(msg.find("entry 1"), std::string::npos) << msg;
  EXPECT_NE(msg.find("finite"), std::string::npos) << msg;

  msg = error_of([&] {
    from_triplets(3, 3, row, col, floats{1, 2, -std::numeric_limits<float>::infinity()});
  });
  EXPECT_NE(msg.find("entry 2"), std::string::npos) << msg;
  EXPECT_NE(msg.find("finite"), std::string::npos) << msg;

  msg = error_of([&] { from_triplets(3, 3, row, i64s{0, 1}, floats{1, 2, 3}); });
  EXPECT_NE(msg.find("differ in length"), std::string::npos) << msg;
  msg = error_of([&] { from_triplets(3, 3, row, col, floats{1, 2}); });
  EXPECT_NE(msg.find("differ in length"), std::string::npos) << msg;

  msg = error_of([&] { from_triplets(-1, 3, {}, {}, {}); });
  EXPECT_NE(msg.find("negative"), std::string::npos) << msg;
}

// ---------------------------------------------------------------- from_dense

TEST(from_dense, drops_zeros_and_keeps_order) {
  const floats d{0, 1.5f, 0, -2, 0, 0, 0, 0, 3, 0, 0, 4};
  const auto m = from_dense(d, 3, 4);
  expect_well_formed(m);
  EXPECT_EQ(m.row_begin, (i64s{0, 2, 2, 4}));
  EXPECT_EQ(m.col, (std::vector<std::int32_t>{1, 3, 0, 3}));
  EXPECT_EQ(m.value, (floats{1.5f, -2, 3, 4}));
  const auto back = to_dense(m);
  for (std::size_t k = 0; k < d.size(); ++k) EXPECT_EQ(back[k], d[k]);
}

TEST(from_dense, errors_name_the_entry) {
  auto msg = error_of([] { from_dense(floats{1, 2, 3}, 2, 2); });
  EXPECT_NE(msg.find("3 values"), std::string::npos) << msg;
  msg = error_of([] { from_dense(floats{1, 2, 3, std::numeric_limits<float>::infinity()}, 2, 2); });
  EXPECT_NE(msg.find("(row 1, column 1)"), std::string::npos) << msg;
}

// ---------------------------------------------------------------- transpose, require_square

TEST(transpose, matches_dense_transpose_and_round_trips) {
  const auto m = random_matrix(37, 23, 0.15, 11);
  const auto t = transpose(m);
  expect_well_formed(t);
  ASSERT_EQ(t.rows, 23);
  ASSERT_EQ(t.cols, 37);
  const auto dm = to_dense(m), dt = to_dense(t);
  for (std::int64_t r = 0; r < 37; ++r)
    for (std::int64_t c = 0; c < 23; ++c)
      EXPECT_EQ(dt[static_cast<std::size_t>(c * 37 + r)], dm[static_cast<std::size_t>(r * 23 + c)]);
  const auto tt = transpose(t);
  EXPECT_EQ(tt.row_begin, m.row_begin);
  EXPECT_EQ(tt.col, m.col);
  EXPECT_EQ(tt.value, m.value);

  const auto td = transpose(m.cast<double>());
  expect_well_formed(td);
  EXPECT_EQ(td.col, t.col);
  for (std::size_t k = 0; k < t.value.size(); ++k) EXPECT_EQ(td.value[k], t.value[k]);
}

TEST(require_square, names_the_caller_and_shape) {
  EXPECT_NO_THROW(require_square(random_matrix(5, 5, 0.3, 1), "net"));
  const auto msg = error_of([] { require_square(random_matrix(5, 4, 0.3, 1), "my network"); });
  EXPECT_NE(msg.find("my network"), std::string::npos) << msg;
  EXPECT_NE(msg.find("5 x 4"), std::string::npos) << msg;
}

// ---------------------------------------------------------------- signed_from_inprop

TEST(signed_from_inprop, negates_inhibitory_pre_rows_and_transposes) {
  const std::int64_t n = 6;
  std::mt19937 gen(kenyon::test::test_seed(5));
  std::uniform_real_distribution<float> u(0, 1);
  floats inprop(n * n, 0);
  for (auto& v : inprop)
    if (u(gen) < 0.5f) v = u(gen);
  // Only -1 counts as inhibitory; 0 and 2 leave the row as it is.
  const std::vector<int> sign{1, -1, 0, -1, 2, 1};
  const auto w = signed_from_inprop(from_dense(inprop, n, n), sign);
  expect_well_formed(w);
  const auto d = to_dense(w);
  for (std::int64_t pre = 0; pre < n; ++pre)
    for (std::int64_t post = 0; post < n; ++post) {
      const double v = inprop[static_cast<std::size_t>(pre * n + post)];
      const double expected = sign[static_cast<std::size_t>(pre)] == -1 ? -v : v;
      EXPECT_EQ(d[static_cast<std::size_t>(post * n + pre)], expected) << pre << " " << post;
    }
}

TEST(signed_from_inprop, matches_connectome_interpreter_add_sign) {
  const fs::path dir = fs::path(KENYON_TEST_DATA_DIR) / "connectome_interpreter";
  const auto inprop =
      from_triplets(300, 300, read_npy(dir / "inprop_row.npy").values<std::int64_t>(),
                    read_npy(dir / "inprop_col.npy").values<std::int64_t>(),
                    read_npy(dir / "inprop_val.npy").values<float>());
  // Signs from the reference W itself: column (pre) j is inhibitory if its entries are < 0.
  const auto ref = from_triplets(300, 300, read_npy(dir / "W_row.npy").values<std::int64_t>(),
                                 read_npy(dir / "W_col.npy").values<std::int64_t>(),
                                 read_npy(dir / "W_val.npy").values<float>());
  std::vector<int> sign(300, 1);
  for (std::size_t k = 0; k < ref.col.size(); ++k)
    if (ref.value[k] < 0) sign[static_cast<std::size_t>(ref.col[k])] = -1;
  const auto w = signed_from_inprop(inprop, sign);
  EXPECT_EQ(w.row_begin, ref.row_begin);
  EXPECT_EQ(w.col, ref.col);
  EXPECT_EQ(w.value, ref.value);
}

TEST(signed_from_inprop, rejects_a_sign_list_of_the_wrong_length) {
  const auto msg = error_of([] {
    signed_from_inprop(random_matrix(4, 4, 0.5, 2), std::vector<int>{1, 1, -1});
  });
  EXPECT_NE(msg.find("3 signs"), std::string::npos) << msg;
  EXPECT_NE(msg.find("4 presynaptic"), std::string::npos) << msg;
}

// ---------------------------------------------------------------- multiply

// y = M x for neuron-major batches, with M given densely (rows x cols).
std::vector<double> dense_product(const std::vector<double>& m, std::int64_t rows,
                                  std::int64_t cols, const std::vector<double>& x,
                                  std::int64_t batch) {
  std::vector<double> y(static_cast<std::size_t>(rows * batch), 0.0);
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t c = 0; c < cols; ++c)
      for (std::int64_t b = 0; b < batch; ++b)
        y[static_cast<std::size_t>(r * batch + b)] +=
            m[static_cast<std::size_t>(r * cols + c)] * x[static_cast<std::size_t>(c * batch + b)];
  return y;
}

template <class real>
class multiply_test : public ::testing::Test {};
using reals = ::testing::Types<float, double>;
TYPED_TEST_SUITE(multiply_test, reals);

TYPED_TEST(multiply_test, adaptive_product_matches_dense_for_sparse_and_dense_inputs) {
  using real = TypeParam;
  const double tol = std::is_same_v<real, float> ? 1e-5 : 1e-13;
  const std::int64_t rows = 300, cols = 320;
  const auto w = random_matrix(rows, cols, 0.05, 5).cast<real>();
  const auto wt = transpose(w);
  const auto dense = to_dense(w);
  for (const std::int64_t batch : {1, 3}) {
    for (const int nonzero_every : {1, 40}) {  // dense input, then 8 of 320 rows nonzero
      SCOPED_TRACE("batch " + std::to_string(batch) + ", every " + std::to_string(nonzero_every));
      auto x = random_vector<real>(static_cast<std::size_t>(cols * batch), 300 + batch);
      for (std::int64_t j = 0; j < cols; ++j)
        if (j % nonzero_every != 0)
          for (std::int64_t b = 0; b < batch; ++b) x[static_cast<std::size_t>(j * batch + b)] = 0;
      std::vector<real> y(static_cast<std::size_t>(rows * batch), real(7));  // overwritten
      multiply_adaptive(w, wt, sum_chains(w, wt), x.data(), y.data(), batch);
      const auto expected =
          dense_product(dense, rows, cols, std::vector<double>(x.begin(), x.end()), batch);
      for (std::size_t k = 0; k < y.size(); ++k) EXPECT_NEAR(y[k], expected[k], tol) << k;
    }
  }
  // A NaN in a sparse input reaches every row that reads it.
  std::vector<real> x(static_cast<std::size_t>(cols), real(0)), y(static_cast<std::size_t>(rows));
  x[3] = std::numeric_limits<real>::quiet_NaN();
  multiply_adaptive(w, wt, sum_chains(w, wt), x.data(), y.data(), 1);
  for (std::int64_t r = 0; r < rows; ++r) {
    bool reads = false;
    for (auto n = w.row_begin[r]; n < w.row_begin[r + 1]; ++n) reads |= w.col[n] == 3;
    EXPECT_EQ(std::isnan(y[static_cast<std::size_t>(r)]), reads) << r;
  }
}

TYPED_TEST(multiply_test, matches_dense_product_and_transpose) {
  using real = TypeParam;
  const double tol = std::is_same_v<real, float> ? 1e-5 : 1e-13;
  for (const std::int64_t batch : {1, 3, 8}) {
    SCOPED_TRACE("batch " + std::to_string(batch));
    const std::int64_t rows = 53, cols = 41;
    const auto w = random_matrix(rows, cols, 0.2, static_cast<unsigned>(batch)).cast<real>();
    const auto dense = to_dense(w);

    const auto x = random_vector<real>(static_cast<std::size_t>(cols * batch), 100 + batch);
    std::vector<real> y(static_cast<std::size_t>(rows * batch), real(7));  // overwritten
    multiply(w, x.data(), y.data(), batch);
    const auto expected =
        dense_product(dense, rows, cols, std::vector<double>(x.begin(), x.end()), batch);
    for (std::size_t k = 0; k < y.size(); ++k) EXPECT_NEAR(y[k], expected[k], tol) << k;

    // y = W^T x through the transposed matrix.
    std::vector<double> dense_t(dense.size());
    for (std::int64_t r = 0; r < rows; ++r)
      for (std::int64_t c = 0; c < cols; ++c)
        dense_t[static_cast<std::size_t>(c * rows + r)] =
            dense[static_cast<std::size_t>(r * cols + c)];
    const auto xt = random_vector<real>(static_cast<std::size_t>(rows * batch), 200 + batch);
    std::vector<real> yt(static_cast<std::size_t>(cols * batch));
    multiply(transpose(w), xt.data(), yt.data(), batch);
    const auto expected_t =
        dense_product(dense_t, cols, rows, std::vector<double>(xt.begin(), xt.end()), batch);
    for (std::size_t k = 0; k < yt.size(); ++k) EXPECT_NEAR(yt[k], expected_t[k], tol) << k;
  }
}

TYPED_TEST(multiply_test, empty_rows_give_zero) {
  using real = TypeParam;
  const auto w = from_triplets(3, 2, i64s{1}, i64s{0}, floats{2}).cast<real>();
  const std::vector<real> x{1, 2, 3, 4};  // batch 2
  std::vector<real> y(6, real(9));
  multiply(w, x.data(), y.data(), 2);
  EXPECT_EQ(y, (std::vector<real>{0, 0, 2, 4, 0, 0}));
}

TYPED_TEST(multiply_test, same_bits_with_one_and_two_threads) {
  using real = TypeParam;
  test::thread_count_guard guard;
  // 2000 x 2000 at 7% density: about 270,000 non-zeros, so even batch 1 takes the
  // threaded path (nnz * batch > 200,000).
  const std::int64_t n = 2000;
  const auto w = random_matrix(n, n, 0.07, 99).cast<real>();
  ASSERT_GT(w.nonzeros(), 200000);
  for (const std::int64_t batch : {1, 3, 8}) {
    SCOPED_TRACE("batch " + std::to_string(batch));
    const auto x = random_vector<real>(static_cast<std::size_t>(n * batch), 300 + batch);
    std::vector<real> one(static_cast<std::size_t>(n * batch)), two(one.size());
    omp_set_num_threads(1);
    multiply(w, x.data(), one.data(), batch);
    omp_set_num_threads(2);
    multiply(w, x.data(), two.data(), batch);
    EXPECT_EQ(one, two);
    std::vector<real> t1(one.size()), t2(one.size());
    const auto wt = transpose(w);
    omp_set_num_threads(1);
    multiply(wt, x.data(), t1.data(), batch);
    omp_set_num_threads(2);
    multiply(wt, x.data(), t2.data(), batch);
    EXPECT_EQ(t1, t2);
  }
}

// The networks' large arrays start on a cache line, and those of several MB on a 2 MB
// page (huge pages where the system allows).
TEST(aligned_vector, starts_on_a_cache_line_and_large_ones_on_a_huge_page) {
  for (const std::size_t n : {std::size_t{1}, std::size_t{1000}, std::size_t{3} << 20}) {
    aligned_vector<float> v(n, 1.0f);
    const auto at = reinterpret_cast<std::uintptr_t>(v.data());
    EXPECT_EQ(at % 64, 0u) << n;
    if (n * sizeof(float) >= std::size_t{8} << 20) {
      EXPECT_EQ(at % (std::size_t{2} << 20), 0u);
    }
    EXPECT_EQ(std::count(v.begin(), v.end(), 1.0f), static_cast<std::ptrdiff_t>(n));
  }
}

// A batch item's product must not depend on the batch it is in (the atlas optimises target
// sets in batches and promises the same result for any batch size), nor on the path
// multiply_adaptive takes: compared bit for bit (memcmp, so that -0 and +0 differ too),
// over batch sizes that exercise whole 32-, 16- and 8-lane chunks (the AVX2 paths for
// floats) and their remainders (the portable loop), rows of every length modulo 4, and
// inputs from all zero but a few rows to dense.
TYPED_TEST(multiply_test, item_results_do_not_depend_on_batch_size_or_path) {
  using real = TypeParam;
  const std::int64_t rows = 400, cols = 400;
  const auto w = random_matrix(rows, cols, 0.06, 11).cast<real>();
  const auto wt = transpose(w);
  const std::int64_t width = 64;
  const auto x = random_vector<real>(static_cast<std::size_t>(cols * width), 17);
  for (const int nonzero_every : {1, 50}) {
    // Item b of the widest batch; every narrower batch holds items 0 .. batch - 1 of it.
    const auto item = [&](std::int64_t j, std::int64_t b) {
      if (j % nonzero_every == 0) return x[static_cast<std::size_t>(j * width + b)];
      return j % 3 ? real(0) : -real(0);  // the product skips neurons of +-0 only
    };
    std::vector<real> single(static_cast<std::size_t>(rows * width));  // item b alone, batch 1
    for (std::int64_t b = 0; b < width; ++b) {
      std::vector<real> xb(static_cast<std::size_t>(cols)), yb(static_cast<std::size_t>(rows));
      for (std::int64_t j = 0; j < cols; ++j) xb[static_cast<std::size_t>(j)] = item(j, b);
      multiply(w, xb.data(), yb.data(), 1);
      for (std::int64_t r = 0; r < rows; ++r)
        single[static_cast<std::size_t>(r * width + b)] = yb[static_cast<std::size_t>(r)];
    }
    for (const std::int64_t batch : {1, 2, 7, 8, 9, 16, 17, 24, 32, 33, 40, 48, 63, 64}) {
      SCOPED_TRACE("batch " + std::to_string(batch) + ", every " + std::to_string(nonzero_every));
      std::vector<real> xs(static_cast<std::size_t>(cols * batch));
      for (std::int64_t j = 0; j < cols; ++j)
        for (std::int64_t b = 0; b < batch; ++b)
          xs[static_cast<std::size_t>(j * batch + b)] = item(j, b);
      std::vector<real> dense(static_cast<std::size_t>(rows * batch)), adaptive(dense.size());
      multiply(w, xs.data(), dense.data(), batch);
      multiply_adaptive(w, wt, sum_chains(w, wt), xs.data(), adaptive.data(), batch);
      int differ = 0;
      for (std::int64_t r = 0; r < rows; ++r)
        for (std::int64_t b = 0; b < batch; ++b) {
          const auto k = static_cast<std::size_t>(r * batch + b);
          const real expected = single[static_cast<std::size_t>(r * width + b)];
          differ += std::memcmp(&dense[k], &expected, sizeof(real)) != 0;
          differ += std::memcmp(&adaptive[k], &expected, sizeof(real)) != 0;
        }
      EXPECT_EQ(differ, 0);
    }
  }
}

}  // namespace
}  // namespace kenyon::sparse

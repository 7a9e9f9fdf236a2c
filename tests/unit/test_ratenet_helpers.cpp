// input_from_table and guess_optimal_stimulus against connectome_interpreter's outputs
// (case "helpers"), and the signed path-length connectivity against dense matrix powers.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "kenyon/core/error.hpp"
#include "kenyon/core/npy.hpp"
#include "kenyon/ratenet/guess.hpp"
#include "kenyon/ratenet/inputs.hpp"
#include "kenyon/sparse/csr.hpp"
#include "reference_case.hpp"
#include "seed.hpp"
#include "temp_dir.hpp"

namespace kenyon::ratenet {
namespace {

using kenyon::test::message_of;

namespace fs = std::filesystem;

const fs::path ref_dir = fs::path(KENYON_TEST_DATA_DIR) / "connectome_interpreter";

// The reference connectome: 300 neurons, 40 sensory (0..39), unsigned inprop (pre rows).
struct reference_connectome {
  sparse::csr_matrix inprop;
  std::vector<std::int64_t> sensory;
  std::vector<int> sign;
  std::vector<std::string> group;
};

const reference_connectome& reference() {
  static const reference_connectome c{test::reference_inprop(), test::reference_sensory(),
                                      test::reference_signs(), test::reference_groups()};
  return c;
}

using temp_dir_test = test::temporary_folder_test;

// ---------------------------------------------------------------- input_from_table

TEST(input_from_table, reproduces_input_from_df_exactly) {
  const auto& c = reference();
  const auto table = read_group_table_csv(ref_dir / "h_group_df.csv");
  ASSERT_EQ(table.groups, (std::vector<std::string>{"S0", "S1", "S2", "S3"}));
  ASSERT_EQ(table.columns, (std::vector<std::string>{"odourA", "odourB"}));
  const std::vector<std::int64_t> timepoints{0, 1};
  const auto got = input_from_table(table, c.sensory, c.group, 6, timepoints);
  const auto ref = read_npy(ref_dir / "h_input_from_df.npy");
  ASSERT_EQ(ref.dtype, "<f4");
  ASSERT_EQ(got.shape(), ref.shape);
  EXPECT_EQ(got.values, ref.values<float>());
}

TEST(input_from_table, missing_groups_give_zero_and_extra_rows_are_ignored) {
  group_table table{{"A", "Z"}, {"x", "y", "z"}, {1, 2, 3, 7, 8, 9}};
  const std::vector<std::string> groups{"A", "B", "A", "C"};
  const std::vector<std::int64_t> sensory{2, 1, 0};
  const std::vector<std::int64_t> timepoints{2};
  const auto in = input_from_table(table, sensory, groups, 3, timepoints);
  ASSERT_EQ(in.shape(), (std::vector<std::int64_t>{3, 3, 3}));
  for (std::int64_t b = 0; b < 3; ++b)
    for (std::int64_t j = 0; j < 3; ++j)
      for (std::int64_t t = 0; t < 3; ++t) {
        const float expected = (t == 2 && j != 1) ? static_cast<float>(b + 1) : 0.0f;
        EXPECT_EQ(in.at(b, j, t), expected) << b << " " << j << " " << t;
      }
}

TEST(input_from_table, no_timepoints_gives_zeros) {
  group_table table{{"A"}, {"x"}, {1}};
  const std::vector<std::string> groups{"A"};
  const std::vector<std::int64_t> sensory{0};
  const auto in = input_from_table(table, sensory, groups, 2, {});
  EXPECT_EQ(in.values, (std::vector<float>{0, 0}));
}

TEST(input_from_table, errors_name_the_offending_item) {
  group_table table{{"A"}, {"x"}, {1}};
  const std::vector<std::string> groups{"A", "A"};
  const std::vector<std::int64_t> sensory{0, 1};
  const std::vector<std::int64_t> late{0, 6};
  auto msg =
      message_of<parameter_error>([&] { input_from_table(table, sensory, groups, 6, late); });
  EXPECT_NE(msg.find("timepoints"), std::string::npos) << msg;
  EXPECT_NE(msg.find("timepoint 6"), std::string::npos) << msg;
  const std::vector<std::int64_t> negative{-1};
  msg = message_of<parameter_error>([&] { input_from_table(table, sensory, groups, 6, negative); });
  EXPECT_NE(msg.find("timepoint -1"), std::string::npos) << msg;
  const std::vector<std::int64_t> zero{0};
  msg = message_of<parameter_error>([&] { input_from_table(table, sensory, groups, 0, zero); });
  EXPECT_NE(msg.find("num_layers"), std::string::npos) << msg;
  const std::vector<std::int64_t> outside{0, 2};
  msg = message_of<parameter_error>([&] { input_from_table(table, outside, groups, 6, zero); });
  EXPECT_NE(msg.find("sensory neuron 2"), std::string::npos) << msg;
  group_table duplicate{{"A", "A"}, {"x"}, {1, 2}};
  msg = message_of<error>([&] { input_from_table(duplicate, sensory, groups, 6, zero); });
  EXPECT_NE(msg.find("'A'"), std::string::npos) << msg;
}

using group_csv = temp_dir_test;

TEST_F(group_csv, reads_quotes_blank_lines_and_crlf) {
  const auto p = write("t.csv", "group,\"odour, A\",b\r\n\r\n\"S0\",1.5,-2e-1\r\nS1 , +3,0\r\n");
  const auto t = read_group_table_csv(p);
  EXPECT_EQ(t.groups, (std::vector<std::string>{"S0", "S1"}));
  EXPECT_EQ(t.columns, (std::vector<std::string>{"odour, A", "b"}));
  EXPECT_EQ(t.values, (std::vector<double>{1.5, -0.2, 3, 0}));
}

TEST_F(group_csv, errors_name_file_line_and_column) {
  auto msg = message_of<file_error>([&] { read_group_table_csv(dir_ / "missing.csv"); });
  EXPECT_NE(msg.find("missing.csv"), std::string::npos) << msg;

  msg = message_of<file_error>([&] { read_group_table_csv(write("empty.csv", "\n\n")); });
  EXPECT_NE(msg.find("header"), std::string::npos) << msg;

  msg = message_of<file_error>([&] { read_group_table_csv(write("one.csv", "group\nS0\n")); });
  EXPECT_NE(msg.find("one.csv:1"), std::string::npos) << msg;

  const auto bad = write("bad.csv", "group,x,y\nS0,1,2\nS1,3,abc\n");
  msg = message_of<file_error>([&] { read_group_table_csv(bad); });
  EXPECT_NE(msg.find("bad.csv:3"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'S1'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("column 'y'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'abc'"), std::string::npos) << msg;

  msg =
      message_of<file_error>([&] { read_group_table_csv(write("nan.csv", "group,x\nS0,nan\n")); });
  EXPECT_NE(msg.find("finite"), std::string::npos) << msg;

  msg = message_of<file_error>(
      [&] { read_group_table_csv(write("short.csv", "group,x,y\nS0,1\n")); });
  EXPECT_NE(msg.find("short.csv:2"), std::string::npos) << msg;

  msg = message_of<file_error>(
      [&] { read_group_table_csv(write("blank.csv", "group,x,y\nS0,1,\n")); });
  EXPECT_NE(msg.find("empty value"), std::string::npos) << msg;

  msg = message_of<file_error>(
      [&] { read_group_table_csv(write("dup.csv", "group,x\nS0,1\nS0,2\n")); });
  EXPECT_NE(msg.find("dup.csv:3"), std::string::npos) << msg;
  EXPECT_NE(msg.find("line 2"), std::string::npos) << msg;

  msg = message_of<file_error>(
      [&] { read_group_table_csv(write("dupcol.csv", "group,x,x\nS0,1,2\n")); });
  EXPECT_NE(msg.find("'x'"), std::string::npos) << msg;

  msg = message_of<file_error>(
      [&] { read_group_table_csv(write("quote.csv", "group,\"x\nS0,1\n")); });
  EXPECT_NE(msg.find("quote.csv:1"), std::string::npos) << msg;
}

// ---------------------------------------------------------------- signed connectivity

// Dense reference of E_p and I_p (pre rows), straight from the recursion in spec 11.2.
struct dense_signed {
  std::vector<std::vector<double>> e, i;  // [p-1][N*N]
};

dense_signed dense_powers(const std::vector<double>& a, const std::vector<int>& sign,
                          std::int64_t n, int max_length) {
  std::vector<double> ap(a.size(), 0), am(a.size(), 0);
  for (std::int64_t r = 0; r < n; ++r)
    for (std::int64_t c = 0; c < n; ++c)
      (sign[static_cast<std::size_t>(r)] == -1 ? am : ap)[static_cast<std::size_t>(r * n + c)] =
          a[static_cast<std::size_t>(r * n + c)];
  auto mul = [n](const std::vector<double>& x, const std::vector<double>& y) {
    std::vector<double> z(x.size(), 0);
    for (std::int64_t r = 0; r < n; ++r)
      for (std::int64_t k = 0; k < n; ++k)
        for (std::int64_t c = 0; c < n; ++c)
          z[static_cast<std::size_t>(r * n + c)] +=
              x[static_cast<std::size_t>(r * n + k)] * y[static_cast<std::size_t>(k * n + c)];
    return z;
  };
  dense_signed d;
  d.e.push_back(ap);
  d.i.push_back(am);
  for (int p = 2; p <= max_length; ++p) {
    auto e1 = mul(d.e.back(), ap), e2 = mul(d.i.back(), am);
    auto i1 = mul(d.e.back(), am), i2 = mul(d.i.back(), ap);
    for (std::size_t k = 0; k < e1.size(); ++k) {
      e1[k] += e2[k];
      i1[k] += i2[k];
    }
    d.e.push_back(e1);
    d.i.push_back(i1);
  }
  return d;
}

struct random_graph {
  std::int64_t n;
  std::vector<double> dense;
  sparse::csr_matrix inprop;
  std::vector<int> sign;
};

random_graph make_random_graph(std::int64_t n, double density, unsigned seed) {
  std::mt19937 gen(kenyon::test::test_seed(seed));
  std::uniform_real_distribution<float> u(0, 1);
  random_graph g{n, std::vector<double>(static_cast<std::size_t>(n * n), 0), {}, {}};
  std::vector<float> dense(static_cast<std::size_t>(n * n), 0);
  for (auto& v : dense)
    if (u(gen) < density) v = u(gen);
  for (std::size_t k = 0; k < dense.size(); ++k) g.dense[k] = dense[k];
  g.inprop = sparse::from_dense(dense, n, n);
  for (std::int64_t k = 0; k < n; ++k) g.sign.push_back(u(gen) < 0.3 ? -1 : 1);
  return g;
}

void expect_matches_dense(const random_graph& g, const std::vector<std::int64_t>& sources,
                          const std::vector<std::int64_t>& targets, int max_length) {
  const auto d = dense_powers(g.dense, g.sign, g.n, max_length);
  const auto got =
      signed_connectivity_by_path_length(g.inprop, g.sign, sources, targets, max_length);
  ASSERT_EQ(got.sources, static_cast<std::int64_t>(sources.size()));
  ASSERT_EQ(got.targets, static_cast<std::int64_t>(targets.size()));
  ASSERT_EQ(got.excitatory.size(), static_cast<std::size_t>(max_length));
  for (int p = 1; p <= max_length; ++p)
    for (std::size_t s = 0; s < sources.size(); ++s)
      for (std::size_t t = 0; t < targets.size(); ++t) {
        const auto k = static_cast<std::size_t>(sources[s] * g.n + targets[t]);
        const double e = d.e[static_cast<std::size_t>(p - 1)][k];
        const double i = d.i[static_cast<std::size_t>(p - 1)][k];
        const auto si = static_cast<std::int64_t>(s), ti = static_cast<std::int64_t>(t);
        EXPECT_NEAR(got.e(p, si, ti), e, 1e-12 + 1e-10 * std::abs(e)) << p << " " << s << " " << t;
        EXPECT_NEAR(got.i(p, si, ti), i, 1e-12 + 1e-10 * std::abs(i)) << p << " " << s << " " << t;
      }
}

TEST(signed_connectivity, backwards_from_few_targets_matches_dense_powers) {
  const auto g = make_random_graph(60, 0.08, 1);
  std::vector<std::int64_t> sources;
  for (std::int64_t s = 0; s < 20; ++s) sources.push_back(s);
  sources.push_back(5);  // a repeated source gets the same row twice
  expect_matches_dense(g, sources, {45, 3, 59, 45}, 5);
  expect_matches_dense(g, sources, {45}, 1);
}

TEST(signed_connectivity, forwards_from_few_sources_matches_dense_powers) {
  const auto g = make_random_graph(60, 0.08, 2);
  std::vector<std::int64_t> targets;
  for (std::int64_t t = 10; t < 60; ++t) targets.push_back(t);
  targets.push_back(33);
  expect_matches_dense(g, {7, 0, 33}, targets, 4);
  expect_matches_dense(g, {7}, targets, 1);
}

TEST(signed_connectivity, more_columns_than_one_block_match_dense_powers) {
  const auto g = make_random_graph(90, 0.05, 3);
  std::vector<std::int64_t> all;
  for (std::int64_t k = 0; k < 90; ++k) all.push_back(k);
  std::vector<std::int64_t> many(all.begin(), all.begin() + 75);
  expect_matches_dense(g, all, many, 3);  // backwards, 75 columns in 3 blocks
  expect_matches_dense(g, many, all, 3);  // forwards
}

TEST(signed_connectivity, hand_example) {
  // 0 (exc) -> 1 (inh) -> 2, and 0 -> 2 directly. Two-hop 0->2 is inhibitory.
  const std::vector<std::int64_t> row{0, 1, 0}, col{1, 2, 2};
  const std::vector<float> val{0.5f, 0.25f, 0.75f};
  const auto a = sparse::from_triplets(3, 3, row, col, val);
  const std::vector<int> sign{1, -1, 1};
  const std::vector<std::int64_t> src{0}, tgt{2};
  const auto c = signed_connectivity_by_path_length(a, sign, src, tgt, 3);
  EXPECT_DOUBLE_EQ(c.e(1, 0, 0), 0.75);
  EXPECT_DOUBLE_EQ(c.i(1, 0, 0), 0.0);
  EXPECT_DOUBLE_EQ(c.e(2, 0, 0), 0.0);
  EXPECT_DOUBLE_EQ(c.i(2, 0, 0), 0.125);
  EXPECT_DOUBLE_EQ(c.e(3, 0, 0), 0.0);
  EXPECT_DOUBLE_EQ(c.i(3, 0, 0), 0.0);
}

TEST(signed_connectivity, errors_name_the_offending_item) {
  const std::vector<std::int64_t> row{0, 1}, col{1, 0};
  const std::vector<float> val{0.5f, -0.25f};
  const auto a = sparse::from_triplets(2, 2, row, col, val);
  const std::vector<int> sign{1, 1};
  const std::vector<std::int64_t> src{0}, tgt{1};
  auto msg = message_of<parameter_error>(
      [&] { signed_connectivity_by_path_length(a, sign, src, tgt, 2); });
  EXPECT_NE(msg.find("(row 1, column 0)"), std::string::npos) << msg;
  const auto ok = sparse::from_triplets(2, 2, row, col, std::vector<float>{0.5f, 0.25f});
  const std::vector<int> zero_sign{1, 0};
  msg = message_of<parameter_error>(
      [&] { signed_connectivity_by_path_length(ok, zero_sign, src, tgt, 2); });
  EXPECT_NE(msg.find("neuron 1 has sign 0"), std::string::npos) << msg;
  const std::vector<std::int64_t> bad_tgt{2};
  msg = message_of<parameter_error>(
      [&] { signed_connectivity_by_path_length(ok, sign, src, bad_tgt, 2); });
  EXPECT_NE(msg.find("targets"), std::string::npos) << msg;
  EXPECT_NE(msg.find("neuron 2"), std::string::npos) << msg;
  msg = message_of<parameter_error>(
      [&] { signed_connectivity_by_path_length(ok, sign, src, tgt, 0); });
  EXPECT_NE(msg.find("max_length"), std::string::npos) << msg;
}

// ---------------------------------------------------------------- guess_optimal_stimulus

// One batch item's targets: layer -> (neuron -> value).
using layer_map = std::map<int, std::map<std::int64_t, double>>;

TEST(guess_optimal_stimulus, reproduces_connectome_interpreter) {
  const auto& c = reference();
  const std::vector<layer_map> targets{{{2, {{200, 1.0}, {201, 0.5}}}}};
  const auto got = guess_optimal_stimulus(c.inprop, c.sensory, c.sign,
                                          target_activation::from_items(targets), 5);
  const auto ref = read_npy(ref_dir / "h_guess_optimal_stimulus.npy");
  ASSERT_EQ(ref.dtype, "<f4");
  ASSERT_EQ(got.shape(), ref.shape);
  const auto expected = ref.values<float>();
  int nonzero = 0;
  for (std::size_t k = 0; k < expected.size(); ++k) {
    nonzero += expected[k] != 0;
    EXPECT_NEAR(got.values[k], expected[k], 1e-6 + 1e-4 * std::abs(expected[k])) << k;
  }
  EXPECT_GT(nonzero, 0);
}

TEST(guess_optimal_stimulus, columns_follow_path_length_and_window) {
  const auto g = make_random_graph(40, 0.1, 4);
  const std::vector<std::int64_t> sensory{0, 1, 2, 3, 4, 5, 6, 7};
  const auto d = dense_powers(g.dense, g.sign, g.n, 3);
  // Batch item 0: layer 1 (two columns); batch item 1: layer 5 with longest_plen 3 (the
  // window's end); batch item 2: nothing.
  const std::vector<layer_map> targets{{{1, {{30, 2.0}}}}, {{5, {{31, 1.0}, {32, -0.5}}}}, {}};
  const auto got =
      guess_optimal_stimulus(g.inprop, sensory, g.sign, target_activation::from_items(targets), 3);
  ASSERT_EQ(got.shape(), (std::vector<std::int64_t>{3, 8, 3}));
  auto score = [&](int p, std::int64_t s, std::int64_t t) {
    const auto k = static_cast<std::size_t>(s * g.n + t);
    return d.e[static_cast<std::size_t>(p - 1)][k] - d.i[static_cast<std::size_t>(p - 1)][k];
  };
  for (std::int64_t s = 0; s < 8; ++s) {
    // layer 1: n = 2, p = 1 -> column 1, p = 2 -> column 0
    EXPECT_NEAR(got.at(0, s, 1), 2.0 * score(1, s, 30), 1e-6);
    EXPECT_NEAR(got.at(0, s, 0), 2.0 * score(2, s, 30), 1e-6);
    EXPECT_EQ(got.at(0, s, 2), 0.0f);
    for (int p = 1; p <= 3; ++p)
      EXPECT_NEAR(got.at(1, s, 3 - p), score(p, s, 31) - 0.5 * score(p, s, 32), 1e-6);
    for (int t = 0; t < 3; ++t) EXPECT_EQ(got.at(2, s, t), 0.0f);
  }
}

TEST(guess_optimal_stimulus, errors_name_the_offending_item) {
  const auto& c = reference();
  std::vector<layer_map> none{{}};
  auto msg = message_of<parameter_error>([&] {
    guess_optimal_stimulus(c.inprop, c.sensory, c.sign, target_activation::from_items(none));
  });
  EXPECT_NE(msg.find("target_activations"), std::string::npos) << msg;
  std::vector<layer_map> outside{{{1, {{300, 1.0}}}}};
  msg = message_of<item_error>([&] {
    guess_optimal_stimulus(c.inprop, c.sensory, c.sign, target_activation::from_items(outside));
  });
  EXPECT_NE(msg.find("neuron 300"), std::string::npos) << msg;
  std::vector<layer_map> negative{{{-1, {{3, 1.0}}}}};
  msg = message_of<item_error>([&] {
    guess_optimal_stimulus(c.inprop, c.sensory, c.sign, target_activation::from_items(negative));
  });
  EXPECT_NE(msg.find("layer -1"), std::string::npos) << msg;
  std::vector<layer_map> ok{{{1, {{200, 1.0}}}}};
  msg = message_of<parameter_error>([&] {
    guess_optimal_stimulus(c.inprop, c.sensory, c.sign, target_activation::from_items(ok), 0);
  });
  EXPECT_NE(msg.find("longest_plen"), std::string::npos) << msg;
}

}  // namespace
}  // namespace kenyon::ratenet

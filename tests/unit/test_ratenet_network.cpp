// Rate network construction, parameters, manipulations and custom activation functions,
// thread-count independence, and bad input: every error names the offending item.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "kenyon/core/error.hpp"
#include "kenyon/ratenet/network.hpp"
#include "kenyon/sparse/csr.hpp"
#include "seed.hpp"

namespace kenyon::ratenet {
namespace {

template <class F>
void expect_error(F f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "no kenyon::error thrown; expected one mentioning \"" << needle << "\"";
  } catch (const kenyon::error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos)
        << "message \"" << e.what() << "\" does not mention \"" << needle << "\"";
  }
}

// Five neurons: 0 and 1 sensory, groups S S A B B; 1 -> 3, 2 -> 3 and 2 -> 4 inhibitory.
sparse::csr_matrix small_weights() {
  const std::vector<std::int64_t> row{2, 2, 3, 3, 4, 4, 0};
  const std::vector<std::int64_t> col{0, 1, 1, 2, 2, 3, 4};
  const std::vector<float> val{0.5f, 0.4f, -0.3f, -0.6f, -0.7f, 0.2f, 0.1f};
  return sparse::from_triplets(5, 5, row, col, val);
}

network_params grouped(int layers = 3) {
  network_params p;
  p.num_layers = layers;
  p.idx_to_group = std::vector<std::string>{"S", "S", "A", "B", "B"};
  return p;
}

// ---- Construction and parameters

TEST(ratenet_network, groups_and_effective_parameters) {
  network_params p = grouped();
  p.bias_by_group = {{"A", -0.2}, {"nonexistent", 3.0}};  // unknown names are ignored
  p.tau_by_group = {{"A", 0.5}, {"B", 3.0}};
  p.slope_by_group = {{"B", 2.0}};
  p.divisive_normalization = {{"A", {"B"}}};
  p.divisive_strength = 0.25;
  const network net(small_weights(), {0, 1}, p);
  EXPECT_EQ(net.groups(), (std::vector<std::string>{"A", "B", "S"}));
  EXPECT_EQ(net.group_id("B"), 1);
  const auto b = net.group_members("B");
  EXPECT_EQ(std::vector<std::int64_t>(b.begin(), b.end()), (std::vector<std::int64_t>{3, 4}));
  EXPECT_EQ(net.parameters().raw_bias, (std::vector<float>{-0.2f, 0.0f, 0.0f}));
  EXPECT_EQ(net.parameters().tau_param, (std::vector<float>{0.5f, 3.0f, 10.0f}));
  EXPECT_EQ(net.parameters().slope, (std::vector<float>{5.0f, 2.0f, 5.0f}));
  EXPECT_EQ(net.parameters().divisive_strength, (std::vector<float>{0.25f}));
  EXPECT_FLOAT_EQ(net.neuron_bias()[2], 0.2f);  // |raw bias|
  EXPECT_FLOAT_EQ(net.neuron_tau()[2], 1.0f);   // max(1, 0.5)
  EXPECT_FLOAT_EQ(net.neuron_tau()[3], 3.0f);
  // The A -> B entries (2 -> 3, 2 -> 4) moved from W to the divisive entries.
  EXPECT_EQ(net.weights().nonzeros(), 5);
  ASSERT_EQ(net.divisive_weights().nonzeros(), 2);
  EXPECT_EQ(net.divisive_weights().col[0], 2);
  EXPECT_FLOAT_EQ(net.divisive_weights().value[0], -0.6f);
  EXPECT_FLOAT_EQ(net.divisive_weights().value[1], -0.7f);
  EXPECT_EQ(net.divisive_pre_groups(), (std::vector<std::string>{"A"}));
}

TEST(ratenet_network, scalars_act_directly_without_groups) {
  network_params p;
  p.default_bias = -0.1;  // no abs()
  p.tau = 0.5;            // no max(1, .)
  const network net(small_weights(), {0, 1}, p);
  EXPECT_FALSE(net.has_groups());
  EXPECT_TRUE(net.parameters().slope.empty());
  EXPECT_FLOAT_EQ(net.neuron_bias()[3], -0.1f);
  EXPECT_FLOAT_EQ(net.neuron_tau()[3], 0.5f);
}

TEST(ratenet_network, set_parameters_changes_the_forward_pass) {
  network net(small_weights(), {0, 1}, grouped());
  const std::vector<float> x(2 * 3, 0.5f);
  const auto before = net.forward({x, {1, 2, 3}});
  auto p = net.parameters();
  p.slope[net.group_id("A")] = 1.0f;
  net.set_parameters(p);
  EXPECT_NE(net.forward({x, {1, 2, 3}}), before);
  EXPECT_FLOAT_EQ(net.neuron_slope()[2], 1.0f);
}

// Clamps for every batch item and for one item, a later entry overriding an earlier one;
// values are written verbatim.
TEST(ratenet_network, clamps_every_item_and_one_item) {
  const network net(small_weights(), {0, 1}, grouped());
  const std::vector<float> x(2 * 2 * 3, 0.5f);
  target_activation m;
  m.add(std::nullopt, 1, net.members(std::string("B")), 0.25);
  m.targets.push_back({std::nullopt, 1, 2, -3.0});
  m.targets.push_back({1, 1, 4, 7.0});
  const auto a = net.forward({x, {2, 2, 3}}, m);
  const auto at = [&](std::int64_t b, std::int64_t i, int l) { return a[(b * 5 + i) * 3 + l]; };
  for (std::int64_t b : {0, 1}) {
    EXPECT_EQ(at(b, 2, 1), -3.0f);
    EXPECT_EQ(at(b, 3, 1), 0.25f);
  }
  EXPECT_EQ(at(0, 4, 1), 0.25f);
  EXPECT_EQ(at(1, 4, 1), 7.0f);
  EXPECT_NE(at(0, 4, 0), 0.25f);
}

// NaN propagates (the original's thresholded ReLU is written so that it does).
TEST(ratenet_network, nan_propagates) {
  const network net(small_weights(), {0, 1}, grouped(2));
  std::vector<float> x(2 * 2, 0.5f);
  x[0] = std::numeric_limits<float>::quiet_NaN();  // sensory neuron 0, column 0
  const auto a = net.forward({x, {1, 2, 2}});
  EXPECT_TRUE(std::isnan(a[0 * 2 + 0]));  // neuron 0 itself (leaky memory of r)
  EXPECT_TRUE(std::isnan(a[2 * 2 + 0]));  // neuron 2 through tanh(h(z))
  EXPECT_FALSE(std::isnan(a[1 * 2 + 0]));
}

// A custom activation function re-implementing the default step reproduces it.
TEST(ratenet_network, custom_activation_function) {
  network_params p = grouped(4);
  p.divisive_normalization = {{"A", {"B"}}};
  p.tau_by_group = {{"B", 2.0}};
  const auto custom = [](const network& net, const step_arguments<float>& s) {
    const float theta = static_cast<float>(net.params().threshold);
    for (std::int64_t i = 0; i < s.neurons; ++i)
      for (std::int64_t b = 0; b < s.batch; ++b) {
        const auto n = static_cast<std::size_t>(i * s.batch + b);
        EXPECT_FLOAT_EQ(s.slope[n], std::max(0.0f, net.neuron_slope()[i] * (1 + s.divisive[n])));
        const float z = s.slope[n] * s.wx[n] + net.neuron_bias()[i];
        const float h = z >= theta ? z : 0.0f;
        const float tau = net.neuron_tau()[i];
        s.out[n] = std::tanh(h) / tau + (tau - 1) / tau * s.previous[n];
      }
  };
  const network plain(small_weights(), {0, 1}, p);
  const network own(small_weights(), {0, 1}, p, custom);
  const std::vector<float> x{0.9f, 0.2f, 0.7f, 0.0f, 0.4f, 0.8f, 0.3f, 0.6f};
  const auto expected = plain.forward({x, {1, 2, 4}});
  const auto actual = own.forward({x, {1, 2, 4}});
  for (std::size_t k = 0; k < expected.size(); ++k) EXPECT_NEAR(actual[k], expected[k], 1e-6);
  expect_error([&] { own.backward(own.record({x, {1, 2, 4}}), expected); }, "custom activation");
}

// Forward and backward passes give the same bits for any number of threads.
TEST(ratenet_network, independent_of_thread_count) {
  const std::int64_t n = 20000, nnz = 200000;
  std::mt19937_64 rng(kenyon::test::test_seed(7));
  std::uniform_int_distribution<std::int64_t> pick(0, n - 1);
  std::uniform_real_distribution<float> unit(0, 1);
  std::vector<std::int64_t> row(nnz), col(nnz);
  std::vector<float> val(nnz);
  for (std::int64_t k = 0; k < nnz; ++k) {
    row[k] = pick(rng);
    col[k] = pick(rng);
    val[k] = (col[k] % 5 == 0 ? -0.2f : 0.1f) * unit(rng);
  }
  network_params p;
  p.num_layers = 4;
  std::vector<std::string> groups(n);
  for (std::int64_t i = 0; i < n; ++i)
    groups[i] = std::string(1, static_cast<char>('a' + i % 7));  // a .. g
  p.idx_to_group = groups;
  p.divisive_normalization = {{"a", {"d"}}};
  p.tau = 3;
  std::vector<std::int64_t> sensory;
  for (std::int64_t i = 1; i < n; i += 50) sensory.push_back(i);
  // The divisive a -> d entries (i % 7 == 0 -> i % 7 == 3) must be inhibitory.
  for (std::int64_t k = 0; k < nnz; ++k)
    if (col[k] % 7 == 0 && row[k] % 7 == 3) val[k] = -std::abs(val[k]);
  const network net(sparse::from_triplets(n, n, row, col, val), sensory, p);
  const std::vector<std::int64_t> shape{2, static_cast<std::int64_t>(sensory.size()), 4};
  std::vector<float> x(static_cast<std::size_t>(shape[0] * shape[1] * shape[2]));
  for (auto& v : x) v = unit(rng);
  std::vector<float> w(static_cast<std::size_t>(shape[0] * n * 4));
  for (auto& v : w) v = unit(rng) - 0.5f;

  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  const auto a1 = net.forward({x, shape});
  const auto g1 = net.backward(net.record({x, shape}, {}, {.checkpoint_interval = 1}), w);
  omp_set_num_threads(std::max(threads, 3));
  const auto a3 = net.forward({x, shape});
  const auto g3 = net.backward(net.record({x, shape}), w);
  omp_set_num_threads(threads);
  EXPECT_GT(std::count_if(g1.input.begin(), g1.input.end(), [](float v) { return v != 0; }), 100);
  EXPECT_EQ(a1, a3);
  EXPECT_EQ(g1.input, g3.input);
  EXPECT_EQ(g1.parameters.slope, g3.parameters.slope);
  EXPECT_EQ(g1.parameters.raw_bias, g3.parameters.raw_bias);
  EXPECT_EQ(g1.parameters.tau_param, g3.parameters.tau_param);
  EXPECT_EQ(g1.parameters.divisive_strength, g3.parameters.divisive_strength);

  // A recycled trajectory (one of another batch size and interval, its arrays holding old
  // values, which resize does not clear) records the same pass; without the parameter
  // gradients the input gradient is the same and the parameters are left empty.
  const std::vector<std::int64_t> wide{3, shape[1], 4};
  std::vector<float> x3(static_cast<std::size_t>(3 * shape[1] * 4), 0.7f);
  auto old = net.record({x3, wide}, {}, {.checkpoint_interval = 2});
  old = net.record({x3, wide}, {}, {}, {}, std::move(old));
  const auto again = net.record({x, shape}, {}, {}, {}, std::move(old));
  const auto g4 = net.backward(again, w, {.parameters = false});
  EXPECT_EQ(again.activations(), a1);
  EXPECT_EQ(g4.input, g1.input);
  EXPECT_TRUE(g4.parameters.slope.empty());
  EXPECT_EQ(net.backward(again, w).parameters.slope, g1.parameters.slope);
}

TEST(ratenet_network, trajectory_states) {
  const network net(small_weights(), {0, 1}, grouped(7));
  const std::vector<float> x(2 * 7, 0.3f);
  const auto acts = net.forward({x, {1, 2, 7}});
  const auto all = net.record({x, {1, 2, 7}});
  EXPECT_EQ(all.activations(), acts);
  const auto some = net.record({x, {1, 2, 7}}, {}, {.checkpoint_interval = 3});
  for (int l = 0; l < 7; ++l) {
    EXPECT_TRUE(all.has_state(l));
    EXPECT_EQ(some.has_state(l), l == 2 || l == 5) << l;
  }
  const auto s5 = some.state(5);
  for (std::int64_t i = 0; i < 5; ++i) EXPECT_EQ(s5[i], acts[i * 7 + 5]);
  expect_error([&] { some.state(4); }, "layer 4");
  expect_error([&] { some.activations(); }, "checkpoint interval");
}

// ---- Bad input

TEST(ratenet_network_errors, parameters) {
  const auto build = [](network_params p) { network(small_weights(), {0, 1}, p); };
  network_params p;
  p.num_layers = 0;
  expect_error([&] { build(p); }, "num_layers");
  p = {};
  p.tau = 0;
  expect_error([&] { build(p); }, "tau");
  p = {};
  p.threshold = std::numeric_limits<double>::quiet_NaN();
  expect_error([&] { build(p); }, "threshold");
  p = {};
  p.slope_by_group = {{"A", std::numeric_limits<double>::infinity()}};
  expect_error([&] { build(p); }, "'A'");
  p = {};
  p.divisive_normalization = {{"A", {"B"}}};
  expect_error([&] { build(p); }, "idx_to_group");
  p = grouped();
  p.idx_to_group->pop_back();
  expect_error([&] { build(p); }, "4 entries for 5 neurons");
  try {
    p = {};
    p.num_layers = -2;
    build(p);
  } catch (const parameter_error& e) {
    EXPECT_EQ(e.field(), "num_layers");
  }
}

TEST(ratenet_network_errors, weights) {
  // Not square.
  const std::vector<std::int64_t> r{0}, c{3};
  const std::vector<float> v{0.5f};
  expect_error([&] { network(sparse::from_triplets(3, 4, r, c, v), {0}); }, "3 x 4");
  // An index out of range and a NaN, caught by the CSR builder.
  const std::vector<std::int64_t> bad_row{9};
  expect_error([&] { sparse::from_triplets(5, 5, bad_row, r, v); }, "(row 9, column 0)");
  const std::vector<float> nan{std::numeric_limits<float>::quiet_NaN()};
  expect_error([&] { sparse::from_triplets(5, 5, r, r, nan); }, "(row 0, column 0)");
  // ... and by the network for a matrix built by hand.
  auto m = small_weights();
  m.value[2] = std::numeric_limits<float>::infinity();  // entries: (0, 4), (2, 0), (2, 1), ...
  expect_error([&] { network(m, {0, 1}); }, "(row 2, column 1)");
  m = small_weights();
  m.col[0] = 17;
  expect_error([&] { network(m, {0, 1}); }, "column 17");
}

TEST(ratenet_network_errors, sensory_indices) {
  expect_error([] { network(small_weights(), {0, 7}); }, "neuron 7");
  expect_error([] { network(small_weights(), {0, -1}); }, "neuron -1");
  expect_error([] { network(small_weights(), {1, 0, 1}); }, "neuron 1 is listed twice");
}

TEST(ratenet_network_errors, input_shape) {
  const network net(small_weights(), {0, 1}, grouped(3));
  const std::vector<float> x(2 * 2 * 3, 0.1f);
  expect_error([&] { net.forward({x, {2, 3, 2}}); }, "3 sensory rows");
  expect_error([&] { net.forward({std::vector<float>(2 * 2 * 2), {2, 2, 2}}); }, "2 time steps");
  expect_error([&] { net.forward({x, {3, 2, 3}}); }, "12 values for shape (3, 2, 3)");
  expect_error([&] { net.forward({x, {0, 2, 3}}); }, "batch size");
  expect_error(
      [&] {
        net.record({x, {2, 2, 3}}, {}, {.checkpoint_interval = -1});
      },
      "checkpoint_interval");
  std::vector<float> small(5);
  expect_error([&] { net.forward({x, {2, 2, 3}}, {}, small); }, "room for 5 activations");
  expect_error([&] { net.forward({x, {2, 2, 3, 1}}); }, "got 4 dimensions");
  expect_error([&] { net.forward({x, {}}); }, "got 0 dimensions");
}

// A 2-D (sensory, steps) input is one batch item, as numpy's (1, sensory, steps).
TEST(ratenet_network, two_dimensional_input_is_one_batch_item) {
  const network net(small_weights(), {0, 1}, grouped(3));
  const std::vector<float> x{0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f};
  EXPECT_EQ(net.forward({x, {2, 3}}), net.forward({x, {1, 2, 3}}));
  EXPECT_EQ(net.record({x, {2, 3}}).shape(), (std::vector<std::int64_t>{1, 2, 3}));
}

target_activation clamp(std::optional<std::int64_t> batch, int layer, std::int64_t neuron,
                        double value) {
  return {{{batch, layer, neuron, value}}, 1};
}

TEST(ratenet_network_errors, clamps) {
  const network net(small_weights(), {0, 1}, grouped(3));
  network_params ungrouped;
  ungrouped.num_layers = 3;
  const network plain(small_weights(), {0, 1}, ungrouped);
  const std::vector<float> x(2 * 2 * 3, 0.1f);
  const std::vector<std::int64_t> shape{2, 2, 3};
  const auto run = [&](const network& n, const target_activation& m) { n.forward({x, shape}, m); };
  // Each error names the entry, in the message and as item_error's fields.
  const auto expect_item = [&](const target_activation& m, std::optional<std::int64_t> batch,
                               int layer, std::int64_t neuron, const std::string& fragment) {
    try {
      run(net, m);
      ADD_FAILURE() << "no error for " << fragment;
    } catch (const item_error& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("manipulate"), std::string::npos) << e.what();
      EXPECT_EQ(e.batch(), batch);
      EXPECT_EQ(e.layer(), layer);
      EXPECT_EQ(e.neuron(), neuron);
    }
  };
  expect_item(clamp(std::nullopt, 1, 99, 0.0), std::nullopt, 1, 99, "neuron 99");
  expect_item(clamp(std::nullopt, 5, 0, 0.0), std::nullopt, 5, 0, "layer 5");
  expect_item(clamp(std::nullopt, -1, 0, 0.0), std::nullopt, -1, 0, "layer -1");
  expect_item(clamp(4, 0, 0, 0.0), 4, 0, 0, "batch 4");
  expect_item(clamp(std::nullopt, 0, 2, std::numeric_limits<double>::quiet_NaN()), std::nullopt, 0,
              2, "neuron 2");
  // Group names are resolved by the network: an unknown one, or one without groups.
  expect_error([&] { net.members(std::string("Z")); }, "'Z'");
  EXPECT_THROW(net.members(std::string("Z")), unknown_name_error);
  expect_error([&] { plain.members(std::string("A")); }, "'A'");
  EXPECT_THROW(net.members(std::int64_t{5}), item_error);
  EXPECT_EQ(net.members(std::string("B")), (std::vector<std::int64_t>{3, 4}));
}

TEST(ratenet_network_errors, divisive_normalization) {
  network_params p = grouped();
  // S -> A includes 0 -> 2 with weight +0.5.
  p.divisive_normalization = {{"S", {"A"}}};
  expect_error(
      [&] {
        network(small_weights(), {0, 1}, p);
      },
      "from neuron 0 (group 'S') to neuron 2 (group 'A') has weight 0.5");
  p.divisive_normalization = {{"Q", {"A"}}};
  expect_error([&] { network(small_weights(), {0, 1}, p); }, "pre-group 'Q'");
  p.divisive_normalization = {{"A", {"B", "R"}}};
  expect_error([&] { network(small_weights(), {0, 1}, p); }, "post-group 'R'");
  p.divisive_normalization = {{"A", {"B"}}};
  p.divisive_strength_by_group = {{"B", 1.0}};
  expect_error([&] { network(small_weights(), {0, 1}, p); }, "pre-group 'A'");
}

TEST(ratenet_network_errors, parameters_and_trajectories) {
  network net(small_weights(), {0, 1}, grouped());
  auto p = net.parameters();
  p.slope.pop_back();
  expect_error([&] { net.set_parameters(p); }, "slope");
  p = net.parameters();
  p.tau_param[1] = std::numeric_limits<float>::quiet_NaN();
  expect_error([&] { net.set_parameters(p); }, "group 'B'");

  const std::vector<float> x(2 * 3, 0.2f);
  const auto t = net.record({x, {1, 2, 3}});
  const std::vector<float> g(5 * 3, 1.0f);
  expect_error([&] { net.backward(t, std::vector<float>(4)); }, "4 activation gradients");
  const network other(small_weights(), {0, 1}, grouped());
  expect_error([&] { other.backward(t, g); }, "another network");
  net.set_parameters(net.parameters());
  expect_error([&] { net.backward(t, g); }, "set_parameters");
  expect_error([&] { net.group_id("nope"); }, "'nope'");
}

}  // namespace
}  // namespace kenyon::ratenet

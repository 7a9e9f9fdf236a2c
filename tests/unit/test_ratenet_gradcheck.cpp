// The hand-written backward pass of the rate networks against central finite differences,
// in double precision, on small random networks with groups, divisive normalisation, time
// constants above (and below) 1, manipulations, batch > 1 and both network kinds; plus the
// checkpointed backward pass against the plain one, bit for bit.
//
// Kinks: the model is piecewise smooth (threshold, clamp <= 1, slope floor). Each random
// instance is accepted only if every pre-activation stays at least `margin` away from its
// kink; the margin is measured by an independent dense re-implementation of the forward pass
// below (which also checks the library's forward pass). Finite-difference steps of 1e-6
// move pre-activations by far less than the margin, so both sides of a difference lie on
// the same smooth piece. Loss = sum of random weights times the activations.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "kenyon/ratenet/network.hpp"
#include "kenyon/sparse/csr.hpp"
#include "seed.hpp"

namespace kenyon::ratenet {
namespace {

constexpr double fd_step = 1e-6;
constexpr double margin = 1e-4;

using clamp_entry = std::tuple<int, std::int64_t, std::int64_t, double>;  // layer, b, i, value

// A small random connectome with six groups: S (sensory), A..E. C and E (and neuron 6) are
// inhibitory; C -> {A, D} and E -> {B} act divisively.
struct toy {
  std::int64_t n = 25;
  std::vector<std::int64_t> sensory{0, 1, 2, 3, 4};
  std::vector<std::string> group;
  std::vector<double> w;  // dense, w[q * n + j], post q, pre j
  network_params params;
};

toy make_toy(std::uint64_t seed, network_kind kind, bool groups) {
  toy t;
  std::mt19937_64 rng(kenyon::test::test_seed(seed));
  std::uniform_real_distribution<double> unit(0, 1);
  for (std::int64_t i = 0; i < t.n; ++i)  // S: 0-4, A: 5-8, B: 9-12, ..., E: 21-24
    t.group.push_back(i < 5 ? "S" : std::string(1, static_cast<char>('A' + (i - 5) / 4)));
  std::vector<double> sign(static_cast<std::size_t>(t.n), 1.0);
  for (std::int64_t j = 0; j < t.n; ++j)
    if (t.group[j] == "C" || t.group[j] == "E" || j == 6) sign[j] = -1;
  t.w.assign(static_cast<std::size_t>(t.n * t.n), 0.0);
  const double scale = kind == network_kind::linear ? 0.35 : 0.6;
  for (std::int64_t q = 0; q < t.n; ++q)
    for (std::int64_t j = 0; j < t.n; ++j)
      if (j != q && unit(rng) < 0.3) t.w[q * t.n + j] = sign[j] * (0.05 + scale * unit(rng));
  // Make sure every divisive pair has connections.
  const auto force = [&](const std::string& pre, const std::string& post) {
    for (std::int64_t q = 0; q < t.n; ++q)
      if (t.group[q] == post)
        for (std::int64_t j = 0; j < t.n; ++j)
          if (t.group[j] == pre && t.w[q * t.n + j] == 0 && unit(rng) < 0.5)
            t.w[q * t.n + j] = -(0.05 + scale * unit(rng));
  };
  force("C", "A");
  force("C", "D");
  force("E", "B");

  auto& p = t.params;
  p.kind = kind;
  p.num_layers = 6;
  p.threshold = 0.05;
  p.tau = kind == network_kind::linear ? 2.5 : 3;
  p.tanh_steepness = kind == network_kind::linear ? 0.8 : 2;
  p.default_bias = 0.03;
  if (groups) {
    p.idx_to_group = t.group;
    p.tau_by_group = {{"S", 0.5}, {"A", 2.5}, {"B", 1.6}, {"C", 3}, {"D", 5}, {"E", 2}};
    if (kind == network_kind::linear)
      p.slope_by_group = {{"A", 0.9}, {"B", 1.2}, {"C", 0.7}, {"D", 1.1}, {"E", 0.6}, {"S", 1}};
    else
      p.slope_by_group = {{"A", 2}, {"B", 3}, {"C", 1.5}, {"D", 4}, {"E", 2.5}, {"S", 1}};
    p.bias_by_group = {{"S", 0.02}, {"A", 0.03}, {"B", -0.04}, {"C", 0.05}, {"D", -0.02}};
    p.divisive_normalization = {{"C", {"A", "D"}}, {"E", {"B"}}};
    p.divisive_strength_by_group = {{"C", 0.7}, {"E", 1.3}};
  }
  return t;
}

sparse::basic_csr<double> weights_of(const toy& t) {
  std::vector<float> dense(t.w.begin(), t.w.end());
  // from_dense is float only; rebuild with the exact double values.
  auto m = sparse::from_dense(dense, t.n, t.n).cast<double>();
  for (std::int64_t q = 0; q < t.n; ++q)
    for (auto k = m.row_begin[q]; k < m.row_begin[q + 1]; ++k) m.value[k] = t.w[q * t.n + m.col[k]];
  return m;
}

// ---- An independent dense forward pass (spec sections 2.2-2.3, 2.6, 2.7), with the distance
// of every pre-activation to its kink.
struct reference_result {
  std::vector<double> activations;  // (batch, n, layers)
  double margin = std::numeric_limits<double>::infinity();
};

reference_result reference_forward(const toy& t, const basic_network<double>& net,
                                   const std::vector<double>& x,
                                   const std::vector<std::int64_t>& shape,
                                   const std::vector<clamp_entry>& clamps) {
  const auto n = t.n, batch = shape[0], sensory = shape[1], steps = shape[2];
  const auto& p = t.params;
  const int layers = p.num_layers;
  const bool linear = p.kind == network_kind::linear;
  const double theta = p.threshold;
  // Per-neuron values from the network's parameters (or the scalars).
  std::vector<double> slope(n), bias(n), tau(n), strength(n, 0.0);
  std::set<std::string> sorted(t.group.begin(), t.group.end());
  const std::vector<std::string> groups(sorted.begin(), sorted.end());
  const auto& params = net.parameters();
  std::vector<std::string> pre_groups;
  for (const auto& [pre, posts] : p.divisive_normalization) pre_groups.push_back(pre);
  for (std::int64_t i = 0; i < n; ++i) {
    if (p.idx_to_group) {
      const auto g = std::find(groups.begin(), groups.end(), t.group[i]) - groups.begin();
      slope[i] = params.slope[g];
      bias[i] = std::abs(params.raw_bias[g]);
      tau[i] = std::max(1.0, params.tau_param[g]);
      const auto d =
          std::find(pre_groups.begin(), pre_groups.end(), t.group[i]) - pre_groups.begin();
      if (d < static_cast<std::ptrdiff_t>(pre_groups.size()))
        strength[i] = params.divisive_strength[d];
    } else {
      slope[i] = p.tanh_steepness;
      bias[i] = p.default_bias;
      tau[i] = p.tau;
    }
  }
  const auto divisive = [&](std::int64_t q, std::int64_t j) {
    const auto it = p.divisive_normalization.find(t.group[j]);
    if (it == p.divisive_normalization.end()) return false;
    return std::find(it->second.begin(), it->second.end(), t.group[q]) != it->second.end();
  };
  reference_result r;
  r.activations.assign(static_cast<std::size_t>(batch * n * layers), 0.0);
  const auto near = [&](double v, double kink) {
    r.margin = std::min(r.margin, std::abs(v - kink));
  };
  const auto h = [&](double z) { return z >= theta ? z : 0.0; };
  for (std::int64_t b = 0; b < batch; ++b) {
    std::vector<double> prev(n, 0.0), next(n);
    for (std::size_t j = 0; j < t.sensory.size(); ++j)
      prev[t.sensory[j]] = x[(b * sensory + j) * steps];
    for (int l = 0; l < layers; ++l) {
      for (std::int64_t q = 0; q < n; ++q) {
        double u = 0, d = 0;
        bool has_divisive = false;
        for (std::int64_t j = 0; j < n; ++j) {
          const double w = t.w[q * n + j];
          if (w == 0) continue;
          if (divisive(q, j)) {
            d += w * strength[j] * prev[j];
            has_divisive = true;
          } else {
            u += w * prev[j];
          }
        }
        double beta = slope[q];
        if (has_divisive) {
          near(beta * (1 + d), 0);
          beta = std::max(0.0, beta * (1 + d));
        }
        const double z = beta * u + bias[q];
        double a;
        if (linear) {
          a = z / tau[q] + (tau[q] - 1) / tau[q] * prev[q];
        } else {
          near(z, theta);
          a = std::tanh(h(z)) / tau[q] + (tau[q] - 1) / tau[q] * prev[q];
        }
        if (l < layers - 1) {
          const auto pos = std::find(t.sensory.begin(), t.sensory.end(), q) - t.sensory.begin();
          if (pos < static_cast<std::ptrdiff_t>(t.sensory.size()))
            a += x[(b * sensory + pos) * steps + l + 1];
          if (!linear) {
            near(a, theta);
            a = h(a);
            near(a, 1);
            a = std::min(a, 1.0);
          }
        }
        next[q] = a;
      }
      for (const auto& [layer, cb, ci, v] : clamps)
        if (layer == l && cb == b) next[ci] = v;
      for (std::int64_t q = 0; q < n; ++q) r.activations[(b * n + q) * layers + l] = next[q];
      prev = next;
    }
  }
  return r;
}

// ---- The checks

double loss(const std::vector<double>& activations, const std::vector<double>& weights) {
  double s = 0;
  for (std::size_t k = 0; k < activations.size(); ++k) s += weights[k] * activations[k];
  return s;
}

void expect_gradient(double analytic, double numeric, const std::string& what) {
  EXPECT_NEAR(analytic, numeric, 1e-6 + 1e-5 * std::abs(numeric)) << what;
}

void expect_identical(const gradients<double>& a, const gradients<double>& b, int interval) {
  EXPECT_EQ(a.input, b.input) << "checkpoint interval " << interval;
  EXPECT_EQ(a.parameters.slope, b.parameters.slope) << "checkpoint interval " << interval;
  EXPECT_EQ(a.parameters.raw_bias, b.parameters.raw_bias) << "checkpoint interval " << interval;
  EXPECT_EQ(a.parameters.tau_param, b.parameters.tau_param) << "checkpoint interval " << interval;
  EXPECT_EQ(a.parameters.divisive_strength, b.parameters.divisive_strength)
      << "checkpoint interval " << interval;
}

struct gradcheck_case {
  network_kind kind = network_kind::multilayered;
  bool groups = true;
  int layers = 6;
  std::int64_t batch = 3;
  bool manipulate = false;
};

void gradcheck(const gradcheck_case& c) {
  // Find a random instance away from every kink.
  for (std::uint64_t seed = 1; seed <= 100; ++seed) {
    toy t = make_toy(seed, c.kind, c.groups);
    t.params.num_layers = c.layers;
    basic_network<double> net(weights_of(t), t.sensory, t.params);
    std::mt19937_64 rng(kenyon::test::test_seed(1000 + seed));
    std::uniform_real_distribution<double> unit(0, 1);
    const std::vector<std::int64_t> shape{c.batch, 5, c.layers + 1};  // one column more than used
    std::vector<double> x(static_cast<std::size_t>(shape[0] * shape[1] * shape[2]));
    for (auto& v : x) v = c.kind == network_kind::linear ? unit(rng) - 0.4 : 0.8 * unit(rng);
    std::vector<double> w(static_cast<std::size_t>(shape[0] * t.n * c.layers));
    std::normal_distribution<double> normal;
    for (auto& v : w) v = normal(rng);

    target_activation m;
    std::vector<clamp_entry> clamps;
    if (c.manipulate) {
      const int l1 = std::min(2, c.layers - 1), l2 = std::min(3, c.layers - 1);
      m.targets = {{std::nullopt, l1, 7, 0.3}, {std::nullopt, l1, 0, 0.9}};
      for (std::int64_t b = 0; b < c.batch; ++b) {
        clamps.emplace_back(l1, b, 0, 0.9);
        clamps.emplace_back(l1, b, 7, 0.3);
      }
      const std::int64_t last = c.batch - 1;
      if (c.groups) {
        m.add(last, l2, net.members(std::string("B")), 0.6);
        for (std::int64_t i = 0; i < t.n; ++i)
          if (t.group[i] == "B") clamps.emplace_back(l2, last, i, 0.6);
      } else {
        m.targets.push_back({last, l2, 20, 0.0});
        clamps.emplace_back(l2, last, 20, 0.0);
      }
    }

    const auto reference = reference_forward(t, net, x, shape, clamps);
    if (reference.margin < margin) continue;
    SCOPED_TRACE("seed " + std::to_string(seed));

    // The library's forward pass against the dense one.
    const auto acts = net.forward({x, shape}, m);
    ASSERT_EQ(acts.size(), reference.activations.size());
    for (std::size_t k = 0; k < acts.size(); ++k)
      ASSERT_NEAR(acts[k], reference.activations[k], 1e-12 * (1 + std::abs(acts[k]))) << k;

    const auto base = net.backward(net.record({x, shape}, m), w);
    for (int interval : {1, 2, 3, 4, c.layers, c.layers + 5})
      expect_identical(
          net.backward(net.record({x, shape}, m, {.checkpoint_interval = interval}), w), base,
          interval);

    const auto f = [&]() { return loss(net.forward({x, shape}, m), w); };
    // Input gradient, every entry (the extra column must get exactly 0).
    double norm = 0;
    for (std::size_t k = 0; k < x.size(); ++k) {
      const double x0 = x[k];
      x[k] = x0 + fd_step;
      const double up = f();
      x[k] = x0 - fd_step;
      const double down = f();
      x[k] = x0;
      expect_gradient(base.input[k], (up - down) / (2 * fd_step),
                      "input entry " + std::to_string(k));
      if (static_cast<std::int64_t>(k) % shape[2] >= c.layers) {
        EXPECT_EQ(base.input[k], 0.0) << "input entry " << k << " (past the last layer)";
      }
      norm += base.input[k] * base.input[k];
    }
    EXPECT_GT(norm, 1e-4) << "input gradient vanishes: the check would be empty";

    if (!c.groups) {
      EXPECT_TRUE(base.parameters.slope.empty());
      EXPECT_TRUE(base.parameters.raw_bias.empty());
      return;
    }
    // Parameter gradients.
    const auto original = net.parameters();
    const auto check = [&](std::vector<double> group_parameters<double>::*field,
                           const std::vector<double>& analytic, const std::string& name,
                           bool nonzero = true) {
      ASSERT_EQ(analytic.size(), (original.*field).size()) << name;
      double field_norm = 0;
      for (std::size_t g = 0; g < analytic.size(); ++g) {
        auto p = original;
        (p.*field)[g] += fd_step;
        net.set_parameters(p);
        const double up = f();
        (p.*field)[g] -= 2 * fd_step;
        net.set_parameters(p);
        const double down = f();
        expect_gradient(analytic[g], (up - down) / (2 * fd_step), name + " " + std::to_string(g));
        field_norm += analytic[g] * analytic[g];
      }
      net.set_parameters(original);
      if (nonzero) {
        EXPECT_GT(field_norm, 1e-6) << name << " gradient vanishes: the check would be empty";
      }
    };
    check(&group_parameters<double>::slope, base.parameters.slope, "slope");
    check(&group_parameters<double>::raw_bias, base.parameters.raw_bias, "raw_bias");
    check(&group_parameters<double>::tau_param, base.parameters.tau_param, "tau_param");
    // With one layer only the sensory neurons are active before it, and they are not in a
    // divisive pre-group.
    check(&group_parameters<double>::divisive_strength, base.parameters.divisive_strength,
          "divisive_strength", c.layers > 1);
    // Group S has tau_param 0.5: max(1, .) is flat there.
    EXPECT_EQ(base.parameters.tau_param[static_cast<std::size_t>(net.group_id("S"))], 0.0);
    return;
  }
  FAIL() << "no random instance away from the kinks in 100 seeds";
}

TEST(ratenet_gradcheck, multilayered_groups_divisive) { gradcheck({}); }

TEST(ratenet_gradcheck, multilayered_groups_manipulated) { gradcheck({.manipulate = true}); }

TEST(ratenet_gradcheck, multilayered_without_groups) {
  gradcheck({.groups = false, .manipulate = true});
}

TEST(ratenet_gradcheck, multilayered_batch1_one_layer) { gradcheck({.layers = 1, .batch = 1}); }

TEST(ratenet_gradcheck, multilayered_batch1_two_layers) { gradcheck({.layers = 2, .batch = 1}); }

TEST(ratenet_gradcheck, linear_groups_divisive) { gradcheck({.kind = network_kind::linear}); }

TEST(ratenet_gradcheck, linear_groups_manipulated) {
  gradcheck({.kind = network_kind::linear, .manipulate = true});
}

TEST(ratenet_gradcheck, linear_without_groups) {
  gradcheck({.kind = network_kind::linear, .groups = false});
}

// The observer's dLoss/da_m is the gradient with respect to the state after manipulation:
// check it by clamping that one state entry to its own value +- h.
TEST(ratenet_gradcheck, observed_state_gradients) {
  for (std::uint64_t seed = 1; seed <= 100; ++seed) {
    const toy t = make_toy(seed, network_kind::multilayered, true);
    basic_network<double> net(weights_of(t), t.sensory, t.params);
    const std::vector<std::int64_t> shape{2, 5, 6};
    std::mt19937_64 rng(kenyon::test::test_seed(seed));
    std::uniform_real_distribution<double> unit(0, 1);
    std::vector<double> x(60), w(2 * 25 * 6);
    for (auto& v : x) v = 0.8 * unit(rng);
    for (auto& v : w) v = unit(rng) - 0.5;
    if (reference_forward(t, net, x, shape, {}).margin < margin) continue;

    const auto acts = net.forward({x, shape});
    std::map<int, std::vector<double>> observed;
    const auto grads = net.backward(
        net.record({x, shape}, {}, {.checkpoint_interval = 2}),
        [&](int layer, std::span<const double>, std::span<double> grad) {
          for (std::int64_t i = 0; i < 25; ++i)
            for (std::int64_t b = 0; b < 2; ++b) grad[i * 2 + b] += w[(b * 25 + i) * 6 + layer];
        },
        [&](int layer, std::span<const double> grad) {
          observed[layer].assign(grad.begin(), grad.end());
        });
    // The seed form and the (batch, N, L) form agree.
    EXPECT_EQ(grads.input, net.backward(net.record({x, shape}), w).input);
    ASSERT_EQ(observed.size(), 6u);
    for (int layer : {0, 2, 4, 5})
      for (std::int64_t i : {0, 3, 9, 14, 19, 24})
        for (std::int64_t b : {0, 1}) {
          const double v0 = acts[(b * 25 + i) * 6 + layer];
          const auto at = [&](double v) {
            const target_activation m{{{b, layer, i, v}}, 1};
            return loss(net.forward({x, shape}, m), w);
          };
          expect_gradient(observed[layer][i * 2 + b],
                          (at(v0 + fd_step) - at(v0 - fd_step)) / (2 * fd_step),
                          "layer " + std::to_string(layer) + " neuron " + std::to_string(i) +
                              " batch " + std::to_string(b));
        }
    return;
  }
  FAIL() << "no random instance away from the kinks in 100 seeds";
}

}  // namespace
}  // namespace kenyon::ratenet

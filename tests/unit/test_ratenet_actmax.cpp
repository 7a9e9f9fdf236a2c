// Activation maximisation against connectome_interpreter's outputs (manifest cases am_*),
// within rtol 1e-3 / atol 1e-4.
#include <gtest/gtest.h>

#include "kenyon/core/error.hpp"
#include "kenyon/ratenet/actmax.hpp"
#include "reference_case.hpp"

namespace kenyon::ratenet {
namespace {

using test::allclose;
using test::reference_floats;

std::vector<float> as_floats(const std::vector<double>& v) { return {v.begin(), v.end()}; }

void expect_case(const actmax_result& r, const std::string& name) {
  EXPECT_EQ(allclose(r.input, reference_floats(name + "_opt_in"), 1e-3, 1e-4), "") << name;
  EXPECT_EQ(allclose(r.activations, reference_floats(name + "_out"), 1e-3, 1e-4), "") << name;
  EXPECT_EQ(allclose(as_floats(r.target_loss), reference_floats(name + "_act_loss"), 1e-3, 1e-4),
            "")
      << name;
  EXPECT_EQ(allclose(as_floats(r.out_reg), reference_floats(name + "_out_reg"), 1e-3, 1e-4), "")
      << name;
  EXPECT_EQ(allclose(as_floats(r.in_reg), reference_floats(name + "_in_reg"), 1e-3, 1e-4), "")
      << name;
  std::vector<float> snaps;
  for (const auto& s : r.snapshots) snaps.insert(snaps.end(), s.begin(), s.end());
  EXPECT_EQ(allclose(snaps, reference_floats(name + "_snapshots"), 1e-3, 1e-4), "") << name;
}

struct grouped_case {
  network net{test::reference_weights(), test::reference_sensory(), test::grouped_params()};
  target_activation targets =
      target_activation::same_for_all({{5, {{200, 0.8}, {201, 0.8}}}, {3, {{100, 0.0}}}}, 2);
  std::vector<float> init = reference_floats("am_init");
};

actmax_params seed0(bool early_stopping) {
  actmax_params p;
  p.num_iterations = 30;
  p.learning_rate = 0.1;
  p.early_stopping = early_stopping;
  return p;
}

TEST(ratenet_actmax, reference_without_early_stopping) {
  grouped_case c;
  const auto r = activation_maximisation(c.net, c.targets, seed0(false), c.init);
  EXPECT_EQ(r.iterations, 30);
  expect_case(r, "am_seed0_noES");
}

TEST(ratenet_actmax, reference_early_stopping_stops_before_recording) {
  grouped_case c;
  auto p = seed0(true);
  p.stopping_threshold = 0.3;
  p.n_runs = 5;
  const auto r = activation_maximisation(c.net, c.targets, p, c.init);
  EXPECT_EQ(r.iterations, 16);
  EXPECT_EQ(r.target_loss.size(), 16u);
  expect_case(r, "am_seed0_ES");
}

TEST(ratenet_actmax, reference_normalised_gradients) {
  grouped_case c;
  auto p = seed0(false);
  p.normalize_gradients = true;
  expect_case(activation_maximisation(c.net, c.targets, p, c.init), "am_seed0_normgrad");
}

TEST(ratenet_actmax, reference_small_regularisation) {
  grouped_case c;
  auto p = seed0(false);
  p.in_reg_lambda = 1e-4;
  p.out_reg_lambda = 1e-5;
  expect_case(activation_maximisation(c.net, c.targets, p, c.init), "am_seed0_smallreg");
}

TEST(ratenet_actmax, reference_batch_one_with_a_target_table_and_checkpointing) {
  network_params params;
  params.num_layers = 6;
  params.tau = 2;
  const network net(test::reference_weights(), test::reference_sensory(), params);
  target_activation targets;
  targets.targets = {{0, 4, 150, 1.0}, {0, 2, 60, 0.5}};
  actmax_params p;
  p.num_iterations = 20;
  p.learning_rate = 0.05;
  p.early_stopping = false;
  p.checkpoint_interval = 2;  // bit-identical gradients, less memory
  expect_case(activation_maximisation(net, targets, p, reference_floats("am_b1_init")), "am_b1_df");
}

// A custom regulariser takes the general path (whole activation tensors); the default one
// is computed layer by layer. The same function both ways gives the same optimisation.
TEST(ratenet_actmax, custom_regulariser_path_matches_the_streamed_default) {
  grouped_case c;
  auto p = seed0(false);
  const auto streamed = activation_maximisation(c.net, c.targets, p, c.init);
  p.out_reg = [](std::span<const float> a, std::span<float> g, float scale) {
    return l1_plus_l2(a, g, scale);
  };
  const auto general = activation_maximisation(c.net, c.targets, p, c.init);
  EXPECT_EQ(allclose(general.input, streamed.input, 1e-5, 1e-6), "");
  EXPECT_EQ(allclose(as_floats(general.out_reg), as_floats(streamed.out_reg), 1e-6, 1e-9), "");
  // And a different custom regulariser changes the result.
  p.out_reg = [](std::span<const float> a, std::span<float> g, float scale) {
    double s = 0;
    for (std::size_t k = 0; k < a.size(); ++k) {
      s += double(a[k]) * a[k];
      g[k] += scale * 2 * a[k];
    }
    return s;
  };
  EXPECT_NE(activation_maximisation(c.net, c.targets, p, c.init).input, streamed.input);
}

// The per-value ("mean") regulariser: also computed layer by layer, matching the general
// path; equal to the sum version divided by n (L1) and sqrt(n) (L2).
TEST(ratenet_actmax, mean_regulariser_streamed_matches_general_and_scales_the_sum) {
  grouped_case c;
  auto p = seed0(false);
  p.out_reg = l1_plus_l2_mean;
  p.in_reg = l1_plus_l2_mean;
  const auto streamed = activation_maximisation(c.net, c.targets, p, c.init);
  p.out_reg = [](std::span<const float> a, std::span<float> g, float scale) {
    return l1_plus_l2_mean(a, g, scale);
  };
  const auto general = activation_maximisation(c.net, c.targets, p, c.init);
  EXPECT_EQ(allclose(general.input, streamed.input, 1e-5, 1e-6), "");
  EXPECT_EQ(allclose(as_floats(general.out_reg), as_floats(streamed.out_reg), 1e-6, 1e-9), "");

  const std::vector<float> x{3, -4, 0, 0};
  std::vector<float> g_sum(4, 0.0f), g_mean(4, 0.0f);
  EXPECT_DOUBLE_EQ(l1_plus_l2(x, g_sum, 1), 7 + 5);
  EXPECT_DOUBLE_EQ(l1_plus_l2_mean(x, g_mean, 1), 7.0 / 4 + 5.0 / 2);
  // d/dx0: sign/4 + x0 / (sqrt(4) * ||x||) = 1/4 + 3/10.
  EXPECT_FLOAT_EQ(g_mean[0], 0.25f + 0.3f);
  EXPECT_FLOAT_EQ(g_mean[1], -0.25f - 0.4f);
  EXPECT_FLOAT_EQ(g_mean[2], 0.0f);
}

// target_loss is the loss the optimisation reports: the first iteration's is the initial
// input's, and a repeated target counts once, with its last value.
TEST(ratenet_actmax, target_loss_is_the_reported_loss) {
  grouped_case c;
  auto p = seed0(false);
  const auto r = activation_maximisation(c.net, c.targets, p, c.init);
  ASSERT_FALSE(r.target_loss.empty());
  const std::vector<std::int64_t> shape{c.targets.batch_size, c.net.num_sensory(),
                                        c.net.num_layers()};
  const auto start = c.net.forward({c.init, shape});
  EXPECT_NEAR(target_loss(c.net, c.targets, start), r.target_loss.front(),
              1e-9 * std::max(1.0, r.target_loss.front()));
  auto repeated = c.targets;
  auto last = repeated.targets.back();
  repeated.targets.back().value += 5;  // overridden by the repeat below
  repeated.targets.push_back(last);
  EXPECT_DOUBLE_EQ(target_loss(c.net, repeated, start), target_loss(c.net, c.targets, start));
  EXPECT_THROW(target_loss(c.net, c.targets, std::vector<float>(3)), kenyon::error);
}

TEST(ratenet_actmax, bad_targets_and_inputs_are_named) {
  grouped_case c;
  auto bad = c.targets;
  bad.targets.push_back({0, 9, 5, 1.0});
  EXPECT_THROW(activation_maximisation(c.net, bad, seed0(false), c.init), error);
  bad = c.targets;
  bad.targets.push_back({0, 2, 300, 1.0});
  try {
    activation_maximisation(c.net, bad, seed0(false), c.init);
    FAIL();
  } catch (const error& e) {
    EXPECT_NE(std::string(e.what()).find("neuron 300"), std::string::npos) << e.what();
  }
  const std::vector<float> wrong(7, 0.0f);
  EXPECT_THROW(activation_maximisation(c.net, c.targets, seed0(false), wrong), error);
}

TEST(ratenet_actmax, seeded_start_is_reproducible_and_reduces_the_target_loss) {
  grouped_case c;
  auto p = seed0(false);
  p.in_reg_lambda = 1e-4;
  p.out_reg_lambda = 1e-5;
  p.seed = 9;
  const auto a = activation_maximisation(c.net, c.targets, p);
  const auto b = activation_maximisation(c.net, c.targets, p);
  EXPECT_EQ(a.input, b.input);
  EXPECT_LT(a.target_loss.back(), a.target_loss.front());
}

}  // namespace
}  // namespace kenyon::ratenet

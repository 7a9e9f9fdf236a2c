// Numerical guards: a NaN or infinity provoked on purpose in a rate network's forward and
// backward pass, activation maximisation, training and a MothNet simulation is reported
// with exactly where it first appeared (layer, neuron, batch item, iteration, epoch, time
// step, population), and the status says non_finite.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "kenyon/core/numeric_status.hpp"
#include "kenyon/data/dataset.hpp"
#include "kenyon/moth/experiment.hpp"
#include "kenyon/moth/network.hpp"
#include "kenyon/moth/protocol.hpp"
#include "kenyon/moth/simulate.hpp"
#include "kenyon/ratenet/actmax.hpp"
#include "kenyon/ratenet/attribution.hpp"
#include "kenyon/ratenet/network.hpp"
#include "kenyon/ratenet/results.hpp"
#include "kenyon/ratenet/train.hpp"
#include "moth_fixtures.hpp"
#include "reference_case.hpp"
#include "require.hpp"

namespace kenyon {
namespace {

constexpr float nan_value = std::numeric_limits<float>::quiet_NaN();
constexpr float inf_value = std::numeric_limits<float>::infinity();

// ---- The checker and the report

TEST(numeric_guards, first_non_finite_finds_the_lowest_index) {
  std::vector<float> v(1000, 1.0f);
  EXPECT_EQ(first_non_finite(std::span<const float>(v)), -1);
  v[700] = -inf_value;
  v[412] = nan_value;
  EXPECT_EQ(first_non_finite(std::span<const float>(v)), 412);
  // Large finite values do not count, however their sum would overflow.
  std::vector<double> big(1 << 19, 1e308);
  EXPECT_EQ(first_non_finite(std::span<const double>(big)), -1);
  big[300000] = std::numeric_limits<double>::infinity();
  EXPECT_EQ(first_non_finite(std::span<const double>(big)), 300000);
}

TEST(numeric_guards, report_message_and_json_name_every_coordinate) {
  const non_finite_report r{.where = "forward",
                            .quantity = "state",
                            .layer = 2,
                            .neuron = 17,
                            .batch = 1,
                            .cell_type = "KC",
                            .value = nan_value};
  EXPECT_EQ(r.message(), "forward: state at layer 2, neuron 17 (KC), batch item 1 is nan");
  const auto j = to_json(r);
  EXPECT_EQ(j["layer"], 2);
  EXPECT_EQ(j["neuron"], 17);
  EXPECT_EQ(j["batch"], 1);
  EXPECT_EQ(j["cell_type"], "KC");
  EXPECT_EQ(j["value"], "nan");
  EXPECT_FALSE(j.contains("step"));
  EXPECT_EQ(to_string(status_of(r)), "non_finite");
  EXPECT_EQ(to_string(status_of(std::nullopt)), "ok");
}

}  // namespace

namespace ratenet {
namespace {

// Five neurons: 0 and 1 sensory, groups S S A B B; 1 -> 3, 2 -> 3 and 2 -> 4 inhibitory.
sparse::csr_matrix small_weights() {
  const std::vector<std::int64_t> row{2, 2, 3, 3, 4, 4, 0};
  const std::vector<std::int64_t> col{0, 1, 1, 2, 2, 3, 4};
  const std::vector<float> val{0.5f, 0.4f, -0.3f, -0.6f, -0.7f, 0.2f, 0.1f};
  return sparse::from_triplets(5, 5, row, col, val);
}

// Linear units, so that nothing (threshold, clamp to 1) hides the value.
network_params linear_grouped(int layers) {
  network_params p;
  p.kind = network_kind::linear;
  p.num_layers = layers;
  p.idx_to_group = std::vector<std::string>{"S", "S", "A", "B", "B"};
  return p;
}

// legacy_activation_linear, except that neuron `neuron` of batch item `batch` becomes
// `value` from layer `layer` on.
activation_function<float> poisoned(int layer, std::int64_t neuron, std::int64_t batch,
                                    float value) {
  return [=](const network& net, const step_arguments<float>& s) {
    legacy_activation_linear(net, s);
    if (s.layer == layer) s.out[static_cast<std::size_t>(neuron * s.batch + batch)] = value;
  };
}

const std::vector<float> batch3_input = [] {
  std::vector<float> x(3 * 2 * 4);
  for (std::size_t k = 0; k < x.size(); ++k) x[k] = 0.1f * static_cast<float>(k % 7);
  return x;
}();

TEST(numeric_guards, forward_names_the_layer_neuron_and_batch_item_of_a_custom_nan) {
  const network net(small_weights(), {0, 1}, linear_grouped(4), poisoned(2, 3, 1, nan_value));
  std::vector<float> a(3 * 5 * 4);
  const auto r = net.forward({batch3_input, {3, 2, 4}}, {}, a);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->where, "forward");
  EXPECT_EQ(r->quantity, "state");
  EXPECT_EQ(r->layer, 2);
  EXPECT_EQ(r->neuron, 3);
  EXPECT_EQ(r->batch, 1);
  EXPECT_EQ(r->cell_type, "B");
  EXPECT_TRUE(std::isnan(r->value));
  // The numbers are left as they are: the NaN propagates (connectome_interpreter does).
  EXPECT_TRUE(std::isnan(a[(1 * 5 + 3) * 4 + 2]));
  EXPECT_TRUE(std::isnan(a[(1 * 5 + 3) * 4 + 3]));
  EXPECT_FALSE(std::isnan(a[(0 * 5 + 3) * 4 + 2]));
  // record() keeps the same report, whatever the checkpoint interval.
  for (int interval : {0, 1, 2}) {
    const auto t = net.record({batch3_input, {3, 2, 4}}, {}, {.checkpoint_interval = interval});
    ASSERT_EQ(t.status(), numeric_status::non_finite);
    EXPECT_EQ(t.non_finite()->layer, 2);
    EXPECT_EQ(t.non_finite()->neuron, 3);
    EXPECT_EQ(t.non_finite()->batch, 1);
  }
}

TEST(numeric_guards, forward_reports_an_infinity_and_a_nan_input) {
  const network inf_net(small_weights(), {0, 1}, linear_grouped(4), poisoned(0, 4, 2, inf_value));
  std::vector<float> a(3 * 5 * 4);
  const auto r = inf_net.forward({batch3_input, {3, 2, 4}}, {}, a);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->layer, 0);
  EXPECT_EQ(r->neuron, 4);
  EXPECT_EQ(r->batch, 2);
  EXPECT_EQ(r->value, std::numeric_limits<double>::infinity());

  // A finite run reports nothing.
  const network plain(small_weights(), {0, 1}, linear_grouped(4));
  EXPECT_FALSE(plain.forward({batch3_input, {3, 2, 4}}, {}, a));
  EXPECT_EQ(plain.record({batch3_input, {3, 2, 4}}).status(), numeric_status::ok);

  // A NaN in the input of sensory neuron 1 at column 0 reaches neuron 1 at layer 0.
  auto x = batch3_input;
  x[(0 * 2 + 1) * 4 + 0] = nan_value;
  const auto n = plain.forward({x, {3, 2, 4}}, {}, a);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->layer, 0);
  EXPECT_EQ(n->neuron, 1);
  EXPECT_EQ(n->batch, 0);
  EXPECT_EQ(n->cell_type, "S");
}

TEST(numeric_guards, backward_names_the_layer_of_a_nan_gradient) {
  const network net(small_weights(), {0, 1}, linear_grouped(4));
  const auto t = net.record({batch3_input, {3, 2, 4}});
  std::vector<float> g(3 * 5 * 4, 0.0f);
  g[(0 * 5 + 2) * 4 + 3] = 1.0f;
  EXPECT_FALSE(net.backward(t, g).non_finite);
  g[(2 * 5 + 4) * 4 + 1] = nan_value;  // batch item 2, neuron 4, layer 1
  const auto r = net.backward(t, g).non_finite;
  ASSERT_TRUE(r);
  EXPECT_EQ(r->where, "backward");
  EXPECT_EQ(r->quantity, "gradient");
  EXPECT_EQ(r->layer, 1);
  EXPECT_EQ(r->neuron, 4);
  EXPECT_EQ(r->batch, 2);
}

TEST(numeric_guards, saliency_and_gradients_report_the_forward_state) {
  // Linear units with slope 1e20 on the chain 0 -> 2 -> 3: neuron 2 reaches about 1e19 at
  // layer 0 and neuron 3 overflows at layer 1.
  auto p = linear_grouped(4);
  p.tanh_steepness = 1e20;
  p.tau = 1;
  const network net(small_weights(), {0, 1}, p);
  const std::vector<float> x(2 * 4, 1.0f);
  target_activation of_interest;
  const std::vector<std::int64_t> four{4};
  of_interest.add(std::nullopt, 3, four, 1.0);
  std::optional<non_finite_report> r;
  saliency(net, {x, {1, 2, 4}}, of_interest, attribution_method::vanilla, false, &r);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->where, "forward");
  EXPECT_EQ(r->layer, 1);
  EXPECT_EQ(r->neuron, 3);
  gradient_params g;
  g.monitor = {std::string("A")};
  g.targets = of_interest;
  const auto t = get_gradients(net, {x, {1, 2, 4}}, g);
  ASSERT_TRUE(t.non_finite);
  EXPECT_EQ(t.non_finite->layer, 1);
  EXPECT_EQ(t.non_finite->neuron, 3);
  // A finite network reports nothing.
  const network plain(small_weights(), {0, 1}, linear_grouped(4));
  saliency(plain, {x, {1, 2, 4}}, of_interest, attribution_method::vanilla, false, &r);
  EXPECT_FALSE(r);
}

// ---- Activation maximisation

struct actmax_case {
  network net{test::reference_weights(), test::reference_sensory(), test::grouped_params()};
  target_activation targets = target_activation::same_for_all({{5, {{200, 0.8}}}}, 2);
};

TEST(numeric_guards, actmax_stops_at_the_custom_nan_state_of_its_first_iteration) {
  const network net(small_weights(), {0, 1}, linear_grouped(4), poisoned(3, 2, 0, nan_value));
  const auto targets = target_activation::same_for_all({{3, {{4, 0.5}}}}, 1);
  actmax_params p;
  p.num_iterations = 5;
  const auto r = activation_maximisation(net, targets, p);
  ASSERT_EQ(r.status(), numeric_status::non_finite);
  EXPECT_EQ(r.non_finite->where, "actmax");
  EXPECT_EQ(r.non_finite->quantity, "state");
  EXPECT_EQ(r.non_finite->step, 0);
  EXPECT_EQ(r.non_finite->layer, 3);
  EXPECT_EQ(r.non_finite->neuron, 2);
  EXPECT_EQ(r.non_finite->batch, 0);
  EXPECT_EQ(r.non_finite->cell_type, "A");
  EXPECT_EQ(r.iterations, 0);
  EXPECT_TRUE(r.target_loss.empty());
}

TEST(numeric_guards, actmax_names_the_iteration_layer_and_neuron_of_an_infinite_gradient) {
  actmax_case c;
  actmax_params p;
  p.num_iterations = 10;
  p.early_stopping = false;
  // From the third call on, the activity regulariser's gradient is infinite at batch item
  // 1, neuron 123, layer 4 of the (batch, N, L) activations.
  int calls = 0;
  p.out_reg = [&calls](std::span<const float> x, std::span<float> grad, float scale) {
    const double value = l1_plus_l2(x, grad, scale);
    if (++calls >= 3) grad[static_cast<std::size_t>((1 * 300 + 123) * 6 + 4)] = inf_value;
    return value;
  };
  const auto r = activation_maximisation(c.net, c.targets, p);
  ASSERT_EQ(r.status(), numeric_status::non_finite);
  EXPECT_EQ(r.non_finite->quantity, "gradient");
  EXPECT_EQ(r.non_finite->step, 2);
  EXPECT_EQ(r.non_finite->layer, 4);
  EXPECT_EQ(r.non_finite->neuron, 123);
  EXPECT_EQ(r.non_finite->batch, 1);
  EXPECT_EQ(r.non_finite->cell_type,
            c.net.groups()[static_cast<std::size_t>(c.net.group_of()[123])]);
  // Two updates were done; the third iteration's losses are not in the history.
  EXPECT_EQ(r.iterations, 2);
  EXPECT_EQ(r.target_loss.size(), 2u);
  EXPECT_EQ(r.activations.size(), 2u * 300 * 6);
}

TEST(numeric_guards, actmax_names_a_nan_regulariser) {
  actmax_case c;
  actmax_params p;
  p.num_iterations = 10;
  p.early_stopping = false;
  int calls = 0;
  p.in_reg = [&calls](std::span<const float> x, std::span<float> grad, float scale) {
    const double value = l1_plus_l2(x, grad, scale);
    return ++calls == 4 ? std::numeric_limits<double>::quiet_NaN() : value;
  };
  const auto r = activation_maximisation(c.net, c.targets, p);
  ASSERT_TRUE(r.non_finite);
  EXPECT_EQ(r.non_finite->quantity, "input regulariser");
  EXPECT_EQ(r.non_finite->step, 3);
  EXPECT_EQ(r.non_finite->layer, -1);
  EXPECT_EQ(r.iterations, 3);

  // Without it the reference run is untouched: status ok.
  actmax_case d;
  p.in_reg = l1_plus_l2;
  EXPECT_EQ(activation_maximisation(d.net, d.targets, p).status(), numeric_status::ok);
}

// ---- Training

struct train_case {
  network net{test::reference_weights(), test::reference_sensory(), test::grouped_params()};
  std::vector<float> x = test::reference_floats("train_X");  // (10, 40, 6)
  std::vector<training_target> targets;
  train_params p;
  train_case() {
    for (std::int64_t b = 0; b < 10; ++b) targets.push_back({b, 150, 4, 0.3});
    p.num_epochs = 4;
    p.train_indices = std::vector<std::int64_t>{3, 0, 1, 7, 5};
  }
  train_result run() { return train_model(net, {x, {10, 40, 6}}, targets, p); }
};

TEST(numeric_guards, train_skips_and_counts_epochs_whose_loss_overflows) {
  train_case c;
  // Infinite on epochs 1 and 3 (the training calls carry a gradient).
  int epoch = 0;
  c.p.loss = loss_kind::custom;
  c.p.custom_loss = [&epoch](std::span<const float> y, std::span<const float> t,
                             std::span<float> grad) {
    double sum = 0;
    for (std::size_t k = 0; k < y.size(); ++k) {
      sum += double(y[k] - t[k]) * (y[k] - t[k]);
      if (!grad.empty()) grad[k] = 2 * (y[k] - t[k]) / static_cast<float>(y.size());
    }
    if (grad.empty()) return sum / double(y.size());
    return epoch++ % 2 == 1 ? std::numeric_limits<double>::infinity() : sum / double(y.size());
  };
  const auto before = c.net.parameters();
  const auto r = c.run();
  EXPECT_EQ(r.skipped_steps, 2);
  ASSERT_EQ(r.status(), numeric_status::non_finite);
  EXPECT_EQ(r.non_finite->where, "train");
  EXPECT_EQ(r.non_finite->quantity, "loss");
  EXPECT_EQ(r.non_finite->step, 1);
  EXPECT_EQ(r.non_finite->value, std::numeric_limits<double>::infinity());
  EXPECT_NE(r.parameters.slope, before.slope);  // epochs 0 and 2 were applied
  EXPECT_EQ(r.history.loss.size(), 4u);
}

TEST(numeric_guards, train_with_huge_targets_skips_every_update) {
  train_case c;
  for (auto& t : c.targets) t.value = 1e200;  // finite as a double, infinite as a float
  const auto before = c.net.parameters();
  const auto r = c.run();
  EXPECT_EQ(r.skipped_steps, 4);
  ASSERT_TRUE(r.non_finite);
  EXPECT_EQ(r.non_finite->quantity, "loss");
  EXPECT_EQ(r.non_finite->step, 0);
  EXPECT_EQ(r.parameters.slope, before.slope);
}

TEST(numeric_guards, train_names_the_layer_neuron_and_batch_item_of_a_nan_gradient) {
  train_case c;
  c.p.loss = loss_kind::custom;
  // A NaN gradient for the target row of batch item 1 (rows come in the table's order:
  // items 0, 1, 3, 5, 7; item 1 is the third of the training order 3, 0, 1, 7, 5) from
  // epoch 2 on.
  int epoch = 0;
  c.p.custom_loss = [&epoch](std::span<const float> y, std::span<const float> t,
                             std::span<float> grad) {
    double sum = 0;
    for (std::size_t k = 0; k < y.size(); ++k) {
      sum += double(y[k] - t[k]) * (y[k] - t[k]);
      if (!grad.empty()) grad[k] = 2 * (y[k] - t[k]) / static_cast<float>(y.size());
    }
    if (!grad.empty() && epoch++ >= 2) grad[1] = nan_value;
    return sum / double(y.size());
  };
  const auto r = c.run();
  EXPECT_EQ(r.skipped_steps, 2);
  ASSERT_TRUE(r.non_finite);
  EXPECT_EQ(r.non_finite->quantity, "gradient");
  EXPECT_EQ(r.non_finite->step, 2);
  EXPECT_EQ(r.non_finite->layer, 4);
  EXPECT_EQ(r.non_finite->neuron, 150);
  EXPECT_EQ(r.non_finite->batch, 1);  // in the full input, not the training subset
  EXPECT_TRUE(std::isfinite(r.history.loss[3]));
}

}  // namespace
}  // namespace ratenet

namespace moth {
namespace {

TEST(numeric_guards, moth_names_the_step_population_and_neuron_where_rates_blow_up) {
  const model_params params;
  auto moth = make_network(params, 85, 3);
  const auto proto = kenyon::test::short_moth_protocol();
  const auto features = kenyon::test::synthetic_moth_features(11);
  EXPECT_FALSE(simulate(moth, proto, features, params).non_finite);
  // Readout neuron 3 gets K->E weights so large that its input overflows at once (every
  // Kenyon cell starts at rate 1).
  for (int k = 0; k < moth.num_kenyon; ++k)
    moth.k2e[static_cast<std::size_t>(k) * moth.num_readouts + 3] = 3e38f;
  const auto r = simulate(moth, proto, features, params);
  ASSERT_TRUE(r.non_finite);
  EXPECT_EQ(r.non_finite->where, "moth simulation");
  EXPECT_EQ(r.non_finite->step, 1);
  EXPECT_EQ(r.non_finite->cell_type, "readout neurons (E)");
  EXPECT_EQ(r.non_finite->neuron, 3);
  EXPECT_EQ(r.non_finite->value, std::numeric_limits<double>::infinity());
  EXPECT_EQ(r.non_finite->message(),
            "moth simulation: rate at time step 1, neuron 3 (readout neurons (E)) is inf");
}

// A whole run with K->E weights of 1e36: the 2550 Kenyon cells' summed input to every
// readout neuron overflows at the first step; the run stops there with the report.
TEST(numeric_guards, moth_experiment_with_blow_up_parameters_stops_with_status_non_finite) {
  const std::filesystem::path dir = KENYON_SOURCE_DIR "/data/cache/mnist";
  KENYON_REQUIRE(std::filesystem::exists(dir / "train-labels-idx1-ubyte"),
                 "MNIST not fetched (run scripts/install_deps.sh)");
  const auto features =
      data::make_features(data::load_training_set(data::dataset_name::mnist, dir, 1000));
  experiment_params p;
  p.train_per_class = 2;
  p.val_per_class = 3;
  run_options options;
  options.model.k2e_mu = 1e36;
  const auto r = run_experiment(features, p, options);
  ASSERT_EQ(r.status(), numeric_status::non_finite);
  EXPECT_EQ(r.non_finite->step, 1);
  EXPECT_EQ(r.non_finite->cell_type, "readout neurons (E)");
  EXPECT_EQ(r.non_finite->neuron, 0);
  const auto j = to_json(r);
  EXPECT_EQ(j["status"], "non_finite");
  EXPECT_EQ(j["non_finite"]["step"], 1);
  EXPECT_EQ(j["non_finite"]["cell_type"], "readout neurons (E)");
  EXPECT_EQ(to_json(run_experiment(features, p))["status"], "ok");

  // A sweep counts its failed runs and names the first (sample count, then seed).
  sweep_params s;
  s.train_per_class = {1, 2};
  s.seeds = 2;
  s.first_seed = 5;
  s.base = p;
  const auto sweep = run_sweep(features, s, options.model);
  ASSERT_EQ(sweep.status(), numeric_status::non_finite);
  EXPECT_EQ(sweep.failed_runs, 4);
  EXPECT_EQ(sweep.failed_train_per_class, 1);
  EXPECT_EQ(sweep.failed_seed, 5u);
  const auto js = to_json(sweep);
  EXPECT_EQ(js["status"], "non_finite");
  EXPECT_EQ(js["non_finite"]["seed"], 5);
  EXPECT_EQ(js["non_finite"]["step"], 1);
}

}  // namespace
}  // namespace moth
}  // namespace kenyon

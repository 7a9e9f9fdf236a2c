// train_model's choice of loss (mse default, mae, a custom callback) and the nudge of raw
// biases at exactly 0, against connectome_interpreter's train_model as its current API
// reference documents it (tests/data/connectome_interpreter_train_loss): rtol 1e-3,
// atol 1e-5, as for training.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>
#include <string>

#include "cli_run.hpp"
#include "kenyon/connectome/loaders.hpp"
#include "kenyon/core/error.hpp"
#include "kenyon/core/npy.hpp"
#include "kenyon/core/table.hpp"
#include "kenyon/ratenet/connectome_model.hpp"
#include "kenyon/ratenet/train.hpp"
#include "reference_case.hpp"

namespace kenyon::ratenet {
namespace {

using test::allclose;

constexpr double rtol = 1e-3, atol = 1e-5;
const std::vector<std::int64_t> train_shape{10, 40, 6};

npy_array loss_npy(const std::string& name) {
  return read_npy(std::filesystem::path(KENYON_TEST_DATA_DIR) /
                  "connectome_interpreter_train_loss" / (name + ".npy"));
}
std::vector<float> loss_floats(const std::string& name) { return loss_npy(name).values<float>(); }
std::vector<float> as_floats(const std::vector<double>& v) { return {v.begin(), v.end()}; }

// The reference's callable: Huber with delta 0.1, mean over the target rows.
double huber(std::span<const float> predicted, std::span<const float> target,
             std::span<float> grad) {
  const double delta = 0.1;
  double sum = 0;
  const auto n = static_cast<double>(predicted.size());
  for (std::size_t k = 0; k < predicted.size(); ++k) {
    const double d = double(predicted[k]) - double(target[k]);
    const bool inner = std::abs(d) < delta;
    sum += inner ? 0.5 * d * d / delta : std::abs(d) - 0.5 * delta;
    if (!grad.empty())
      grad[k] = static_cast<float>((inner ? d / delta : double((d > 0) - (d < 0))) / n);
  }
  return sum / n;
}

struct loss_case {
  std::string name;
  network_params model;
  std::string targets;
  train_params args;
};

void run_case(const loss_case& c) {
  const std::string prefix = "seed_train_" + c.name + "_";
  network net(test::reference_weights(), test::reference_sensory(), c.model);
  const auto init = net.parameters();
  EXPECT_EQ(allclose(init.raw_bias, loss_floats(prefix + "param_init_raw_biases"), rtol, atol), "");
  EXPECT_EQ(allclose(init.slope, loss_floats(prefix + "param_init_slope"), rtol, atol), "");
  auto p = c.args;
  p.train_indices = loss_npy(prefix + "train_indices").values<std::int64_t>();
  const auto targets = read_training_targets_csv(test::reference_dir() / c.targets);
  const auto r = train_model(net, {test::reference_floats("train_X"), train_shape}, targets, p);
  const auto& h = r.history;
  EXPECT_EQ(allclose(as_floats(h.loss), loss_floats(prefix + "hist_loss"), rtol, atol), "");
  EXPECT_EQ(
      allclose(as_floats(h.activation_loss), loss_floats(prefix + "hist_mse_loss"), rtol, atol),
      "");
  EXPECT_EQ(allclose(as_floats(h.param_reg_loss), loss_floats(prefix + "hist_param_reg_loss"), rtol,
                     atol),
            "");
  EXPECT_EQ(allclose(as_floats(h.val_loss), loss_floats(prefix + "hist_val_loss"), rtol, atol), "");
  const auto& q = r.parameters;
  EXPECT_EQ(allclose(q.divisive_strength, loss_floats(prefix + "param_final_divisive_strength"),
                     rtol, atol),
            "");
  EXPECT_EQ(allclose(q.tau_param, loss_floats(prefix + "param_final_tau_param"), rtol, atol), "");
  EXPECT_EQ(allclose(q.slope, loss_floats(prefix + "param_final_slope"), rtol, atol), "");
  EXPECT_EQ(allclose(q.raw_bias, loss_floats(prefix + "param_final_raw_biases"), rtol, atol), "");
}

train_params args(int epochs, double lr, std::uint64_t seed) {
  train_params p;
  p.num_epochs = epochs;
  p.learning_rate = lr;
  p.seed = seed;
  return p;
}

TEST(ratenet_train_loss, default_is_mse) {
  EXPECT_EQ(train_params{}.loss, loss_kind::mse);
  run_case({"default", test::grouped_params(), "train_targets.csv", args(5, 0.01, 42)});
}

TEST(ratenet_train_loss, mae) {
  auto p = args(5, 0.01, 42);
  p.loss = loss_kind::mae;
  run_case({"mae", test::grouped_params(), "train_targets.csv", p});
}

TEST(ratenet_train_loss, custom_huber) {
  auto p = args(5, 0.02, 7);
  p.loss = loss_kind::custom;
  p.custom_loss = huber;
  run_case({"huber", test::grouped_params(), "train_targets.csv", p});
}

TEST(ratenet_train_loss, zero_biases_are_nudged_with_layer_averaged_targets) {
  auto model = test::grouped_params();
  model.default_bias = 0;
  model.bias_by_group = {{"G0", 0.1}};
  auto p = args(6, 0.05, 1);
  p.train_slopes = false;
  p.train_tau = false;
  p.train_divisive_strength = false;
  run_case({"zero_bias_nolayer", model, "train_targets_nolayer.csv", p});
}

TEST(ratenet_train_loss, zero_biases_stay_when_biases_are_not_trained) {
  auto model = test::grouped_params();
  model.default_bias = 0;
  model.bias_by_group = {};
  network net(test::reference_weights(), test::reference_sensory(), model);
  auto p = args(2, 0.05, 1);
  p.train_biases = false;
  const auto r =
      train_model(net, {test::reference_floats("train_X"), train_shape},
                  read_training_targets_csv(test::reference_dir() / "train_targets.csv"), p);
  for (float b : r.parameters.raw_bias) EXPECT_EQ(b, 0.0f);
}

TEST(ratenet_train_loss, names_and_errors) {
  EXPECT_EQ(parse_loss_kind("mse"), loss_kind::mse);
  EXPECT_EQ(parse_loss_kind("mae"), loss_kind::mae);
  EXPECT_EQ(to_string(loss_kind::mae), "mae");
  EXPECT_THROW(parse_loss_kind("huber"), parameter_error);
  train_params p;
  p.loss = loss_kind::custom;
  EXPECT_THROW(p.validate(), parameter_error);
  // What the callback throws ends training; the network keeps its parameters.
  network net(test::reference_weights(), test::reference_sensory(), test::grouped_params());
  const auto before = net.parameters();
  p.custom_loss = [](std::span<const float>, std::span<const float>, std::span<float>) -> double {
    throw error("loss failed");
  };
  p.num_epochs = 2;
  EXPECT_THROW(
      train_model(net, {test::reference_floats("train_X"), train_shape},
                  read_training_targets_csv(test::reference_dir() / "train_targets.csv"), p),
      error);
  EXPECT_EQ(net.parameters().slope, before.slope);
}

// kenyon net train --loss mse|mae (default mse) trains as the library does with that loss.
class train_loss_cli : public test::cli_fixture {};

TEST_F(train_loss_cli, loss_option_reaches_the_library) {
  write("neurons.csv",
        "id,type,sign,sensory\n1,S,1,true\n2,S,1,true\n3,A,1,false\n4,B,-1,false\n5,A,1,false\n");
  write("edges.csv", "pre,post,syn_count\n1,3,4\n2,3,1\n1,5,2\n3,4,3\n5,4,1\n4,3,2\n3,5,1\n");
  std::vector<float> input(4 * 2 * 3, 0.0f);
  for (int b = 0; b < 4; ++b)
    input[static_cast<std::size_t>(b * 6 + (b % 2) * 3)] = 0.5f + 0.1f * b;
  write_npy(dir_ / "train.npy", {4, 2, 3}, input.data());
  write("targets.csv",
        "batch,neuron_idx,layer,value\n0,2,1,0.3\n1,3,2,0.1\n2,4,1,0.6\n3,2,2,0.2\n");
  auto args = [&](const std::string& extra, const std::string& out) {
    return "net train --connectome " + test::quote((dir_ / "edges.csv").string()) + " --neurons " +
           test::quote((dir_ / "neurons.csv").string()) + " --input " +
           test::quote((dir_ / "train.npy").string()) + " --targets " +
           test::quote((dir_ / "targets.csv").string()) +
           " --layers 3 --tau 1 --epochs 5 --seed 3 --out " + test::quote((dir_ / out).string()) +
           " " + extra;
  };
  for (const std::string loss : {"mse", "mae"}) {
    const auto r = run(args(loss == "mse" ? "" : "--loss mae", loss));
    ASSERT_EQ(r.code, 0) << r.err;
    network_params np;
    np.num_layers = 3;
    np.tau = 1;
    auto net =
        make_network(connectome::load_edge_list(dir_ / "edges.csv", dir_ / "neurons.csv"), np);
    train_params tp;
    tp.num_epochs = 5;
    tp.seed = 3;
    tp.loss = parse_loss_kind(loss);
    const auto result =
        train_model(net, {input, {4, 2, 3}}, read_training_targets_csv(dir_ / "targets.csv"), tp);
    // Written as every table is (core/table.hpp): the float's shortest round-trip digits.
    const auto slope_a = "A," + format_cell(float_cell(result.parameters.slope[0])) + ",";
    EXPECT_NE(test::read_text(dir_ / loss / "parameters.csv").find(slope_a), std::string::npos)
        << loss;
  }
  EXPECT_NE(test::read_text(dir_ / "mse" / "parameters.csv"),
            test::read_text(dir_ / "mae" / "parameters.csv"));
  const auto bad = run(args("--loss huber", "bad"));
  EXPECT_NE(bad.code, 0);
  EXPECT_NE(bad.err.find("huber"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace kenyon::ratenet

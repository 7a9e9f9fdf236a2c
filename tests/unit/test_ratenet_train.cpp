// train_model against connectome_interpreter's outputs (manifest case train_model, runs
// `args` and `args_v2`) within rtol 1e-3 / atol 1e-5, plus behaviour and bad-input checks.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

#include <unistd.h>

#include "kenyon/core/error.hpp"
#include "kenyon/ratenet/train.hpp"
#include "reference_case.hpp"

namespace kenyon::ratenet {
namespace {

using test::allclose;
using test::reference_floats;

constexpr double rtol = 1e-3, atol = 1e-5;

std::vector<float> as_floats(const std::vector<double>& v) { return {v.begin(), v.end()}; }

std::vector<std::int64_t> reference_indices(const std::string& name) {
  return test::reference_npy(name).values<std::int64_t>();
}

network student() {
  return {test::reference_weights(), test::reference_sensory(), test::grouped_params()};
}

const std::vector<std::int64_t> train_shape{10, 40, 6};

std::vector<training_target> reference_targets(const std::string& file) {
  return read_training_targets_csv(test::reference_dir() / file);
}

void expect_parameters(const group_parameters<float>& p, const std::string& prefix) {
  EXPECT_EQ(
      allclose(p.divisive_strength, reference_floats(prefix + "divisive_strength"), rtol, atol), "")
      << prefix << "divisive_strength";
  EXPECT_EQ(allclose(p.tau_param, reference_floats(prefix + "tau_param"), rtol, atol), "")
      << prefix << "tau_param";
  EXPECT_EQ(allclose(p.slope, reference_floats(prefix + "slope"), rtol, atol), "")
      << prefix << "slope";
  EXPECT_EQ(allclose(p.raw_bias, reference_floats(prefix + "raw_biases"), rtol, atol), "")
      << prefix << "raw_biases";
}

void expect_history(const train_history& h, const std::string& prefix) {
  EXPECT_EQ(allclose(as_floats(h.loss), reference_floats(prefix + "loss"), rtol, atol), "")
      << prefix << "loss";
  EXPECT_EQ(
      allclose(as_floats(h.activation_loss), reference_floats(prefix + "mse_loss"), rtol, atol), "")
      << prefix << "mse_loss";
  EXPECT_EQ(allclose(as_floats(h.param_reg_loss), reference_floats(prefix + "param_reg_loss"), rtol,
                     atol),
            "")
      << prefix << "param_reg_loss";
  EXPECT_EQ(allclose(as_floats(h.val_loss), reference_floats(prefix + "val_loss"), rtol, atol), "")
      << prefix << "val_loss";
}

TEST(ratenet_train, reads_the_reference_target_tables) {
  const auto with_layer = reference_targets("train_targets.csv");
  ASSERT_EQ(with_layer.size(), 150u);  // 10 items x 5 neurons x 3 layers
  EXPECT_EQ(with_layer[0].batch, 0);
  EXPECT_EQ(with_layer[0].neuron, 100);
  EXPECT_EQ(with_layer[0].layer, 2);
  EXPECT_DOUBLE_EQ(with_layer[0].value, 0.4945404529571533);
  const auto averaged = reference_targets("train_targets_nolayer.csv");
  ASSERT_EQ(averaged.size(), 50u);
  for (const auto& t : averaged) EXPECT_FALSE(t.layer.has_value());
}

TEST(ratenet_train, initial_parameters_match_the_reference) {
  expect_parameters(student().parameters(), "train_param_init_");
}

TEST(ratenet_train, reference_run_all_parameters) {
  auto net = student();
  const auto x = reference_floats("train_X");
  const auto targets = reference_targets("train_targets.csv");
  train_params p;
  p.num_epochs = 5;
  p.learning_rate = 0.01;
  p.param_reg_lambda = 0.01;
  p.seed = 42;
  p.loss = loss_kind::mae;  // 2.10.0's only loss
  p.checkpoint_interval = 50;
  p.train_indices = reference_indices("train_train_indices");
  const auto r = train_model(net, {x, train_shape}, targets, p);
  EXPECT_EQ(r.train_indices, *p.train_indices);
  EXPECT_EQ(r.val_indices, reference_indices("train_val_indices"));
  ASSERT_EQ(r.history.loss.size(), 5u);
  expect_history(r.history, "train_hist_");
  expect_parameters(r.parameters, "train_param_final_");
  // The network keeps the trained parameters, as the original mutates its model.
  EXPECT_EQ(net.parameters().slope, r.parameters.slope);
  EXPECT_EQ(net.parameters().raw_bias, r.parameters.raw_bias);
}

TEST(ratenet_train, reference_run_biases_only_with_layer_averaged_targets) {
  auto net = student();
  const auto initial = net.parameters();
  const auto x = reference_floats("train_X");
  const auto targets = reference_targets("train_targets_nolayer.csv");
  train_params p;
  p.num_epochs = 5;
  p.learning_rate = 0.05;
  p.seed = 1;
  p.loss = loss_kind::mae;
  p.train_slopes = false;
  p.train_tau = false;
  p.train_divisive_strength = false;
  p.train_indices = reference_indices("train2_train_indices");
  const auto r = train_model(net, {x, train_shape}, targets, p);
  std::set<std::int64_t> train(p.train_indices->begin(), p.train_indices->end());
  std::vector<std::int64_t> expected_val;
  for (std::int64_t i = 0; i < 10; ++i)
    if (!train.count(i)) expected_val.push_back(i);
  EXPECT_EQ(r.val_indices, expected_val);
  expect_history(r.history, "train2_hist_");
  expect_parameters(r.parameters, "train2_param_final_");
  // Frozen tensors get no gradient and no Adam step: bit for bit unchanged.
  EXPECT_EQ(r.parameters.slope, initial.slope);
  EXPECT_EQ(r.parameters.tau_param, initial.tau_param);
  EXPECT_EQ(r.parameters.divisive_strength, initial.divisive_strength);
  EXPECT_NE(r.parameters.raw_bias, initial.raw_bias);
}

TEST(ratenet_train, penalty_gradient_switch_holds_the_parameters_closer) {
  // The original's penalty carries no gradient (the reference runs match only so); with
  // param_reg_gradient it pulls the parameters back towards their initial values.
  const auto x = reference_floats("train_X");
  const auto targets = reference_targets("train_targets.csv");
  train_params p;
  p.num_epochs = 5;
  p.loss = loss_kind::mae;
  p.train_indices = reference_indices("train_train_indices");
  auto a = student(), b = student();
  const auto plain = train_model(a, {x, train_shape}, targets, p);
  p.param_reg_gradient = true;
  const auto pulled = train_model(b, {x, train_shape}, targets, p);
  // The first update is Adam's sign step, where the penalty's gradient is still 0.
  EXPECT_EQ(plain.history.param_reg_loss[1], pulled.history.param_reg_loss[1]);
  EXPECT_LT(pulled.history.param_reg_loss.back(), 0.8 * plain.history.param_reg_loss.back());
}

TEST(ratenet_train, checkpointing_gives_the_same_run) {
  const auto x = reference_floats("train_X");
  const auto targets = reference_targets("train_targets.csv");
  train_params p;
  p.num_epochs = 3;
  auto a = student(), b = student();
  p.checkpoint_interval = 0;
  const auto ra = train_model(a, {x, train_shape}, targets, p);
  p.checkpoint_interval = 2;
  const auto rb = train_model(b, {x, train_shape}, targets, p);
  EXPECT_EQ(ra.history.loss, rb.history.loss);
  EXPECT_EQ(ra.parameters.slope, rb.parameters.slope);
  EXPECT_EQ(ra.parameters.tau_param, rb.parameters.tau_param);
}

TEST(ratenet_train, student_approaches_a_teacher_with_other_slopes) {
  auto teacher_params = test::grouped_params();
  teacher_params.slope_by_group = {{"G2", 3.0}, {"G6", 6.0}, {"G0", 4.0}};
  const network teacher(test::reference_weights(), test::reference_sensory(), teacher_params);
  const auto x = reference_floats("train_X");
  const auto y = teacher.forward({x, train_shape});
  std::vector<training_target> targets;
  for (std::int64_t b = 0; b < 10; ++b)
    for (std::int64_t n : {100, 150, 200, 201, 250})
      for (int l : {2, 4, 5})
        targets.push_back({b, n, l, y[static_cast<std::size_t>((b * 300 + n) * 6 + l)]});
  auto net = student();
  train_params p;
  p.num_epochs = 30;
  p.learning_rate = 0.05;
  p.train_biases = false;
  p.train_tau = false;
  p.train_divisive_strength = false;
  const auto r = train_model(net, {x, train_shape}, targets, p);
  // Our own seeded split: int(10 * 0.8) items in random order, the rest sorted.
  ASSERT_EQ(r.train_indices.size(), 8u);
  ASSERT_EQ(r.val_indices.size(), 2u);
  EXPECT_TRUE(std::is_sorted(r.val_indices.begin(), r.val_indices.end()));
  std::set<std::int64_t> all(r.train_indices.begin(), r.train_indices.end());
  all.insert(r.val_indices.begin(), r.val_indices.end());
  EXPECT_EQ(all.size(), 10u);
  // The same seed, the same split.
  auto again = student();
  p.num_epochs = 1;
  EXPECT_EQ(train_model(again, {x, train_shape}, targets, p).train_indices, r.train_indices);

  const auto& act = r.history.activation_loss;
  ASSERT_EQ(act.size(), 30u);
  EXPECT_GT(act.front(), 0.0);
  EXPECT_LT(act.back(), 0.5 * act.front());
  EXPECT_LT(r.history.val_loss.back(), r.history.val_loss.front());
  // The slopes moved towards the teacher's: G2 from 2 towards 3, G6 from 8 towards 6.
  const auto g2 = static_cast<std::size_t>(net.group_id("G2"));
  const auto g6 = static_cast<std::size_t>(net.group_id("G6"));
  EXPECT_GT(r.parameters.slope[g2], 2.0f);
  EXPECT_LT(r.parameters.slope[g6], 8.0f);
}

TEST(ratenet_train, empty_validation_set_gives_nan) {
  auto net = student();
  const auto x = reference_floats("train_X");
  train_params p;
  p.num_epochs = 2;
  p.train_fraction = 1.0;
  const auto r = train_model(net, {x, train_shape}, reference_targets("train_targets.csv"), p);
  EXPECT_TRUE(r.val_indices.empty());
  ASSERT_EQ(r.history.val_loss.size(), 2u);
  EXPECT_TRUE(std::isnan(r.history.val_loss[0]));
  EXPECT_TRUE(std::isfinite(r.history.loss[0]));
}

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(ratenet_train, rejects_targets_out_of_range) {
  auto net = student();
  const auto initial = net.parameters();
  const auto x = reference_floats("train_X");
  auto run = [&](training_target t) {
    return error_of([&] {
      std::vector<training_target> targets = {{0, 100, 2, 0.5}, t};
      train_model(net, {x, train_shape}, targets);
    });
  };
  const auto neuron = run({1, 300, 2, 0.5});
  EXPECT_NE(neuron.find("target row 1"), std::string::npos) << neuron;
  EXPECT_NE(neuron.find("neuron 300"), std::string::npos) << neuron;
  const auto layer = run({1, 100, 6, 0.5});
  EXPECT_NE(layer.find("layer 6"), std::string::npos) << layer;
  EXPECT_NE(layer.find("layer outside 0..5"), std::string::npos) << layer;
  const auto batch = run({10, 100, 2, 0.5});
  EXPECT_NE(batch.find("batch 10"), std::string::npos) << batch;
  const auto value = run({1, 100, std::nullopt, std::nan("")});
  EXPECT_NE(value.find("not a finite number"), std::string::npos) << value;
  EXPECT_EQ(net.parameters().slope, initial.slope);
}

TEST(ratenet_train, rejects_inputs_of_the_wrong_shape) {
  auto net = student();
  const auto x = reference_floats("train_X");
  const std::vector<training_target> targets = {{0, 100, 2, 0.5}};
  const auto sensory = error_of([&] { train_model(net, {x, {10, 39, 6}}, targets); });
  EXPECT_NE(sensory.find("39 sensory rows"), std::string::npos) << sensory;
  const auto steps = error_of([&] { train_model(net, {x, {20, 40, 3}}, targets); });
  EXPECT_NE(steps.find("3 time steps"), std::string::npos) << steps;
  const auto size = error_of([&] { train_model(net, {x, {9, 40, 6}}, targets); });
  EXPECT_NE(size.find("2400 values"), std::string::npos) << size;
}

TEST(ratenet_train, rejects_bad_parameters_and_indices) {
  auto net = student();
  const auto x = reference_floats("train_X");
  const std::vector<training_target> targets = {{0, 100, 2, 0.5}};
  train_params p;
  p.train_indices = std::vector<std::int64_t>{0, 3, 3};
  EXPECT_NE(error_of([&] {
              train_model(net, {x, train_shape}, targets, p);
            }).find("appears twice"),
            std::string::npos);
  p.train_indices = std::vector<std::int64_t>{0, 10};
  EXPECT_NE(error_of([&] {
              train_model(net, {x, train_shape}, targets, p);
            }).find("index 10"),
            std::string::npos);
  p.train_indices.reset();
  p.train_fraction = 0.05;  // int(10 * 0.05) = 0 items
  EXPECT_NE(error_of([&] {
              train_model(net, {x, train_shape}, targets, p);
            }).find("empty"),
            std::string::npos);
  p = {};
  p.train_slopes = p.train_biases = p.train_tau = p.train_divisive_strength = false;
  EXPECT_NE(error_of([&] {
              train_model(net, {x, train_shape}, targets, p);
            }).find("nothing to"),
            std::string::npos);
  network_params ungrouped;
  ungrouped.num_layers = 6;
  network plain(test::reference_weights(), test::reference_sensory(), ungrouped);
  EXPECT_NE(error_of([&] {
              train_model(plain, {x, train_shape}, targets);
            }).find("idx_to_group"),
            std::string::npos);
}

class target_csv : public ::testing::Test {
 protected:
  std::filesystem::path path_ = std::filesystem::temp_directory_path() /
                                ("kenyon_train_targets_" + std::to_string(::getpid()) + ".csv");
  void TearDown() override { std::filesystem::remove(path_); }
  std::string read_error(const std::string& text) {
    std::ofstream(path_) << text;
    return error_of([&] { read_training_targets_csv(path_); });
  }
};

TEST_F(target_csv, reads_columns_in_any_order_with_an_index_and_empty_layers) {
  std::ofstream(path_) << ",value,layer,neuron_idx,batch\n0,0.25,3,7,1\n1,0.5,,8,2.0\n";
  const auto t = read_training_targets_csv(path_);
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].batch, 1);
  EXPECT_EQ(t[0].neuron, 7);
  EXPECT_EQ(t[0].layer, 3);
  EXPECT_EQ(t[0].value, 0.25);
  EXPECT_EQ(t[1].batch, 2);
  EXPECT_FALSE(t[1].layer.has_value());
}

TEST_F(target_csv, names_the_file_row_and_column) {
  const auto unknown = read_error("batch,neuron,value\n0,1,0.5\n");
  EXPECT_NE(unknown.find(path_.string() + ":1"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("unknown column 'neuron'"), std::string::npos) << unknown;
  const auto missing = read_error("batch,neuron_idx,layer\n0,1,2\n");
  EXPECT_NE(missing.find("missing column 'value'"), std::string::npos) << missing;
  const auto text = read_error("batch,neuron_idx,value\n0,1,0.5\n\n1,2,high\n");
  EXPECT_NE(text.find(path_.string() + ":4"), std::string::npos) << text;
  EXPECT_NE(text.find("column 'value'"), std::string::npos) << text;
  EXPECT_NE(text.find("'high' is not a number"), std::string::npos) << text;
  const auto fraction = read_error("batch,neuron_idx,value\n0,1.5,0.5\n");
  EXPECT_NE(fraction.find("column 'neuron_idx'"), std::string::npos) << fraction;
  EXPECT_NE(fraction.find("not an integer"), std::string::npos) << fraction;
  const auto fields = read_error("batch,neuron_idx,value\n0,1\n");
  EXPECT_NE(fields.find("expected 3 fields"), std::string::npos) << fields;
  const auto twice = read_error("batch,neuron_idx,value,batch\n");
  EXPECT_NE(twice.find("'batch' appears twice"), std::string::npos) << twice;
}

}  // namespace
}  // namespace kenyon::ratenet

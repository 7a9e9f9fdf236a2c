// Stopping and continuing activation maximisation (actmax_control) and training
// (train_control): a run stopped midway, saved through its JSON checkpoint and resumed, ends
// with the same bits as a run never stopped (for activation maximisation with early stopping
// on: its window of losses is part of the state).
#include <gtest/gtest.h>

#include <csignal>
#include <cstring>
#include <limits>
#include <optional>

#include "kenyon/core/checkpoint.hpp"
#include "kenyon/core/error.hpp"
#include "kenyon/core/files.hpp"
#include "kenyon/core/interrupt.hpp"
#include "kenyon/ratenet/actmax.hpp"
#include "kenyon/ratenet/checkpoint.hpp"
#include "kenyon/ratenet/train.hpp"
#include "reference_case.hpp"
#include "temp_dir.hpp"

namespace kenyon::ratenet {
namespace {

struct grouped_case {
  network net{test::reference_weights(), test::reference_sensory(), test::grouped_params()};
  target_activation targets =
      target_activation::same_for_all({{5, {{200, 0.8}, {201, 0.8}}}, {3, {{100, 0.0}}}}, 2);
  std::vector<float> init = test::reference_floats("am_init");
};

void expect_same(const actmax_result& a, const actmax_result& b) {
  EXPECT_EQ(a.iterations, b.iterations);
  EXPECT_EQ(a.input, b.input);
  EXPECT_EQ(a.activations, b.activations);
  EXPECT_EQ(a.target_loss, b.target_loss);
  EXPECT_EQ(a.out_reg, b.out_reg);
  EXPECT_EQ(a.in_reg, b.in_reg);
  EXPECT_EQ(a.snapshots, b.snapshots);
  EXPECT_FALSE(a.stopped || b.stopped);
}

TEST(resume, actmax_stopped_saved_and_resumed_is_bit_identical) {
  grouped_case c;
  actmax_params p;
  p.num_iterations = 60;
  p.stopping_threshold = 0.05;  // stops early, some iterations after the resume point
  p.n_runs = 5;
  const auto whole = activation_maximisation(c.net, c.targets, p, c.init);
  ASSERT_GT(whole.iterations, 12);
  ASSERT_LT(whole.iterations, 60);

  for (int stop_at : {1, 7, 12}) {
    int polls = 0;
    nlohmann::json saved;
    actmax_control stopping;
    stopping.stop = [&] { return polls++ == stop_at; };
    stopping.save = [&](const actmax_state& s) { saved = to_json(s); };
    const auto first = activation_maximisation(c.net, c.targets, p, c.init, nullptr, &stopping);
    ASSERT_TRUE(first.stopped);
    EXPECT_EQ(first.iterations, stop_at);
    EXPECT_TRUE(first.activations.empty());

    // Through the JSON text, as the checkpoint file holds it.
    const auto state = actmax_state_from_json(nlohmann::json::parse(saved.dump()));
    EXPECT_EQ(state.partial.iterations, stop_at);
    EXPECT_EQ(state.optimiser.steps, stop_at);
    actmax_control resuming;
    resuming.resume = &state;
    expect_same(activation_maximisation(c.net, c.targets, p, c.init, nullptr, &resuming), whole);
  }
  // The state as saved, without the JSON round trip, continues the same way.
  int polls = 0;
  std::optional<actmax_state> kept;
  actmax_control stopping;
  stopping.stop = [&] { return polls++ == 4; };
  stopping.save = [&](const actmax_state& s) { kept = s; };
  activation_maximisation(c.net, c.targets, p, c.init, nullptr, &stopping);
  ASSERT_TRUE(kept);
  actmax_control resuming;
  resuming.resume = &*kept;
  expect_same(activation_maximisation(c.net, c.targets, p, c.init, nullptr, &resuming), whole);
}

TEST(resume, actmax_saves_every_k_iterations) {
  grouped_case c;
  actmax_params p;
  p.num_iterations = 10;
  p.early_stopping = false;
  std::vector<int> saved_at;
  actmax_control control;
  control.save_every = 3;
  control.save = [&](const actmax_state& s) { saved_at.push_back(s.partial.iterations); };
  const auto r = activation_maximisation(c.net, c.targets, p, c.init, nullptr, &control);
  EXPECT_EQ(saved_at, (std::vector<int>{3, 6, 9}));
  EXPECT_EQ(r.input, activation_maximisation(c.net, c.targets, p, c.init).input);
}

TEST(resume, a_state_for_another_shape_is_refused) {
  grouped_case c;
  actmax_state state;
  state.partial.shape = {1, 2, 3};
  actmax_control control;
  control.resume = &state;
  EXPECT_THROW(activation_maximisation(c.net, c.targets, {}, c.init, nullptr, &control), error);
}

TEST(resume, training_stopped_saved_and_resumed_is_bit_identical) {
  const auto x = test::reference_floats("train_X");
  const auto targets = read_training_targets_csv(test::reference_dir() / "train_targets.csv");
  const std::vector<std::int64_t> shape{10, 40, 6};
  train_params p;
  p.num_epochs = 12;
  p.param_reg_gradient = true;
  network whole_net{test::reference_weights(), test::reference_sensory(), test::grouped_params()};
  const auto whole = train_model(whole_net, {x, shape}, targets, p);

  int polls = 0;
  nlohmann::json saved;
  train_control stopping;
  stopping.stop = [&] { return polls++ == 5; };
  stopping.save = [&](const train_state& s) { saved = to_json(s); };
  network first_net{test::reference_weights(), test::reference_sensory(), test::grouped_params()};
  const auto first = train_model(first_net, {x, shape}, targets, p, nullptr, &stopping);
  ASSERT_TRUE(first.stopped);
  EXPECT_EQ(first.history.loss.size(), 5u);

  // A fresh network, as a new process has: the state carries the parameters reached.
  const auto state = train_state_from_json(nlohmann::json::parse(saved.dump()));
  train_control resuming;
  resuming.resume = &state;
  network net{test::reference_weights(), test::reference_sensory(), test::grouped_params()};
  const auto r = train_model(net, {x, shape}, targets, p, nullptr, &resuming);
  EXPECT_FALSE(r.stopped);
  EXPECT_EQ(r.history.loss, whole.history.loss);
  EXPECT_EQ(r.history.param_reg_loss, whole.history.param_reg_loss);
  EXPECT_EQ(r.history.val_loss, whole.history.val_loss);
  EXPECT_EQ(r.parameters.slope, whole.parameters.slope);
  EXPECT_EQ(r.parameters.raw_bias, whole.parameters.raw_bias);
  EXPECT_EQ(r.parameters.tau_param, whole.parameters.tau_param);
  EXPECT_EQ(r.parameters.divisive_strength, whole.parameters.divisive_strength);
}

// Skipped epochs (a loss that overflows) are counted across the stop, and the first one's
// report survives the checkpoint.
TEST(resume, training_keeps_its_skipped_steps_and_report) {
  const auto x = test::reference_floats("train_X");
  auto targets = read_training_targets_csv(test::reference_dir() / "train_targets.csv");
  for (auto& t : targets) t.value = 1e200;  // finite as a double, infinite as a float
  const std::vector<std::int64_t> shape{10, 40, 6};
  train_params p;
  p.num_epochs = 6;
  network whole_net{test::reference_weights(), test::reference_sensory(), test::grouped_params()};
  const auto whole = train_model(whole_net, {x, shape}, targets, p);
  ASSERT_EQ(whole.skipped_steps, 6);
  ASSERT_TRUE(whole.non_finite);

  int polls = 0;
  nlohmann::json saved;
  train_control stopping;
  stopping.stop = [&] { return polls++ == 2; };
  stopping.save = [&](const train_state& s) { saved = to_json(s); };
  network first_net{test::reference_weights(), test::reference_sensory(), test::grouped_params()};
  ASSERT_TRUE(train_model(first_net, {x, shape}, targets, p, nullptr, &stopping).stopped);

  const auto state = train_state_from_json(nlohmann::json::parse(saved.dump()));
  EXPECT_EQ(state.skipped_steps, 2);
  train_control resuming;
  resuming.resume = &state;
  network net{test::reference_weights(), test::reference_sensory(), test::grouped_params()};
  const auto r = train_model(net, {x, shape}, targets, p, nullptr, &resuming);
  EXPECT_EQ(r.skipped_steps, whole.skipped_steps);
  ASSERT_TRUE(r.non_finite);
  EXPECT_EQ(r.non_finite->message(), whole.non_finite->message());
  EXPECT_EQ(r.non_finite->step, 0);
  // A checkpoint whose count exceeds its epochs, or whose report is not one, is refused.
  auto bad = saved;
  bad["skipped_steps"] = 3;
  EXPECT_THROW(train_state_from_json(bad), error);
  bad = saved;
  bad["non_finite"]["value"] = "1.5";
  EXPECT_THROW(train_state_from_json(bad), error);
}

TEST(resume, exact_arrays_keep_every_bit) {
  const std::vector<float> f = {0.1f, -0.0f, std::numeric_limits<float>::quiet_NaN(),
                                std::numeric_limits<float>::infinity(), 1e-45f};
  const std::vector<double> d = {0.1, -1e308, std::numeric_limits<double>::denorm_min()};
  const auto f2 = exact_floats(nlohmann::json::parse(exact_array(f).dump()), "f");
  const auto d2 = exact_doubles(nlohmann::json::parse(exact_array(d).dump()), "d");
  ASSERT_EQ(f2.size(), f.size());
  EXPECT_EQ(std::memcmp(f2.data(), f.data(), f.size() * sizeof(float)), 0);
  EXPECT_EQ(d2, d);
  EXPECT_THROW(exact_floats(exact_array(d), "d"), error);  // float64 is not float32
  EXPECT_THROW(exact_doubles(nlohmann::json::array(), "x"), error);
}

class write_leftovers : public test::temporary_folder_test {};

TEST_F(write_leftovers, a_killed_writes_leftovers_are_removed_and_nothing_else) {
  write("checkpoint.json", "{}");
  write("checkpoint.json.tmp-123", "{");
  std::filesystem::create_directories(dir_ / ".kenyon-staging-77");
  write(".kenyon-staging-77/summary.json", "{");
  remove_write_leftovers(dir_);
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir_))
    names.push_back(e.path().filename().string());
  EXPECT_EQ(names, std::vector<std::string>{"checkpoint.json"});
}

class fingerprints : public test::temporary_folder_test {};

TEST_F(fingerprints, a_file_fingerprint_is_that_of_its_bytes_read_in_blocks) {
  // Over 1 MiB: the file is read in several blocks.
  std::string bytes(3 << 20, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 7919 % 251);
  write("a.bin", bytes);
  const auto fp = file_fingerprint(dir_ / "a.bin");
  EXPECT_EQ(fp.size(), 16u);
  EXPECT_EQ(fp, fingerprint(bytes));
  bytes[(2 << 20) + 5] ^= 1;  // one bit in the third block
  write("a.bin", bytes);
  EXPECT_NE(file_fingerprint(dir_ / "a.bin"), fp);
  EXPECT_EQ(file_fingerprint(dir_ / "a.bin"), fingerprint(bytes));
  EXPECT_NE(fingerprint("ab"), fingerprint("ba"));
  EXPECT_THROW(file_fingerprint(dir_ / "missing"), file_error);
  EXPECT_THROW(file_fingerprint(dir_), file_error);
}

int sigint_seen = 0;
void count_sigint(int) { ++sigint_seen; }

TEST(resume, sigint_scope_records_sigint_and_restores_the_previous_handler) {
  struct sigaction mine = {}, old = {};
  mine.sa_handler = count_sigint;
  sigemptyset(&mine.sa_mask);
  ASSERT_EQ(sigaction(SIGINT, &mine, &old), 0);
  {
    sigint_scope scope;
    EXPECT_FALSE(scope.caught());
    std::raise(SIGINT);
    EXPECT_TRUE(scope.caught());
    EXPECT_EQ(stop_signal(), SIGINT);
    EXPECT_EQ(sigint_seen, 0);  // the previous handler did not run
    sigint_scope nested;        // one scope at a time: the outer one catches
    EXPECT_FALSE(nested.caught());
  }
  EXPECT_FALSE(stop_requested());  // forgotten with the scope
  std::raise(SIGINT);
  EXPECT_EQ(sigint_seen, 1);  // the previous handler is back
  EXPECT_FALSE(stop_requested());

  signal(SIGINT, SIG_IGN);  // an ignored SIGINT stays ignored
  {
    sigint_scope scope;
    std::raise(SIGINT);
    EXPECT_FALSE(scope.caught());
  }
  sigaction(SIGINT, &old, nullptr);
}

}  // namespace
}  // namespace kenyon::ratenet

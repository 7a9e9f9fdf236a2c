// MothNet end to end on real MNIST at reduced size, and the experiment-level contracts:
// reproducibility, thread independence, parameter errors.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "kenyon/core/error.hpp"
#include "kenyon/data/dataset.hpp"
#include "kenyon/data/preprocess.hpp"
#include "kenyon/moth/experiment.hpp"
#include "require.hpp"

namespace kenyon::moth {
namespace {

const data::feature_set* mnist_features() {
  static const data::feature_set* features = []() -> const data::feature_set* {
    const std::filesystem::path dir = KENYON_SOURCE_DIR "/data/cache/mnist";
    if (!std::filesystem::exists(dir / "train-labels-idx1-ubyte")) return nullptr;
    const auto images = data::load_training_set(data::dataset_name::mnist, dir, 1000);
    return new data::feature_set(data::make_features(images));
  }();
  return features;
}

#define REQUIRE_MNIST()                                 \
  const data::feature_set* features = mnist_features(); \
  KENYON_REQUIRE(features, "MNIST not fetched (run scripts/install_deps.sh)")

experiment_params small(int train, int val, std::uint64_t seed) {
  experiment_params p;
  p.train_per_class = train;
  p.val_per_class = val;
  p.seed = seed;
  return p;
}

TEST(experiment, learns_mnist_well_above_chance) {
  REQUIRE_MNIST();
  run_options options;
  options.keep_trace = true;
  const auto r = run_experiment(*features, small(3, 8, 3), options);
  // 10 classes: chance is 10%. Three digits per class reach about 50% in the papers.
  EXPECT_GT(r.accuracy, 30);
  EXPECT_GT(r.accuracy_honest, 20);
  EXPECT_LT(r.accuracy_naive, r.accuracy);  // training is what helps
  EXPECT_GT(r.roc.macro.auc, 0.7);
  EXPECT_GT(r.nearest_neighbour, 20);
  EXPECT_GT(r.svm, 20);
  EXPECT_EQ(r.steps, static_cast<std::int64_t>(std::llround((60 * 8 + 235 + 5 * 30) / 0.02)));
  EXPECT_EQ(r.post.peak.rows(), 80);
  EXPECT_EQ(r.pre.peak.rows(), 80);
  ASSERT_EQ(r.log_likelihood.per_class_accuracy.size(), 10u);
  // The readout never goes NaN, and the mushroom body stays sparse: silent between
  // digits, ~5-7.5% during them.
  ASSERT_EQ(r.en_trace.size(), static_cast<std::size_t>(r.steps) * 10);
  for (float e : r.en_trace) ASSERT_TRUE(std::isfinite(e));
  EXPECT_GT(r.mean_active_kenyon, 0.001);
  EXPECT_LT(r.mean_active_kenyon, 0.05);
}

TEST(experiment, pymoth_mode_also_learns) {
  REQUIRE_MNIST();
  auto p = small(3, 8, 4);
  p.compat = compat_mode::pymoth;
  const auto r = run_experiment(*features, p);
  EXPECT_GT(r.accuracy, 30);
  EXPECT_LT(r.accuracy_naive, r.accuracy);
}

TEST(experiment, same_seed_same_numbers_other_seed_other_numbers) {
  REQUIRE_MNIST();
  const auto a = run_experiment(*features, small(1, 4, 11));
  const auto b = run_experiment(*features, small(1, 4, 11));
  const auto c = run_experiment(*features, small(1, 4, 12));
  EXPECT_EQ(a.post.peak, b.post.peak);
  EXPECT_EQ(a.accuracy, b.accuracy);
  EXPECT_EQ(a.svm, b.svm);
  EXPECT_NE(a.post.peak, c.post.peak);
}

TEST(experiment, sweep_results_do_not_depend_on_thread_count) {
  REQUIRE_MNIST();
  sweep_params s;
  s.train_per_class = {1, 2};
  s.seeds = 2;
  s.first_seed = 5;
  s.base.val_per_class = 3;
  s.threads = 1;
  const auto one = run_sweep(*features, s);
  s.threads = 2;
  const auto two = run_sweep(*features, s);
  ASSERT_EQ(one.rows.size(), 2u);
  for (std::size_t r = 0; r < one.rows.size(); ++r) {
    EXPECT_EQ(one.rows[r].runs, two.rows[r].runs);
    EXPECT_EQ(one.rows[r].svm.mean, two.rows[r].svm.mean);
    EXPECT_EQ(one.rows[r].accuracy_honest.mean, two.rows[r].accuracy_honest.mean);
  }
  // Seeds are shared across sample counts and runs differ between seeds.
  EXPECT_NE(one.rows[0].runs[0], one.rows[0].runs[1]);
}

TEST(experiment, bad_parameters_name_the_field) {
  REQUIRE_MNIST();
  auto expect_field = [&](experiment_params p, const std::string& field) {
    try {
      run_experiment(*features, p);
      FAIL() << "expected a parameter_error for " << field;
    } catch (const parameter_error& e) {
      EXPECT_EQ(e.field(), field);
    }
  };
  expect_field(small(0, 15, 0), "train-per-class");
  expect_field(small(201, 15, 0), "train-per-class");
  expect_field(small(10, 1, 0), "val-per-class");
  expect_field(small(10, 101, 0), "val-per-class");
  auto p = small(1, 3, 0);
  p.sniffs = 0;
  expect_field(p, "sniffs");
}

TEST(experiment, summarise_uses_the_sample_sd) {
  const auto s = summarise({1, 2, 3, 4});
  EXPECT_DOUBLE_EQ(s.mean, 2.5);
  EXPECT_NEAR(s.sd, std::sqrt(5.0 / 3.0), 1e-12);
  EXPECT_EQ(summarise({7}).sd, 0);
}

}  // namespace
}  // namespace kenyon::moth

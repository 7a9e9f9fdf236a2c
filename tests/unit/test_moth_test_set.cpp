// The official test set: images through the training split's pipeline, read by the trained
// moth with its weights frozen (each digit alone from the settled state), classified with
// the validation digits' statistics.
#include <gtest/gtest.h>
#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "kenyon/core/error.hpp"
#include "kenyon/data/dataset.hpp"
#include "kenyon/data/preprocess.hpp"
#include "kenyon/moth/classify.hpp"
#include "kenyon/moth/experiment.hpp"
#include "kenyon/moth/network.hpp"
#include "kenyon/moth/readout.hpp"
#include "kenyon/moth/simulate.hpp"
#include "moth_fixtures.hpp"
#include "require.hpp"
#include "seed.hpp"
#include "thread_count.hpp"

namespace kenyon::moth {
namespace {

// The synthetic digits as a list, each with its own position in an imagined file.
data::labelled_features as_list(const data::feature_set& f) {
  data::labelled_features out;
  out.num_features = f.num_features;
  for (int c = 0; c < f.num_classes; ++c)
    for (int i = 0; i < f.per_class; ++i) {
      const float* d = f.digit(c, i);
      out.values.insert(out.values.end(), d, d + f.num_features);
      out.labels.push_back(c);
      out.image_index.push_back(out.image_index.size() * 7 + 3);
    }
  return out;
}

// MNIST with both splits, and the run's features from it, made once for the tests below.
const std::filesystem::path mnist = KENYON_SOURCE_DIR "/data/cache/mnist";
const data::feature_set* mnist_features() {
  static const data::feature_set* features = []() -> const data::feature_set* {
    if (!std::filesystem::exists(mnist / "t10k-labels-idx1-ubyte")) return nullptr;
    return new data::feature_set(data::load_features(data::dataset_name::mnist, mnist));
  }();
  return features;
}

#define REQUIRE_MNIST()                                                                \
  KENYON_REQUIRE(mnist_features(), "MNIST not fetched (run scripts/install_deps.sh)"); \
  const data::feature_set& features = *mnist_features()

TEST(frozen_reading, same_numbers_for_any_thread_count_and_in_any_list) {
  test::thread_count_guard guard;
  const auto features = test::synthetic_moth_features(test::test_seed(11));
  const model_params params;
  simulation_options options;
  options.seed = 5;
  const auto sim =
      simulate(make_network(params, 85, 3), test::short_moth_protocol(), features, params, options);
  ASSERT_FALSE(sim.non_finite);
  ASSERT_TRUE(sim.final_state.noise_on);
  const auto digits = as_list(features);
  const protocol_params timeline;
  // One digit at a time on one thread, against batches of 5 and 16 (the last batch
  // partial) on two: the same bits.
  omp_set_num_threads(1);
  const auto one = read_frozen(sim.trained, sim.final_state, params, timeline, digits, 9, 1);
  omp_set_num_threads(2);
  for (const int batch : {5, 16}) {
    const auto two = read_frozen(sim.trained, sim.final_state, params, timeline, digits, 9, batch);
    EXPECT_EQ(one.responses.peak, two.responses.peak) << batch;
  }
  ASSERT_FALSE(one.non_finite);
  EXPECT_EQ(one.responses.labels, digits.labels);
  EXPECT_THROW(read_frozen(sim.trained, sim.final_state, params, timeline, digits, 9, 0),
               parameter_error);

  // Digits 13..17 on their own: the same peaks (noise keyed on each digit's position in
  // its file, not in the list).
  data::labelled_features some;
  some.num_features = 85;
  for (std::size_t d = 13; d < 18; ++d) {
    some.values.insert(some.values.end(), digits.digit(d), digits.digit(d) + 85);
    some.labels.push_back(digits.labels[d]);
    some.image_index.push_back(digits.image_index[d]);
  }
  const auto alone = read_frozen(sim.trained, sim.final_state, params, timeline, some, 9);
  for (Eigen::Index d = 0; d < 5; ++d)
    EXPECT_EQ(alone.responses.peak.row(d), one.responses.peak.row(d + 13)) << d;

  // Another digit position or seed: other noise, other peaks; a stimulus moves the readout
  // off the settled state.
  some.image_index[0] += 1;
  const auto moved = read_frozen(sim.trained, sim.final_state, params, timeline, some, 9);
  EXPECT_NE(moved.responses.peak.row(0), alone.responses.peak.row(0));
  EXPECT_EQ(moved.responses.peak.row(1), alone.responses.peak.row(1));
  const auto reseeded = read_frozen(sim.trained, sim.final_state, params, timeline, some, 10);
  EXPECT_NE(reseeded.responses.peak.row(1), alone.responses.peak.row(1));
  const Eigen::RowVectorXd settled =
      Eigen::Map<const Eigen::RowVectorXf>(sim.final_state.E.data(), 10).cast<double>();
  EXPECT_GT((one.responses.peak.rowwise() - settled).cwiseAbs().maxCoeff(), 1e-3);

  // A state of another moth is refused.
  moth_state wrong = sim.final_state;
  wrong.K.pop_back();
  EXPECT_THROW(read_frozen(sim.trained, wrong, params, timeline, digits, 9), parameter_error);
}

TEST(test_features, the_pipeline_applied_to_its_own_images_gives_its_features) {
  // 30 random 28 x 28 images of each class in a shuffled file.
  data::image_set images;
  images.rows = images.cols = 28;
  std::mt19937 gen(test::test_seed(4));
  std::uniform_int_distribution<int> pixel(0, 255);
  std::vector<int> labels;
  for (int c = 0; c < 10; ++c) labels.insert(labels.end(), 30, c);
  std::shuffle(labels.begin(), labels.end(), gen);
  for (const int c : labels) {
    images.labels.push_back(static_cast<std::uint8_t>(c));
    for (int p = 0; p < 28 * 28; ++p)
      images.pixels.push_back(static_cast<std::uint8_t>(pixel(gen) < 60 ? pixel(gen) : 0));
  }
  data::feature_params params;
  params.per_class = 20;
  params.mean_first = 10;
  params.num_features = 30;
  const auto fitted = data::make_features(images, params);
  const auto applied = data::apply_features(images, fitted, params);
  ASSERT_EQ(applied.size(), images.size());
  ASSERT_EQ(applied.num_features, fitted.num_features);
  // make_features takes the first 20 images of each class in file order.
  std::vector<int> seen(10, 0);
  int compared = 0;
  for (std::size_t i = 0; i < applied.size(); ++i) {
    const int c = applied.labels[i];
    EXPECT_EQ(c, images.labels[i]);
    EXPECT_EQ(applied.image_index[i], i);
    if (seen[c] == params.per_class) continue;
    const float* want = fitted.digit(c, seen[c]++);
    for (int j = 0; j < fitted.num_features; ++j) ASSERT_EQ(applied.digit(i)[j], want[j]) << i;
    ++compared;
  }
  EXPECT_EQ(compared, 200);
  const auto first = data::apply_features(images, fitted, params, 7);
  EXPECT_EQ(first.size(), 7u);
  EXPECT_THROW(data::apply_features(images, fitted, params, 301), parameter_error);
}

TEST(test_set, digits_come_from_the_test_split_unseen_and_are_classified) {
  REQUIRE_MNIST();
  const auto test = data::load_test_features(data::dataset_name::mnist, mnist, features, 300);
  ASSERT_EQ(test.size(), 300u);
  // No test digit is any of the training split's digits a run draws from.
  std::set<std::vector<float>> train;
  for (int c = 0; c < 10; ++c)
    for (int i = 0; i < features.per_class; ++i)
      train.emplace(features.digit(c, i), features.digit(c, i) + features.num_features);
  for (std::size_t d = 0; d < test.size(); ++d)
    EXPECT_FALSE(train.count({test.digit(d), test.digit(d) + test.num_features})) << d;
  EXPECT_THROW(data::load_test_features(data::dataset_name::mnist, mnist, features, 10001),
               parameter_error);

  experiment_params p;
  p.train_per_class = 10;
  p.val_per_class = 8;
  p.seed = 2;
  run_options options;
  options.test = &test;
  const auto r = run_experiment(features, p, options);
  ASSERT_TRUE(r.test);
  EXPECT_EQ(r.test->digits, 300u);
  EXPECT_EQ(r.test->log_likelihood.truth, test.labels);
  EXPECT_EQ(r.test->log_likelihood.confusion.sum(), 300);
  EXPECT_GT(r.test->log_likelihood.accuracy, 30.0);  // chance is 10 %
  // --out's files: the test split's confusion matrix and ROC curves beside the run's.
  const auto out =
      std::filesystem::temp_directory_path() / ("kenyon_test_set_" + std::to_string(::getpid()));
  write_outputs(r, out);
  std::ifstream confusion(out / "test_confusion.csv");
  std::string line;
  std::getline(confusion, line);
  EXPECT_EQ(line.rfind("true,pred0,", 0), 0u) << line;
  long total = 0;
  for (int row = 0; row < 10 && std::getline(confusion, line); ++row) {
    std::stringstream cells(line);
    std::string cell;
    std::getline(cells, cell, ',');
    while (std::getline(cells, cell, ',')) total += std::stol(cell);
  }
  EXPECT_EQ(total, 300);
  EXPECT_TRUE(std::filesystem::exists(out / "test_roc.csv"));
  std::filesystem::remove_all(out);

  // The run's own numbers do not change with the test digits read after it.
  const auto plain = run_experiment(features, p, {});
  EXPECT_FALSE(plain.test);
  EXPECT_EQ(plain.accuracy, r.accuracy);
  EXPECT_EQ(plain.post.peak, r.post.peak);
}

// The cyborg baselines: trained on the run's training digits, scored on the test digits;
// the readout's responses change what the classifiers predict (not every prediction the
// same as on the pixels alone), and the plain ones are those of 1-NN and the SVM on the
// same split computed here.
TEST(test_set, cyborg_baselines_score_the_test_digits_with_and_without_the_readout) {
  REQUIRE_MNIST();
  const auto test = data::load_test_features(data::dataset_name::mnist, mnist, features, 400);
  experiment_params p;
  p.train_per_class = 3;
  p.seed = 4;
  run_options options;
  options.test = &test;
  options.cyborg = true;
  const auto r = run_experiment(features, p, options);
  ASSERT_TRUE(r.test && r.test->cyborg);
  const auto& b = *r.test->cyborg;
  // The plain baselines by hand: the run's training digits (draw_digits) against the test
  // digits, pixels only.
  const auto draw = draw_digits(p, 10);
  Eigen::MatrixXd x_train(30, 85), x_test(400, 85);
  std::vector<int> y_train;
  for (int c = 0; c < 10; ++c)
    for (const int d : draw.train[c]) {
      for (int j = 0; j < 85; ++j)
        x_train(static_cast<Eigen::Index>(y_train.size()), j) = features.digit(c, d)[j];
      y_train.push_back(c);
    }
  for (Eigen::Index d = 0; d < 400; ++d)
    for (int j = 0; j < 85; ++j) x_test(d, j) = test.digit(static_cast<std::size_t>(d))[j];
  EXPECT_DOUBLE_EQ(b.nearest_neighbour,
                   accuracy_percent(test.labels, nearest_neighbour(x_train, y_train, x_test)));
  EXPECT_DOUBLE_EQ(b.svm, accuracy_percent(test.labels, svm_rbf(x_train, y_train, x_test)));
  EXPECT_DOUBLE_EQ(b.logistic,
                   accuracy_percent(test.labels, logistic_regression(x_train, y_train, x_test)));
  EXPECT_GT(b.cyborg_logistic, 10.0);
  EXPECT_NE(b.cyborg_nearest_neighbour, b.nearest_neighbour);
  EXPECT_GT(b.cyborg_svm, 10.0);
  EXPECT_EQ(r.test->log_likelihood.accuracy,
            run_experiment(features, p, {.test = &test}).test->log_likelihood.accuracy);
  run_options no_test;
  no_test.cyborg = true;
  EXPECT_THROW(run_experiment(features, p, no_test), parameter_error);
}

// pymoth's figures under --out --plots: the thumbnails put each training digit's features
// back on its image grid; the readout figure is written from the responses alone.
TEST(moth_figures, thumbnails_hold_the_training_digits_features) {
  REQUIRE_MNIST();
  experiment_params p;
  p.train_per_class = 2;
  p.val_per_class = 4;
  run_options options;
  options.thumbnails = true;
  const auto r = run_experiment(features, p, options);
  ASSERT_TRUE(r.thumbnails);
  const auto& t = *r.thumbnails;
  EXPECT_EQ(t.rows * t.cols, features.image_rows * features.image_cols);
  ASSERT_EQ(t.pixels.size(), static_cast<std::size_t>(10 * 2 * t.rows * t.cols));
  const auto draw = draw_digits(p, 10);
  const float* seven = features.digit(7, draw.train[7][1]);
  const float* image = t.pixels.data() + (7 * 2 + 1) * static_cast<std::size_t>(t.rows * t.cols);
  double inside = 0;
  for (int j = 0; j < features.num_features; ++j) {
    EXPECT_EQ(image[features.active_pixels[j]], seven[j]);
    inside += image[features.active_pixels[j]];
  }
  double all = 0;
  for (int k = 0; k < t.rows * t.cols; ++k) all += image[k];
  EXPECT_DOUBLE_EQ(all, inside);  // nothing off the active pixels

  const auto out =
      std::filesystem::temp_directory_path() / ("kenyon_figures_" + std::to_string(::getpid()));
  write_outputs(r, out, true);
  EXPECT_TRUE(std::filesystem::exists(out / "thumbnails.svg"));
  EXPECT_TRUE(std::filesystem::exists(out / "readout_responses.svg"));
  std::filesystem::remove_all(out);
  write_outputs(r, out);
  EXPECT_FALSE(std::filesystem::exists(out / "thumbnails.svg"));
  std::filesystem::remove_all(out);
  EXPECT_FALSE(run_experiment(features, p, {}).thumbnails);
}

TEST(test_set, a_sweep_reports_each_runs_test_accuracy) {
  REQUIRE_MNIST();
  const auto test = data::load_test_features(data::dataset_name::mnist, mnist, features, 100);
  sweep_params s;
  s.train_per_class = {2};
  s.seeds = 2;
  s.base.val_per_class = 5;
  sweep_control control;
  control.test = &test;
  const auto swept = run_sweep(features, s, {}, nullptr, &control);
  ASSERT_EQ(swept.rows.size(), 1u);
  for (const auto& row : swept.rows) {
    ASSERT_TRUE(row.test_accuracy);
    std::vector<double> each;
    for (std::uint64_t seed = 0; seed < 2; ++seed) {
      experiment_params p = s.base;
      p.train_per_class = row.train_per_class;
      p.seed = seed;
      run_options options;
      options.test = &test;
      each.push_back(run_experiment(features, p, options).test->log_likelihood.accuracy);
    }
    EXPECT_DOUBLE_EQ(row.test_accuracy->mean, (each[0] + each[1]) / 2) << row.train_per_class;
  }
  // A run's record keeps its test accuracy through --resume's files.
  sweep_run run;
  run.test_accuracy = 41.25;
  EXPECT_EQ(sweep_run_from_json(to_json(run)).test_accuracy, 41.25);
  EXPECT_FALSE(sweep_run_from_json(to_json(sweep_run{})).test_accuracy);
  EXPECT_FALSE(run_sweep(features, s).rows.front().test_accuracy);
}

}  // namespace
}  // namespace kenyon::moth

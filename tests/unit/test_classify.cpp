#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <random>
#include <vector>

#include "kenyon/core/error.hpp"
#include "kenyon/moth/classify.hpp"
#include "seed.hpp"

namespace kenyon::moth {
namespace {

// Two ENs, two classes, four digits:
//   class 0: (1, 4), (3, 8)   -> mean (2, 6),  sd ddof0 (1, 2), ddof1 (sqrt 2, sqrt 8)
//   class 1: (10, 0), (14, 2) -> mean (12, 1), sd ddof0 (2, 1)
Eigen::MatrixXd four_digits() {
  Eigen::MatrixXd r(4, 2);
  r << 1, 4, 3, 8, 10, 0, 14, 2;
  return r;
}
const std::vector<int> four_labels{0, 0, 1, 1};

// Entry by entry (Eigen's isApprox trips a false GCC 12 warning under AVX-512).
void expect_near(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b, double tol) {
  ASSERT_EQ(a.rows(), b.rows());
  ASSERT_EQ(a.cols(), b.cols());
  for (Eigen::Index i = 0; i < a.rows(); ++i)
    for (Eigen::Index j = 0; j < a.cols(); ++j)
      EXPECT_NEAR(a(i, j), b(i, j), tol * (1 + std::abs(b(i, j)))) << i << "," << j;
}

TEST(classify, class_stats_by_hand) {
  const class_stats s = fit_class_stats(four_digits(), four_labels, 2);
  Eigen::MatrixXd mean(2, 2), sd(2, 2);
  mean << 2, 12, 6, 1;  // (EN, class)
  sd << 1, 2, 2, 1;
  expect_near(s.mean, mean, 1e-15);
  expect_near(s.sd, sd, 1e-15);
  const class_stats s1 = fit_class_stats(four_digits(), four_labels, 2, 1);
  EXPECT_NEAR(s1.sd(0, 0), std::sqrt(2.0), 1e-12);
  EXPECT_NEAR(s1.sd(1, 0), std::sqrt(8.0), 1e-12);
  EXPECT_NEAR(s1.sd(0, 1), std::sqrt(8.0), 1e-12);
  EXPECT_NEAR(s1.sd(1, 1), std::sqrt(2.0), 1e-12);
}

TEST(classify, class_stats_reject_bad_input) {
  EXPECT_THROW(fit_class_stats(four_digits(), {0, 0, 0, 0}, 2), error);     // class 1 empty
  EXPECT_THROW(fit_class_stats(four_digits(), {0, 0, 1, 2}, 2), error);     // label out of range
  EXPECT_THROW(fit_class_stats(four_digits(), {0, 0, 1}, 2), error);        // too few labels
  EXPECT_THROW(fit_class_stats(four_digits(), {0, 0, 0, 1}, 2, 1), error);  // 1 digit, ddof 1
  EXPECT_THROW(fit_class_stats(four_digits(), four_labels, 2, -1), parameter_error);
  Eigen::MatrixXd nan = four_digits();
  nan(2, 1) = std::nan("");
  EXPECT_THROW(fit_class_stats(nan, four_labels, 2), error);
}

TEST(classify, log_likelihood_scores_by_hand) {
  const auto r = four_digits();
  const classification c =
      classify_log_likelihood(r, four_labels, fit_class_stats(r, four_labels, 2));
  // digit (1,4):  class 0: (-1)^4 + (-1)^4 = 2;  class 1: (-11/2)^4 + 3^4 = 915.0625 + 81
  // digit (3,8):  class 0: 1 + 1 = 2;            class 1: (-9/2)^4 + 7^4 = 410.0625 + 2401
  // digit (10,0): class 0: 8^4 + (-3)^4 = 4177;  class 1: 2
  // digit (14,2): class 0: 12^4 + (-2)^4 = 20752; class 1: 2
  Eigen::MatrixXd expected(4, 2);
  expected << 2, 996.0625, 2, 2811.0625, 4177, 2, 20752, 2;
  expect_near(c.scores, expected, 1e-12);
  EXPECT_EQ(c.predicted, (std::vector<int>{0, 0, 1, 1}));
  EXPECT_EQ(c.truth, four_labels);
  EXPECT_DOUBLE_EQ(c.accuracy, 100);
  EXPECT_EQ(c.per_class_accuracy, (std::vector<double>{100, 100}));
}

TEST(classify, confusion_and_per_class_accuracy) {
  const class_stats s = fit_class_stats(four_digits(), four_labels, 2);
  // (2,6) sits on class 0's mean (score 0) but is labelled 1; (12,1) sits on class 1's mean
  // but is labelled 0; (1,4) is a correct class 0.
  Eigen::MatrixXd test(3, 2);
  test << 2, 6, 12, 1, 1, 4;
  const classification c = classify_log_likelihood(test, {1, 0, 0}, s);
  EXPECT_EQ(c.scores(0, 0), 0);
  EXPECT_EQ(c.scores(1, 1), 0);
  EXPECT_EQ(c.predicted, (std::vector<int>{0, 1, 0}));
  Eigen::MatrixXi confusion(2, 2);
  confusion << 1, 1,  // true 0: one right, one called 1
      1, 0;           // true 1: called 0
  EXPECT_EQ(c.confusion, confusion);
  EXPECT_NEAR(c.accuracy, 100.0 / 3, 1e-12);
  EXPECT_DOUBLE_EQ(c.per_class_accuracy[0], 50);
  EXPECT_DOUBLE_EQ(c.per_class_accuracy[1], 0);
  // A class absent from the labels has no accuracy: NaN, not a made-up 0.
  const classification only0 = classify_log_likelihood(test.topRows(1), {0}, s);
  EXPECT_TRUE(std::isnan(only0.per_class_accuracy[1]));
  EXPECT_EQ(accuracy_percent({0, 1, 2, 3}, {0, 1, 0, 0}), 50);
  EXPECT_THROW(accuracy_percent({0, 1}, {0}), error);
  EXPECT_THROW(accuracy_percent({}, {}), error);
}

TEST(classify, ties_go_to_the_lowest_class_and_zero_sd_is_finite) {
  class_stats s{Eigen::MatrixXd(1, 2), Eigen::MatrixXd(1, 2)};
  s.mean << 0, 2;
  s.sd << 1, 1;
  Eigen::MatrixXd a(1, 1);
  a << 1;  // scores 1 and 1
  EXPECT_EQ(classify_log_likelihood(a, {1}, s).predicted[0], 0);

  // Class 1's EN 1 never varies (sd 0): a digit on that value scores 0 for that EN, one off
  // it scores huge; both finite.
  Eigen::MatrixXd r(4, 2);
  r << 0, 0, 2, 2, 5, 7, 6, 7;
  const class_stats z = fit_class_stats(r, four_labels, 2);
  EXPECT_EQ(z.sd(1, 1), 0);
  Eigen::MatrixXd test(2, 2);
  test << 5.5, 7, 5.5, 7.5;
  const classification c = classify_log_likelihood(test, {1, 1}, z);
  EXPECT_TRUE(c.scores.allFinite());
  EXPECT_NEAR(c.scores(0, 1), 0, 1e-12);  // (0/0.5)^4 + (0/floor)^4
  EXPECT_GT(c.scores(1, 1), 1e40);        // (0.5 / 7e-12)^4
  EXPECT_EQ(c.predicted, (std::vector<int>{1, 0}));
}

TEST(classify, rejects_mismatched_shapes) {
  const class_stats s = fit_class_stats(four_digits(), four_labels, 2);
  EXPECT_THROW(classify_log_likelihood(Eigen::MatrixXd::Zero(2, 3), {0, 1}, s), error);
  EXPECT_THROW(classify_log_likelihood(Eigen::MatrixXd::Zero(2, 2), {0, 2}, s), error);
  EXPECT_THROW(classify_log_likelihood(Eigen::MatrixXd::Zero(2, 2), {0}, s), error);
  EXPECT_THROW(classify_log_likelihood(Eigen::MatrixXd::Zero(0, 2), {}, s), error);
}

// One EN, two classes: class 0 = {0, 1, 7}, class 1 = {9, 10, 11}; ddof 0.
Eigen::MatrixXd loo_digits() {
  Eigen::MatrixXd r(6, 1);
  r << 0, 1, 7, 9, 10, 11;
  return r;
}
const std::vector<int> loo_labels{0, 0, 0, 1, 1, 1};

TEST(classify_loo, differs_from_the_transductive_classifier) {
  const auto r = loo_digits();
  // Transductive: class 0 mean 8/3, variance 258/27; class 1 mean 10, variance 2/3.
  // The outlier 7: class 0 ((13/3)^2 * 27/258)^2 = (507/258)^2 = 3.86; class 1 13.5^2 = 182.25.
  const classification t =
      classify_log_likelihood(r, loo_labels, fit_class_stats(r, loo_labels, 2));
  EXPECT_NEAR(t.scores(2, 0), std::pow(507.0 / 258, 2), 1e-9);
  EXPECT_NEAR(t.scores(2, 1), 182.25, 1e-9);
  EXPECT_DOUBLE_EQ(t.accuracy, 100);

  const classification l = classify_log_likelihood_loo(r, loo_labels, 2);
  // Without 7, class 0 = {0, 1}: mean 0.5, sd 0.5 -> ((7 - 0.5) / 0.5)^4 = 13^4 = 28561,
  // while class 1 keeps its full statistics (182.25): 7 is now called 1.
  EXPECT_NEAR(l.scores(2, 0), 28561, 1e-7);
  EXPECT_NEAR(l.scores(2, 1), 182.25, 1e-9);
  // 0 without itself: {1, 7}, mean 4, sd 3 -> (4/3)^4 = 256/81. Other class untouched.
  EXPECT_NEAR(l.scores(0, 0), 256.0 / 81, 1e-12);
  EXPECT_NEAR(l.scores(0, 1), t.scores(0, 1), 1e-9);
  // 1 without itself: {0, 7}, mean 3.5, sd 3.5 -> (5/7)^4.
  EXPECT_NEAR(l.scores(1, 0), std::pow(5.0 / 7, 4), 1e-12);
  // 9 without itself: {10, 11}, mean 10.5, sd 0.5 -> 3^4 = 81 > class 0's (1083/258)^2.
  EXPECT_NEAR(l.scores(3, 1), 81, 1e-9);
  EXPECT_NEAR(l.scores(3, 0), std::pow(1083.0 / 258, 2), 1e-9);
  // 10 without itself: {9, 11}, mean 10 -> 0.
  EXPECT_NEAR(l.scores(4, 1), 0, 1e-12);
  EXPECT_EQ(l.predicted, (std::vector<int>{0, 0, 1, 0, 1, 0}));
  EXPECT_DOUBLE_EQ(l.accuracy, 50);
}

TEST(classify_loo, matches_refitting_without_each_digit) {
  std::mt19937 gen(kenyon::test::test_seed(7));
  std::normal_distribution<double> normal(0, 1);
  const int n = 24, n_en = 3, classes = 3;
  Eigen::MatrixXd r(n, n_en);
  std::vector<int> labels(n);
  for (int d = 0; d < n; ++d) {
    labels[d] = d % classes;
    for (int i = 0; i < n_en; ++i) r(d, i) = normal(gen) + labels[d] * (i + 1) * 0.7;
  }
  for (int ddof : {0, 1}) {
    const classification l = classify_log_likelihood_loo(r, labels, classes, ddof);
    for (int d = 0; d < n; ++d) {
      Eigen::MatrixXd rest(n - 1, n_en);
      std::vector<int> rest_labels;
      for (int e = 0, k = 0; e < n; ++e)
        if (e != d) {
          rest.row(k++) = r.row(e);
          rest_labels.push_back(labels[e]);
        }
      const class_stats without = fit_class_stats(rest, rest_labels, classes, ddof);
      const class_stats full = fit_class_stats(r, labels, classes, ddof);
      for (int c = 0; c < classes; ++c) {
        const class_stats& s = c == labels[d] ? without : full;
        double expected = 0;
        for (int i = 0; i < n_en; ++i)
          expected += std::pow((r(d, i) - s.mean(i, c)) / s.sd(i, c), 4);
        EXPECT_NEAR(l.scores(d, c), expected, 1e-9 * (1 + expected)) << d << " " << c;
      }
    }
  }
}

TEST(classify_loo, a_class_of_one_cannot_be_left_out) {
  EXPECT_THROW(classify_log_likelihood_loo(four_digits(), {0, 0, 0, 1}, 2), error);
  // With ddof 1 two digits are not enough either: one left would have no sd.
  EXPECT_THROW(classify_log_likelihood_loo(four_digits(), four_labels, 2, 1), error);
  EXPECT_NO_THROW(classify_log_likelihood_loo(four_digits(), four_labels, 2, 0));
}

TEST(classify_thresholding, home_advantage_by_hand) {
  const class_stats s = fit_class_stats(four_digits(), four_labels, 2);  // mean/sd as above
  Eigen::MatrixXd a(1, 2);
  a << 1, 4;
  // d[i,c] = (a_i - mean(i,c)) / sd(i,c): d00 = -1, d10 = -1, d01 = -5.5, d11 = 3.
  // home_advantage 2: off-diagonals halve. Diagonal: d00 = -1 is not > -1 * sd00 = -1 (no
  // reward); d11 = 3 > -1 * sd11 = -1, so it is divided by 10.
  // score 0 = 1 + 0.5^4 = 1.0625; score 1 = 2.75^4 + 0.3^4 = 57.19140625 + 0.0081.
  thresholding_params p{.home_advantage = 2, .home_thresh_sigmas = -1, .reward = 10};
  const classification c2 = classify_thresholding(a, {0}, s, p);
  EXPECT_NEAR(c2.scores(0, 0), 1.0625, 1e-12);
  EXPECT_NEAR(c2.scores(0, 1), 57.19950625, 1e-10);
  EXPECT_EQ(c2.predicted[0], 0);
  // pymoth's defaults (1e9): off-diagonals vanish, so each EN judges only its own class.
  // score 0 = 1 + 1e-36, score 1 = 0.0081 + 5.5^4e-36: the rewarded class 1 wins, although the
  // log-likelihood classifier calls this digit 0 (score 2 vs 996).
  const classification c = classify_thresholding(a, {0}, s);
  EXPECT_NEAR(c.scores(0, 0), 1, 1e-12);
  EXPECT_NEAR(c.scores(0, 1), 0.0081, 1e-12);
  EXPECT_EQ(c.predicted[0], 1);
  EXPECT_EQ(classify_log_likelihood(a, {0}, s).predicted[0], 0);
  // A lower threshold rewards d00 = -1 too (> -2 * 1): score 0 = 0.1^4 = 1e-4 < 0.0081.
  p = {.home_advantage = 1e9, .home_thresh_sigmas = -2, .reward = 10};
  const classification low = classify_thresholding(a, {0}, s, p);
  EXPECT_NEAR(low.scores(0, 0), 1e-4, 1e-12);
  EXPECT_EQ(low.predicted[0], 0);
}

TEST(classify_thresholding, threshold_compares_z_with_a_raw_sd) {
  // The original's quirk: the threshold is home_thresh_sigmas * sd(c,c), in raw units. With
  // sd00 = 2, z = -1.5 passes "z > -2" and is rewarded, though it is below -1 sigma.
  class_stats s{Eigen::MatrixXd(2, 2), Eigen::MatrixXd(2, 2)};
  s.mean << 2, 12, 6, 1;
  s.sd << 2, 2, 2, 1;
  Eigen::MatrixXd a(1, 2);
  a << -1, 6;  // d00 = -1.5 -> -0.15; d10 = 0
  const classification c = classify_thresholding(a, {0}, s);
  EXPECT_NEAR(c.scores(0, 0), std::pow(0.15, 4), 1e-15);
}

TEST(classify_thresholding, rejects_bad_parameters_and_shapes) {
  const class_stats s = fit_class_stats(four_digits(), four_labels, 2);
  EXPECT_THROW(classify_thresholding(four_digits(), four_labels, s, {.home_advantage = 0}),
               parameter_error);
  EXPECT_THROW(classify_thresholding(four_digits(), four_labels, s, {.reward = -1}),
               parameter_error);
  // Three ENs, two classes: no diagonal to speak of.
  Eigen::MatrixXd r(4, 3);
  r << 1, 4, 0, 3, 8, 1, 10, 0, 2, 14, 2, 5;
  EXPECT_THROW(classify_thresholding(r, four_labels, fit_class_stats(r, four_labels, 2)), error);
}

// ---- ROC ----

// Four digits, two classes; class 1's column is sklearn's documentation example
// (0.1, 0.4, 0.35, 0.8) with truth (0, 0, 1, 1): fpr (0, 0, .5, .5, 1), tpr (0, .5, .5, 1, 1),
// AUC 0.75. Class 0's column (0.9, 0.6, 0.65, 0.2) has the same shape.
TEST(roc, per_class_micro_macro_by_hand) {
  Eigen::MatrixXd scores(4, 2);
  scores << 0.9, 0.1, 0.6, 0.4, 0.65, 0.35, 0.2, 0.8;
  const roc_result r = roc_one_vs_rest(four_labels, scores, 2);
  for (const roc_curve& c : r.per_class) {
    EXPECT_EQ(c.fpr, (std::vector<double>{0, 0, 0.5, 0.5, 1}));
    EXPECT_EQ(c.tpr, (std::vector<double>{0, 0.5, 0.5, 1, 1}));
    EXPECT_DOUBLE_EQ(c.auc, 0.75);
  }
  // Micro: 8 pairs, positives 0.9 0.8 0.6 0.35, negatives 0.65 0.4 0.2 0.1. Counts after each
  // score: fps 0 0 1 1 2 2 3 4, tps 1 2 2 3 3 4 4 4; the point (3, 4) lies between equal
  // steps and is dropped. AUC = Mann-Whitney 13/16.
  EXPECT_EQ(r.micro.fpr, (std::vector<double>{0, 0, 0, .25, .25, .5, .5, 1}));
  EXPECT_EQ(r.micro.tpr, (std::vector<double>{0, .25, .5, .5, .75, .75, 1, 1}));
  EXPECT_DOUBLE_EQ(r.micro.auc, 0.8125);
  // Macro: union fpr {0, .5, 1}; np.interp reads the top of each vertical segment, giving
  // tpr (.5, 1, 1) for both classes and AUC .5 * .75 + .5 * 1 = 0.875 (sklearn's recipe).
  EXPECT_EQ(r.macro.fpr, (std::vector<double>{0, 0.5, 1}));
  EXPECT_EQ(r.macro.tpr, (std::vector<double>{0.5, 1, 1}));
  EXPECT_DOUBLE_EQ(r.macro.auc, 0.875);

  // Without thinning the micro curve keeps the point (.75, 1); the area is the same.
  const roc_result full = roc_one_vs_rest(four_labels, scores, 2, false);
  EXPECT_EQ(full.micro.fpr.size(), 9u);
  EXPECT_DOUBLE_EQ(full.micro.auc, 0.8125);
}

TEST(roc, tied_scores_are_one_threshold) {
  // Class 1 scores (0.5, 0.5, 0.5, 0.9): two negatives and one positive tie at 0.5, one
  // threshold, so the curve goes diagonally from (0, .5) to (1, 1): AUC 0.75 (Mann-Whitney
  // with a tie counted 1/2: (2 + 1) / 4).
  Eigen::MatrixXd scores(4, 2);
  scores << 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.1, 0.9;
  const roc_result r = roc_one_vs_rest(four_labels, scores, 2);
  EXPECT_EQ(r.per_class[1].fpr, (std::vector<double>{0, 0, 1}));
  EXPECT_EQ(r.per_class[1].tpr, (std::vector<double>{0, 0.5, 1}));
  EXPECT_DOUBLE_EQ(r.per_class[1].auc, 0.75);
}

TEST(roc, perfect_and_inverted_scores) {
  // Three digits, one per class; scores = +identity (perfect) or -identity (inverted).
  const std::vector<int> labels{0, 1, 2};
  const Eigen::MatrixXd eye = Eigen::MatrixXd::Identity(3, 3);
  const roc_result good = roc_one_vs_rest(labels, eye, 3);
  for (const auto& c : good.per_class) EXPECT_DOUBLE_EQ(c.auc, 1);
  EXPECT_DOUBLE_EQ(good.micro.auc, 1);
  EXPECT_DOUBLE_EQ(good.macro.auc, 1);
  const roc_result bad = roc_one_vs_rest(labels, -eye, 3);
  for (const auto& c : bad.per_class) {
    EXPECT_EQ(c.fpr, (std::vector<double>{0, 1, 1}));
    EXPECT_EQ(c.tpr, (std::vector<double>{0, 0, 1}));
    EXPECT_DOUBLE_EQ(c.auc, 0);
  }
  EXPECT_DOUBLE_EQ(bad.micro.auc, 0);
  // The macro recipe reads tpr 1 at fpr 1 (top of the final vertical), so the inverted macro
  // curve is (0, 0) -> (1, 1): AUC 0.5, as sklearn's recipe gives, not 0.
  EXPECT_EQ(bad.macro.fpr, (std::vector<double>{0, 1}));
  EXPECT_EQ(bad.macro.tpr, (std::vector<double>{0, 1}));
  EXPECT_DOUBLE_EQ(bad.macro.auc, 0.5);
}

TEST(roc, per_class_auc_is_the_mann_whitney_statistic) {
  std::mt19937 gen(kenyon::test::test_seed(11));
  std::uniform_int_distribution<int> coarse(0, 9);  // coarse scores: many ties
  const int n = 60, classes = 3;
  Eigen::MatrixXd scores(n, classes);
  std::vector<int> labels(n);
  for (int d = 0; d < n; ++d) {
    labels[d] = d % classes;
    for (int c = 0; c < classes; ++c) scores(d, c) = coarse(gen) + (c == labels[d] ? 2 : 0);
  }
  const roc_result r = roc_one_vs_rest(labels, scores, classes);
  for (int c = 0; c < classes; ++c) {
    double wins = 0, pairs = 0;
    for (int p = 0; p < n; ++p)
      for (int q = 0; q < n; ++q)
        if (labels[p] == c && labels[q] != c) {
          wins += scores(p, c) > scores(q, c) ? 1 : scores(p, c) == scores(q, c) ? 0.5 : 0;
          ++pairs;
        }
    EXPECT_NEAR(r.per_class[c].auc, wins / pairs, 1e-12);
  }
}

TEST(roc, rejects_a_class_without_positives_or_bad_shapes) {
  Eigen::MatrixXd scores = Eigen::MatrixXd::Random(4, 3);
  EXPECT_THROW(roc_one_vs_rest(four_labels, scores, 3), error);  // class 2 has no digit
  EXPECT_THROW(roc_one_vs_rest({0, 0, 0, 0}, scores.leftCols(2), 2), error);
  EXPECT_THROW(roc_one_vs_rest(four_labels, scores, 2), error);  // 3 columns for 2 classes
  EXPECT_THROW(roc_one_vs_rest({0, 1}, scores.leftCols(2), 2), error);
}

// ---- baselines ----

TEST(baseline, nearest_neighbour_toy) {
  Eigen::MatrixXd train(4, 2), test(4, 2);
  train << 0, 0, 1, 0, 0, 1, 5, 5;
  test << 0.1, 0.1, 0.9, 0.2, 4, 4, 0.5, 0.5;
  // (0.5, 0.5) is sqrt(0.5) from the first three rows: the tie goes to the first (label 7).
  EXPECT_EQ(nearest_neighbour(train, {7, 1, 2, 3}, test), (std::vector<int>{7, 1, 3, 7}));
  EXPECT_THROW(nearest_neighbour(train, {7, 1, 2}, test), error);
  EXPECT_THROW(nearest_neighbour(train, {7, 1, 2, 3}, Eigen::MatrixXd::Zero(1, 3)), error);
  EXPECT_THROW(nearest_neighbour(Eigen::MatrixXd(0, 2), {}, test), error);
}

TEST(baseline, svm_gamma_scale) {
  Eigen::MatrixXd x(2, 2);
  x << 1, 2, 3, 4;  // all values: mean 2.5, variance 1.25 -> 1 / (2 * 1.25)
  EXPECT_DOUBLE_EQ(svm_gamma_scale(x), 0.4);
  Eigen::MatrixXd y(3, 4);
  y << 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 6;  // mean 0.5, variance (11 * .25 + 30.25) / 12 = 2.75
  EXPECT_DOUBLE_EQ(svm_gamma_scale(y), 1.0 / (4 * 2.75));
  EXPECT_EQ(svm_gamma_scale(Eigen::MatrixXd::Constant(3, 2, 7)), 1.0);
}

TEST(baseline, svm_params_validate) {
  EXPECT_NO_THROW(svm_params{}.validate());
  EXPECT_THROW((svm_params{.c = 0}.validate()), parameter_error);
  EXPECT_THROW((svm_params{.c = -1}.validate()), parameter_error);
  EXPECT_THROW((svm_params{.gamma = -0.1}.validate()), parameter_error);
  try {
    svm_params{.c = 0}.validate();
  } catch (const parameter_error& e) {
    EXPECT_EQ(e.field(), "c");
  }
}

// n points per centre, Gaussian with the given sd, labels from `label`.
void blobs(std::mt19937& gen, const std::vector<std::array<double, 2>>& centres,
           const std::vector<int>& label, int n, double sd, Eigen::MatrixXd& x,
           std::vector<int>& y) {
  std::normal_distribution<double> noise(0, sd);
  x.resize(static_cast<Eigen::Index>(centres.size()) * n, 2);
  y.clear();
  Eigen::Index row = 0;
  for (int k = 0; k < n; ++k)
    for (std::size_t c = 0; c < centres.size(); ++c, ++row) {
      x(row, 0) = centres[c][0] + noise(gen);
      x(row, 1) = centres[c][1] + noise(gen);
      y.push_back(label[c]);
    }
}

TEST(baseline, svm_separates_two_blobs) {
  std::mt19937 gen(kenyon::test::test_seed(2024));
  Eigen::MatrixXd train, test;
  std::vector<int> train_y, test_y;
  // Labels 3 and 8: libsvm keeps the caller's labels.
  blobs(gen, {{-3, -3}, {3, 3}}, {3, 8}, 50, 0.7, train, train_y);
  blobs(gen, {{-3, -3}, {3, 3}}, {3, 8}, 50, 0.7, test, test_y);
  const std::vector<int> predicted = svm_rbf(train, train_y, test);
  EXPECT_DOUBLE_EQ(accuracy_percent(test_y, predicted), 100);
  EXPECT_EQ(svm_rbf(train, train_y, test), predicted);  // deterministic
  EXPECT_DOUBLE_EQ(accuracy_percent(test_y, nearest_neighbour(train, train_y, test)), 100);
}

TEST(baseline, svm_solves_a_three_class_xor) {
  // Class 0 on one diagonal's corners, class 1 on the other's, class 2 in the middle: the
  // class means of 0, 1 and 2 all coincide at the origin, so no linear rule separates them.
  const std::vector<std::array<double, 2>> centres{{1, 1}, {-1, -1}, {1, -1}, {-1, 1}, {0, 0}};
  const std::vector<int> label{0, 0, 1, 1, 2};
  std::mt19937 gen(kenyon::test::test_seed(5));
  Eigen::MatrixXd train, test;
  std::vector<int> train_y, test_y;
  blobs(gen, centres, label, 30, 0.15, train, train_y);
  blobs(gen, centres, label, 30, 0.15, test, test_y);
  EXPECT_GE(accuracy_percent(test_y, svm_rbf(train, train_y, test)), 98);
  // An explicit gamma is used as given; a tiny one makes the kernel nearly linear and fails.
  EXPECT_LT(accuracy_percent(test_y, svm_rbf(train, train_y, test, {.c = 10, .gamma = 1e-6})), 70);
}

TEST(baseline, svm_rejects_bad_input) {
  Eigen::MatrixXd train(3, 2);
  train << 0, 0, 1, 1, 2, 2;
  EXPECT_THROW(svm_rbf(train, {0, 0, 0}, train), error);  // one class
  EXPECT_THROW(svm_rbf(train, {0, 1}, train), error);
  EXPECT_THROW(svm_rbf(train, {0, 1, 1}, Eigen::MatrixXd::Zero(1, 3)), error);
  EXPECT_THROW(svm_rbf(train, {0, 1, 1}, train, {.c = -1}), parameter_error);
}

}  // namespace
}  // namespace kenyon::moth

namespace kenyon::moth {
namespace {

// Three overlapping Gaussian blobs in 4 dimensions, one feature on a far larger scale.
void blobs(int per_class, unsigned seed, Eigen::MatrixXd& x, std::vector<int>& y) {
  std::mt19937 gen(kenyon::test::test_seed(seed));
  std::normal_distribution<double> noise(0, 1);
  x.resize(3 * per_class, 4);
  y.clear();
  for (int c = 0; c < 3; ++c)
    for (int i = 0; i < per_class; ++i) {
      const auto r = static_cast<Eigen::Index>(y.size());
      for (int j = 0; j < 4; ++j) x(r, j) = (j == c ? 2.0 : 0.0) + noise(gen);
      x(r, 3) *= 1000;
      y.push_back(c);
    }
}

TEST(logistic_regression, fits_the_minimum_of_its_objective) {
  Eigen::MatrixXd x;
  std::vector<int> y;
  blobs(40, 21, x, y);
  const auto m = fit_logistic(x, y, 3);
  EXPECT_LT(m.iterations, 2000);
  const Eigen::MatrixXd z = (x.rowwise() - m.mean).array().rowwise() / m.scale.array();
  // No step along any weight or intercept lowers the objective: a minimum.
  const double f = m.objective(z, y, 1.0);
  for (Eigen::Index k = 0; k < m.weights.size() + m.intercepts.size(); ++k)
    for (const double h : {1e-4, -1e-4}) {
      auto moved = m;
      if (k < moved.weights.size())
        moved.weights.data()[k] += h;
      else
        moved.intercepts[k - moved.weights.size()] += h;
      EXPECT_GE(moved.objective(z, y, 1.0), f - 1e-9) << k << " " << h;
    }
  // Well above chance on new points; the features are standardised, so a rescaled column
  // gives the same predictions.
  Eigen::MatrixXd test;
  std::vector<int> truth;
  blobs(100, 22, test, truth);
  const auto predicted = predict_logistic(m, test);
  EXPECT_GT(accuracy_percent(truth, predicted), 70.0);
  Eigen::MatrixXd x2 = x, test2 = test;
  x2.col(3) /= 1000;
  test2.col(3) /= 1000;
  EXPECT_EQ(logistic_regression(x2, y, test2), predicted);
  // A weaker penalty fits the training points at least as well: a cross-entropy no
  // higher (the regularisation path's order).
  const auto loose = fit_logistic(x, y, 3, {.c = 100});
  const auto cross_entropy = [&](const logistic_model& model) {
    return model.objective(z, y, 1.0) - 0.5 * model.weights.squaredNorm();
  };
  EXPECT_LE(cross_entropy(loose), cross_entropy(m) + 1e-6);
  EXPECT_GT(loose.weights.norm(), m.weights.norm());
  EXPECT_THROW(fit_logistic(x, y, 3, {.c = 0}), parameter_error);
  EXPECT_THROW(fit_logistic(x, y, 2), error);  // label 2 outside 0..1
}

}  // namespace
}  // namespace kenyon::moth

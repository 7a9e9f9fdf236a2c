// Readout classifiers and ROC analysis (spec mothnet.md sections 6-7).
#include "kenyon/moth/classify.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string>

#include "kenyon/core/error.hpp"

namespace kenyon::moth {
namespace {

// A zero sd (every digit of a class gave the same response) would make the z-score 0/0 or
// x/0. Raising it to 1e-12 * max(1, |mean|) keeps every score finite (a digit off the mean
// gets a huge score, one at the mean gets 0) while leaving any real sd untouched.
double floored_sd(double sd, double mean) {
  return std::max(sd, 1e-12 * std::max(1.0, std::abs(mean)));
}

double pow4(double x) {
  const double x2 = x * x;
  return x2 * x2;
}

void check_finite(const Eigen::MatrixXd& m, const char* what) {
  if (!m.allFinite()) throw error(std::string(what) + " contain NaN or infinite values");
}

void check_labels(const std::vector<int>& labels, Eigen::Index rows, int num_classes) {
  if (static_cast<Eigen::Index>(labels.size()) != rows)
    throw error("labels: " + std::to_string(labels.size()) + " labels for " + std::to_string(rows) +
                " rows");
  for (std::size_t d = 0; d < labels.size(); ++d)
    if (labels[d] < 0 || labels[d] >= num_classes)
      throw error("labels: label " + std::to_string(labels[d]) + " of row " + std::to_string(d) +
                  " is outside 0.." + std::to_string(num_classes - 1));
}

// Means, sums of squared deviations (m2) and counts per (EN, class).
struct class_moments {
  Eigen::MatrixXd mean;
  Eigen::MatrixXd m2;
  std::vector<long long> count;
};

class_moments moments(const Eigen::MatrixXd& responses, const std::vector<int>& labels,
                      int num_classes, int ddof) {
  if (num_classes < 1) throw parameter_error("num_classes", "must be at least 1");
  if (ddof < 0) throw parameter_error("ddof", "must be 0 or more, got " + std::to_string(ddof));
  check_labels(labels, responses.rows(), num_classes);
  check_finite(responses, "responses");
  const Eigen::Index n_en = responses.cols();
  class_moments m{Eigen::MatrixXd::Zero(n_en, num_classes),
                  Eigen::MatrixXd::Zero(n_en, num_classes), std::vector<long long>(num_classes, 0)};
  for (std::size_t d = 0; d < labels.size(); ++d) {
    m.mean.col(labels[d]) += responses.row(static_cast<Eigen::Index>(d)).transpose();
    ++m.count[labels[d]];
  }
  for (int c = 0; c < num_classes; ++c) {
    if (m.count[c] <= ddof)
      throw error("class " + std::to_string(c) + " has " + std::to_string(m.count[c]) +
                  " digits; its sd needs more than ddof = " + std::to_string(ddof));
    m.mean.col(c) /= static_cast<double>(m.count[c]);
  }
  // Two passes: deviations from the finished mean, which is accurate for large offsets.
  for (std::size_t d = 0; d < labels.size(); ++d)
    m.m2.col(labels[d]) +=
        (responses.row(static_cast<Eigen::Index>(d)).transpose() - m.mean.col(labels[d]))
            .cwiseAbs2();
  return m;
}

void check_stats(const class_stats& stats, Eigen::Index n_en) {
  if (stats.mean.cols() < 1) throw error("class statistics have no class");
  if (stats.mean.rows() != n_en)
    throw error("class statistics are for " + std::to_string(stats.mean.rows()) +
                " ENs, responses have " + std::to_string(n_en));
  if (stats.sd.rows() != stats.mean.rows() || stats.sd.cols() != stats.mean.cols())
    throw error("class statistics: sd and mean differ in shape");
  check_finite(stats.mean, "class means");
  check_finite(stats.sd, "class sds");
  if ((stats.sd.array() < 0).any()) throw error("class sds contain negative values");
}

// Predictions (argmin of each row, ties to the lowest class), accuracies and confusion.
classification finish(const std::vector<int>& labels, Eigen::MatrixXd scores) {
  const auto num_classes = static_cast<int>(scores.cols());
  classification out;
  out.truth = labels;
  out.predicted.resize(labels.size());
  out.confusion = Eigen::MatrixXi::Zero(num_classes, num_classes);
  std::vector<long long> right(num_classes, 0), total(num_classes, 0);
  for (std::size_t d = 0; d < labels.size(); ++d) {
    const auto row = static_cast<Eigen::Index>(d);
    int best = 0;
    for (int c = 1; c < num_classes; ++c)
      if (scores(row, c) < scores(row, best)) best = c;
    out.predicted[d] = best;
    ++out.confusion(labels[d], best);
    ++total[labels[d]];
    right[labels[d]] += best == labels[d];
  }
  out.accuracy = accuracy_percent(out.truth, out.predicted);
  out.per_class_accuracy.resize(num_classes);
  for (int c = 0; c < num_classes; ++c)
    out.per_class_accuracy[c] =
        total[c] ? 100.0 * static_cast<double>(right[c]) / static_cast<double>(total[c])
                 : std::numeric_limits<double>::quiet_NaN();
  out.scores = std::move(scores);
  return out;
}

void check_digits(const Eigen::MatrixXd& responses, const std::vector<int>& labels,
                  const class_stats& stats) {
  if (responses.rows() == 0) throw error("no digits to classify");
  check_stats(stats, responses.cols());
  check_labels(labels, responses.rows(), static_cast<int>(stats.mean.cols()));
  check_finite(responses, "responses");
}

// ---- ROC ----

// sklearn's _binary_clf_curve + roc_curve: cumulative (fps, tps) after each distinct score,
// highest first, optionally thinned, then a leading (0, 0).
roc_curve binary_roc(const std::vector<char>& positive, const std::vector<double>& score,
                     bool drop_intermediate, const std::string& name) {
  std::vector<std::size_t> order(score.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return score[a] > score[b]; });
  std::vector<std::int64_t> fps, tps;
  std::int64_t fp = 0, tp = 0;
  for (std::size_t k = 0; k < order.size(); ++k) {
    (positive[order[k]] ? tp : fp) += 1;
    // Tied scores are one threshold: emit a point only at the end of a run of equal scores.
    if (k + 1 == order.size() || score[order[k + 1]] != score[order[k]]) {
      fps.push_back(fp);
      tps.push_back(tp);
    }
  }
  if (tp == 0) throw error("ROC: " + name + " has no positive sample");
  if (fp == 0) throw error("ROC: " + name + " has no negative sample");
  std::vector<std::size_t> keep;
  for (std::size_t k = 0; k < fps.size(); ++k) {
    const bool interior = k > 0 && k + 1 < fps.size();
    // sklearn drops a point whose second difference is zero in both coordinates.
    if (drop_intermediate && fps.size() > 2 && interior &&
        fps[k + 1] - 2 * fps[k] + fps[k - 1] == 0 && tps[k + 1] - 2 * tps[k] + tps[k - 1] == 0)
      continue;
    keep.push_back(k);
  }
  roc_curve curve;
  curve.fpr.push_back(0);
  curve.tpr.push_back(0);
  for (std::size_t k : keep) {
    curve.fpr.push_back(static_cast<double>(fps[k]) / static_cast<double>(fp));
    curve.tpr.push_back(static_cast<double>(tps[k]) / static_cast<double>(tp));
  }
  return curve;
}

double trapezoid(const std::vector<double>& x, const std::vector<double>& y) {
  double area = 0;
  for (std::size_t k = 1; k < x.size(); ++k) area += (x[k] - x[k - 1]) * (y[k] + y[k - 1]) / 2;
  return area;
}

// np.interp(x, xp, fp) for non-decreasing xp: at a repeated xp value numpy's search lands on
// the last of the repeats, so a vertical ROC segment reads as its top.
double np_interp(double x, const std::vector<double>& xp, const std::vector<double>& fp) {
  if (x < xp.front()) return fp.front();
  if (x >= xp.back()) return fp.back();
  const auto j =
      static_cast<std::size_t>(std::upper_bound(xp.begin(), xp.end(), x) - xp.begin()) - 1;
  if (xp[j] == x) return fp[j];
  const double slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j]);
  return slope * (x - xp[j]) + fp[j];
}

}  // namespace

void thresholding_params::validate() const {
  if (!(home_advantage > 0) || !std::isfinite(home_advantage))
    throw parameter_error("home_advantage", "must be positive and finite");
  if (!std::isfinite(home_thresh_sigmas))
    throw parameter_error("home_thresh_sigmas", "must be finite");
  if (!(reward > 0) || !std::isfinite(reward))
    throw parameter_error("reward", "must be positive and finite");
}

class_stats fit_class_stats(const Eigen::MatrixXd& responses, const std::vector<int>& labels,
                            int num_classes, int ddof) {
  const class_moments m = moments(responses, labels, num_classes, ddof);
  class_stats stats{m.mean, Eigen::MatrixXd(m.mean.rows(), num_classes)};
  // std::sqrt per entry: GCC 12 warns (falsely, bug 105593) on Eigen's AVX-512 sqrt.
  for (int c = 0; c < num_classes; ++c)
    for (Eigen::Index i = 0; i < m.mean.rows(); ++i)
      stats.sd(i, c) = std::sqrt(m.m2(i, c) / static_cast<double>(m.count[c] - ddof));
  return stats;
}

classification classify_log_likelihood(const Eigen::MatrixXd& responses,
                                       const std::vector<int>& labels, const class_stats& stats) {
  check_digits(responses, labels, stats);
  const Eigen::Index n_en = responses.cols(), n_classes = stats.mean.cols();
  Eigen::MatrixXd scores(responses.rows(), n_classes);
  for (Eigen::Index d = 0; d < responses.rows(); ++d)
    for (Eigen::Index c = 0; c < n_classes; ++c) {
      double s = 0;
      for (Eigen::Index i = 0; i < n_en; ++i)
        s += pow4((responses(d, i) - stats.mean(i, c)) /
                  floored_sd(stats.sd(i, c), stats.mean(i, c)));
      scores(d, c) = s;
    }
  return finish(labels, std::move(scores));
}

classification classify_log_likelihood_loo(const Eigen::MatrixXd& responses,
                                           const std::vector<int>& labels, int num_classes,
                                           int ddof) {
  if (responses.rows() == 0) throw error("no digits to classify");
  const class_moments m = moments(responses, labels, num_classes, ddof);
  for (int c = 0; c < num_classes; ++c)
    if (m.count[c] < ddof + 2)
      throw error("leave-one-out: class " + std::to_string(c) + " has " +
                  std::to_string(m.count[c]) + " digit(s); leaving one out needs at least " +
                  std::to_string(ddof + 2));
  const class_stats full = fit_class_stats(responses, labels, num_classes, ddof);
  Eigen::MatrixXd scores = classify_log_likelihood(responses, labels, full).scores;
  const Eigen::Index n_en = responses.cols();
  for (Eigen::Index d = 0; d < responses.rows(); ++d) {
    const int k = labels[static_cast<std::size_t>(d)];
    const auto n = static_cast<double>(m.count[k]);
    double s = 0;
    for (Eigen::Index i = 0; i < n_en; ++i) {
      // Welford's update run backwards removes digit d from its class in O(1).
      const double x = responses(d, i), mean = m.mean(i, k);
      const double mean_without = mean - (x - mean) / (n - 1);
      const double m2_without = std::max(0.0, m.m2(i, k) - (x - mean) * (x - mean_without));
      const double sd_without = std::sqrt(m2_without / (n - 1 - ddof));
      s += pow4((x - mean_without) / floored_sd(sd_without, mean_without));
    }
    scores(d, k) = s;
  }
  return finish(labels, std::move(scores));
}

classification classify_thresholding(const Eigen::MatrixXd& responses,
                                     const std::vector<int>& labels, const class_stats& stats,
                                     const thresholding_params& params) {
  params.validate();
  check_digits(responses, labels, stats);
  const Eigen::Index n = stats.mean.cols();
  if (stats.mean.rows() != n)
    throw error("thresholding needs one EN per class; got " + std::to_string(stats.mean.rows()) +
                " ENs for " + std::to_string(n) + " classes");
  Eigen::MatrixXd scores(responses.rows(), n);
  for (Eigen::Index d = 0; d < responses.rows(); ++d)
    for (Eigen::Index c = 0; c < n; ++c) {
      double s = 0;
      for (Eigen::Index i = 0; i < n; ++i) {
        // MATLAB's orientation, d[i,c] = (a_i - mean(i,c)) / sd(i,c) (pymoth uses a_c).
        double z =
            (responses(d, i) - stats.mean(i, c)) / floored_sd(stats.sd(i, c), stats.mean(i, c));
        if (i != c) {
          z /= params.home_advantage;
        } else if (z > params.home_thresh_sigmas * stats.sd(c, c)) {
          // The original's quirk, kept: a z-score is compared with a threshold in raw
          // response units (home_thresh_sigmas times the sd), not with home_thresh_sigmas.
          z /= params.reward;
        }
        s += pow4(z);
      }
      scores(d, c) = s;
    }
  return finish(labels, std::move(scores));
}

roc_result roc_one_vs_rest(const std::vector<int>& labels, const Eigen::MatrixXd& scores,
                           int num_classes, bool drop_intermediate) {
  if (num_classes < 1) throw parameter_error("num_classes", "must be at least 1");
  if (scores.cols() != num_classes)
    throw error("ROC: scores have " + std::to_string(scores.cols()) + " columns for " +
                std::to_string(num_classes) + " classes");
  check_labels(labels, scores.rows(), num_classes);
  check_finite(scores, "ROC scores");
  const std::size_t n = labels.size();
  roc_result out;
  std::vector<char> positive(n);
  std::vector<double> column(n);
  for (int c = 0; c < num_classes; ++c) {
    for (std::size_t d = 0; d < n; ++d) {
      positive[d] = labels[d] == c;
      column[d] = scores(static_cast<Eigen::Index>(d), c);
    }
    out.per_class.push_back(
        binary_roc(positive, column, drop_intermediate, "class " + std::to_string(c)));
    out.per_class.back().auc = trapezoid(out.per_class.back().fpr, out.per_class.back().tpr);
  }
  // Micro: every (digit, class) pair is one sample; the one-hot labels raveled row by row.
  std::vector<char> all_positive;
  std::vector<double> all_scores;
  all_positive.reserve(n * num_classes);
  all_scores.reserve(n * num_classes);
  for (std::size_t d = 0; d < n; ++d)
    for (int c = 0; c < num_classes; ++c) {
      all_positive.push_back(labels[d] == c);
      all_scores.push_back(scores(static_cast<Eigen::Index>(d), c));
    }
  out.micro = binary_roc(all_positive, all_scores, drop_intermediate, "micro average");
  out.micro.auc = trapezoid(out.micro.fpr, out.micro.tpr);
  // Macro: the sorted union of all FPR points, per-class TPR interpolated there and averaged
  // (sklearn's recipe, summed in class order then divided, as numpy does).
  for (const roc_curve& curve : out.per_class)
    out.macro.fpr.insert(out.macro.fpr.end(), curve.fpr.begin(), curve.fpr.end());
  std::sort(out.macro.fpr.begin(), out.macro.fpr.end());
  out.macro.fpr.erase(std::unique(out.macro.fpr.begin(), out.macro.fpr.end()), out.macro.fpr.end());
  out.macro.tpr.assign(out.macro.fpr.size(), 0.0);
  for (const roc_curve& curve : out.per_class)
    for (std::size_t k = 0; k < out.macro.fpr.size(); ++k)
      out.macro.tpr[k] += np_interp(out.macro.fpr[k], curve.fpr, curve.tpr);
  for (double& t : out.macro.tpr) t /= num_classes;
  out.macro.auc = trapezoid(out.macro.fpr, out.macro.tpr);
  return out;
}

double accuracy_percent(const std::vector<int>& truth, const std::vector<int>& predicted) {
  if (truth.size() != predicted.size())
    throw error("accuracy: " + std::to_string(truth.size()) + " labels but " +
                std::to_string(predicted.size()) + " predictions");
  if (truth.empty()) throw error("accuracy: no predictions");
  std::size_t right = 0;
  for (std::size_t d = 0; d < truth.size(); ++d) right += truth[d] == predicted[d];
  return 100.0 * static_cast<double>(right) / static_cast<double>(truth.size());
}

}  // namespace kenyon::moth

#pragma once
// Classifiers on the readout (EN) responses, ROC analysis (spec mothnet.md section 7),
// and the nearest-neighbour and SVM baselines on the raw features.
#include <Eigen/Dense>
#include <vector>

namespace kenyon::moth {

// Per-class response statistics: mean(i, c) and sd(i, c) of EN i over digits of class c.
struct class_stats {
  Eigen::MatrixXd mean;
  Eigen::MatrixXd sd;
};

// responses: one row per digit, one column per EN. labels: the digit classes 0..n-1.
// sd uses `ddof` (0 as numpy's default, 1 as MATLAB's). Throws error if a class has no
// digit (or not more than ddof).
class_stats fit_class_stats(const Eigen::MatrixXd& responses, const std::vector<int>& labels,
                            int num_classes, int ddof = 0);

struct classification {
  std::vector<int> truth;
  std::vector<int> predicted;
  Eigen::MatrixXd scores;  // digits x classes; the classifier picks the lowest score
  double accuracy = 0;     // percent correct
  std::vector<double> per_class_accuracy;  // percent correct per true class
  Eigen::MatrixXi confusion;               // (true, predicted) counts
};

// Log-likelihood classifier: score_c = sum_i ((a_i - mean(i,c)) / sd(i,c))^4, argmin
// (ties to the lowest class). An sd below 1e-12 * max(1, |mean(i,c)|) is raised to that
// floor, so a zero sd gives a huge but finite score, never a NaN. per_class_accuracy is NaN
// for a class with no digit in `labels`. Throws error on mismatched shapes, labels outside
// 0..classes-1, non-finite responses or statistics, or no digits.
classification classify_log_likelihood(const Eigen::MatrixXd& responses,
                                       const std::vector<int>& labels, const class_stats& stats);

// The same classifier, honest: each digit is scored against class statistics fitted
// without that digit (leave-one-out), so no digit takes part in its own statistics. Only
// the digit's own class changes; the other classes keep their full statistics. Throws error
// if a class has fewer than ddof + 2 digits (one left out must leave more than ddof).
classification classify_log_likelihood_loo(const Eigen::MatrixXd& responses,
                                           const std::vector<int>& labels, int num_classes,
                                           int ddof = 0);

struct thresholding_params {
  double home_advantage = 1e9;     // divides off-diagonal terms
  double home_thresh_sigmas = -1;  // the diagonal gets the reward above this
  double reward = 10;              // divides the diagonal term above the threshold
  void validate() const;           // parameter_error unless home_advantage, reward > 0
};

// The "home advantage" thresholding classifier of pymoth/MATLAB (spec section 7). Needs
// one EN per class (square statistics); throws error otherwise.
classification classify_thresholding(const Eigen::MatrixXd& responses,
                                     const std::vector<int>& labels, const class_stats& stats,
                                     const thresholding_params& params = {});

struct roc_curve {
  std::vector<double> fpr;
  std::vector<double> tpr;
  double auc = 0;
};

struct roc_result {
  std::vector<roc_curve> per_class;  // one-vs-rest
  roc_curve micro;                   // all (digit, class) pairs pooled
  roc_curve macro;                   // mean TPR interpolated on the union of FPR points
};

// One-vs-rest ROC. scores(d, c): higher means "more likely class c" (pass -scores of a
// classifier that picks the lowest). Curves as sklearn's roc_curve: one point per distinct
// score, descending, after a leading (0, 0); drop_intermediate (sklearn's default, as pymoth
// used it) drops points whose neighbouring steps are equal. The macro curve follows
// sklearn's recipe with np.interp, which takes the top of a vertical segment, so its AUC can
// exceed the mean per-class AUC. Throws error if a class has no positive or no negative.
roc_result roc_one_vs_rest(const std::vector<int>& labels, const Eigen::MatrixXd& scores,
                           int num_classes, bool drop_intermediate = true);

// Percent of predictions equal to the truth.
double accuracy_percent(const std::vector<int>& truth, const std::vector<int>& predicted);

// 1-nearest-neighbour (Euclidean) on feature rows; ties go to the first training row.
std::vector<int> nearest_neighbour(const Eigen::MatrixXd& train,
                                   const std::vector<int>& train_labels,
                                   const Eigen::MatrixXd& test);

struct svm_params {
  double c = 10;          // sklearn SVC(C=10)
  double gamma = 0;       // 0: "scale" = 1 / (features * variance of all training values)
  void validate() const;  // parameter_error for c <= 0 or gamma < 0
};

// sklearn's gamma='scale': 1 / (columns * population variance of all entries), or 1 when
// that variance is 0.
double svm_gamma_scale(const Eigen::MatrixXd& train);

// RBF-kernel C-SVM (libsvm, one-vs-one), as sklearn's SVC(gamma='scale', C=10): eps 1e-3,
// shrinking, no probability estimates (sklearn's predict ignores them too). Deterministic.
// Needs at least two classes in train_labels.
std::vector<int> svm_rbf(const Eigen::MatrixXd& train, const std::vector<int>& train_labels,
                         const Eigen::MatrixXd& test, const svm_params& params = {});

// Multinomial logistic regression, as sklearn's LogisticRegression(C=1) on standardised
// features: minimises C * sum_i cross-entropy_i + ||W||^2 / 2 (no penalty on the
// intercepts) by gradient descent with backtracking line search, from zero, until the
// gradient's norm falls below 1e-6 of its first value or 2000 steps. Features are
// standardised with the training rows' mean and sd (an sd of 0 counts as 1). Deterministic.
struct logistic_params {
  double c = 1;
  void validate() const;  // parameter_error for c <= 0
};
struct logistic_model {
  Eigen::RowVectorXd mean, scale;  // standardisation: (x - mean) / scale
  Eigen::MatrixXd weights;         // classes x features
  Eigen::VectorXd intercepts;      // classes
  int iterations = 0;
  // C * sum of cross-entropies + ||W||^2 / 2 on standardised rows (what fit minimises).
  double objective(const Eigen::MatrixXd& standardised, const std::vector<int>& labels,
                   double c) const;
};
logistic_model fit_logistic(const Eigen::MatrixXd& train, const std::vector<int>& train_labels,
                            int classes, const logistic_params& params = {});
std::vector<int> predict_logistic(const logistic_model& model, const Eigen::MatrixXd& test);
std::vector<int> logistic_regression(const Eigen::MatrixXd& train,
                                     const std::vector<int>& train_labels,
                                     const Eigen::MatrixXd& test,
                                     const logistic_params& params = {});

}  // namespace kenyon::moth

// The raw-feature baselines of pymoth: 1-nearest-neighbour and an RBF SVM (libsvm).
#include <libsvm/svm.h>

#include <cmath>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "kenyon/core/error.hpp"
#include "kenyon/moth/classify.hpp"

namespace kenyon::moth {
namespace {

void check_train_test(const Eigen::MatrixXd& train, const std::vector<int>& train_labels,
                      const Eigen::MatrixXd& test) {
  if (train.rows() == 0) throw error("baseline: no training rows");
  if (static_cast<Eigen::Index>(train_labels.size()) != train.rows())
    throw error("baseline: " + std::to_string(train_labels.size()) + " labels for " +
                std::to_string(train.rows()) + " training rows");
  if (test.cols() != train.cols())
    throw error("baseline: test rows have " + std::to_string(test.cols()) +
                " features, training rows " + std::to_string(train.cols()));
  if (!train.allFinite()) throw error("baseline: training features contain NaN or infinity");
  if (!test.allFinite()) throw error("baseline: test features contain NaN or infinity");
}

void silent(const char*) {}

// libsvm's sparse rows: nonzero features with 1-based indices, closed by index -1. Zeros may
// be left out because libsvm's kernels treat a missing feature as 0.
std::vector<svm_node> sparse_row(const Eigen::MatrixXd& m, Eigen::Index r) {
  std::vector<svm_node> row;
  for (Eigen::Index j = 0; j < m.cols(); ++j)
    if (m(r, j) != 0) row.push_back({static_cast<int>(j + 1), m(r, j)});
  row.push_back({-1, 0});
  return row;
}

struct model_deleter {
  void operator()(svm_model* model) const { svm_free_and_destroy_model(&model); }
};

}  // namespace

std::vector<int> nearest_neighbour(const Eigen::MatrixXd& train,
                                   const std::vector<int>& train_labels,
                                   const Eigen::MatrixXd& test) {
  check_train_test(train, train_labels, test);
  std::vector<int> predicted(static_cast<std::size_t>(test.rows()));
  // Exact squared differences rather than |a|^2 + |b|^2 - 2ab, so equal distances tie
  // exactly and the first training row wins, as documented.
#pragma omp parallel for schedule(static)
  for (Eigen::Index t = 0; t < test.rows(); ++t) {
    const Eigen::VectorXd dist = (train.rowwise() - test.row(t)).rowwise().squaredNorm();
    Eigen::Index best = 0;
    for (Eigen::Index r = 1; r < dist.size(); ++r)
      if (dist[r] < dist[best]) best = r;
    predicted[static_cast<std::size_t>(t)] = train_labels[static_cast<std::size_t>(best)];
  }
  return predicted;
}

void svm_params::validate() const {
  if (!(c > 0) || !std::isfinite(c)) throw parameter_error("c", "must be positive and finite");
  if (!(gamma >= 0) || !std::isfinite(gamma))
    throw parameter_error("gamma", "must be 0 (scale) or positive and finite");
}

double svm_gamma_scale(const Eigen::MatrixXd& train) {
  if (train.size() == 0) throw error("svm_gamma_scale: empty training matrix");
  // numpy's X.var(): population variance of every entry. Plain loops: GCC 12 warns
  // (falsely, bug 105593) on Eigen's AVX-512 reductions.
  const auto n = static_cast<double>(train.size());
  double sum = 0, squares = 0;
  for (Eigen::Index k = 0; k < train.size(); ++k) sum += train.data()[k];
  const double mean = sum / n;
  for (Eigen::Index k = 0; k < train.size(); ++k)
    squares += (train.data()[k] - mean) * (train.data()[k] - mean);
  const double variance = squares / n;
  return variance == 0 ? 1.0 : 1.0 / (static_cast<double>(train.cols()) * variance);
}

std::vector<int> svm_rbf(const Eigen::MatrixXd& train, const std::vector<int>& train_labels,
                         const Eigen::MatrixXd& test, const svm_params& params) {
  params.validate();
  check_train_test(train, train_labels, test);
  if (std::set<int>(train_labels.begin(), train_labels.end()).size() < 2)
    throw error("svm_rbf: the training labels need at least two classes");

  // The model's support vectors point into these rows (free_sv = 0), so they are declared
  // before the model and outlive it.
  std::vector<std::vector<svm_node>> rows;
  std::vector<svm_node*> x;
  std::vector<double> y;
  rows.reserve(static_cast<std::size_t>(train.rows()));
  for (Eigen::Index r = 0; r < train.rows(); ++r) {
    rows.push_back(sparse_row(train, r));
    y.push_back(train_labels[static_cast<std::size_t>(r)]);
  }
  for (auto& row : rows) x.push_back(row.data());
  svm_problem problem{static_cast<int>(train.rows()), y.data(), x.data()};

  svm_parameter param{};
  param.svm_type = C_SVC;
  param.kernel_type = RBF;
  param.degree = 3;
  param.gamma = params.gamma > 0 ? params.gamma : svm_gamma_scale(train);
  param.coef0 = 0;
  param.cache_size = 200;  // MB, sklearn's default
  param.eps = 1e-3;
  param.C = params.c;
  param.nr_weight = 0;
  param.weight_label = nullptr;
  param.weight = nullptr;
  param.nu = 0.5;
  param.p = 0.1;
  param.shrinking = 1;
  param.probability = 0;
  if (const char* why = svm_check_parameter(&problem, &param))
    throw error(std::string("svm_rbf: libsvm rejects the parameters: ") + why);

  svm_set_print_string_function(&silent);  // libsvm prints its progress otherwise
  const std::unique_ptr<svm_model, model_deleter> model(svm_train(&problem, &param));
  if (!model) throw internal_error("svm_rbf: libsvm returned no model");

  std::vector<int> predicted;
  predicted.reserve(static_cast<std::size_t>(test.rows()));
  for (Eigen::Index t = 0; t < test.rows(); ++t) {
    const std::vector<svm_node> row = sparse_row(test, t);
    predicted.push_back(static_cast<int>(std::lround(svm_predict(model.get(), row.data()))));
  }
  return predicted;
}

void logistic_params::validate() const {
  if (!(c > 0) || !std::isfinite(c)) throw parameter_error("c", "must be positive and finite");
}

namespace {

// Class probabilities of standardised rows, rows x classes (a stable softmax).
Eigen::MatrixXd probabilities(const logistic_model& m, const Eigen::MatrixXd& x) {
  Eigen::MatrixXd z = (x * m.weights.transpose()).rowwise() + m.intercepts.transpose();
  const Eigen::VectorXd top = z.rowwise().maxCoeff();
  z = (z.colwise() - top).array().exp().matrix();
  return z.array().colwise() / z.rowwise().sum().array();
}

}  // namespace

double logistic_model::objective(const Eigen::MatrixXd& x, const std::vector<int>& labels,
                                 double c) const {
  Eigen::MatrixXd z = (x * weights.transpose()).rowwise() + intercepts.transpose();
  double loss = 0;
  for (Eigen::Index i = 0; i < z.rows(); ++i) {
    const double top = z.row(i).maxCoeff();
    loss += top + std::log((z.row(i).array() - top).exp().sum()) -
            z(i, labels[static_cast<std::size_t>(i)]);
  }
  return c * loss + 0.5 * weights.squaredNorm();
}

logistic_model fit_logistic(const Eigen::MatrixXd& train, const std::vector<int>& labels,
                            int classes, const logistic_params& params) {
  params.validate();
  check_train_test(train, labels, train);
  for (const int y : labels)
    if (y < 0 || y >= classes)
      throw error("logistic regression: label " + std::to_string(y) + " outside 0.." +
                  std::to_string(classes - 1));
  logistic_model m;
  m.mean = train.colwise().mean();
  const Eigen::MatrixXd centred = train.rowwise() - m.mean;
  m.scale = (centred.colwise().squaredNorm() / static_cast<double>(train.rows())).cwiseSqrt();
  for (Eigen::Index j = 0; j < m.scale.size(); ++j)
    if (!(m.scale[j] > 0)) m.scale[j] = 1;
  const Eigen::MatrixXd x = centred.array().rowwise() / m.scale.array();
  m.weights = Eigen::MatrixXd::Zero(classes, x.cols());
  m.intercepts = Eigen::VectorXd::Zero(classes);
  Eigen::MatrixXd onehot = Eigen::MatrixXd::Zero(x.rows(), classes);
  for (Eigen::Index i = 0; i < x.rows(); ++i) onehot(i, labels[static_cast<std::size_t>(i)]) = 1;
  const double c = params.c;
  double f = m.objective(x, labels, c), step = 1, first_norm = -1;
  for (; m.iterations < 2000; ++m.iterations) {
    const Eigen::MatrixXd residual = probabilities(m, x) - onehot;  // rows x classes
    const Eigen::MatrixXd g_w = c * residual.transpose() * x + m.weights;
    const Eigen::VectorXd g_b = c * residual.colwise().sum().transpose();
    const double norm2 = g_w.squaredNorm() + g_b.squaredNorm();
    if (first_norm < 0) first_norm = std::sqrt(norm2);
    if (std::sqrt(norm2) <= 1e-6 * std::max(1e-300, first_norm)) break;
    // Backtracking (Armijo): halve the step until the objective falls enough.
    step *= 2;
    for (;;) {
      logistic_model next = m;
      next.weights -= step * g_w;
      next.intercepts -= step * g_b;
      const double f_next = next.objective(x, labels, c);
      if (f_next <= f - 0.5 * step * norm2 || step < 1e-20) {
        m.weights = std::move(next.weights);
        m.intercepts = std::move(next.intercepts);
        f = f_next;
        break;
      }
      step /= 2;
    }
  }
  return m;
}

std::vector<int> predict_logistic(const logistic_model& m, const Eigen::MatrixXd& test) {
  if (test.cols() != m.weights.cols())
    throw error("logistic regression: " + std::to_string(test.cols()) +
                " test features, the model has " + std::to_string(m.weights.cols()));
  const Eigen::MatrixXd x = (test.rowwise() - m.mean).array().rowwise() / m.scale.array();
  const Eigen::MatrixXd z = (x * m.weights.transpose()).rowwise() + m.intercepts.transpose();
  std::vector<int> predicted(static_cast<std::size_t>(test.rows()));
  for (Eigen::Index i = 0; i < z.rows(); ++i) {
    Eigen::Index best = 0;
    z.row(i).maxCoeff(&best);  // ties: the lowest class
    predicted[static_cast<std::size_t>(i)] = static_cast<int>(best);
  }
  return predicted;
}

std::vector<int> logistic_regression(const Eigen::MatrixXd& train,
                                     const std::vector<int>& train_labels,
                                     const Eigen::MatrixXd& test, const logistic_params& params) {
  const int classes = 1 + *std::max_element(train_labels.begin(), train_labels.end());
  return predict_logistic(fit_logistic(train, train_labels, classes, params), test);
}

}  // namespace kenyon::moth

#include "kenyon/moth/experiment.hpp"

#include <omp.h>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <numeric>
#include <optional>
#include <random>

#include "kenyon/core/error.hpp"
#include "kenyon/core/files.hpp"
#include "kenyon/core/plot.hpp"
#include "kenyon/core/progress.hpp"
#include "kenyon/core/rng.hpp"
#include "kenyon/core/table.hpp"

namespace kenyon::moth {
namespace {

std::vector<int> draw_from_pool(rng_stream& gen, int begin, int end, int count, bool replace) {
  std::vector<int> out;
  if (replace) {
    std::uniform_int_distribution<int> pick(begin, end - 1);
    for (int k = 0; k < count; ++k) out.push_back(pick(gen));
    return out;
  }
  std::vector<int> pool(end - begin);
  std::iota(pool.begin(), pool.end(), begin);
  for (int k = 0; k < count; ++k) {  // partial Fisher-Yates
    std::uniform_int_distribution<int> pick(k, static_cast<int>(pool.size()) - 1);
    std::swap(pool[k], pool[pick(gen)]);
  }
  return {pool.begin(), pool.begin() + count};
}

Eigen::MatrixXd feature_rows(const data::feature_set& features,
                             const std::vector<std::pair<int, int>>& digits) {
  Eigen::MatrixXd x(static_cast<Eigen::Index>(digits.size()), features.num_features);
  for (std::size_t d = 0; d < digits.size(); ++d) {
    const float* f = features.digit(digits[d].first, digits[d].second);
    for (int j = 0; j < features.num_features; ++j) x(static_cast<Eigen::Index>(d), j) = f[j];
  }
  return x;
}

std::vector<int> labels_of(const std::vector<std::pair<int, int>>& digits) {
  std::vector<int> y;
  for (auto [c, d] : digits) y.push_back(c);
  return y;
}

// The baselines' train/test split. pymoth splits its per-class queue
// [baseline V | training digits x sniffs | validation V] at fixed columns, so with
// several sniffs its test set holds copies of training digits (spec section 9, item 6).
void baseline_split(const digit_draw& draw, const experiment_params& params,
                    std::vector<std::pair<int, int>>& train,
                    std::vector<std::pair<int, int>>& test) {
  const int classes = static_cast<int>(draw.train.size());
  for (int c = 0; c < classes; ++c) {
    for (int d : draw.train[c]) train.emplace_back(c, d);
    if (params.compat != compat_mode::pymoth) {
      for (int d : draw.validation[c]) test.emplace_back(c, d);
      continue;
    }
    std::vector<int> queue = draw.baseline[c];
    for (int s = 0; s < params.sniffs; ++s)
      queue.insert(queue.end(), draw.train[c].begin(), draw.train[c].end());
    queue.insert(queue.end(), draw.validation[c].begin(), draw.validation[c].end());
    const int v = params.val_per_class, tr = params.train_per_class;
    for (int col = v + tr; col < 2 * v + tr; ++col) test.emplace_back(c, queue[col]);
  }
}

model_params model_for(const run_options& options, const experiment_params& params) {
  model_params model = options.model;
  if (params.compat == compat_mode::pymoth) model.pymoth_lateral = true;
  return model;
}

// Each EN's peak per second from t = 0 (after the settling period, whose start-up
// transient would dwarf the responses), the training block shaded.
line_plot timecourse_plot(const experiment_result& r) {
  line_plot plot;
  plot.title = "Readout neurons (peak per second)";
  plot.x_label = "time (s)";
  plot.y_label = "EN firing rate";
  const int ne = std::max(1, r.num_readouts);
  const auto steps = static_cast<std::int64_t>(r.en_trace.size()) / ne;
  const std::int64_t bin = std::max<std::int64_t>(1, std::llround(1.0 / r.dt));
  for (int e = 0; e < r.num_readouts; ++e) {
    plot_series s;
    s.label = "EN " + std::to_string(e);
    const auto from = std::max<std::int64_t>(0, std::llround(-r.t_start / r.dt));
    for (std::int64_t b = from; b < steps; b += bin) {
      float peak = 0;
      for (auto t = b; t < std::min(steps, b + bin); ++t)
        peak = std::max(peak, r.en_trace[static_cast<std::size_t>(t) * ne + e]);
      s.x.push_back(r.t_start + static_cast<double>(b) * r.dt);
      s.y.push_back(peak);
    }
    plot.series.push_back(std::move(s));
  }
  double first = 0, last = -1;
  for (const auto& p : r.presentations)
    if (p.kind == phase::training) {
      if (last < first) first = p.onset;
      last = p.onset + 1;
    }
  if (last > first) plot.bands.emplace_back(first, last);
  plot.band_label = "training";
  return plot;
}

// pymoth's show_acc as one picture: each readout neuron's mean peak response to the digits
// of each class, before training (baseline digits) and after (validation digits).
heatmap response_map(const experiment_result& r) {
  heatmap map;
  map.title = "Mean readout response by digit class, before and after training";
  map.x_label = "digit class";
  map.y_label = "readout neuron (trained on its class)";
  map.colour_label = "mean peak response";
  map.diverging = false;
  const int ne = r.num_readouts;
  for (int c = 0; c < ne; ++c) map.column_labels.push_back(std::to_string(c));
  for (int e = 0; e < ne; ++e)
    for (int after = 0; after < 2; ++after) {
      const auto& resp = after ? r.post : r.pre;
      map.row_labels.push_back("EN " + std::to_string(e) + (after ? " after" : " before"));
      for (int c = 0; c < ne; ++c) {
        double sum = 0;
        int count = 0;
        for (Eigen::Index d = 0; d < resp.peak.rows(); ++d)
          if (resp.labels[static_cast<std::size_t>(d)] == c) {
            sum += resp.peak(d, e);
            ++count;
          }
        map.values.push_back(count ? sum / count : std::nan(""));
      }
    }
  return map;
}

// The training digits as the moth sees them, one row of thumbnails per class (pymoth's
// show_FA_thumbs), grey lines between them.
heatmap thumbnail_map(const experiment_result::digit_thumbnails& t) {
  heatmap map;
  map.title = "Training digits as the moth sees them (active pixels, one row per class)";
  map.diverging = false;
  map.colour_label = "feature value";
  map.rows = static_cast<std::size_t>(t.classes * (t.rows + 1) - 1);
  map.columns = static_cast<std::size_t>(t.per_class * (t.cols + 1) - 1);
  map.values.assign(map.rows * map.columns, std::nan(""));
  const auto image = static_cast<std::size_t>(t.rows * t.cols);
  for (int c = 0; c < t.classes; ++c)
    for (int k = 0; k < t.per_class; ++k)
      for (int y = 0; y < t.rows; ++y)
        for (int x = 0; x < t.cols; ++x)
          map.values[static_cast<std::size_t>(c * (t.rows + 1) + y) * map.columns +
                     static_cast<std::size_t>(k * (t.cols + 1) + x)] =
              t.pixels[(static_cast<std::size_t>(c) * t.per_class + k) * image +
                       static_cast<std::size_t>(y * t.cols + x)];
  return map;
}

line_plot roc_plot(const experiment_result& r) {
  line_plot plot;
  plot.title = "ROC, one class against the rest (log-likelihood scores)";
  plot.x_label = "false positive rate";
  plot.y_label = "true positive rate";
  plot.fixed_range = true;
  plot.diagonal = true;
  char label[64];
  for (std::size_t c = 0; c < r.roc.per_class.size(); ++c) {
    std::snprintf(label, sizeof label, "%zu (AUC %.2f)", c, r.roc.per_class[c].auc);
    plot.series.push_back({label, r.roc.per_class[c].fpr, r.roc.per_class[c].tpr, {}, false});
  }
  std::snprintf(label, sizeof label, "macro (AUC %.2f)", r.roc.macro.auc);
  plot.series.push_back({label, r.roc.macro.fpr, r.roc.macro.tpr, {}, true});
  return plot;
}

line_plot sweep_plot(const sweep_result& s) {
  line_plot plot;
  plot.title = "Accuracy against training digits per class (mean +- sd over seeds)";
  plot.x_label = "training digits per class";
  plot.y_label = "accuracy (%)";
  auto add = [&](const char* label, summary sweep_row::*field, bool dashed) {
    plot_series series{label, {}, {}, {}, dashed};
    for (const auto& row : s.rows) {
      series.x.push_back(row.train_per_class);
      series.y.push_back((row.*field).mean);
      series.error.push_back((row.*field).sd);
    }
    plot.series.push_back(std::move(series));
  };
  add("MothNet", &sweep_row::accuracy, false);
  add("MothNet, honest", &sweep_row::accuracy_honest, true);
  add("nearest neighbour", &sweep_row::nearest_neighbour, false);
  add("SVM", &sweep_row::svm, false);
  add("MothNet, untrained", &sweep_row::accuracy_naive, true);
  return plot;
}

// The cyborg baselines: the trained moth reads the run's training digits frozen (noise
// keyed past the test files' positions, 2^20 on), and 1-NN and the RBF SVM learn from them
// with and without those readout responses appended to the pixel features. The responses
// are scaled so that their mean sum over the training digits equals that of the pixel
// features (the same weight in the distances).
test_reading::baselines cyborg_baselines(const data::feature_set& features, const digit_draw& draw,
                                         const simulation_result& sim, const model_params& model,
                                         const protocol_params& pp, const experiment_params& params,
                                         const run_options& options,
                                         const Eigen::MatrixXd& test_peak) {
  const auto& test = *options.test;
  data::labelled_features train;
  train.num_features = features.num_features;
  for (int c = 0; c < features.num_classes; ++c)
    for (const int d : draw.train[static_cast<std::size_t>(c)]) {
      const float* f = features.digit(c, d);
      train.values.insert(train.values.end(), f, f + features.num_features);
      train.labels.push_back(c);
      train.image_index.push_back((std::size_t{1} << 20) +
                                  static_cast<std::size_t>(c) * features.per_class + d);
    }
  const auto read =
      read_frozen(sim.trained, sim.final_state, model, pp, train, params.seed, options.test_batch);
  if (read.non_finite)
    throw error("cyborg baselines: a training digit's rates were not finite (" +
                read.non_finite->cell_type + ")");
  const int nf = features.num_features;
  const auto pixels = [nf](const data::labelled_features& f) {
    return Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
               f.values.data(), static_cast<Eigen::Index>(f.size()), nf)
        .cast<double>()
        .eval();
  };
  const Eigen::MatrixXd x_train = pixels(train), x_test = pixels(test);
  const double scale = x_train.cwiseAbs().rowwise().sum().mean() /
                       std::max(1e-12, read.responses.peak.cwiseAbs().rowwise().sum().mean());
  const auto joined = [&](const Eigen::MatrixXd& x, const Eigen::MatrixXd& peak) {
    Eigen::MatrixXd out(x.rows(), x.cols() + peak.cols());
    out << x, scale * peak;
    return out;
  };
  const Eigen::MatrixXd c_train = joined(x_train, read.responses.peak),
                        c_test = joined(x_test, test_peak);
  test_reading::baselines b;
  b.nearest_neighbour =
      accuracy_percent(test.labels, nearest_neighbour(x_train, train.labels, x_test));
  b.svm = accuracy_percent(test.labels, svm_rbf(x_train, train.labels, x_test));
  b.cyborg_nearest_neighbour =
      accuracy_percent(test.labels, nearest_neighbour(c_train, train.labels, c_test));
  b.cyborg_svm = accuracy_percent(test.labels, svm_rbf(c_train, train.labels, c_test));
  b.logistic = accuracy_percent(test.labels, logistic_regression(x_train, train.labels, x_test));
  b.cyborg_logistic =
      accuracy_percent(test.labels, logistic_regression(c_train, train.labels, c_test));
  return b;
}

// One-vs-rest curves (curve = class, -1 micro, -2 macro) and a confusion matrix as tables.
table roc_table(const roc_result& roc) {
  table t({"curve", "fpr", "tpr"});
  auto add_curve = [&](std::int64_t id, const roc_curve& c) {
    for (std::size_t k = 0; k < c.fpr.size(); ++k) t.add_row({id, c.fpr[k], c.tpr[k]});
  };
  for (std::size_t c = 0; c < roc.per_class.size(); ++c)
    add_curve(static_cast<std::int64_t>(c), roc.per_class[c]);
  add_curve(-1, roc.micro);
  add_curve(-2, roc.macro);
  return t;
}

table confusion_table(const Eigen::MatrixXi& confusion) {
  std::vector<std::string> header = {"true"};
  for (int c = 0; c < confusion.cols(); ++c) header.push_back("pred" + std::to_string(c));
  table t(header);
  for (Eigen::Index row = 0; row < confusion.rows(); ++row) {
    std::vector<cell> cells = {std::int64_t{row}};
    for (Eigen::Index p = 0; p < confusion.cols(); ++p)
      cells.emplace_back(std::int64_t{confusion(row, p)});
    t.add_row(std::move(cells));
  }
  return t;
}

// The cyborg baselines by their JSON names.
const std::vector<std::pair<std::string, double test_reading::baselines::*>>& baseline_fields() {
  using b = test_reading::baselines;
  static const std::vector<std::pair<std::string, double b::*>> fields = {
      {"nearest_neighbour", &b::nearest_neighbour},
      {"svm", &b::svm},
      {"logistic", &b::logistic},
      {"cyborg_nearest_neighbour", &b::cyborg_nearest_neighbour},
      {"cyborg_svm", &b::cyborg_svm},
      {"cyborg_logistic", &b::cyborg_logistic}};
  return fields;
}

nlohmann::json to_json(const test_reading::baselines& b) {
  nlohmann::json j;
  for (const auto& [name, field] : baseline_fields()) j[name] = b.*field;
  return j;
}

// Each cyborg baseline's summary in a sweep row.
using baseline_column =
    std::pair<double test_reading::baselines::*, std::optional<summary> sweep_row::*>;
const std::vector<baseline_column>& baseline_columns() {
  using b = test_reading::baselines;
  static const std::vector<baseline_column> columns = {
      {&b::nearest_neighbour, &sweep_row::test_nearest_neighbour},
      {&b::svm, &sweep_row::test_svm},
      {&b::logistic, &sweep_row::test_logistic},
      {&b::cyborg_nearest_neighbour, &sweep_row::cyborg_nearest_neighbour},
      {&b::cyborg_svm, &sweep_row::cyborg_svm},
      {&b::cyborg_logistic, &sweep_row::cyborg_logistic}};
  return columns;
}

// A sweep row's columns that only a sweep over test digits (and cyborg baselines) has.
std::vector<std::pair<std::string, summary>> optional_columns(const sweep_row& r) {
  std::vector<std::pair<std::string, summary>> out;
  const std::pair<const char*, const std::optional<summary>*> all[] = {
      {"test_accuracy", &r.test_accuracy},
      {"test_nearest_neighbour", &r.test_nearest_neighbour},
      {"test_svm", &r.test_svm},
      {"test_logistic", &r.test_logistic},
      {"cyborg_nearest_neighbour", &r.cyborg_nearest_neighbour},
      {"cyborg_svm", &r.cyborg_svm},
      {"cyborg_logistic", &r.cyborg_logistic}};
  for (const auto& [name, value] : all)
    if (*value) out.emplace_back(name, **value);
  return out;
}

std::vector<std::vector<int>> confusion_rows(const Eigen::MatrixXi& confusion) {
  std::vector<std::vector<int>> rows;
  for (Eigen::Index t = 0; t < confusion.rows(); ++t) {
    rows.emplace_back();
    for (Eigen::Index p = 0; p < confusion.cols(); ++p) rows.back().push_back(confusion(t, p));
  }
  return rows;
}

}  // namespace

digit_draw draw_digits(const experiment_params& params, int num_classes) {
  rng_stream gen(params.seed, streams::sampling);
  const bool replace = params.compat == compat_mode::pymoth;
  digit_draw draw;
  // Training order: each class tr times, shuffled, the whole list repeated per sniff.
  std::vector<int> order;
  for (int c = 0; c < num_classes; ++c) order.insert(order.end(), params.train_per_class, c);
  std::shuffle(order.begin(), order.end(), gen);
  for (int c = 0; c < num_classes; ++c) {
    draw.baseline.push_back(draw_from_pool(
        gen, params.baseline_pool_begin, params.baseline_pool_end, params.val_per_class, replace));
    draw.train.push_back(draw_from_pool(gen, params.train_pool_begin, params.train_pool_end,
                                        params.train_per_class, replace));
    draw.validation.push_back(draw_from_pool(gen, params.val_pool_begin, params.val_pool_end,
                                             params.val_per_class, replace));
  }
  for (int s = 0; s < params.sniffs; ++s) {
    std::vector<int> next(num_classes, 0);
    for (int c : order) draw.training_sequence.emplace_back(c, draw.train[c][next[c]++]);
  }
  return draw;
}

std::int64_t experiment_steps(const experiment_params& params, int num_classes) {
  std::vector<std::vector<int>> block(num_classes, std::vector<int>(params.val_per_class, 0));
  std::vector<std::pair<int, int>> training(
      static_cast<std::size_t>(num_classes) * params.train_per_class * params.sniffs, {0, 0});
  return make_protocol(block, training, block).steps;
}

experiment_result run_experiment(const data::feature_set& features, const experiment_params& params,
                                 const run_options& options) {
  const auto start = std::chrono::steady_clock::now();
  params.validate(features.per_class);
  const model_params model = model_for(options, params);
  model.validate();
  if (options.cyborg && !options.test)
    throw parameter_error("cyborg",
                          "needs test digits (--test), which its baselines are scored on");
  const int classes = features.num_classes;
  if (classes != model.num_readouts)
    throw parameter_error("num_readouts", "the moth has " + std::to_string(model.num_readouts) +
                                              " readout neurons but the data has " +
                                              std::to_string(classes) + " classes");

  const digit_draw draw = draw_digits(params, classes);
  protocol_params pp;
  pp.dt = model.dt;
  const protocol proto = make_protocol(draw.baseline, draw.training_sequence, draw.validation, pp);
  network moth = make_network(model, features.num_features, params.seed);

  simulation_options sim_options;
  sim_options.seed = params.seed;
  sim_options.reset_at_33s = params.compat == compat_mode::pymoth;
  sim_options.progress = options.progress;
  const auto sim_start = std::chrono::steady_clock::now();
  simulation_result sim = simulate(std::move(moth), proto, features, model, sim_options);
  const auto sim_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - sim_start).count();

  experiment_result r;
  r.params = params;
  r.steps = sim.steps;
  r.simulate_seconds = sim_seconds;
  r.mean_active_kenyon = sim.mean_active_kenyon;
  r.num_readouts = sim.num_readouts;
  r.dt = pp.dt;
  r.t_start = pp.t_start;
  r.presentations = proto.presentations;
  if (sim.non_finite) {
    // Nothing downstream is meaningful once a rate is not finite.
    r.non_finite = std::move(sim.non_finite);
    if (options.keep_trace) r.en_trace = std::move(sim.en);
    r.wall_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return r;
  }
  if (options.thumbnails && !features.active_pixels.empty()) {
    experiment_result::digit_thumbnails t;
    t.rows = features.image_rows;
    t.cols = features.image_cols;
    t.classes = classes;
    t.per_class = params.train_per_class;
    const auto image = static_cast<std::size_t>(t.rows * t.cols);
    t.pixels.assign(image * classes * t.per_class, 0.0f);
    for (int c = 0; c < classes; ++c)
      for (int k = 0; k < t.per_class; ++k) {
        const float* f = features.digit(c, draw.train[c][k]);
        float* out = t.pixels.data() + (static_cast<std::size_t>(c) * t.per_class + k) * image;
        for (int j = 0; j < features.num_features; ++j)
          out[static_cast<std::size_t>(features.active_pixels[j])] = f[j];
      }
    r.thumbnails = std::move(t);
  }
  r.pre = collect_responses(sim, proto, phase::baseline);
  r.post = collect_responses(sim, proto, phase::validation);

  const auto post_stats = fit_class_stats(r.post.peak, r.post.labels, classes);
  const auto pre_stats = fit_class_stats(r.pre.peak, r.pre.labels, classes);
  r.log_likelihood = classify_log_likelihood(r.post.peak, r.post.labels, post_stats);
  r.thresholding = classify_thresholding(r.post.peak, r.post.labels, post_stats);
  r.honest = classify_log_likelihood_loo(r.post.peak, r.post.labels, classes);
  r.accuracy = r.log_likelihood.accuracy;
  r.accuracy_thresholding = r.thresholding.accuracy;
  r.accuracy_honest = r.honest.accuracy;
  r.accuracy_naive = classify_log_likelihood(r.pre.peak, r.pre.labels, pre_stats).accuracy;
  r.accuracy_naive_thresholding =
      classify_thresholding(r.pre.peak, r.pre.labels, pre_stats).accuracy;
  r.roc = roc_one_vs_rest(r.post.labels, -r.log_likelihood.scores, classes);

  std::vector<std::pair<int, int>> train, test;
  baseline_split(draw, params, train, test);
  const auto x_train = feature_rows(features, train), x_test = feature_rows(features, test);
  const auto y_train = labels_of(train), y_test = labels_of(test);
  r.nearest_neighbour = accuracy_percent(y_test, nearest_neighbour(x_train, y_train, x_test));
  r.svm = accuracy_percent(y_test, svm_rbf(x_train, y_train, x_test));

  if (options.test) {
    const auto test_start = std::chrono::steady_clock::now();
    const auto read = read_frozen(sim.trained, sim.final_state, model, pp, *options.test,
                                  params.seed, options.test_batch);
    if (read.non_finite) {
      r.non_finite = read.non_finite;
    } else {
      test_reading t;
      t.digits = options.test->size();
      const auto& peak = read.responses.peak;
      t.log_likelihood = classify_log_likelihood(peak, read.responses.labels, post_stats);
      t.thresholding = classify_thresholding(peak, read.responses.labels, post_stats);
      t.roc = roc_one_vs_rest(read.responses.labels, -t.log_likelihood.scores, classes);
      if (options.cyborg)
        t.cyborg =
            cyborg_baselines(features, draw, sim, model, pp, params, options, read.responses.peak);
      t.seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - test_start).count();
      r.test = std::move(t);
    }
  }

  if (options.keep_trace) r.en_trace = std::move(sim.en);
  r.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

nlohmann::json to_json(const experiment_result& r) {
  nlohmann::json j;
  j["accuracy"] = r.accuracy;
  j["accuracy_thresholding"] = r.accuracy_thresholding;
  j["accuracy_honest"] = r.accuracy_honest;
  j["accuracy_naive"] = r.accuracy_naive;
  j["accuracy_naive_thresholding"] = r.accuracy_naive_thresholding;
  j["per_class_accuracy"] = r.log_likelihood.per_class_accuracy;
  j["roc_auc_macro"] = r.roc.macro.auc;
  j["roc_auc_micro"] = r.roc.micro.auc;
  std::vector<double> per_class_auc;
  for (const auto& c : r.roc.per_class) per_class_auc.push_back(c.auc);
  j["roc_auc_per_class"] = per_class_auc;
  j["baselines"] = {{"nearest_neighbour", r.nearest_neighbour}, {"svm", r.svm}};
  j["confusion"] = confusion_rows(r.log_likelihood.confusion);
  if (r.test) {
    const auto& t = *r.test;
    std::vector<double> auc;
    for (const auto& c : t.roc.per_class) auc.push_back(c.auc);
    j["test"] = {{"digits", t.digits},
                 {"accuracy", t.log_likelihood.accuracy},
                 {"accuracy_thresholding", t.thresholding.accuracy},
                 {"per_class_accuracy", t.log_likelihood.per_class_accuracy},
                 {"roc_auc_macro", t.roc.macro.auc},
                 {"roc_auc_micro", t.roc.micro.auc},
                 {"roc_auc_per_class", auc},
                 {"confusion", confusion_rows(t.log_likelihood.confusion)},
                 {"seconds", t.seconds}};
    if (t.cyborg) j["test"]["baselines"] = to_json(*t.cyborg);
  }
  j["train_per_class"] = r.params.train_per_class;
  j["sniffs"] = r.params.sniffs;
  j["val_per_class"] = r.params.val_per_class;
  j["seed"] = r.params.seed;
  j["compat"] = to_string(r.params.compat);
  j["dataset"] = r.dataset;
  j["steps"] = r.steps;
  j["mean_active_kenyon"] = r.mean_active_kenyon;
  j["wall_seconds"] = r.wall_seconds;
  j["status"] = to_string(r.status());
  if (r.non_finite) j["non_finite"] = to_json(*r.non_finite);
  if (r.provenance.is_object()) j.update(r.provenance);
  j["notes"] = {
      {"accuracy",
       "log-likelihood classifier, class statistics fitted on the validation digits being "
       "classified (as pymoth and the MATLAB original report it)"},
      {"accuracy_thresholding", "home-advantage thresholding classifier, same statistics"},
      {"accuracy_honest",
       "log-likelihood classifier, each digit scored with class statistics that exclude it "
       "(leave-one-out)"},
      {"accuracy_naive", "log-likelihood classifier on the baseline digits, before training"},
      {"baselines", "1-nearest-neighbour and RBF SVM (C=10) on the raw features, same split"},
      {"test",
       "the first `digits` digits of the official test split, none seen before, each read "
       "alone by the trained moth from its settled state (weights frozen, noise of its own); "
       "classifiers use the validation digits' class statistics only"}};
  return j;
}

void write_outputs(const experiment_result& r, const std::filesystem::path& dir, bool plots) {
  const int ne = r.num_readouts;

  // Per-digit EN peaks, both phases.
  std::vector<std::string> header = {"phase", "class", "digit"};
  for (int e = 0; e < ne; ++e) header.push_back("en" + std::to_string(e));
  table responses(header);
  for (int ph = 0; ph < 2; ++ph) {
    const auto& resp = ph == 0 ? r.pre : r.post;
    for (Eigen::Index d = 0; d < resp.peak.rows(); ++d) {
      std::vector<cell> row = {std::int64_t{ph}, std::int64_t{resp.labels[d]},
                               std::int64_t{resp.digits[d]}};
      for (int e = 0; e < ne; ++e) row.emplace_back(resp.peak(d, e));
      responses.add_row(std::move(row));
    }
  }

  // EN time courses at 10 samples per second, with the stimulus class and octopamine.
  std::vector<std::string> trace_header = {"time"};
  for (int e = 0; e < ne; ++e) trace_header.push_back("en" + std::to_string(e));
  table trace(trace_header);
  const std::int64_t stride = std::max<std::int64_t>(1, std::llround(0.1 / r.dt));
  const auto steps = static_cast<std::int64_t>(r.en_trace.size()) / std::max(1, ne);
  for (std::int64_t s = 0; s < steps; s += stride) {
    std::vector<cell> row = {r.t_start + s * r.dt};
    for (int e = 0; e < ne; ++e)
      row.emplace_back(float_cell(r.en_trace[static_cast<std::size_t>(s) * ne + e]));
    trace.add_row(std::move(row));
  }

  table stimuli({"onset", "class", "digit", "phase"});
  for (const auto& p : r.presentations)
    stimuli.add_row({p.onset, std::int64_t{p.cls}, std::int64_t{p.digit},
                     std::int64_t{static_cast<int>(p.kind)}});

  std::vector<std::pair<std::string, std::string>> files = {
      {"en_responses.csv", responses.to_csv()},
      {"en_timecourses.csv", trace.to_csv()},
      {"stimuli.csv", stimuli.to_csv()},
      {"roc.csv", roc_table(r.roc).to_csv()},
      {"confusion.csv", confusion_table(r.log_likelihood.confusion).to_csv()},
      {"en_timecourses.svg", to_svg(timecourse_plot(r))},
      {"roc.svg", to_svg(roc_plot(r))}};
  if (plots) {
    files.emplace_back("readout_responses.svg", to_svg(response_map(r)));
    if (r.thumbnails) files.emplace_back("thumbnails.svg", to_svg(thumbnail_map(*r.thumbnails)));
  }
  if (r.test) {
    files.emplace_back("test_roc.csv", roc_table(r.test->roc).to_csv());
    files.emplace_back("test_confusion.csv",
                       confusion_table(r.test->log_likelihood.confusion).to_csv());
  }
  // Last, so that a complete results.json means a complete folder.
  files.emplace_back("results.json", to_json(r).dump(2) + "\n");
  write_folder_atomic(dir, files);
}

void sweep_params::validate(int per_class) const {
  if (train_per_class.empty())
    throw parameter_error("train-per-class", "expected at least one sample count");
  if (seeds < 1)
    throw parameter_error("seeds", "expected at least 1, got " + std::to_string(seeds));
  if (threads < 0) throw parameter_error("threads", "expected 0 (all cores) or more");
  for (int n : train_per_class) {
    experiment_params p = base;
    p.train_per_class = n;
    p.validate(per_class);
  }
}

summary summarise(const std::vector<double>& values) {
  summary s;
  if (values.empty()) return s;
  for (double v : values) s.mean += v;
  s.mean /= static_cast<double>(values.size());
  if (values.size() > 1) {
    double ss = 0;
    for (double v : values) ss += (v - s.mean) * (v - s.mean);
    s.sd = std::sqrt(ss / static_cast<double>(values.size() - 1));
  }
  return s;
}

nlohmann::json to_json(const sweep_run& r) {
  nlohmann::json j = {{"train_per_class", r.train_per_class},
                      {"seed", r.seed},
                      {"accuracy", r.accuracy},
                      {"accuracy_thresholding", r.accuracy_thresholding},
                      {"accuracy_honest", r.accuracy_honest},
                      {"accuracy_naive", r.accuracy_naive},
                      {"nearest_neighbour", r.nearest_neighbour},
                      {"svm", r.svm}};
  if (r.non_finite) j["non_finite"] = to_json(*r.non_finite);
  if (r.test_accuracy) j["test_accuracy"] = *r.test_accuracy;
  if (r.cyborg) j["test_baselines"] = to_json(*r.cyborg);
  return j;
}

sweep_run sweep_run_from_json(const nlohmann::json& j) {
  try {
    sweep_run run{j.at("train_per_class").get<int>(),
                  j.at("seed").get<std::uint64_t>(),
                  j.at("accuracy").get<double>(),
                  j.at("accuracy_thresholding").get<double>(),
                  j.at("accuracy_honest").get<double>(),
                  j.at("accuracy_naive").get<double>(),
                  j.at("nearest_neighbour").get<double>(),
                  j.at("svm").get<double>(),
                  j.contains("non_finite") ? std::optional<non_finite_report>(
                                                 non_finite_report_from_json(j["non_finite"]))
                                           : std::nullopt,
                  std::nullopt,
                  std::nullopt};
    if (j.contains("test_accuracy")) run.test_accuracy = j["test_accuracy"].get<double>();
    if (j.contains("test_baselines")) {
      const auto& b = j["test_baselines"];
      test_reading::baselines out;
      for (const auto& [name, field] : baseline_fields()) out.*field = b.at(name).get<double>();
      run.cyborg = out;
    }
    return run;
  } catch (const nlohmann::json::exception& e) {
    throw error(std::string("a sweep run's record: ") + e.what());
  }
}

sweep_result run_sweep(const data::feature_set& features, const sweep_params& params,
                       const model_params& model, progress_bar* progress,
                       const sweep_control* control) {
  const auto start = std::chrono::steady_clock::now();
  params.validate(features.per_class);
  const sweep_control none;
  const sweep_control& c = control ? *control : none;
  if (c.cyborg && !c.test)
    throw parameter_error("cyborg",
                          "needs test digits (--test), which its baselines are scored on");
  const std::size_t rows = params.train_per_class.size();
  const auto seeds = static_cast<std::size_t>(params.seeds);
  std::vector<std::vector<std::optional<sweep_run>>> results(
      rows, std::vector<std::optional<sweep_run>>(seeds));
  for (const auto& run : c.done)
    for (std::size_t r = 0; r < rows; ++r)
      if (run.train_per_class == params.train_per_class[r] && run.seed >= params.first_seed &&
          run.seed - params.first_seed < seeds)
        results[r][run.seed - params.first_seed] = run;

  // Units: run (row r, seed s) is r * seeds + s, whatever the shard or the resumed runs, so
  // that every process of a job array numbers them alike. Longest runs first, for a better
  // spread over the cores and ranks (only rank 0's list is used).
  std::vector<std::size_t> units;
  for (std::size_t u = 0; u < rows * seeds; ++u)
    if (c.shard.owns(u) && !results[u / seeds][u % seeds]) units.push_back(u);
  std::stable_sort(units.begin(), units.end(), [&](std::size_t a, std::size_t b) {
    return params.train_per_class[a / seeds] > params.train_per_class[b / seeds];
  });

  // Spread over ranks, rank 0's progress bar counts every rank's runs as they arrive;
  // otherwise each run advances it as it simulates.
  const bool spread = c.world.size > 1;
  auto run_one = [&](std::size_t u) {
    experiment_params p = params.base;
    p.train_per_class = params.train_per_class[u / seeds];
    // Seeds are shared across sample counts: a paired comparison.
    p.seed = params.first_seed + u % seeds;
    run_options options;
    options.model = model;
    options.progress = spread ? nullptr : progress;
    options.test = c.test;
    options.cyborg = c.cyborg;
    const auto r = run_experiment(features, p, options);
    sweep_run run{p.train_per_class, p.seed,           r.accuracy,          r.accuracy_thresholding,
                  r.accuracy_honest, r.accuracy_naive, r.nearest_neighbour, r.svm,
                  r.non_finite,      std::nullopt,     std::nullopt};
    if (r.test) {
      run.test_accuracy = r.test->log_likelihood.accuracy;
      run.cyborg = r.test->cyborg;
    }
    return run;
  };
  // Results travel as the resume files' JSON text (doubles round-trip exactly), one way for
  // one process and for many.
  dist::work_queue queue(c.world, units, [&](std::size_t u, std::string text) {
    auto run = sweep_run_from_json(nlohmann::json::parse(text));
    if (run.train_per_class != params.train_per_class[u / seeds] ||
        run.seed != params.first_seed + u % seeds)
      throw internal_error("run_sweep: unit " + std::to_string(u) + " came back as another run");
    // A failed run is not kept for --resume: run again, it fails the same way.
    if (c.finished && !run.non_finite) c.finished(run);
    if (spread && progress) {
      experiment_params p = params.base;
      p.train_per_class = run.train_per_class;
      progress->advance(
          static_cast<std::uint64_t>(experiment_steps(p, features.num_classes) / 1000));
    }
    results[u / seeds][u % seeds] = std::move(run);
  });
  const int threads = params.threads > 0 ? params.threads : omp_get_max_threads();
  dist::run_units(
      queue, threads, [&](std::size_t u) { return to_json(run_one(u)).dump(); }, c.stop);

  sweep_result out;
  out.params = params;
  out.rank = c.world.rank;
  out.sharded = c.shard.count > 1;
  if (out.rank != 0) return out;  // rank 0 holds the results
  for (const auto& row : results)
    out.runs_done +=
        static_cast<int>(std::count_if(row.begin(), row.end(), [](const auto& x) { return !!x; }));
  const bool complete = out.runs_done == static_cast<int>(rows * seeds);
  out.stopped = !complete && queue.stopped();
  for (std::size_t r = 0; r < rows && complete; ++r) {
    std::vector<double> acc, thr, honest, naive, nn, svm, test;
    std::vector<std::vector<double>> baselines(baseline_columns().size());
    for (const auto& run : results[r]) {
      const auto& x = *run;
      if (x.non_finite && !out.failed_runs++) {  // the first by sample count, then seed
        out.non_finite = x.non_finite;
        out.failed_train_per_class = x.train_per_class;
        out.failed_seed = x.seed;
      }
      acc.push_back(x.accuracy);
      thr.push_back(x.accuracy_thresholding);
      honest.push_back(x.accuracy_honest);
      naive.push_back(x.accuracy_naive);
      nn.push_back(x.nearest_neighbour);
      svm.push_back(x.svm);
      if (c.test) test.push_back(x.test_accuracy.value_or(0.0));  // 0: the run failed
      if (c.cyborg) {
        const auto b = x.cyborg.value_or(test_reading::baselines{});  // 0: the run failed
        for (std::size_t k = 0; k < baselines.size(); ++k)
          baselines[k].push_back(b.*baseline_columns()[k].first);
      }
    }
    sweep_row row;
    row.train_per_class = params.train_per_class[r];
    row.accuracy = summarise(acc);
    row.accuracy_thresholding = summarise(thr);
    row.accuracy_honest = summarise(honest);
    row.accuracy_naive = summarise(naive);
    row.nearest_neighbour = summarise(nn);
    row.svm = summarise(svm);
    if (c.test) row.test_accuracy = summarise(test);
    if (c.cyborg)
      for (std::size_t k = 0; k < baselines.size(); ++k)
        row.*baseline_columns()[k].second = summarise(baselines[k]);
    row.runs = acc;
    out.rows.push_back(std::move(row));
  }
  out.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

void write_outputs(const sweep_result& s, const std::filesystem::path& dir) {
  std::vector<std::string> columns{"train_per_class",
                                   "accuracy_mean",
                                   "accuracy_sd",
                                   "accuracy_honest_mean",
                                   "accuracy_honest_sd",
                                   "accuracy_naive_mean",
                                   "accuracy_naive_sd",
                                   "nearest_neighbour_mean",
                                   "nearest_neighbour_sd",
                                   "svm_mean",
                                   "svm_sd"};
  if (!s.rows.empty())
    for (const auto& [name, value] : optional_columns(s.rows.front()))
      columns.insert(columns.end(), {name + "_mean", name + "_sd"});
  table accuracy(columns);
  for (const auto& r : s.rows) {
    std::vector<cell> row{std::int64_t{r.train_per_class},
                          r.accuracy.mean,
                          r.accuracy.sd,
                          r.accuracy_honest.mean,
                          r.accuracy_honest.sd,
                          r.accuracy_naive.mean,
                          r.accuracy_naive.sd,
                          r.nearest_neighbour.mean,
                          r.nearest_neighbour.sd,
                          r.svm.mean,
                          r.svm.sd};
    for (const auto& [name, value] : optional_columns(r))
      row.insert(row.end(), {value.mean, value.sd});
    accuracy.add_row(row);
  }
  write_folder_atomic(dir, {{"accuracy.csv", accuracy.to_csv()},
                            {"accuracy.svg", to_svg(sweep_plot(s))},
                            {"results.json", to_json(s).dump(2) + "\n"}});
}

nlohmann::json to_json(const sweep_result& s) {
  nlohmann::json j;
  j["seeds"] = s.params.seeds;
  j["first_seed"] = s.params.first_seed;
  j["sniffs"] = s.params.base.sniffs;
  j["val_per_class"] = s.params.base.val_per_class;
  j["compat"] = to_string(s.params.base.compat);
  j["dataset"] = s.dataset;
  j["wall_seconds"] = s.wall_seconds;
  j["status"] = to_string(s.status());
  if (s.non_finite) {
    j["failed_runs"] = s.failed_runs;
    auto report = to_json(*s.non_finite);
    report["train_per_class"] = s.failed_train_per_class;
    report["seed"] = s.failed_seed;
    j["non_finite"] = report;
  }
  if (s.provenance.is_object()) j.update(s.provenance);
  j["rows"] = nlohmann::json::array();
  for (const auto& r : s.rows) {
    auto pair = [&](const char* name, const summary& v) {
      return std::pair<std::string, nlohmann::json>{name, {{"mean", v.mean}, {"sd", v.sd}}};
    };
    nlohmann::json row;
    row["train_per_class"] = r.train_per_class;
    row["accuracy_mean"] = r.accuracy.mean;
    row["accuracy_sd"] = r.accuracy.sd;
    row["accuracy_thresholding_mean"] = r.accuracy_thresholding.mean;
    row["accuracy_thresholding_sd"] = r.accuracy_thresholding.sd;
    row["accuracy_honest_mean"] = r.accuracy_honest.mean;
    row["accuracy_honest_sd"] = r.accuracy_honest.sd;
    row["accuracy_naive_mean"] = r.accuracy_naive.mean;
    row["accuracy_naive_sd"] = r.accuracy_naive.sd;
    row["nearest_neighbour_mean"] = r.nearest_neighbour.mean;
    row["nearest_neighbour_sd"] = r.nearest_neighbour.sd;
    row["svm_mean"] = r.svm.mean;
    row["svm_sd"] = r.svm.sd;
    row["baselines"] = {pair("nearest_neighbour", r.nearest_neighbour), pair("svm", r.svm)};
    for (const auto& [name, value] : optional_columns(r)) {
      row[name + "_mean"] = value.mean;
      row[name + "_sd"] = value.sd;
    }
    row["runs"] = r.runs;
    j["rows"].push_back(row);
  }
  return j;
}

}  // namespace kenyon::moth

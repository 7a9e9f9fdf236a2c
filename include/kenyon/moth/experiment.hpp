#pragma once
// MothNet experiments: one run (draw digits, build a moth, simulate, read out, classify,
// compare with baselines) and sweeps over training-set sizes and seeds. The result
// structs are what the CLI prints, what the files under --out hold, and what tests check.
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "kenyon/data/preprocess.hpp"
#include "kenyon/dist/work_queue.hpp"
#include "kenyon/moth/classify.hpp"
#include "kenyon/moth/params.hpp"
#include "kenyon/moth/readout.hpp"
#include "kenyon/moth/simulate.hpp"

namespace kenyon {
class progress_bar;
}

namespace kenyon::moth {

// The digits one run uses, per class (indices into the feature set).
struct digit_draw {
  std::vector<std::vector<int>> baseline, train, validation;
  std::vector<std::pair<int, int>> training_sequence;  // (class, digit) in presentation order
};

// Draws the digits of a run from (seed, sampling): without replacement (MATLAB) or, in
// pymoth mode, with replacement (spec section 9, item 3).
digit_draw draw_digits(const experiment_params& params, int num_classes);

// Everything one run reports: accuracies, classifications, ROC, baselines, EN responses
// and timing; to_json and write_outputs turn it into the CLI's output.
// The official test set read by the trained moth, weights frozen (read_frozen), classified
// with the class statistics of the validation digits only.
struct test_reading {
  std::size_t digits = 0;
  classification log_likelihood, thresholding;
  roc_result roc;  // one-vs-rest on the log-likelihood scores
  double seconds = 0;
  // With run_options::cyborg: 1-NN, RBF SVM and logistic regression trained on the run's
  // training digits and scored on the test digits, on the pixel features alone and with the
  // readout neurons' responses appended (the "insect cyborg" of Delahunt & Kutz 2018), in
  // percent.
  struct baselines {
    double nearest_neighbour = 0, svm = 0, logistic = 0;
    double cyborg_nearest_neighbour = 0, cyborg_svm = 0, cyborg_logistic = 0;
  };
  std::optional<baselines> cyborg;
};

struct experiment_result {
  experiment_params params;
  std::string dataset;
  // Accuracies in percent. `accuracy` and `accuracy_thresholding` follow the originals:
  // class statistics fitted on the very validation digits being classified.
  // `accuracy_honest` classifies each digit with statistics that exclude it.
  double accuracy = 0, accuracy_thresholding = 0, accuracy_honest = 0;
  double accuracy_naive = 0, accuracy_naive_thresholding = 0;  // before training
  classification log_likelihood, thresholding, honest;
  roc_result roc;                         // one-vs-rest on the log-likelihood scores
  double nearest_neighbour = 0, svm = 0;  // baselines on the raw features, same split
  std::int64_t steps = 0;
  double wall_seconds = 0;      // the whole run
  double simulate_seconds = 0;  // the SDE integration alone
  double mean_active_kenyon = 0;
  en_responses pre, post;            // EN peak responses, baseline and validation digits
  std::optional<test_reading> test;  // with run_options::test
  // With run_options::thumbnails: each training digit as the moth sees it, its features put
  // back on the downsampled image grid (0 off the active pixels), rows x cols per digit,
  // digits by class in the order drawn (pymoth's show_FA_thumbs).
  struct digit_thumbnails {
    int rows = 0, cols = 0, per_class = 0, classes = 0;
    std::vector<float> pixels;  // [class][digit][row][col]
  };
  std::optional<digit_thumbnails> thumbnails;
  std::vector<float> en_trace;  // steps x nE, kept only when asked for
  int num_readouts = 0;
  double dt = 0, t_start = 0;
  std::vector<presentation> presentations;
  // A rate that was not a finite number (simulation_result::non_finite): the run stopped
  // there, and the accuracies, classifications and baselines were not computed.
  std::optional<non_finite_report> non_finite;
  numeric_status status() const { return status_of(non_finite); }
  // How the run was made (kenyon version, command line, configuration), set by the
  // command-line tool and merged into to_json; null: not recorded.
  nlohmann::json provenance;
};

struct run_options {
  model_params model;
  bool keep_trace = false;
  // Digits of the official test split (data::apply_features with the run's features) that
  // the trained moth reads after the validation digits; none when null.
  const data::labelled_features* test = nullptr;
  int test_batch = 16;  // test digits stepped side by side per thread (same numbers for any)
  // Also score the cyborg baselines on the test digits (test_reading::cyborg): the trained
  // moth reads the training digits frozen too. Needs `test`.
  bool cyborg = false;
  bool thumbnails = false;  // keep experiment_result::thumbnails (for write_outputs' figure)
  progress_bar* progress = nullptr;  // advanced by one per 1000 simulated steps
};

// Simulated steps of a run with these parameters (to size progress bars).
std::int64_t experiment_steps(const experiment_params& params, int num_classes);

// One whole run: draws the digits and the moth from params.seed, simulates, reads out,
// classifies and scores the baselines. Deterministic for a seed. A NaN or infinity in the
// simulation ends the run early with status non_finite.
experiment_result run_experiment(const data::feature_set& features, const experiment_params& params,
                                 const run_options& options = {});

// With "status" ("ok" or "non_finite") and, on a failure, the "non_finite" report.
nlohmann::json to_json(const experiment_result& result);

// Writes results.json, CSVs (EN time courses, per-digit EN responses, stimuli, ROC
// curves, confusion matrix) and SVG plots (EN time courses, ROC curves) into `dir`; with
// `plots` also pymoth's figures: readout_responses.svg (each readout neuron's mean response
// to each class, before and after training, as show_acc) and, when the result kept them,
// thumbnails.svg (the training digits as the moth sees them). On failure nothing is left
// behind (core/files.hpp, write_folder_atomic).
void write_outputs(const experiment_result& result, const std::filesystem::path& dir,
                   bool plots = false);

struct sweep_params {
  std::vector<int> train_per_class = {1, 3, 5, 10, 20};
  int seeds = 5;  // runs per sample count, seeds first_seed, first_seed + 1, ...
  std::uint64_t first_seed = 0;
  experiment_params base;  // sniffs, val_per_class, compat
  int threads = 0;         // 0: OMP_NUM_THREADS, else all cores
  void validate(int per_class) const;
};

struct summary {
  double mean = 0, sd = 0;  // sd with ddof = 1 (0 for a single run)
};

struct sweep_row {
  int train_per_class = 0;
  summary accuracy, accuracy_thresholding, accuracy_honest, accuracy_naive;
  summary nearest_neighbour, svm;
  std::optional<summary> test_accuracy;  // with sweep_control::test
  // With sweep_control::cyborg: the test split's plain and cyborg baselines.
  std::optional<summary> test_nearest_neighbour, test_svm, test_logistic;
  std::optional<summary> cyborg_nearest_neighbour, cyborg_svm, cyborg_logistic;
  std::vector<double> runs;  // the log-likelihood accuracy of each seed
};

// A sweep's rows (mean and sd over seeds per training-set size) and its timing.
struct sweep_result {
  sweep_params params;
  std::string dataset;
  std::vector<sweep_row> rows;
  double wall_seconds = 0;
  // Runs stopped by a NaN or infinity (their accuracies count as 0 in the rows), and the
  // first of them by sample count, then seed, with its report.
  int failed_runs = 0;
  int failed_train_per_class = 0;
  std::uint64_t failed_seed = 0;
  std::optional<non_finite_report> non_finite;
  numeric_status status() const { return status_of(non_finite); }
  nlohmann::json provenance;  // as experiment_result's
  // sweep_control::stop ended the sweep before every run was done: no rows.
  bool stopped = false;
  int runs_done = 0;  // of train_per_class.size() x seeds, counting resumed ones
  // The MPI rank that returned this result (sweep_control::world): only rank 0's holds the
  // rows; the others ran runs for it and hold nothing.
  int rank = 0;
  // sweep_control::shard ran only its slice: runs_done counts the slice and the resumed
  // runs, and there are rows only when that is every run.
  bool sharded = false;
};

// What a sweep keeps of one finished run, to summarise its row from.
struct sweep_run {
  int train_per_class = 0;
  std::uint64_t seed = 0;
  double accuracy = 0, accuracy_thresholding = 0, accuracy_honest = 0, accuracy_naive = 0;
  double nearest_neighbour = 0, svm = 0;
  std::optional<non_finite_report> non_finite;    // the run stopped on a NaN or infinity
  std::optional<double> test_accuracy;            // log-likelihood, on sweep_control::test
  std::optional<test_reading::baselines> cyborg;  // with sweep_control::cyborg
};

// With "non_finite" (the report) for a run that stopped on a NaN or infinity.
nlohmann::json to_json(const sweep_run& run);
// Throws kenyon::error for an object to_json did not write.
sweep_run sweep_run_from_json(const nlohmann::json& j);

// Stopping and continuing a sweep; all optional. Results do not depend on which runs were
// resumed: each run's seeds come from its own (sample count, seed) alone.
struct sweep_control {
  std::vector<sweep_run> done;  // runs of a stopped sweep, not run again
  // Test digits every run reads after training (run_options::test); none when null.
  const data::labelled_features* test = nullptr;
  bool cyborg = false;         // run_options::cyborg for every run
  std::function<bool()> stop;  // polled before each run; true skips the runs not started
  // As each run ends, on rank 0 only (from the thread that called run_sweep when the runs
  // are spread over ranks, from any thread otherwise).
  std::function<void(const sweep_run&)> finished;
  // The MPI ranks the runs are spread over (dist::init_world()): each rank calls run_sweep
  // with the same parameters; rank 0 hands out the runs, gets every result and returns the
  // sweep, the same as one process's. `done` and `finished` matter on rank 0 only.
  dist::world world;
  // Only the runs this slice owns (run r x seed s is unit r * seeds + s), for job arrays.
  dist::shard shard;
};

summary summarise(const std::vector<double>& values);

// Runs every (sample count, seed) pair, in parallel over params.threads (0: OMP_NUM_THREADS,
// else all cores) and over control->world's ranks; results do not depend on the thread or
// rank count.
sweep_result run_sweep(const data::feature_set& features, const sweep_params& params,
                       const model_params& model = {}, progress_bar* progress = nullptr,
                       const sweep_control* control = nullptr);

nlohmann::json to_json(const sweep_result& result);

// Writes results.json, accuracy.csv and accuracy.svg (accuracy against sample count, as
// the papers' figure) into `dir`, as write_outputs above.
void write_outputs(const sweep_result& result, const std::filesystem::path& dir);

}  // namespace kenyon::moth

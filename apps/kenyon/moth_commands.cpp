#include <algorithm>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <type_traits>
#include <vector>

#include "commands.hpp"
#include "kenyon/core/checkpoint.hpp"
#include "kenyon/core/error.hpp"
#include "kenyon/core/files.hpp"
#include "kenyon/core/interrupt.hpp"
#include "kenyon/core/progress.hpp"
#include "kenyon/data/dataset.hpp"
#include "kenyon/data/preprocess.hpp"
#include "kenyon/dist/work_queue.hpp"
#include "kenyon/moth/experiment.hpp"
#include "provenance.hpp"

namespace kenyon::cli {
namespace {

struct data_options {
  std::string dataset = "mnist";
  std::string data_dir;
};

void add_data_options(CLI::App& cmd, data_options& d) {
  cmd.add_option("--dataset", d.dataset, "mnist or fashion-mnist")->capture_default_str();
  cmd.add_option("--data-dir", d.data_dir, "folder holding the IDX files (default: search)");
}

std::optional<std::filesystem::path> data_dir(const data_options& d) {
  if (d.data_dir.empty()) return std::nullopt;
  return d.data_dir;
}

data::feature_set load_features(const data_options& d) {
  return data::load_features(data::parse_dataset_name(d.dataset), data_dir(d));
}

// --test N|all and --cyborg, for moth run and moth sweep.
struct test_options {
  std::string test;
  bool cyborg = false;

  void add_to(CLI::App& cmd, const char* test_help) {
    cmd.add_option("--test", test, test_help);
    cmd.add_flag("--cyborg", cyborg,
                 "also score 1-NN, SVM and logistic regression on the test digits with the "
                 "readout neurons' responses appended to the pixels (needs --test)");
  }

  // The first N digits of the official test split through the run's feature pipeline
  // (all: every digit); nothing without --test.
  std::optional<data::labelled_features> load(const data_options& d,
                                              const data::feature_set& features) const {
    if (cyborg && test.empty())
      throw parameter_error("--cyborg", "needs --test, the digits its baselines are scored on");
    if (test.empty()) return std::nullopt;
    return data::load_test_features(data::parse_dataset_name(d.dataset), data_dir(d), features,
                                    test_count(test));
  }
};

// "1,3,5" (or the option repeated) -> {1, 3, 5}; parameter_error for an empty item or one
// that is not an integer.
std::vector<int> sample_counts(const std::vector<std::string>& texts) {
  std::vector<int> out;
  for (const auto& text : texts) {
    std::size_t begin = 0;
    while (true) {
      const auto end = std::min(text.find(',', begin), text.size());
      int n = 0;
      const auto* first = text.data() + begin;
      const auto* last = text.data() + end;
      while (first < last && *first == ' ') ++first;
      while (last > first && last[-1] == ' ') --last;
      const auto [at, ec] = std::from_chars(first, last, n);
      if (first == last || ec != std::errc() || at != last)
        throw parameter_error("train-per-class", "'" + text +
                                                     "': expected sample counts separated by "
                                                     "commas, e.g. 1,3,5");
      out.push_back(n);
      if (end == text.size()) break;
      begin = end + 1;
    }
  }
  return out;
}

// Refuses an --out that cannot become a folder before the (long) run, not after it.
void check_out_folder(const std::string& out) {
  std::error_code ec;
  if (!out.empty() && std::filesystem::exists(out, ec) && !std::filesystem::is_directory(out, ec))
    throw parameter_error("out", out + " exists and is not a folder");
}

void add_experiment_options(CLI::App& cmd, moth::experiment_params& p, std::string& compat) {
  cmd.add_option("--sniffs", p.sniffs, "presentations of each training digit")
      ->capture_default_str();
  cmd.add_option("--val-per-class", p.val_per_class, "validation (and baseline) digits per class")
      ->capture_default_str();
  cmd.add_option("--compat", compat,
                 "fixed (MATLAB's choices, pymoth's defects repaired) or pymoth")
      ->capture_default_str();
}

// With --out, each finished run of a sweep is saved as runs/train<N>_seed<S>.json beside
// runs/sweep.json (the sweep's provenance), and a stop request skips the runs not started;
// --resume reads them back after checking that the options are the same. Under mpirun only
// rank 0 reads and writes the folder; the other ranks only stop when asked.
moth::sweep_control sweep_control(const CLI::App& cmd, const std::string& out, bool resume,
                                  dist::world world, dist::shard shard) {
  namespace fs = std::filesystem;
  moth::sweep_control control;
  control.world = world;
  control.shard = shard;
  if (resume && out.empty()) throw parameter_error("--resume", "needs --out, the stopped sweep's");
  if (world.rank != 0) {
    control.stop = stop_requested;
    catch_stop_signals();
    return control;
  }
  if (out.empty()) return control;
  const fs::path runs = fs::path(out) / "runs";
  const auto made_by = provenance(cmd);
  std::error_code ec;
  if (resume && fs::exists(runs / "sweep.json", ec)) {
    // The thread count changes the order of the runs, not their numbers; the runs of every
    // shard are joined by a --resume without --shard.
    check_same_configuration(read_json_file(runs / "sweep.json"), made_by, {"threads", "shard"});
    remove_write_leftovers(runs);
    remove_write_leftovers(out);
    for (const auto& entry : fs::directory_iterator(runs)) {
      const auto name = entry.path().filename().string();
      if (name.starts_with("train") && entry.path().extension() == ".json")
        control.done.push_back(moth::sweep_run_from_json(read_json_file(entry.path())));
    }
    std::fprintf(stderr, "kenyon: resuming: %zu runs done in %s\n", control.done.size(),
                 runs.string().c_str());
  } else {
    fs::remove_all(runs, ec);  // another sweep's runs
    if (ec) throw file_error(runs.string(), "cannot clear: " + ec.message());
  }
  fs::create_directories(runs, ec);
  if (ec) throw file_error(runs.string(), "cannot create: " + ec.message());
  write_json_atomic(runs / "sweep.json", made_by);
  control.stop = stop_requested;
  control.finished = [runs](const moth::sweep_run& run) {
    write_json_atomic(runs / ("train" + std::to_string(run.train_per_class) + "_seed" +
                              std::to_string(run.seed) + ".json"),
                      moth::to_json(run));
  };
  catch_stop_signals();
  return control;
}

void print_run_summary(const moth::experiment_result& r) {
  const auto& p = r.params;
  std::printf(
      "MothNet on %s: %d training digit%s per class, %d sniff%s, %d validation digits "
      "per class, seed %llu, %s model\n\n",
      r.dataset.c_str(), p.train_per_class, p.train_per_class == 1 ? "" : "s", p.sniffs,
      p.sniffs == 1 ? "" : "s", p.val_per_class, static_cast<unsigned long long>(p.seed),
      moth::to_string(p.compat).c_str());
  std::printf(
      "  accuracy, log-likelihood     %6.1f %%   class statistics fitted on the "
      "validation digits themselves (as pymoth/MATLAB report)\n",
      r.accuracy);
  std::printf("  accuracy, thresholding       %6.1f %%   same statistics\n",
              r.accuracy_thresholding);
  std::printf(
      "  accuracy, honest             %6.1f %%   each digit scored with statistics "
      "that exclude it (leave-one-out)\n",
      r.accuracy_honest);
  std::printf(
      "  accuracy before training     %6.1f %%   naive: log-likelihood on the baseline "
      "digits (chance is 10 %%)\n",
      r.accuracy_naive);
  std::printf("  ROC AUC, macro / micro       %6.3f / %.3f\n", r.roc.macro.auc, r.roc.micro.auc);
  std::printf("  baselines, same split        %6.1f %% nearest neighbour, %.1f %% SVM\n",
              r.nearest_neighbour, r.svm);
  std::printf("  per class                   ");
  for (std::size_t c = 0; c < r.log_likelihood.per_class_accuracy.size(); ++c)
    std::printf(" %zu:%.0f", c, r.log_likelihood.per_class_accuracy[c]);
  if (r.test) {
    const auto& t = *r.test;
    std::printf(
        "\n  test set, log-likelihood     %6.1f %%   %zu official test digits, read frozen "
        "with the validation digits' statistics (%.2f s)\n",
        t.log_likelihood.accuracy, t.digits, t.seconds);
    std::printf("  test set, thresholding       %6.1f %%   ROC AUC macro %.3f\n",
                t.thresholding.accuracy, t.roc.macro.auc);
    std::printf("  test set per class          ");
    for (std::size_t c = 0; c < t.log_likelihood.per_class_accuracy.size(); ++c)
      std::printf(" %zu:%.0f", c, t.log_likelihood.per_class_accuracy[c]);
    if (t.cyborg)
      std::printf(
          "\n  test set, baselines          %6.1f %% nearest neighbour, %.1f %% SVM, %.1f %% "
          "logistic regression\n  cyborg (with the readout)    %6.1f %%, %.1f %%, %.1f %%",
          t.cyborg->nearest_neighbour, t.cyborg->svm, t.cyborg->logistic,
          t.cyborg->cyborg_nearest_neighbour, t.cyborg->cyborg_svm, t.cyborg->cyborg_logistic);
  }
  std::printf(
      "\n\n  %lld steps in %.2f s (%.0f steps/s), %.1f%% of Kenyon cells active on "
      "average\n",
      static_cast<long long>(r.steps), r.wall_seconds, r.steps / r.simulate_seconds,
      100 * r.mean_active_kenyon);
}

void print_sweep_table(const moth::sweep_result& s) {
  std::printf(
      "MothNet on %s, %d seed%s per sample count, %d sniff%s, %s model "
      "(accuracy %%, mean +- sd)\n\n",
      s.dataset.c_str(), s.params.seeds, s.params.seeds == 1 ? "" : "s", s.params.base.sniffs,
      s.params.base.sniffs == 1 ? "" : "s", moth::to_string(s.params.base.compat).c_str());
  const bool tested = !s.rows.empty() && s.rows.front().test_accuracy;
  const bool cyborg = !s.rows.empty() && s.rows.front().cyborg_svm;
  std::printf("  %-11s %-14s %-14s %-14s %-14s %-14s", "train/class", "MothNet", "honest", "naive",
              "1-NN", "SVM");
  if (tested) std::printf(" %-14s", "test: MothNet");
  if (cyborg)
    std::printf(" %-14s %-14s %-14s %-14s %-14s %-14s", "test: 1-NN", "test: SVM", "test: logistic",
                "cyborg 1-NN", "cyborg SVM", "cyborg logist.");
  std::printf("\n");
  auto cell = [](const moth::summary& v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%5.1f +- %4.1f", v.mean, v.sd);
    return std::string(buf);
  };
  for (const auto& r : s.rows) {
    std::printf("  %-11d %-14s %-14s %-14s %-14s %-14s", r.train_per_class,
                cell(r.accuracy).c_str(), cell(r.accuracy_honest).c_str(),
                cell(r.accuracy_naive).c_str(), cell(r.nearest_neighbour).c_str(),
                cell(r.svm).c_str());
    if (tested) std::printf(" %-14s", cell(*r.test_accuracy).c_str());
    if (cyborg)
      std::printf(" %-14s %-14s %-14s %-14s %-14s %-14s", cell(*r.test_nearest_neighbour).c_str(),
                  cell(*r.test_svm).c_str(), cell(*r.test_logistic).c_str(),
                  cell(*r.cyborg_nearest_neighbour).c_str(), cell(*r.cyborg_svm).c_str(),
                  cell(*r.cyborg_logistic).c_str());
    std::printf("\n");
  }
  std::printf(
      "\n  MothNet: log-likelihood classifier with statistics fitted on the validation "
      "digits (as the originals);\n  honest: leave-one-out statistics.%s %.1f s wall.\n",
      tested ? "\n  test: the official test split, read with the validation digits' statistics."
             : "",
      s.wall_seconds);
}

// Writes --out (with pymoth's figures too for a run with --plots), then prints the JSON
// object or the human summary. A run that stopped on a NaN or infinity prints where (its
// JSON says so too), writes nothing and exits with 3.
template <class result_type>
int report(result_type& result, const CLI::App& cmd, const data_options& d, const std::string& out,
           bool json, void (*print_summary)(const result_type&), bool plots = false) {
  result.dataset = d.dataset;
  result.provenance = provenance(cmd);
  if constexpr (requires { result.non_finite; }) {
    if (result.non_finite) {
      if (json) std::cout << moth::to_json(result).dump(2) << std::endl;
      std::fprintf(stderr, "kenyon: numerical failure: %s\n", result.non_finite->message().c_str());
      return exit_numerical_failure;
    }
  }
  if (!out.empty()) {
    if constexpr (std::is_same_v<result_type, moth::experiment_result>)
      moth::write_outputs(result, out, plots);
    else
      moth::write_outputs(result, out);
  }
  if (json)
    std::cout << moth::to_json(result).dump(2) << std::endl;
  else
    print_summary(result);
  return 0;
}

}  // namespace

void add_moth_commands(CLI::App& app, command& selected) {
  auto* moth_cmd = app.add_subcommand("moth", "MothNet: the moth olfactory network on MNIST");
  moth_cmd->require_subcommand(1);

  // kenyon moth run
  {
    auto* cmd = moth_cmd->add_subcommand("run", "train one moth and report its accuracy");
    auto p = std::make_shared<moth::experiment_params>();
    auto d = std::make_shared<data_options>();
    auto compat = std::make_shared<std::string>("fixed");
    auto out = std::make_shared<std::string>();
    auto json = std::make_shared<bool>(false);
    cmd->add_option("--train-per-class", p->train_per_class, "training digits per class")
        ->capture_default_str();
    cmd->add_option("--seed", p->seed, "seed of every random draw")
        ->check(seed_value())
        ->capture_default_str();
    add_experiment_options(*cmd, *p, *compat);
    add_data_options(*cmd, *d);
    auto test = std::make_shared<test_options>();
    test->add_to(*cmd,
                 "N or all: the trained moth, weights frozen, reads the first N digits of the "
                 "official test split");
    auto plots = std::make_shared<bool>(false);
    cmd->add_flag("--plots", *plots,
                  "with --out: also pymoth's figures, readout_responses.svg (show_acc) and "
                  "thumbnails.svg (show_FA_thumbs)");
    auto test_batch = std::make_shared<int>(moth::run_options{}.test_batch);
    cmd->add_option("--test-batch", *test_batch,
                    "test digits simulated side by side per thread (the numbers do not change)")
        ->capture_default_str()
        ->check(CLI::Range(1, 4096));
    cmd->add_option("--out", *out, "folder for results.json, CSVs and SVG plots");
    cmd->add_flag("--json", *json, "print one JSON object instead of a summary");
    cmd->callback([=, &selected] {
      selected = [=] {
        p->compat = moth::parse_compat_mode(*compat);
        check_out_folder(*out);
        auto features = load_features(*d);
        p->validate(features.per_class);
        const auto test_digits = test->load(*d, features);
        std::optional<progress_bar> bar;
        bar.emplace("moth run", moth::experiment_steps(*p, features.num_classes) / 1000);
        moth::run_options options;
        options.keep_trace = !out->empty();
        options.progress = &*bar;
        options.test = test_digits ? &*test_digits : nullptr;
        options.test_batch = *test_batch;
        options.cyborg = test->cyborg;
        options.thumbnails = *plots;
        if (*plots && out->empty())
          throw parameter_error("--plots", "needs --out, the folder the figures go to");
        auto result = moth::run_experiment(features, *p, options);
        bar.reset();
        return report(result, *cmd, *d, *out, *json, print_run_summary, *plots);
      };
    });
  }

  // kenyon moth sweep
  {
    auto* cmd = moth_cmd->add_subcommand(
        "sweep", "accuracy against training-set size over several seeds (the papers' figure)");
    auto s = std::make_shared<moth::sweep_params>();
    auto d = std::make_shared<data_options>();
    auto compat = std::make_shared<std::string>("fixed");
    auto json = std::make_shared<bool>(false);
    auto out = std::make_shared<std::string>();
    // Split here, not by CLI11, which drops empty items: "1,,3" is a typo, not "1,3".
    auto counts = std::make_shared<std::vector<std::string>>();
    std::string shown;
    for (int n : s->train_per_class) shown += (shown.empty() ? "" : ",") + std::to_string(n);
    cmd->add_option("--train-per-class", *counts, "sample counts, comma-separated")
        ->type_name("N,N,...")
        ->default_str(shown);
    auto resume = std::make_shared<bool>(false);
    cmd->add_option("--seeds", s->seeds, "runs per sample count")->capture_default_str();
    cmd->add_option("--first-seed", s->first_seed, "seed of the first run")
        ->check(seed_value())
        ->capture_default_str();
    cmd->add_option("--threads", s->threads,
                    "runs in parallel on each rank (0: OMP_NUM_THREADS, else all cores)")
        ->capture_default_str();
    auto shard_text = std::make_shared<std::string>();
    cmd->add_option("--shard", *shard_text,
                    "run only slice i of n (runs u with u % n == i; for job arrays); join the "
                    "slices' runs/ folders and --resume without --shard (docs/mpi.md)")
        ->type_name("i/n");
    add_experiment_options(*cmd, s->base, *compat);
    add_data_options(*cmd, *d);
    cmd->add_option("--out", *out,
                    "folder for results.json, accuracy.csv, accuracy.svg and runs/ (one file "
                    "per finished run)");
    auto test = std::make_shared<test_options>();
    test->add_to(*cmd,
                 "N or all: every run also reads the first N digits of the official test split "
                 "(a column of test accuracy)");
    cmd->add_flag("--json", *json, "print one JSON object instead of a table");
    cmd->add_flag("--resume", *resume,
                  "continue the sweep that SIGINT or SIGTERM stopped: run only what --out's "
                  "runs/ lacks");
    cmd->callback([=, &selected] {
      selected = [=] {
        if (!counts->empty()) s->train_per_class = sample_counts(*counts);
        const auto shard =
            shard_text->empty() ? dist::shard{} : dist::shard::parse(*shard_text, "--shard");
        if (shard.count > 1 && out->empty())
          throw parameter_error("--shard", "needs --out, where the slice's runs are saved");
        check_out_folder(*out);
        s->base.compat = moth::parse_compat_mode(*compat);
        // Under mpirun every rank runs this; rank 0 hands out the runs, prints and writes.
        const auto world = dist::init_world();
        auto features = load_features(*d);
        s->validate(features.per_class);
        const auto test_digits = test->load(*d, features);
        auto control = sweep_control(*cmd, *out, *resume, world, shard);
        control.test = test_digits ? &*test_digits : nullptr;
        control.cyborg = test->cyborg;
        const auto seeds = static_cast<std::size_t>(s->seeds);
        std::int64_t total = 0;  // progress: thousands of steps of the runs left to run
        for (std::size_t u = 0; u < s->train_per_class.size() * seeds; ++u) {
          if (!shard.owns(u)) continue;
          auto p = s->base;
          p.train_per_class = s->train_per_class[u / seeds];
          p.seed = s->first_seed + u % seeds;
          const bool done = std::any_of(control.done.begin(), control.done.end(), [&](auto& r) {
            return r.train_per_class == p.train_per_class && r.seed == p.seed;
          });
          if (!done) total += moth::experiment_steps(p, features.num_classes) / 1000;
        }
        std::optional<progress_bar> bar;
        if (world.rank == 0) bar.emplace("moth sweep", total);
        auto result = moth::run_sweep(features, *s, {}, bar ? &*bar : nullptr, &control);
        bar.reset();
        if (result.rank != 0) return stop_signal() ? 128 + stop_signal() : 0;
        const auto runs = static_cast<std::int64_t>(s->train_per_class.size() * seeds);
        if (result.stopped) return report_stopped(result.runs_done, runs, "runs", *out);
        if (result.rows.empty()) {  // a shard's slice, not the whole sweep
          const auto folder = (std::filesystem::path(*out) / "runs").string();
          if (*json)
            std::cout << nlohmann::json{{"shard", shard.text()},
                                        {"runs_done", result.runs_done},
                                        {"runs_total", runs},
                                        {"runs_folder", folder}}
                             .dump(2)
                      << std::endl;
          std::fprintf(stderr,
                       "kenyon: shard %s: %d of %zu runs done, saved in %s; when every shard "
                       "is done, put their runs/ files in one folder's runs/ and run the same "
                       "command with that --out and --resume, without --shard\n",
                       shard.text().c_str(), result.runs_done, static_cast<std::size_t>(runs),
                       folder.c_str());
          return 0;
        }
        return report(result, *cmd, *d, *out, *json, print_sweep_table);
      };
    });
  }
}

}  // namespace kenyon::cli

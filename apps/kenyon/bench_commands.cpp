#include <sys/resource.h>

#include <algorithm>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "kenyon/data/dataset.hpp"
#include "kenyon/data/preprocess.hpp"
#include "kenyon/moth/experiment.hpp"

namespace kenyon::cli {
namespace {

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

}  // namespace

void add_bench_commands(CLI::App& app, command& selected) {
  auto* bench = app.add_subcommand("bench", "measure speed and memory");
  bench->require_subcommand(1);

  auto* cmd = bench->add_subcommand("moth", "time default MothNet runs on one core");
  auto p = std::make_shared<moth::experiment_params>();
  auto repeats = std::make_shared<int>(3);
  auto json = std::make_shared<bool>(false);
  cmd->add_option("--train-per-class", p->train_per_class, "training digits per class")
      ->capture_default_str();
  cmd->add_option("--seed", p->seed, "seed of the first run")->capture_default_str();
  cmd->add_option("--repeats", *repeats, "runs to time (seeds seed, seed + 1, ...)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  cmd->add_flag("--json", *json, "print one JSON object");
  cmd->callback([=, &selected] {
    selected = [=] {
      const auto images =
          data::load_training_set(data::dataset_name::mnist, std::nullopt,
                                  static_cast<std::size_t>(data::feature_params{}.per_class));
      const auto features = data::make_features(images);
      std::vector<double> run_seconds, steps_per_second;
      std::int64_t steps = 0;
      for (int k = 0; k < *repeats; ++k) {
        auto run = *p;
        run.seed = p->seed + static_cast<std::uint64_t>(k);
        const auto r = moth::run_experiment(features, run);
        run_seconds.push_back(r.wall_seconds);
        steps_per_second.push_back(static_cast<double>(r.steps) / r.simulate_seconds);
        steps = r.steps;
      }
      std::sort(run_seconds.begin(), run_seconds.end());
      std::sort(steps_per_second.begin(), steps_per_second.end());
      const double median_seconds = run_seconds[run_seconds.size() / 2];
      const double median_rate = steps_per_second[steps_per_second.size() / 2];
      nlohmann::json j = {{"benchmark", "moth"},
                          {"train_per_class", p->train_per_class},
                          {"repeats", *repeats},
                          {"steps", steps},
                          {"threads", 1},
                          {"seconds_per_run", median_seconds},
                          {"seconds_per_run_min", run_seconds.front()},
                          {"steps_per_second", median_rate},
                          {"peak_rss_mb", peak_rss_mb()}};
      if (*json) {
        std::cout << j.dump(2) << std::endl;
      } else {
        std::printf("MothNet, %d training digits per class, %d run%s on one core (median):\n",
                    p->train_per_class, *repeats, *repeats == 1 ? "" : "s");
        std::printf("  %.3f s per run (%lld steps), %.0f steps/s, peak RSS %.1f MB\n",
                    median_seconds, static_cast<long long>(steps), median_rate, peak_rss_mb());
      }
      return 0;
    };
  });
}

}  // namespace kenyon::cli

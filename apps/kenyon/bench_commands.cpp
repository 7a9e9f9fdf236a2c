#include <unistd.h>
#include <zlib.h>

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>

#include "commands.hpp"
#include "kenyon/connectome/loaders.hpp"
#include "kenyon/core/error.hpp"
#include "kenyon/core/progress.hpp"
#include "kenyon/core/resources.hpp"
#include "kenyon/core/rng.hpp"
#include "kenyon/data/dataset.hpp"
#include "kenyon/data/preprocess.hpp"
#include "kenyon/moth/experiment.hpp"
#include "kenyon/ratenet/actmax.hpp"
#include "kenyon/ratenet/atlas.hpp"
#include "kenyon/ratenet/inputs.hpp"
#include "kenyon/ratenet/synthetic.hpp"

namespace kenyon::cli {
namespace {

// A file shaped like FlyWire Codex's connections.csv.gz: 64-bit root ids, rows grouped by
// presynaptic neuron (as the exports are), a few neuropils and transmitters, 1 to 40
// synapses. Returns its size in bytes.
std::uintmax_t write_synthetic_codex(const std::filesystem::path& path, std::int64_t neurons,
                                     std::int64_t rows, std::uint64_t seed) {
  static const char* neuropils[] = {"AL_L", "AL_R", "MB_CA_L", "MB_CA_R", "LH_L",
                                    "LH_R", "ME_L", "ME_R",    "LO_L",    "SMP_R"};
  static const char* transmitters[] = {"ACH", "ACH", "ACH", "GABA", "GLUT", "DA", "SER", "OCT"};
  gzFile f = gzopen(path.c_str(), "wb1");
  if (!f) throw file_error(path.string(), "cannot create the file");
  rng_stream gen(seed, streams::test);
  const std::int64_t base = 720575940600000000;
  std::string buffer = "pre_root_id,post_root_id,neuropil,syn_count,nt_type\n";
  const auto per_neuron = std::max<std::int64_t>(1, rows / neurons);
  for (std::int64_t r = 0; r < rows; ++r) {
    const std::int64_t pre = std::min(r / per_neuron, neurons - 1);
    const auto post = static_cast<std::int64_t>(gen.uniform() * static_cast<double>(neurons));
    buffer += std::to_string(base + 7919 * pre) + ',' + std::to_string(base + 7919 * post) + ',' +
              neuropils[gen() % 10] + ',' + std::to_string(1 + gen() % 40) + ',' +
              transmitters[(pre * 2654435761u) % 8] + '\n';
    if (buffer.size() > (1 << 20) || r + 1 == rows) {
      if (gzwrite(f, buffer.data(), static_cast<unsigned>(buffer.size())) <= 0) {
        gzclose(f);
        throw file_error(path.string(), "cannot write the file");
      }
      buffer.clear();
    }
  }
  if (gzclose(f) != Z_OK) throw file_error(path.string(), "cannot write the file");
  return std::filesystem::file_size(path);
}

// The synthetic connectome's size and the layers, for bench net and bench atlas. Bounded so
// that a mistyped size fails at once instead of after hours or with an allocation failure:
// columns are 32-bit, and 2^36 connections need about 800 GB.
void add_synthetic_options(CLI::App* cmd, ratenet::synthetic_params& connectome, int& layers) {
  cmd->add_option("--neurons", connectome.neurons, "neurons")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{2}, std::int64_t{2147483647}));
  cmd->add_option("--connections", connectome.connections, "connections")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 36));
  cmd->add_option("--layers", layers, "unrolled layers")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
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
  cmd->add_option("--seed", p->seed, "seed of the first run")
      ->check(seed_value())
      ->capture_default_str();
  cmd->add_option("--repeats", *repeats, "runs to time (seeds seed, seed + 1, ...)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  auto test = std::make_shared<std::string>();
  cmd->add_option("--test", *test,
                  "N or all: each run also reads the first N digits of the MNIST test split "
                  "(on all cores)");
  cmd->add_flag("--json", *json, "print one JSON object");
  cmd->callback([=, &selected] {
    selected = [=] {
      const auto features = data::load_features(data::dataset_name::mnist, std::nullopt);
      std::optional<data::labelled_features> test_digits;
      if (!test->empty())
        test_digits = data::load_test_features(data::dataset_name::mnist, std::nullopt, features,
                                               test_count(*test));
      std::vector<double> run_seconds, steps_per_second, test_seconds;
      std::int64_t steps = 0;
      for (int k = 0; k < *repeats; ++k) {
        auto run = *p;
        run.seed = p->seed + static_cast<std::uint64_t>(k);
        moth::run_options options;
        options.test = test_digits ? &*test_digits : nullptr;
        const auto r = moth::run_experiment(features, run, options);
        run_seconds.push_back(r.wall_seconds);
        steps_per_second.push_back(static_cast<double>(r.steps) / r.simulate_seconds);
        if (r.test) test_seconds.push_back(r.test->seconds);
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
      if (!test_seconds.empty()) {
        std::sort(test_seconds.begin(), test_seconds.end());
        j["test_digits"] = test_digits->size();
        j["test_threads"] = omp_get_max_threads();
        j["test_seconds"] = test_seconds[test_seconds.size() / 2];
        j["test_digits_per_second"] =
            static_cast<double>(test_digits->size()) / test_seconds[test_seconds.size() / 2];
      }
      if (*json) {
        std::cout << j.dump(2) << std::endl;
      } else {
        std::printf("MothNet, %d training digits per class, %d run%s on one core (median):\n",
                    p->train_per_class, *repeats, *repeats == 1 ? "" : "s");
        std::printf("  %.3f s per run (%lld steps), %.0f steps/s, peak RSS %.1f MB\n",
                    median_seconds, static_cast<long long>(steps), median_rate, peak_rss_mb());
        if (!test_seconds.empty())
          std::printf("  test split: %zu digits in %.2f s on %d threads (%.0f digits/s)\n",
                      test_digits->size(), j["test_seconds"].get<double>(), omp_get_max_threads(),
                      j["test_digits_per_second"].get<double>());
      }
      return 0;
    };
  });

  // kenyon bench net: activation maximisation on a synthetic connectome.
  {
    auto* net_cmd = bench->add_subcommand(
        "net", "time activation maximisation on a seeded synthetic connectome");
    struct options {
      ratenet::synthetic_params connectome;
      int layers = 5;
      std::int64_t batch = 1;
      int iterations = 50;
      int threads = 0;
      int checkpoint = 0;
      bool json = false;
    };
    auto o = std::make_shared<options>();
    add_synthetic_options(net_cmd, o->connectome, o->layers);
    net_cmd->add_option("--batch", o->batch, "batch size")
        ->capture_default_str()
        ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 20));
    net_cmd->add_option("--iterations", o->iterations, "Adam iterations")
        ->capture_default_str()
        ->check(CLI::Range(1, 1000000));
    net_cmd->add_option("--threads", o->threads, "OpenMP threads (0: all cores)")
        ->capture_default_str()
        ->check(CLI::Range(0, 4096));
    net_cmd
        ->add_option("--checkpoint", o->checkpoint,
                     "keep every k-th layer and recompute the rest (0: keep all)")
        ->capture_default_str()
        ->check(CLI::Range(0, 100000));
    net_cmd->add_option("--seed", o->connectome.seed, "seed of the connectome and the input")
        ->check(seed_value())
        ->capture_default_str();
    net_cmd->add_flag("--json", o->json, "print one JSON object");
    net_cmd->callback([o, &selected] {
      selected = [o] {
        if (o->threads > 0) omp_set_num_threads(o->threads);
        check_fits_in_memory(o->batch, o->connectome.neurons, o->layers);
        const auto start = std::chrono::steady_clock::now();
        auto connectome = ratenet::make_synthetic_connectome(o->connectome);
        const auto nnz = connectome.weights.nonzeros();
        const auto matrix_mb = static_cast<double>(connectome.weights.bytes()) / (1 << 20);
        ratenet::network_params params;
        params.num_layers = o->layers;
        const ratenet::network net(std::move(connectome.weights),
                                   std::move(connectome.sensory_indices), params);
        const double build_seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

        // Input uniform in [0, 1) on the sensory neurons at time step 0 only; targets 1.0 on
        // the last two neurons at the last layer; no early stopping.
        ratenet::input_array input(o->batch, net.num_sensory(), o->layers);
        rng_stream gen(o->connectome.seed, streams::sampling);
        for (std::size_t k = 0; k < input.values.size(); k += static_cast<std::size_t>(o->layers))
          input.values[k] = static_cast<float>(gen.uniform());
        const auto last = net.size() - 1;
        const auto targets = ratenet::target_activation::same_for_all(
            {{o->layers - 1, {{last - 1, 1.0}, {last, 1.0}}}}, o->batch);
        ratenet::actmax_params am;
        am.num_iterations = o->iterations;
        am.early_stopping = false;
        am.checkpoint_interval = o->checkpoint;
        std::optional<progress_bar> bar;
        bar.emplace("bench net", static_cast<std::uint64_t>(o->iterations));
        // Fraction of neurons active (> 0) at the last layer, over every batch item.
        auto active_fraction = [&](const std::vector<float>& a) {
          std::int64_t active = 0;
          for (std::int64_t b = 0; b < input.batch; ++b)
            for (std::int64_t i = 0; i < net.size(); ++i)
              active +=
                  a[static_cast<std::size_t>((b * net.size() + i) * o->layers + o->layers - 1)] > 0;
          return static_cast<double>(active) / static_cast<double>(input.batch * net.size());
        };
        const double active_first = active_fraction(net.forward(input.view()));
        const auto t0 = std::chrono::steady_clock::now();
        const auto result = ratenet::activation_maximisation(net, targets, am, input.values, &*bar);
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        bar.reset();
        const nlohmann::json j = {
            {"benchmark", "net"},
            {"neurons", net.size()},
            {"connections", o->connectome.connections},
            {"nonzeros", nnz},
            {"layers", o->layers},
            {"batch", o->batch},
            {"iterations", result.iterations},
            {"threads", o->threads > 0 ? o->threads : omp_get_max_threads()},
            {"checkpoint", o->checkpoint},
            {"seed", o->connectome.seed},
            {"build_seconds", build_seconds},
            {"seconds", seconds},
            {"iterations_per_second", result.iterations / seconds},
            {"active_fraction_last_layer", active_first},
            {"active_fraction_last_layer_final", active_fraction(result.activations)},
            {"matrix_mb", matrix_mb},
            {"peak_rss_mb", peak_rss_mb()}};
        if (o->json) {
          std::cout << j.dump(2) << std::endl;
        } else {
          std::printf(
              "activation maximisation, %lld neurons, %lld connections, %d layers, batch %lld:\n"
              "  %d iterations in %.2f s (%.1f/s), connectome built in %.2f s\n"
              "  %.0f%% of neurons active at the last layer, peak RSS %.0f MB\n",
              static_cast<long long>(net.size()), static_cast<long long>(nnz), o->layers,
              static_cast<long long>(o->batch), result.iterations, seconds,
              result.iterations / seconds, build_seconds, 100 * active_first, peak_rss_mb());
        }
        return 0;
      };
    });
  }

  // kenyon bench atlas: the atlas's work queue on a synthetic connectome, B target sets at a
  // time; the cost per target set against B is what batching buys (the matrix is streamed
  // once per iteration for all B).
  {
    auto* atlas_cmd = bench->add_subcommand(
        "atlas",
        "time the atlas (one activation maximisation per target set) on a synthetic "
        "connectome");
    struct options {
      ratenet::synthetic_params connectome;
      int layers = 5;
      std::int64_t targets = 256;
      int group = 20;
      std::vector<std::int64_t> batches{1, 8, 32, 64};
      int iterations = 50;
      int threads = 0;
      bool json = false;
    };
    auto o = std::make_shared<options>();
    add_synthetic_options(atlas_cmd, o->connectome, o->layers);
    atlas_cmd->add_option("--targets", o->targets, "target sets (random groups at the last layer)")
        ->capture_default_str()
        ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 24));
    atlas_cmd->add_option("--group", o->group, "neurons per target set")
        ->capture_default_str()
        ->check(CLI::Range(1, 1000000));
    atlas_cmd->add_option("--batch", o->batches, "target sets at a time; several: one run each")
        ->capture_default_str()
        ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 20))
        ->delimiter(',')
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    atlas_cmd->add_option("--iterations", o->iterations, "Adam iterations per target set")
        ->capture_default_str()
        ->check(CLI::Range(1, 1000000));
    atlas_cmd->add_option("--threads", o->threads, "OpenMP threads (0: all cores)")
        ->capture_default_str()
        ->check(CLI::Range(0, 4096));
    atlas_cmd->add_option("--seed", o->connectome.seed, "seed of the connectome and the targets")
        ->check(seed_value())
        ->capture_default_str();
    atlas_cmd->add_flag("--json", o->json, "print one JSON object");
    atlas_cmd->callback([o, &selected] {
      selected = [o] {
        if (o->threads > 0) omp_set_num_threads(o->threads);
        if (o->group > o->connectome.neurons)
          throw parameter_error("--group", "more neurons per target set than --neurons");
        for (const auto b : o->batches) check_fits_in_memory(b, o->connectome.neurons, o->layers);
        const auto start = std::chrono::steady_clock::now();
        auto connectome = ratenet::make_synthetic_connectome(o->connectome);
        ratenet::network_params params;
        params.num_layers = o->layers;
        const ratenet::network net(std::move(connectome.weights),
                                   std::move(connectome.sensory_indices), params);
        const double build_seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        // Target sets: `group` distinct random neurons each, at the last layer, value 1.
        std::vector<ratenet::atlas_target> targets;
        rng_stream gen(o->connectome.seed, streams::test);
        std::uniform_int_distribution<std::int64_t> any(0, net.size() - 1);
        for (std::int64_t t = 0; t < o->targets; ++t) {
          std::set<std::int64_t> pick;
          while (static_cast<int>(pick.size()) < o->group) pick.insert(any(gen));
          targets.push_back(
              {"set" + std::to_string(t), {pick.begin(), pick.end()}, o->layers - 1, 1.0});
        }
        nlohmann::json runs = nlohmann::json::array();
        for (const auto batch : o->batches) {
          ratenet::atlas_params p;
          p.optimise.num_iterations = o->iterations;
          p.optimise.early_stopping = false;  // every set costs the same: comparable figures
          p.optimise.in_reg = p.optimise.out_reg = ratenet::l1_plus_l2_mean;
          p.batch = batch;
          std::size_t next = 0;
          std::optional<progress_bar> bar;
          if (!o->json) bar.emplace("bench atlas, batch " + std::to_string(batch), targets.size());
          const auto t0 = std::chrono::steady_clock::now();
          ratenet::optimise_atlas(net, {}, targets, p,
                                  {.next = [&]() -> std::optional<std::size_t> {
                                     if (next == targets.size()) return std::nullopt;
                                     return next++;
                                   },
                                   .done = [](ratenet::atlas_entry) {},
                                   .poll = {},
                                   .stop = {}},
                                  bar ? &*bar : nullptr);
          const double seconds =
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
          bar.reset();
          runs.push_back({{"batch", batch},
                          {"seconds", seconds},
                          {"targets_per_second", static_cast<double>(targets.size()) / seconds},
                          {"seconds_per_target", seconds / static_cast<double>(targets.size())}});
        }
        const double base = runs[0]["seconds_per_target"].get<double>();
        for (auto& r : runs)
          r["cost_relative_to_first"] = r["seconds_per_target"].get<double>() / base;
        const nlohmann::json j = {{"benchmark", "atlas"},
                                  {"neurons", net.size()},
                                  {"connections", o->connectome.connections},
                                  {"nonzeros", net.weights().nonzeros()},
                                  {"layers", o->layers},
                                  {"targets", o->targets},
                                  {"group", o->group},
                                  {"iterations", o->iterations},
                                  {"threads", o->threads > 0 ? o->threads : omp_get_max_threads()},
                                  {"seed", o->connectome.seed},
                                  {"build_seconds", build_seconds},
                                  {"runs", runs},
                                  {"peak_rss_mb", peak_rss_mb()}};
        if (o->json) {
          std::cout << j.dump(2) << std::endl;
          return 0;
        }
        std::printf(
            "atlas, %lld neurons, %lld connections, %d layers, %lld target sets of %d "
            "neurons, %d iterations each (connectome built in %.2f s):\n",
            static_cast<long long>(net.size()), static_cast<long long>(o->connectome.connections),
            o->layers, static_cast<long long>(o->targets), o->group, o->iterations, build_seconds);
        for (const auto& r : runs)
          std::printf(
              "  batch %4lld: %8.2f s, %8.3f target sets/s, %.4f s per set (%.3f x batch %lld)\n",
              static_cast<long long>(r["batch"].get<std::int64_t>()), r["seconds"].get<double>(),
              r["targets_per_second"].get<double>(), r["seconds_per_target"].get<double>(),
              r["cost_relative_to_first"].get<double>(),
              static_cast<long long>(runs[0]["batch"].get<std::int64_t>()));
        std::printf("  peak RSS %.0f MB\n", peak_rss_mb());
        return 0;
      };
    });
  }

  // kenyon bench load: reading a whole-brain FlyWire Codex connections export.
  {
    auto* load_cmd = bench->add_subcommand(
        "load", "time loading a seeded synthetic FlyWire Codex connections file (gzipped)");
    struct options {
      std::int64_t neurons = 140000, rows = 3000000;
      std::uint64_t seed = 0;
      bool json = false;
    };
    auto o = std::make_shared<options>();
    load_cmd->add_option("--neurons", o->neurons, "neurons")
        ->capture_default_str()
        ->check(CLI::Range(std::int64_t{2}, std::int64_t{1} << 31));
    load_cmd->add_option("--rows", o->rows, "connection rows (pre, post, neuropil)")
        ->capture_default_str()
        ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 40));
    load_cmd->add_option("--seed", o->seed, "seed of the synthetic file")
        ->check(seed_value())
        ->capture_default_str();
    load_cmd->add_flag("--json", o->json, "print one JSON object");
    load_cmd->callback([o, &selected] {
      selected = [o] {
        const auto dir = std::filesystem::temp_directory_path() /
                         ("kenyon_bench_load_" + std::to_string(getpid()));
        std::filesystem::create_directories(dir);
        const auto path = dir / "connections.csv.gz";
        const auto t0 = std::chrono::steady_clock::now();
        const auto bytes = write_synthetic_codex(path, o->neurons, o->rows, o->seed);
        const double write_seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const auto t1 = std::chrono::steady_clock::now();
        connectome::connectome c;
        try {
          c = connectome::load_codex(path, std::nullopt, std::nullopt);
        } catch (...) {
          std::filesystem::remove_all(dir);
          throw;
        }
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
        std::filesystem::remove_all(dir);
        const nlohmann::json j = {{"benchmark", "load"},
                                  {"format", "codex"},
                                  {"rows", o->rows},
                                  {"file_mb", static_cast<double>(bytes) / (1 << 20)},
                                  {"neurons", c.size()},
                                  {"connections", c.inprop.nonzeros()},
                                  {"seed", o->seed},
                                  {"write_seconds", write_seconds},
                                  {"seconds", seconds},
                                  {"rows_per_second", static_cast<double>(o->rows) / seconds},
                                  {"peak_rss_mb", peak_rss_mb()}};
        if (o->json) {
          std::cout << j.dump(2) << std::endl;
        } else {
          std::printf(
              "FlyWire Codex connections, %lld rows (%.0f MB gzipped): %lld neurons, "
              "%lld connections\n  loaded in %.2f s (%.2f million rows/s), peak RSS "
              "%.0f MB\n",
              static_cast<long long>(o->rows), static_cast<double>(bytes) / (1 << 20),
              static_cast<long long>(c.size()), static_cast<long long>(c.inprop.nonzeros()),
              seconds, static_cast<double>(o->rows) / seconds / 1e6, peak_rss_mb());
        }
        return 0;
      };
    });
  }
}

}  // namespace kenyon::cli

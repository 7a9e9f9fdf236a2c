// The library's rate-network operations (ratenet/results.hpp): load_model from a spec, one
// result per operation with its summary, tables, figures and write(dir); and the same
// folder as the kenyon CLI writes for the same run.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_run.hpp"
#include "kenyon/core/error.hpp"
#include "kenyon/core/npy.hpp"
#include "kenyon/ratenet/connectome_model.hpp"
#include "kenyon/ratenet/results.hpp"

namespace kenyon::ratenet {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::quote;
using test::read_text;
using testing::ElementsAre;

class results_test : public test::cli_fixture {
 protected:
  void SetUp() override {
    cli_fixture::SetUp();
    write_small_connectome();
  }

  model_spec spec(int layers = 3) const {
    model_spec s;
    s.source.connectome = (dir_ / "edges.csv").string();
    s.source.neurons = dir_ / "neurons.csv";
    s.network.num_layers = layers;
    return s;
  }

  std::string cli_args() const {
    return "--connectome " + quote((dir_ / "edges.csv").string()) + " --neurons " +
           quote((dir_ / "neurons.csv").string()) + " --layers 3 --json --plots --out ";
  }

  // The folder's files, name -> contents.
  static std::map<std::string, std::string> folder(const fs::path& dir) {
    std::map<std::string, std::string> out;
    for (const auto& e : fs::directory_iterator(dir))
      out[e.path().filename().string()] = read_text(e.path());
    return out;
  }

  // A summary without what differs from run to run, and without how the CLI was invoked
  // (the library's results do not record it).
  static json timeless(json j) {
    for (const char* k :
         {"seconds", "network_seconds", "peak_rss_mb", "iterations_per_second", "kenyon_version",
          "working_directory", "command_line", "configuration", "inputs"})
      j.erase(k);
    j["connectome"].erase("load_seconds");
    return j;
  }

  // write(dir) and the CLI give the same files (byte for byte) and the same summary.
  void expect_same_as_cli(const result_base& r, const std::string& command) {
    const auto lib = dir_ / "library", cli = dir_ / "cli";
    const auto written = r.write(lib);
    const auto run_result = run("net " + command + " " + cli_args() + quote(cli.string()));
    ASSERT_EQ(run_result.code, 0) << run_result.err;
    auto a = folder(lib), b = folder(cli);
    ASSERT_EQ(a.size(), b.size());
    for (const auto& [name, contents] : a) {
      ASSERT_TRUE(b.count(name)) << name;
      if (name != "summary.json") {
        EXPECT_EQ(contents, b[name]) << name;
      }
    }
    EXPECT_EQ(timeless(json::parse(a["summary.json"])), timeless(json::parse(b["summary.json"])));
    EXPECT_EQ(timeless(written), timeless(json::parse(run_result.out)));
  }
};

TEST_F(results_test, LoadModelBuildsTheNetworkOnTheConnectome) {
  const auto m = load_model(spec());
  EXPECT_EQ(m.conn.size(), 5);
  EXPECT_EQ(m.net.size(), 5);
  EXPECT_EQ(m.net.num_sensory(), 2);
  EXPECT_EQ(m.net.num_layers(), 3);
  EXPECT_TRUE(m.net.has_groups());

  auto s = spec();
  s.sensory = {"A", "4"};  // A and the neuron with id 4 receive the input
  EXPECT_THAT(load_model(s).net.sensory_indices(), ElementsAre(2, 3, 4));
  s.sensory = {"KC"};
  EXPECT_THROW(load_model(s), unknown_name_error);
  s.use_groups = false;
  s.sensory = {};
  EXPECT_FALSE(load_model(s).net.has_groups());
}

TEST_F(results_test, NameValuePairs) {
  EXPECT_EQ(parse_name_value("KC=0.5", "--group-bias"),
            (std::pair<std::string, double>{"KC", 0.5}));
  EXPECT_EQ(parse_name_value("a=b=2", "x").first, "a=b");
  for (const char* bad : {"KC", "=1", "KC=", "KC=x", "KC=inf"}) {
    try {
      parse_name_value(bad, "--group-bias");
      ADD_FAILURE() << bad;
    } catch (const parameter_error& e) {
      EXPECT_EQ(e.field(), "--group-bias");
    }
  }
}

TEST_F(results_test, ForwardResultSummaryTablesAndFiles) {
  const auto m = load_model(spec());
  forward_options o;
  o.input = input_from_specs(m.conn, std::vector{parse_neuron_spec("S:0=1", "--stimulus")}, 2, 3);
  o.show = {"A"};
  const auto r = run_forward(m, o);
  EXPECT_EQ(r.activations, m.net.forward({o.input.values, {2, 2, 3}}));
  EXPECT_EQ(r.shown, std::vector<std::string>{"A"});
  EXPECT_THAT(r.group_activations.columns,
              ElementsAre("batch_name", "group", "time_0", "time_1", "time_2"));
  EXPECT_EQ(r.group_activations.size(), 2u * 3u);  // (batch item, type)
  const auto s = r.summary();
  EXPECT_EQ(s["command"], "net forward");
  EXPECT_EQ(s["connectome"]["neurons"], 5);
  EXPECT_EQ(s["connectome"]["connections"], 7);
  EXPECT_EQ(s["connectome"]["sensory"], 2);
  EXPECT_EQ(s["layers"], 3);
  EXPECT_EQ(s["batch"], 2);
  EXPECT_EQ(s["input_shape"], json({2, 2, 3}));
  EXPECT_GT(s["threads"].get<int>(), 0);
  ASSERT_EQ(r.lines.size(), 2u);
  EXPECT_THAT(r.lines[1], testing::StartsWith("  A, mean activation per layer"));
  EXPECT_TRUE(r.figures.empty()) << "figures only when asked for";

  const auto written = r.write(dir_ / "out");
  EXPECT_EQ(written["outputs"],
            json({"input.npy", "activations.npy", "group_activations.csv", "summary.json"}));
  EXPECT_EQ(read_npy(dir_ / "out" / "activations.npy").values<float>(), r.activations);
  EXPECT_EQ(read_text(dir_ / "out" / "group_activations.csv"), r.group_activations.to_csv());
}

TEST_F(results_test, ForwardWritesWhatTheCliWrites) {
  const auto m = load_model(spec());
  forward_options o;
  o.input = input_from_specs(m.conn, std::vector{parse_neuron_spec("S:0=1", "--stimulus")}, 1, 3);
  o.figures = true;
  expect_same_as_cli(run_forward(m, o), "forward --stimulus S:0=1");
}

TEST_F(results_test, MaximiseResultAndTheCli) {
  const auto m = load_model(spec());
  maximise_options o;
  o.targets = {parse_neuron_spec("B:2=1", "--target")};
  o.params.num_iterations = 5;
  o.params.in_reg = o.params.out_reg = l1_plus_l2_mean;  // the CLI's --reg mean
  o.figures = true;
  const auto r = run_maximise(m, o);
  EXPECT_EQ(r.targets.targets.size(), 1u);
  EXPECT_EQ(r.optimised.iterations, 5);
  EXPECT_EQ(r.losses.size(), 5u);
  ASSERT_EQ(r.target_values.size(), 1u);
  EXPECT_EQ(std::get<std::string>(r.target_values.at(0, "type")), "B");
  const auto s = r.summary();
  EXPECT_EQ(s["iterations"], 5);
  EXPECT_EQ(s["targets"], 1);
  EXPECT_EQ(s["target_loss_end"].get<double>(), r.target_loss_end);
  EXPECT_EQ(s["closer_to_targets"], r.target_loss_end < r.target_loss_start);
  std::vector<std::string> names;
  for (const auto& f : r.files()) names.push_back(f.first);
  EXPECT_THAT(names,
              ElementsAre("optimised_input.npy", "activations.npy", "losses.csv", "targets.csv",
                          "loss.svg", "optimised_input.svg", "target_timeseries.svg"));
  expect_same_as_cli(r, "maximise --target B:2=1 --iterations 5");
}

TEST_F(results_test, GuessSaliencyGradientsAndPathsWriteWhatTheCliWrites) {
  const auto m = load_model(spec());
  const auto input =
      input_from_specs(m.conn, std::vector{parse_neuron_spec("S:0=1", "--stimulus")}, 1, 3);
  const std::vector targets{parse_neuron_spec("B:2", "--target")};
  {
    guess_options o;
    o.targets = targets;
    o.figures = true;
    const auto r = run_guess(m, o);
    EXPECT_EQ(r.summary()["targets"], 1);
    expect_same_as_cli(r, "guess --target B:2");
  }
  {
    saliency_options o;
    o.input = input;
    o.targets = targets;
    o.figures = true;
    const auto r = run_saliency(m, o);
    EXPECT_EQ(r.summary()["method"], "vanilla");
    EXPECT_EQ(r.map.size(), input.values.size());
    expect_same_as_cli(r, "saliency --stimulus S:0=1 --target B:2");
  }
  {
    gradients_options o;
    o.input = input;
    o.targets = targets;
    o.monitor = {"A"};
    o.figures = true;
    const auto r = run_gradients(m, o);
    EXPECT_EQ(r.summary()["rows"], 1);
    expect_same_as_cli(r, "gradients --stimulus S:0=1 --target B:2 --monitor A");
  }
  {
    paths_options o;
    o.input = input;
    const auto r = run_paths(m, o);
    EXPECT_EQ(r.summary()["edges"], r.paths.size());
    ASSERT_EQ(r.items.size(), 1u);
    EXPECT_FALSE(r.items[0].ngl);
    expect_same_as_cli(r, "paths --stimulus S:0=1");
  }
}

TEST_F(results_test, TrainResultAndTheCli) {
  auto m = load_model(spec());
  train_options o;
  o.input = input_from_specs(m.conn,
                             std::vector{parse_neuron_spec("S:0=1", "--stimulus"),
                                         parse_neuron_spec("1/1:1=0.5", "--stimulus")},
                             4, 3);
  write_npy(dir_ / "input.npy", {4, 2, 3}, o.input.values.data());
  write("targets.csv", "batch,neuron_idx,layer,value\n0,2,1,0.3\n1,3,2,0.1\n2,4,1,0.6\n");
  o.targets = read_training_targets_csv(dir_ / "targets.csv");
  o.params.num_epochs = 4;
  o.params.seed = 0;  // the CLI's --seed default
  o.figures = true;
  const auto r = run_train(m, o);
  const auto s = r.summary();
  EXPECT_EQ(s["command"], "net train");
  EXPECT_EQ(s["epochs"], 4);
  EXPECT_EQ(s["loss"], "mse");
  EXPECT_EQ(s["train_items"].get<std::size_t>() + s["validation_items"].get<std::size_t>(), 4u);
  EXPECT_THAT(r.parameters.columns, ElementsAre("group", "slope", "bias", "tau"));
  EXPECT_EQ(r.parameters.size(), 3u);  // A, B, S
  EXPECT_EQ(r.history.size(), 4u);
  expect_same_as_cli(r, "train --input " + quote((dir_ / "input.npy").string()) + " --targets " +
                            quote((dir_ / "targets.csv").string()) + " --epochs 4");
}

}  // namespace
}  // namespace kenyon::ratenet

// The kenyon CLI on a numerical failure: exit code 3, the location on stderr (with --json)
// or as the last terminal line, "status": "non_finite" with the report in the summary, and
// the results it has written under --out all the same.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_run.hpp"
#include "kenyon/connectome/loaders.hpp"
#include "kenyon/core/npy.hpp"
#include "kenyon/ratenet/connectome_model.hpp"
#include "require.hpp"

namespace {

namespace fs = std::filesystem;
using kenyon::test::quote;
using nlohmann::json;
using testing::HasSubstr;

class numeric_cli_test : public kenyon::test::cli_fixture {
 protected:
  void SetUp() override {
    cli_fixture::SetUp();
    KENYON_REQUIRE(!kenyon::test::cli_path.empty() && fs::exists(kenyon::test::cli_path),
                   "kenyon CLI not built");
    write_small_connectome();
  }

  // Linear units with slope 1e20: the sensory drive reaches 1e20 at layer 0 and overflows
  // float at layer 1.
  std::string overflowing(const std::string& sub, const std::string& extra,
                          const std::string& slope = "1e20") {
    return "net " + sub + " --connectome " + quote((dir_ / "edges.csv").string()) + " --neurons " +
           quote((dir_ / "neurons.csv").string()) + " --layers 4 --kind linear --tau 1 --slope " +
           slope + " " + extra;
  }

  // The same network through the library: where its forward pass first overflows.
  kenyon::non_finite_report library_report() {
    const auto c = kenyon::connectome::load_edge_list(dir_ / "edges.csv", dir_ / "neurons.csv");
    kenyon::ratenet::network_params p;
    p.kind = kenyon::ratenet::network_kind::linear;
    p.num_layers = 4;
    p.tanh_steepness = 1e20;
    p.tau = 1;
    const auto net = kenyon::ratenet::make_network(c, p);
    std::vector<float> input(2 * 4, 0.0f), a(5 * 4);
    input[0] = input[4] = 1.0f;  // S:0=1, both sensory neurons at step 0
    const auto r = net.forward({input, {1, 2, 4}}, {}, a);
    EXPECT_TRUE(r);
    return r.value_or(kenyon::non_finite_report{});
  }
};

TEST_F(numeric_cli_test, ForwardExitsThreeNamingLayerAndNeuron) {
  const auto expected = library_report();
  EXPECT_EQ(expected.layer, 1);
  const auto out = dir_ / "out";
  auto r = run(overflowing("forward", "--stimulus S:0=1 --json --out " + quote(out.string())));
  EXPECT_EQ(r.code, 3) << r.err;
  const auto j = json::parse(r.out);
  EXPECT_EQ(j["status"], "non_finite");
  EXPECT_EQ(j["non_finite"]["where"], "forward");
  EXPECT_EQ(j["non_finite"]["layer"], expected.layer);
  EXPECT_EQ(j["non_finite"]["neuron"], expected.neuron);
  EXPECT_EQ(j["non_finite"]["batch"], 0);
  EXPECT_EQ(j["non_finite"]["cell_type"], expected.cell_type);
  EXPECT_THAT(r.err, HasSubstr("kenyon: numerical failure: " + expected.message()));
  // What it has is written: the activations and a summary with the status.
  EXPECT_TRUE(fs::exists(out / "activations.npy"));
  EXPECT_EQ(json::parse(kenyon::test::read_text(out / "summary.json"))["status"], "non_finite");

  // Without --json the last line before the timing says it.
  r = run(overflowing("forward", "--stimulus S:0=1"));
  EXPECT_EQ(r.code, 3);
  EXPECT_THAT(r.out, HasSubstr("numerical failure: " + expected.message()));

  // A finite run exits 0 with status ok.
  r = run(overflowing("forward", "--stimulus S:0=1 --json", "1"));
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["status"], "ok");
}

TEST_F(numeric_cli_test, MaximiseStopsAtTheFirstIteration) {
  const auto expected = library_report();
  const auto out = dir_ / "out";
  const auto r = run(overflowing(
      "maximise", "--target A:3=1 --iterations 10 --quiet --json --out " + quote(out.string())));
  EXPECT_EQ(r.code, 3) << r.err;
  const auto j = json::parse(r.out);
  EXPECT_EQ(j["status"], "non_finite");
  EXPECT_EQ(j["iterations"], 0);
  EXPECT_EQ(j["non_finite"]["where"], "actmax");
  EXPECT_EQ(j["non_finite"]["step"], 0);
  EXPECT_EQ(j["non_finite"]["layer"], expected.layer);
  EXPECT_EQ(j["non_finite"]["neuron"], expected.neuron);
  EXPECT_THAT(r.err, HasSubstr("kenyon: numerical failure: actmax: state at iteration 0, layer 1"));
  EXPECT_TRUE(fs::exists(out / "losses.csv"));
}

TEST_F(numeric_cli_test, TrainingWithOverflowingTargetsCountsSkippedUpdates) {
  std::vector<float> input(4 * 2 * 3, 0.5f);
  kenyon::write_npy(dir_ / "train.npy", {4, 2, 3}, input.data());
  // 1e200 is a finite double but an infinite float: the loss overflows at every epoch.
  write("targets.csv", "batch,neuron_idx,layer,value\n0,2,1,1e200\n1,3,2,0.1\n2,4,1,0.6\n");
  const auto r = run("net train --connectome " + quote((dir_ / "edges.csv").string()) +
                     " --neurons " + quote((dir_ / "neurons.csv").string()) + " --input " +
                     quote((dir_ / "train.npy").string()) + " --targets " +
                     quote((dir_ / "targets.csv").string()) +
                     " --layers 3 --epochs 4 --train-fraction 1 --quiet --json");
  EXPECT_EQ(r.code, 3) << r.err;
  const auto j = json::parse(r.out);
  EXPECT_EQ(j["status"], "non_finite");
  EXPECT_EQ(j["skipped_steps"], 4);
  EXPECT_EQ(j["non_finite"]["quantity"], "loss");
  EXPECT_EQ(j["non_finite"]["step"], 0);
  EXPECT_THAT(r.err, HasSubstr("kenyon: numerical failure: train: loss at epoch 0 is inf"));
}

TEST_F(numeric_cli_test, SaliencyAndGradientsExitThree) {
  const auto expected = library_report();
  for (const std::string sub : {"saliency", "gradients --monitor A"}) {
    const auto r = run(overflowing(sub, "--stimulus S:0=1 --target B:3 --json"));
    EXPECT_EQ(r.code, 3) << sub << r.err;
    const auto j = json::parse(r.out);
    EXPECT_EQ(j["status"], "non_finite") << sub;
    EXPECT_EQ(j["non_finite"]["layer"], expected.layer) << sub;
    EXPECT_EQ(j["non_finite"]["neuron"], expected.neuron) << sub;
  }
}

TEST_F(numeric_cli_test, HelpDocumentsExitCodeThree) {
  const auto r = run("--help");
  EXPECT_EQ(r.code, 0);
  EXPECT_THAT(r.out, HasSubstr("3 numerical failure"));
}

}  // namespace

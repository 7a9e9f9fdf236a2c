// End-to-end tests of `kenyon net`: the built binary on a small connectome written by the
// test (outputs compared with the library called directly) and on the shipped larva and
// visual-system connectomes; config files; bad input (exit 2, one line naming the file,
// row and column, nothing under --out).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli_run.hpp"
#include "kenyon/connectome/loaders.hpp"
#include "kenyon/core/npy.hpp"
#include "kenyon/core/table.hpp"
#include "kenyon/ratenet/activation_summary.hpp"
#include "kenyon/ratenet/actmax.hpp"
#include "kenyon/ratenet/attribution.hpp"
#include "kenyon/ratenet/connectome_model.hpp"
#include "kenyon/ratenet/guess.hpp"
#include "kenyon/ratenet/neuroglancer.hpp"
#include "kenyon/ratenet/path_tables.hpp"
#include "kenyon/ratenet/train.hpp"
#include "require.hpp"

namespace {

namespace fs = std::filesystem;
using kenyon::test::quote;
using nlohmann::json;
using testing::HasSubstr;

#define REQUIRE_CLI()                                                                     \
  do {                                                                                    \
    KENYON_REQUIRE(!kenyon::test::cli_path.empty() && fs::exists(kenyon::test::cli_path), \
                   "kenyon CLI not built");                                               \
  } while (0)

class net_cli_test : public kenyon::test::cli_fixture {
 protected:
  void SetUp() override {
    cli_fixture::SetUp();
    write_small_connectome();
  }

  std::string small(const std::string& sub, const std::string& extra) {
    return "net " + sub + " --connectome " + quote((dir_ / "edges.csv").string()) + " --neurons " +
           quote((dir_ / "neurons.csv").string()) + " " + extra;
  }

  kenyon::connectome::connectome load_small() {
    return kenyon::connectome::load_edge_list(dir_ / "edges.csv", dir_ / "neurons.csv");
  }

  static json parse(const kenyon::test::cli_result& r) {
    json j;
    EXPECT_NO_THROW(j = json::parse(r.out)) << r.out << r.err;
    return j;
  }

  // Bad input: exit code 2, one line on stderr containing every piece, no --out folder.
  void expect_bad_input(const std::string& args, const std::vector<std::string>& pieces) {
    const auto out = dir_ / "rejected";
    const auto r = run(args + " --out " + quote(out.string()));
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_THAT(r.err, HasSubstr("kenyon: error: "));
    for (const auto& p : pieces) EXPECT_THAT(r.err, HasSubstr(p));
    EXPECT_FALSE(fs::exists(out)) << "nothing may be written under --out";
  }
};

std::vector<float> read_floats(const fs::path& p, std::vector<std::int64_t> shape) {
  const auto a = kenyon::read_npy(p);
  EXPECT_EQ(a.shape, shape) << p;
  return a.values<float>();
}

TEST_F(net_cli_test, ForwardMatchesTheLibrary) {
  REQUIRE_CLI();
  const auto out = dir_ / "out";
  const auto r = run(small("forward",
                           "--stimulus S:0=1 --stimulus 1/1:1=0.5 --batch 2 --layers 3 "
                           "--tau 2 --json --plots --out " +
                               quote(out.string())));
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = parse(r);
  EXPECT_EQ(j["connectome"]["neurons"], 5);
  EXPECT_EQ(j["connectome"]["connections"], 7);

  const auto c = load_small();
  kenyon::ratenet::network_params p;
  p.num_layers = 3;
  p.tau = 2;
  const auto net = kenyon::ratenet::make_network(c, p);
  std::vector<float> input(2 * 2 * 3, 0.0f);
  input[0 * 3 + 0] = 1;           // batch 0, sensory 1 (id 1), step 0
  input[1 * 3 + 0] = 1;           // batch 0, id 2, step 0
  input[(2 + 0) * 3 + 1] = 0.5f;  // batch 1, id 1, step 1
  EXPECT_EQ(read_floats(out / "input.npy", {2, 2, 3}), input);
  const auto expected = net.forward({input, {2, 2, 3}});
  EXPECT_EQ(read_floats(out / "activations.npy", {2, 5, 3}), expected);
  EXPECT_TRUE(fs::exists(out / "group_activations.csv"));
  EXPECT_TRUE(fs::exists(out / "timeseries_0.svg"));
  EXPECT_TRUE(fs::exists(out / "summary.json"));
}

TEST_F(net_cli_test, SensoryNeuronsCanBeChosen) {
  REQUIRE_CLI();
  const auto out = dir_ / "out";
  // A and the neuron with id 4 (type B) receive the input instead of the S neurons.
  const auto r = run(small("forward",
                           "--sensory A --sensory 4 --stimulus A:0=1 --layers 2 "
                           "--json --out " +
                               quote(out.string())));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(parse(r)["connectome"]["sensory"], 3);
  const auto input = read_floats(out / "input.npy", {1, 3, 2});
  EXPECT_EQ(input, (std::vector<float>{1, 0, 0, 0, 1, 0}));  // neurons 3 (A), 4 (B), 5 (A)
  expect_bad_input(small("forward", "--sensory KC --stimulus S:0=1"), {"KC"});
}

TEST_F(net_cli_test, GuessAndSaliencyMatchTheLibrary) {
  REQUIRE_CLI();
  const auto c = load_small();
  kenyon::ratenet::network_params p;
  p.num_layers = 3;
  const auto net = kenyon::ratenet::make_network(c, p);

  const auto out = dir_ / "guess";
  auto r = run(small("guess", "--target B:2=1 --layers 3 --out " + quote(out.string())));
  ASSERT_EQ(r.code, 0) << r.err;
  const auto t = kenyon::ratenet::target_activation::same_for_all({{2, {{3, 1.0}}}});  // B: 3
  const auto guess =
      kenyon::ratenet::guess_optimal_stimulus(c.inprop, net.sensory_indices(), c.neurons.sign, t);
  EXPECT_EQ(read_floats(out / "guess.npy", guess.shape()), guess.values);

  const auto out2 = dir_ / "saliency";
  r = run(
      small("saliency", "--stimulus S:0=1 --target B:2 --layers 3 --out " + quote(out2.string())));
  ASSERT_EQ(r.code, 0) << r.err;
  std::vector<float> input(2 * 3, 0.0f);
  input[0] = input[3] = 1;
  const auto map = kenyon::ratenet::saliency(
      net, {input, {1, 2, 3}}, kenyon::ratenet::target_activation::same_for_all({{2, {{3, 1.0}}}}));
  EXPECT_EQ(read_floats(out2 / "saliency.npy", {1, 2, 3}), map);
}

TEST_F(net_cli_test, PathsGradientsAndTrainingMatchTheLibrary) {
  REQUIRE_CLI();
  const auto c = load_small();
  kenyon::ratenet::network_params p;
  p.num_layers = 3;
  p.tau = 1;
  auto net = kenyon::ratenet::make_network(c, p);
  std::vector<float> input(2 * 3, 0.0f);
  input[0] = input[3] = 1;  // both S neurons at step 0
  const std::vector<std::int64_t> shape{1, 2, 3};

  // Path tables, neuron by neuron, with the neuroglancer state of the activated path.
  const auto paths = dir_ / "paths";
  auto r = run(small(
      "paths", "--stimulus S:0=1 --layers 3 --tau 1 --by-neuron --out " + quote(paths.string())));
  ASSERT_EQ(r.code, 0) << r.err;
  const auto act = net.forward({input, shape});
  const auto table = kenyon::ratenet::activations_to_df(c.inprop, {input, {2, 3}}, {act, {5, 3}},
                                                        net.sensory_indices());
  EXPECT_EQ(kenyon::test::read_text(paths / "paths.csv"), table.to_csv());
  const auto state = json::parse(kenyon::test::read_text(paths / "neuroglancer.json"));
  ASSERT_TRUE(state["layers"].is_array());
  EXPECT_EQ(state["layers"][0]["segments"], json::array({"1", "2"}));  // the S neurons' ids
  EXPECT_THAT(kenyon::test::read_text(paths / "ngl.csv"), HasSubstr("neuron_id,layer,activation"));
  // Two batch items: one batched path table, and per item the path activations and the
  // neuroglancer state (the second item stimulates only the neuron with id 2; with a
  // threshold only active neurons count).
  const auto two = dir_ / "two";
  r = run(small("paths",
                "--stimulus S:0=1 --stimulus 1/2:0=1 --batch 2 --layers 3 --tau 1 "
                "--by-neuron --activation-threshold 0.5 --out " +
                    quote(two.string())));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(kenyon::test::read_text(two / "paths.csv"), HasSubstr(",batch\n"));
  for (const char* f : {"path_activations_0.csv", "path_activations_1.csv", "ngl_0.csv",
                        "neuroglancer_0.json", "neuroglancer_1.json"})
    EXPECT_TRUE(fs::exists(two / f)) << f;
  const auto second = json::parse(kenyon::test::read_text(two / "neuroglancer_1.json"));
  EXPECT_EQ(second["layers"][0]["segments"], json::array({"2"}));

  // Gradients of B's activity with respect to the A neurons.
  const auto grads = dir_ / "gradients";
  r = run(small("gradients",
                "--stimulus S:0=1 --layers 3 --tau 1 --target B:2 --monitor A "
                "--plots --out " +
                    quote(grads.string())));
  ASSERT_EQ(r.code, 0) << r.err;
  kenyon::ratenet::gradient_params gp;
  gp.monitor = {std::string("A")};
  gp.targets.add(std::nullopt, 2, net.members(std::string("B")), 1);
  EXPECT_EQ(kenyon::test::read_text(grads / "gradients.csv"),
            kenyon::ratenet::get_gradients(net, {input, shape}, gp).to_table().to_csv());
  EXPECT_TRUE(fs::exists(grads / "gradients.svg"));

  // Fitting per-type parameters to recorded activity (here: the network's own, shifted).
  std::vector<float> train_input(4 * 2 * 3, 0.0f);
  for (int b = 0; b < 4; ++b)
    train_input[static_cast<std::size_t>(b * 6 + (b % 2) * 3)] = 0.5f + 0.1f * b;
  kenyon::write_npy(dir_ / "train.npy", {4, 2, 3}, train_input.data());
  write("targets.csv",
        "batch,neuron_idx,layer,value\n0,2,1,0.3\n1,3,2,0.1\n2,4,1,0.6\n3,2,2,0.2\n");
  // The same targets with neurons named by type and id (A = neurons 2 and 4; B is id 4).
  write("named.csv", "batch,neuron,layer,value\n0,3,1,0.3\n1,B,2,0.1\n2,5,1,0.6\n3,3,2,0.2\n");
  const auto trained = dir_ / "train";
  r = run(small("train", "--input " + quote((dir_ / "train.npy").string()) + " --targets " +
                             quote((dir_ / "targets.csv").string()) +
                             " --layers 3 --tau 1 --epochs 5 --seed 3 --plots --out " +
                             quote(trained.string())));
  ASSERT_EQ(r.code, 0) << r.err;
  kenyon::ratenet::train_params tp;
  tp.num_epochs = 5;
  tp.seed = 3;
  const auto targets = kenyon::ratenet::read_training_targets_csv(dir_ / "targets.csv");
  const auto result = kenyon::ratenet::train_model(net, {train_input, {4, 2, 3}}, targets, tp);
  const auto history = kenyon::test::read_text(trained / "history.csv");
  EXPECT_EQ(std::count(history.begin(), history.end(), '\n'), 1 + 5);
  const auto params = kenyon::test::read_text(trained / "parameters.csv");
  EXPECT_EQ(std::count(params.begin(), params.end(), '\n'), 1 + 3);  // groups A, B, S
  // Written as every table is (core/table.hpp): the float's shortest round-trip digits.
  const auto slope_a =
      "A," + kenyon::format_cell(kenyon::float_cell(result.parameters.slope[0])) + ",";
  EXPECT_THAT(params, HasSubstr(slope_a));
  EXPECT_TRUE(fs::exists(trained / "loss.svg"));
  const auto named = dir_ / "named";
  r = run(small("train", "--input " + quote((dir_ / "train.npy").string()) + " --targets " +
                             quote((dir_ / "named.csv").string()) +
                             " --layers 3 --tau 1 --epochs 5 --seed 3 --out " +
                             quote(named.string())));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(kenyon::test::read_text(named / "parameters.csv"), params);
  write("unknown.csv", "batch,neuron,layer,value\n0,3,1,0.3\n1,KC,2,0.1\n");
  expect_bad_input(
      small("train", "--input " + quote((dir_ / "train.npy").string()) + " --targets " +
                         quote((dir_ / "unknown.csv").string()) + " --layers 3"),
      {"unknown.csv:3", "column 'neuron'", "KC"});
}

TEST_F(net_cli_test, ForwardOnTheVisualSystemPlotsActivityByColumn) {
  REQUIRE_CLI();
  const auto out = dir_ / "out";
  const auto r =
      run("net forward --connectome flyvis --stimulus R1:0=1 --stimulus R2:0=1 "
          "--layers 4 --show L1 --show Mi1 --plots --out " +
          quote(out.string()));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("L1, mean activation per layer"));
  const auto columns = kenyon::test::read_text(out / "activity_by_column.csv");
  EXPECT_THAT(columns, HasSubstr("normalised_column,cell_group,time_point,activation,time_step"));
  // 721 columns x 4 layers for each of the two types.
  EXPECT_EQ(std::count(columns.begin(), columns.end(), '\n'), 1 + 2 * 721 * 4);
  for (const char* f : {"activity_by_column_L1.svg", "activity_by_column_Mi1.svg", "timeseries.svg",
                        "activations.npy"})
    EXPECT_TRUE(fs::exists(out / f)) << f;
}

// --target without a batch item sets it in every batch item; with one, in that item only.
TEST_F(net_cli_test, TargetsWithoutBatchItemApplyToEveryItem) {
  REQUIRE_CLI();
  const auto out = dir_ / "out";
  auto r = run(small("maximise",
                     "--batch 3 --target B:2=0.5 --target 1/A:1 --layers 3 "
                     "--iterations 2 --json --out " +
                         quote(out.string())));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(parse(r)["targets"], 3 + 2);  // B in items 0, 1 and 2; both A neurons in item 1
  const auto t = kenyon::read_table_csv(out / "targets.csv");
  std::vector<std::int64_t> b_items;
  for (std::size_t k = 0; k < t.size(); ++k)
    if (std::get<std::string>(t.at(k, "type")) == "B")
      b_items.push_back(std::get<std::int64_t>(t.at(k, "batch")));
  EXPECT_THAT(b_items, testing::ElementsAre(0, 1, 2));
  // The library agrees.
  const auto c = load_small();
  const std::vector specs{kenyon::ratenet::parse_neuron_spec("B:2=0.5"),
                          kenyon::ratenet::parse_neuron_spec("1/A:1")};
  EXPECT_EQ(kenyon::ratenet::resolve_targets(c, specs, 3, 3).per_item().size(), 5u);
}

TEST_F(net_cli_test, MaximiseTheLarvaMushroomBodyOutput) {
  REQUIRE_CLI();
  const auto out = dir_ / "out";
  const auto r =
      run("net maximise --connectome larva --target MBON:5=1.0 --layers 6 "
          "--iterations 25 --json --plots --out " +
          quote(out.string()));
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = parse(r);
  EXPECT_EQ(j["connectome"]["neurons"], 2952);
  EXPECT_GT(j["connectome"]["load_seconds"].get<double>(), 0.0);
  EXPECT_GT(j["iterations_per_second"].get<double>(), 0.0);
  EXPECT_GT(j["peak_rss_mb"].get<double>(), 0.0);
  EXPECT_LT(j["target_loss_end"].get<double>(), j["target_loss_start"].get<double>());
  const auto sensory = j["connectome"]["sensory"].get<std::int64_t>();
  read_floats(out / "optimised_input.npy", {1, sensory, 6});
  read_floats(out / "activations.npy", {1, 2952, 6});
  // One row per MBON, with its type.
  const auto targets = kenyon::test::read_text(out / "targets.csv");
  EXPECT_EQ(std::count(targets.begin(), targets.end(), '\n'), 1 + 48);
  for (const char* f : {"losses.csv", "loss.svg", "optimised_input.svg", "target_timeseries.svg"})
    EXPECT_TRUE(fs::exists(out / f)) << f;
}

// The larva's sensory neurons are typed by modality; the class name "sensory" still
// stimulates all 430, a type only its own neurons.
TEST_F(net_cli_test, LarvaStimuliByClassAndByModality) {
  REQUIRE_CLI();
  const auto count_ones = [](const std::vector<float>& v) {
    return std::count(v.begin(), v.end(), 1.0f);
  };
  const auto out = dir_ / "out";
  auto r = run("net forward --connectome larva --stimulus sensory:0=1 --layers 2 --json --out " +
               quote(out.string()));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(parse(r)["connectome"]["sensory"], 430);
  EXPECT_EQ(count_ones(read_floats(out / "input.npy", {1, 430, 2})), 430);

  const auto orn = dir_ / "orn";
  r =
      run("net forward --connectome larva --stimulus ORN:0=1 --stimulus photoRh5:0=1 --layers 2 "
          "--out " +
          quote(orn.string()));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(count_ones(read_floats(orn / "input.npy", {1, 430, 2})), 42 + 10);

  // A class for the sensory neurons and for a per-type value.
  const auto pn = dir_ / "pn";
  r = run("net forward --connectome larva --sensory PN --stimulus PN:0=1 --layers 2 --out " +
          quote(pn.string()));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(count_ones(read_floats(pn / "input.npy", {1, 206, 2})), 206);

  expect_bad_input("net forward --connectome larva --stimulus sensry:0=1 --layers 2",
                   {"sensry", "class"});
}

// A user's neuron table with a class column: classes select neurons on the command line.
TEST_F(net_cli_test, ClassColumnOfAUserTable) {
  REQUIRE_CLI();
  write("classes.csv",
        "id,type,class,sign,sensory\n1,S1,input,1,true\n2,S2,input,1,true\n3,A,middle,1,false\n"
        "4,B,middle,-1,false\n5,A,middle,1,false\n");
  const auto with_classes = [&](const std::string& extra) {
    return "net forward --connectome " + quote((dir_ / "edges.csv").string()) + " --neurons " +
           quote((dir_ / "classes.csv").string()) + " " + extra;
  };
  const auto out = dir_ / "out";
  const auto r = run(with_classes("--stimulus input:0=1 --layers 2 --out " + quote(out.string())));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(read_floats(out / "input.npy", {1, 2, 2}), (std::vector<float>{1, 0, 1, 0}));
  expect_bad_input(with_classes("--stimulus nothing:0=1 --layers 2"), {"nothing"});
}

TEST_F(net_cli_test, MaximiseTheExpandedVisualSystem) {
  REQUIRE_CLI();
  // The OFF-edge motion detectors T5a, three synapses from the photoreceptors.
  const auto r =
      run("net maximise --connectome flyvis --target T5a:5=1.0 --layers 6 "
          "--iterations 30 --no-early-stopping --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = parse(r);
  EXPECT_EQ(j["connectome"]["neurons"], 45669);
  EXPECT_EQ(j["connectome"]["connections"], 1513231);
  EXPECT_EQ(j["iterations"], 30);
  EXPECT_EQ(j["targets"], 721);
  EXPECT_LT(j["target_loss_end"].get<double>(), j["target_loss_start"].get<double>());
}

TEST_F(net_cli_test, MaximiseStartsFromAFileOrTheLinearGuess) {
  REQUIRE_CLI();
  const auto c = load_small();
  kenyon::ratenet::network_params p;
  p.num_layers = 3;
  const auto net = kenyon::ratenet::make_network(c, p);
  const auto targets =
      kenyon::ratenet::target_activation::same_for_all({{2, {{3, 1.0}}}});  // B at layer 2
  const std::vector<float> start{0.2f, 0.7f, 0.0f, 0.9f, 0.1f, 0.4f};
  kenyon::write_npy(dir_ / "start.npy", {1, 2, 3}, start.data());
  auto r = run(small("maximise", "--target B:2 --layers 3 --iterations 3 --json --init " +
                                     quote((dir_ / "start.npy").string())));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NEAR(parse(r)["target_loss_start"].get<double>(),
              kenyon::ratenet::target_loss(net, targets, net.forward({start, {1, 2, 3}})), 1e-7);

  r = run(small("maximise", "--target B:2 --layers 3 --iterations 3 --json --init guess"));
  ASSERT_EQ(r.code, 0) << r.err;
  // The guess, scaled to a largest magnitude of 1, is where the optimisation starts.
  auto guess = kenyon::ratenet::guess_optimal_stimulus(c.inprop, net.sensory_indices(),
                                                       c.neurons.sign, targets);
  float largest = 0;
  for (float v : guess.values) largest = std::max(largest, std::abs(v));
  ASSERT_GT(largest, 0.0f);
  std::vector<float> scaled(6, 0.0f);
  for (std::int64_t j = 0; j < 2; ++j)
    for (std::int64_t s = 0; s < guess.steps; ++s)
      scaled[static_cast<std::size_t>(j * 3 + s)] = guess.at(0, j, s) / largest;
  EXPECT_NEAR(parse(r)["target_loss_start"].get<double>(),
              kenyon::ratenet::target_loss(net, targets, net.forward({scaled, {1, 2, 3}})), 1e-7);
}

TEST_F(net_cli_test, OptionsFromTomlAndJsonConfigs) {
  REQUIRE_CLI();
  const auto toml = write("run.toml",
                          "target = [\"B:2=1\"]\nlayers = 3\niterations = 4\n"
                          "no_early_stopping = true\n");
  auto r = run(small("maximise", "--config " + quote(toml.string()) + " --json"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(parse(r)["iterations"], 4);
  // The command line wins over the file.
  r = run(small("maximise", "--config " + quote(toml.string()) + " --iterations 2 --json"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(parse(r)["iterations"], 2);

  const auto js = write("run.json", R"({"target": "B:2=1", "layers": 3, "iterations": 3,
                                        "no-early-stopping": true})");
  r = run(small("maximise", "--config " + quote(js.string()) + " --json"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(parse(r)["iterations"], 3);

  const auto bad = write("bad.toml", "layers = 3\niteratoins = 4\n");
  expect_bad_input(small("maximise", "--target B:2 --config " + quote(bad.string())),
                   {"bad.toml", "iteratoins"});
}

TEST_F(net_cli_test, BadConnectomeFilesNameFileRowAndColumn) {
  REQUIRE_CLI();
  const auto neurons = quote((dir_ / "neurons.csv").string());
  auto edges = [&](const std::string& name, const std::string& text) {
    return "net forward --stimulus S:0 --connectome " + quote(write(name, text).string()) +
           " --neurons " + neurons;
  };
  expect_bad_input(edges("no_weight.csv", "pre,post\n1,3\n"), {"no_weight.csv", "syn_count"});
  expect_bad_input(edges("text_weight.csv", "pre,post,syn_count\n1,3,4\n2,3,abc\n"),
                   {"text_weight.csv", ":3", "syn_count", "abc"});
  expect_bad_input(edges("stranger.csv", "pre,post,syn_count\n1,3,4\n1,99,1\n"),
                   {"stranger.csv", ":3", "post", "99"});
  write("dup.csv", "id,type,sensory\n1,S,true\n2,S,true\n1,A,false\n");
  expect_bad_input("net forward --stimulus S:0 --connectome " +
                       quote((dir_ / "edges.csv").string()) + " --neurons " +
                       quote((dir_ / "dup.csv").string()),
                   {"dup.csv", ":4", "id", "1"});
  write("broken.csv.gz", std::string("\x1f\x8b\x08\x00garbage", 12));
  expect_bad_input("net forward --stimulus S:0 --connectome " +
                       quote((dir_ / "broken.csv.gz").string()) + " --neurons " + neurons,
                   {"broken.csv.gz", "gzip"});
}

TEST_F(net_cli_test, BadTargetsAndInputs) {
  REQUIRE_CLI();
  expect_bad_input(small("maximise", "--target KC:1=1 --layers 3"), {"KC"});
  expect_bad_input(small("maximise", "--target B:7=1 --layers 3"), {"layer 7"});
  expect_bad_input(small("maximise", "--target B=1 --layers 3"), {"--target", "B=1"});
  expect_bad_input(small("forward", "--stimulus A:0=1 --layers 3"), {"A", "sensory"});
  expect_bad_input("net maximise --connectome nowhere --target B:1", {"nowhere", "larva"});
  const std::vector<float> wrong(5, 0.0f);
  kenyon::write_npy(dir_ / "wrong.npy", {1, 5}, wrong.data());
  expect_bad_input(small("forward", "--input " + quote((dir_ / "wrong.npy").string())),
                   {"wrong.npy", "sensory"});
}

}  // namespace

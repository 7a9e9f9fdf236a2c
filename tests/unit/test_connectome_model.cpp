// The connectome value type and rate networks on it: signed weights from neuron and
// connection signs, selectors (type, pattern, id), target and stimulus specs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>

#include <vector>

#include "kenyon/connectome/connectome.hpp"
#include "kenyon/core/error.hpp"
#include "kenyon/ratenet/connectome_model.hpp"

namespace {

using kenyon::connectome::connectome;
using testing::ElementsAre;
using testing::HasSubstr;

// Four neurons: two sensory S (ids 10, 11), one excitatory MBON-a (12), one inhibitory
// APL (13). inprop (pre rows): 10->12 0.5, 11->12 0.25, 13->12 0.25, 12->13 1.
connectome small() {
  connectome c;
  c.name = "small";
  c.neurons.add(10, "S", 1, true);
  c.neurons.add(11, "S", 1, true);
  c.neurons.add(12, "MBON-a", 1, false);
  c.neurons.add(13, "APL", -1, false);
  const std::vector<std::int64_t> pre{0, 1, 3, 2}, post{2, 2, 2, 3};
  const std::vector<float> w{0.5f, 0.25f, 0.25f, 1.0f};
  c.inprop = kenyon::sparse::from_triplets(4, 4, pre, post, w);
  return c;
}

float entry(const kenyon::sparse::csr_matrix& m, std::int64_t r, std::int64_t col) {
  for (auto k = m.row_begin[static_cast<std::size_t>(r)];
       k < m.row_begin[static_cast<std::size_t>(r) + 1]; ++k)
    if (m.col[static_cast<std::size_t>(k)] == col) return m.value[static_cast<std::size_t>(k)];
  return 0;
}

TEST(connectome_model, SignedWeightsAreTransposedAndSignedByPresynapticNeuron) {
  const auto c = small();
  c.validate();
  const auto w = c.signed_weights();  // post rows
  EXPECT_FLOAT_EQ(entry(w, 2, 0), 0.5f);
  EXPECT_FLOAT_EQ(entry(w, 2, 1), 0.25f);
  EXPECT_FLOAT_EQ(entry(w, 2, 3), -0.25f);  // from the inhibitory APL
  EXPECT_FLOAT_EQ(entry(w, 3, 2), 1.0f);
}

TEST(connectome_model, ConnectionSignsOverrideNeuronSigns) {
  auto c = small();
  // CSR order of inprop (pre rows): (0,2), (1,2), (2,3), (3,2).
  c.edge_sign = {1, -1, -1, 1};
  c.validate();
  const auto w = c.signed_weights();
  EXPECT_FLOAT_EQ(entry(w, 2, 1), -0.25f);
  EXPECT_FLOAT_EQ(entry(w, 3, 2), -1.0f);
  EXPECT_FLOAT_EQ(entry(w, 2, 3), 0.25f);
  c.edge_sign.pop_back();
  EXPECT_THROW(c.validate(), kenyon::error);
}

TEST(connectome_model, ValidateRejectsDuplicatesAndNegativeWeights) {
  auto c = small();
  c.neurons.id[1] = 10;
  EXPECT_THAT([&] { c.validate(); },
              testing::ThrowsMessage<kenyon::error>(HasSubstr("id 10 appears more than once")));
  c = small();
  c.inprop.value[0] = -1;
  EXPECT_THROW(c.validate(), kenyon::error);
}

TEST(connectome_model, SelectByTypePatternAndId) {
  const auto c = small();
  EXPECT_THAT(c.select("S"), ElementsAre(0, 1));
  EXPECT_THAT(c.select("MBON*"), ElementsAre(2));
  EXPECT_THAT(c.select("13"), ElementsAre(3));
  EXPECT_THAT([&] { c.select("KC"); }, testing::ThrowsMessage<kenyon::error>(HasSubstr("'KC'")));
  EXPECT_THROW(c.select("99"), kenyon::error);
  EXPECT_THAT(c.sensory_indices(), ElementsAre(0, 1));
}

TEST(connectome_model, ParsesNeuronSpecs) {
  auto s = kenyon::ratenet::parse_neuron_spec("MBON:5=1.5");
  EXPECT_EQ(s.selector, "MBON");
  EXPECT_EQ(s.step, 5);
  EXPECT_EQ(s.value, 1.5);
  EXPECT_FALSE(s.batch.has_value());  // every batch item (targets)
  s = kenyon::ratenet::parse_neuron_spec("2/720575940624000000:3");
  EXPECT_EQ(s.batch, std::optional<std::int64_t>(2));
  EXPECT_EQ(s.selector, "720575940624000000");
  EXPECT_EQ(s.value, 1.0);
  s = kenyon::ratenet::parse_neuron_spec("KCa'b'-ap1:0=-0.5");  // types may hold odd characters
  EXPECT_EQ(s.selector, "KCa'b'-ap1");
  EXPECT_EQ(s.value, -0.5);
  for (const char* bad : {"MBON", "MBON:x=1", "MBON:-1", ":3", "MBON:3=abc", "MBON:3=nan"})
    EXPECT_THAT([&] { kenyon::ratenet::parse_neuron_spec(bad, "--target"); },
                testing::ThrowsMessage<kenyon::parameter_error>(HasSubstr("--target")))
        << bad;
}

TEST(connectome_model, ResolvesTargetsAndStimuli) {
  const auto c = small();
  const std::vector<kenyon::ratenet::neuron_spec> targets{{0, "S", 1, 0.5}, {1, "13", 2, 1.0}};
  const auto t = kenyon::ratenet::resolve_targets(c, targets, 3, 2);
  ASSERT_EQ(t.targets.size(), 3u);
  EXPECT_EQ(t.targets[0].neuron, 0);
  EXPECT_EQ(t.targets[1].neuron, 1);
  EXPECT_EQ(t.targets[2].neuron, 3);
  EXPECT_EQ(t.targets[2].batch, 1);
  EXPECT_EQ(t.targets[2].layer, 2);
  EXPECT_THROW(kenyon::ratenet::resolve_targets(c, targets, 2, 2), kenyon::error);  // layer 2
  EXPECT_THROW(kenyon::ratenet::resolve_targets(c, targets, 3, 1), kenyon::error);  // batch 1

  const std::vector<kenyon::ratenet::neuron_spec> stimuli{{0, "S", 0, 1.0}, {1, "11", 2, 0.5}};
  const auto in = kenyon::ratenet::input_from_specs(c, stimuli, 2, 3);
  EXPECT_EQ(in.shape(), (std::vector<std::int64_t>{2, 2, 3}));
  EXPECT_EQ(in.at(0, 0, 0), 1.0f);
  EXPECT_EQ(in.at(0, 1, 0), 1.0f);
  EXPECT_EQ(in.at(1, 1, 2), 0.5f);
  float sum = 0;
  for (float v : in.values) sum += v;
  EXPECT_FLOAT_EQ(sum, 2.5f);
  const std::vector<kenyon::ratenet::neuron_spec> not_sensory{{0, "APL", 0, 1.0}};
  EXPECT_THAT([&] { kenyon::ratenet::input_from_specs(c, not_sensory, 1, 3); },
              testing::ThrowsMessage<kenyon::error>(HasSubstr("no sensory neuron")));
}

// A target without a batch item applies to every batch item, as a dict target does in
// connectome_interpreter's TargetActivation; a stimulus without one goes to item 0.
TEST(connectome_model, SpecsWithoutBatchItem) {
  const auto c = small();
  const std::vector targets{kenyon::ratenet::parse_neuron_spec("S:1=0.5"),
                            kenyon::ratenet::parse_neuron_spec("1/13:2")};
  const auto resolved = kenyon::ratenet::resolve_targets(c, targets, 3, 3);
  ASSERT_EQ(resolved.targets.size(), 3u);  // S's two neurons without a batch item, then 13's
  EXPECT_FALSE(resolved.targets[0].batch.has_value());
  EXPECT_EQ(resolved.targets[2].batch, std::optional<std::int64_t>(1));
  // Per item: item 0 has the S neurons, item 1 also neuron 13 (id), item 2 the S neurons.
  const auto t = resolved.per_item();
  ASSERT_EQ(t.size(), 2u * 3u + 1u);
  const std::vector<std::int64_t> batch{0, 0, 1, 1, 1, 2, 2}, neuron{0, 1, 0, 1, 3, 0, 1};
  for (std::size_t k = 0; k < t.size(); ++k) {
    EXPECT_EQ(t[k].batch, std::optional<std::int64_t>(batch[k])) << k;
    EXPECT_EQ(t[k].neuron, neuron[k]) << k;
  }
  EXPECT_EQ(t[0].value, 0.5);
  EXPECT_EQ(t[4].layer, 2);

  const std::vector stimuli{kenyon::ratenet::parse_neuron_spec("S:0", "--stimulus")};
  const auto in = kenyon::ratenet::input_from_specs(c, stimuli, 2, 3);
  EXPECT_EQ(in.at(0, 0, 0), 1.0f);
  EXPECT_EQ(in.at(1, 0, 0), 0.0f);
}

TEST(connectome_model, NetworkUsesCellTypesAsGroups) {
  const auto c = small();
  kenyon::ratenet::network_params p;
  p.num_layers = 2;
  p.slope_by_group["APL"] = 2.0;
  const auto net = kenyon::ratenet::make_network(c, p);
  EXPECT_EQ(net.size(), 4);
  EXPECT_EQ(net.num_sensory(), 2);
  EXPECT_THAT(net.groups(), ElementsAre("APL", "MBON-a", "S"));
  EXPECT_FLOAT_EQ(net.neuron_slope()[3], 2.0f);
  const auto plain = kenyon::ratenet::make_network(c, p, false);
  EXPECT_FALSE(plain.has_groups());
  auto none = c;
  none.neurons.sensory.assign(4, 0);
  EXPECT_THROW(kenyon::ratenet::make_network(none, p), kenyon::error);
}

}  // namespace

namespace {

// small() with classes above the types: the two S neurons are types ORN and photo of class
// sensory, MBON-a is of class MBON, the APL has no class.
connectome small_with_classes() {
  auto c = small();
  c.neurons.type = {"ORN", "photo", "MBON-a", "APL"};
  c.neurons.cell_class = {"sensory", "sensory", "MBON", ""};
  c.validate();
  return c;
}

TEST(connectome_model, ClassNamesSelectNeuronsAndSetPerTypeValues) {
  using kenyon::ratenet::neuron_key;
  const auto c = small_with_classes();
  kenyon::ratenet::network_params p;
  p.num_layers = 2;
  p.slope_by_group = {{"sensory", 3.0}, {"photo", 4.0}};  // the type's own value wins
  p.tau_by_group = {{"MBON", 7.0}};
  const auto net = kenyon::ratenet::make_network(c, p);
  EXPECT_THAT(net.groups(), ElementsAre("APL", "MBON-a", "ORN", "photo"));
  EXPECT_FLOAT_EQ(net.neuron_slope()[0], 3.0f);
  EXPECT_FLOAT_EQ(net.neuron_slope()[1], 4.0f);
  EXPECT_FLOAT_EQ(net.neuron_slope()[2], 5.0f);  // the default
  EXPECT_FLOAT_EQ(net.neuron_tau()[2], 7.0f);

  // members(): a group, else a class; unknown names are still unknown_name_error.
  EXPECT_THAT(net.members(neuron_key{std::string("sensory")}), ElementsAre(0, 1));
  EXPECT_THAT(net.members(neuron_key{std::string("ORN")}), ElementsAre(0));
  EXPECT_THAT(net.members(neuron_key{std::string("MBON")}), ElementsAre(2));
  EXPECT_THROW(net.members(neuron_key{std::string("KC")}), kenyon::unknown_name_error);
  EXPECT_THROW(net.members(neuron_key{std::string("")}), kenyon::unknown_name_error);
  // Targets and stimuli by class, as the command line writes them.
  const std::vector specs{kenyon::ratenet::parse_neuron_spec("MBON:1=0.5")};
  const auto t = kenyon::ratenet::resolve_targets(c, specs, 2);
  ASSERT_EQ(t.per_item().size(), 1u);
  const std::vector stimuli{kenyon::ratenet::parse_neuron_spec("sensory:0=1", "--stimulus")};
  const auto in = kenyon::ratenet::input_from_specs(c, stimuli, 1, 2);
  EXPECT_THAT(in.values, ElementsAre(1, 0, 1, 0));

  // Without classes the class names are unknown, as before.
  const auto bare = kenyon::ratenet::make_network(small(), p);
  EXPECT_FALSE(bare.params().idx_to_class.has_value());
  EXPECT_THROW(bare.members(neuron_key{std::string("sensory")}), kenyon::unknown_name_error);
  // idx_to_class must have one entry per neuron.
  auto wrong = p;
  wrong.idx_to_group = c.idx_to_group();
  wrong.idx_to_class = std::vector<std::string>{"sensory"};
  EXPECT_THROW(kenyon::ratenet::network(c.signed_weights(), c.sensory_indices(), wrong),
               kenyon::parameter_error);
}

}  // namespace

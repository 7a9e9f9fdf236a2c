// The rate networks' forward pass against connectome_interpreter 2.10.0 (PyTorch 1.13.1,
// CPU, float32): every forward case of the reference manifest, on the fixed random
// 300-neuron connectome in tests/data/connectome_interpreter (see the README there).
// Tolerance: |ours - reference| <= 1e-6 + 1e-4 |reference|, the float32-port tolerance the
// reference README states.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "kenyon/core/npy.hpp"
#include "kenyon/ratenet/network.hpp"
#include "kenyon/sparse/csr.hpp"
#include "reference_case.hpp"

namespace kenyon::ratenet {
namespace {

const std::filesystem::path dir =
    std::filesystem::path(KENYON_TEST_DATA_DIR) / "connectome_interpreter";

struct reference_data {
  sparse::csr_matrix weights;
  std::vector<std::int64_t> sensory;
  std::vector<std::string> idx_to_group;
  npy_array x3, x2, xneg;
};

const reference_data& data() {
  static const reference_data d{test::reference_weights(), test::reference_sensory(),
                                test::reference_groups(),  test::reference_npy("X3"),
                                test::reference_npy("X2"), test::reference_npy("Xneg")};
  return d;
}

// The harness's GROUP_CFG (with_layers sets the depth of each case).
network_params group_config() { return test::grouped_params(); }

// (batch, sensory, steps) of a 2-D (sensory, steps) or 3-D input.
std::vector<std::int64_t> shape_of(const npy_array& x) {
  if (x.shape.size() == 2) return {1, x.shape[0], x.shape[1]};
  return x.shape;
}

void expect_matches(const std::vector<float>& ours, const std::string& file) {
  const auto ref = read_npy(dir / file);
  const auto expected = ref.values<float>();
  ASSERT_EQ(ours.size(), expected.size()) << file;
  std::size_t bad = 0, worst = 0;
  double worst_excess = 0;
  for (std::size_t k = 0; k < ours.size(); ++k) {
    const double e = expected[k], a = ours[k];
    const double excess = std::abs(a - e) - (1e-6 + 1e-4 * std::abs(e));
    if (!(excess <= 0)) {
      ++bad;
      if (!(excess <= worst_excess)) worst_excess = excess, worst = k;
    }
  }
  EXPECT_EQ(bad, 0u) << file << ": " << bad << " of " << ours.size()
                     << " values outside tolerance; worst at flat index " << worst << ": ours "
                     << ours[worst] << ", reference " << expected[worst];
}

// A case run on X3, X2 (batch 1, a 2-D input in the original) and Xneg.
void run_case(const std::string& name, const network_params& params,
              const activation_function<float>& activation = {}) {
  const network net(data().weights, data().sensory, params, activation);
  const std::map<std::string, const npy_array*> inputs{
      {"Y3", &data().x3}, {"Y2", &data().x2}, {"Yneg", &data().xneg}};
  for (const auto& [out, x] : inputs) {
    SCOPED_TRACE(name + "_" + out);
    const auto values = x->values<float>();
    expect_matches(net.forward({values, shape_of(*x)}), name + "_" + out + ".npy");
  }
}

network_params with_layers(network_params p, int layers = 6) {
  p.num_layers = layers;
  return p;
}

TEST(ratenet_reference, fwd_default) { run_case("fwd_default", with_layers({})); }

TEST(ratenet_reference, fwd_default_tau1) {
  network_params p = with_layers({});
  p.tau = 1;
  run_case("fwd_default_tau1", p);
}

TEST(ratenet_reference, fwd_thr_slope) {
  network_params p = with_layers({});
  p.threshold = 0.2;
  p.tanh_steepness = 2.5;
  p.default_bias = 0.05;
  p.tau = 3;
  run_case("fwd_thr_slope", p);
}

TEST(ratenet_reference, fwd_groups) { run_case("fwd_groups", with_layers(group_config())); }

TEST(ratenet_reference, lin_default) {
  network_params p = with_layers({});
  p.kind = network_kind::linear;
  p.tanh_steepness = 1.0;
  p.tau = 2;
  run_case("lin_default", p);
}

TEST(ratenet_reference, lin_groups) {
  network_params p = with_layers(group_config());
  p.kind = network_kind::linear;
  p.tanh_steepness = 0.5;
  run_case("lin_groups", p);
}

TEST(ratenet_reference, fwd_legacy) {
  network_params p = with_layers({});
  p.tau = 0.5;
  run_case("fwd_legacy", p, legacy_activation<float>);
}

TEST(ratenet_reference, fwd_legacy_linear) {
  network_params p = with_layers({});
  p.tau = 0.5;
  p.tanh_steepness = 0.5;
  run_case("fwd_legacy_linear", p, legacy_activation_linear<float>);
}

TEST(ratenet_reference, fwd_one_layer) {
  const network net(data().weights, data().sensory, with_layers({}, 1));
  const auto& x = data().x3;
  const auto values = x.values<float>();
  const std::vector<std::int64_t> full = shape_of(x);
  std::vector<float> first;  // X3[:, :, :1]
  for (std::int64_t b = 0; b < full[0]; ++b)
    for (std::int64_t j = 0; j < full[1]; ++j)
      first.push_back(values[static_cast<std::size_t>((b * full[1] + j) * full[2])]);
  expect_matches(net.forward({first, {full[0], full[1], 1}}), "fwd_one_layer_Y.npy");
}

TEST(ratenet_reference, fwd_manip_flat) {
  const network net(data().weights, data().sensory, with_layers({}));
  const target_activation m{
      {{std::nullopt, 1, 50, 1.0}, {std::nullopt, 1, 51, 0.0}, {std::nullopt, 3, 120, 0.7}}, 1};
  const auto values = data().x3.values<float>();
  expect_matches(net.forward({values, shape_of(data().x3)}, m), "fwd_manip_flat_Y3.npy");
}

TEST(ratenet_reference, fwd_manip_batch_groups) {
  const network net(data().weights, data().sensory, with_layers(group_config()));
  target_activation m;
  m.add(0, 0, net.members(std::string("G2")), 1.0);
  m.add(2, 2, net.members(std::string("G4")), 0.0);
  m.add(2, 2, net.members(std::string("S1")), 0.9);
  m.add(2, 4, net.members(std::string("G8")), 0.5);
  const auto values = data().x3.values<float>();
  expect_matches(net.forward({values, shape_of(data().x3)}, m), "fwd_manip_batch_groups_Y3.npy");
}

// The harness's fwd_checkpoint_equivalence: recording with checkpoints gives the same
// activations, bit for bit.
TEST(ratenet_reference, checkpointed_record_matches_forward) {
  const network net(data().weights, data().sensory, with_layers(group_config()));
  const auto values = data().x3.values<float>();
  const auto shape = shape_of(data().x3);
  const auto plain = net.forward({values, shape});
  EXPECT_EQ(net.record({values, shape}).activations(), plain);
  for (int k : {1, 2, 4}) {
    std::vector<float> acts(plain.size());
    net.record({values, shape}, {}, {.checkpoint_interval = k}, acts);
    EXPECT_EQ(acts, plain) << "checkpoint interval " << k;
  }
}

}  // namespace
}  // namespace kenyon::ratenet

#pragma once
// Loading connectome_interpreter's reference cases (tests/data/connectome_interpreter) for
// the rate-network tests: the 300-neuron connectome and the model configurations.
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "kenyon/core/npy.hpp"
#include "kenyon/ratenet/network.hpp"
#include "kenyon/sparse/csr.hpp"
#include "messages.hpp"

namespace kenyon::test {

inline std::filesystem::path reference_dir() {
  return std::filesystem::path(KENYON_TEST_DATA_DIR) / "connectome_interpreter";
}

inline npy_array reference_npy(const std::string& name) {
  return read_npy(reference_dir() / (name + ".npy"));
}

inline std::vector<float> reference_floats(const std::string& name) {
  return reference_npy(name).values<float>();
}

inline sparse::csr_matrix reference_weights() {
  const auto row = reference_npy("W_row").values<std::int64_t>();
  const auto col = reference_npy("W_col").values<std::int64_t>();
  const auto val = reference_npy("W_val").values<float>();
  return sparse::from_triplets(300, 300, row, col, val);
}

// Unsigned input proportions, presynaptic neurons in rows.
inline sparse::csr_matrix reference_inprop() {
  const auto row = reference_npy("inprop_row").values<std::int64_t>();
  const auto col = reference_npy("inprop_col").values<std::int64_t>();
  const auto val = reference_npy("inprop_val").values<float>();
  return sparse::from_triplets(300, 300, row, col, val);
}

inline std::vector<int> reference_signs() {
  std::ifstream in(reference_dir() / "idx_to_sign.json");
  const auto j = nlohmann::json::parse(in);
  std::vector<int> signs(300, 0);
  for (const auto& [key, value] : j.items()) signs.at(std::stoul(key)) = value.get<int>();
  return signs;
}

inline std::vector<std::int64_t> reference_sensory() {
  return reference_npy("sensory_indices").values<std::int64_t>();
}

inline std::vector<std::string> reference_groups() {
  std::ifstream in(reference_dir() / "idx_to_group.json");
  const auto j = nlohmann::json::parse(in);
  std::vector<std::string> groups(300);
  for (const auto& [key, value] : j.items()) groups.at(std::stoul(key)) = value.get<std::string>();
  return groups;
}

// The manifest's shared grouped configuration (GROUP_CFG of the reference script).
inline ratenet::network_params grouped_params(int layers = 6) {
  ratenet::network_params p;
  p.num_layers = layers;
  p.idx_to_group = reference_groups();
  p.default_bias = 0.02;
  p.bias_by_group = {{"G0", 0.1}, {"G4", -0.05}};
  p.slope_by_group = {{"G2", 2.0}, {"G6", 8.0}};
  p.tau = 4;
  p.tau_by_group = {{"G3", 1.0}, {"G5", 20.0}, {"S0", 0.5}};
  p.divisive_normalization = {{"G1", {"G3"}}, {"G7", {"G5", "G6"}}};
  p.divisive_strength_by_group = {{"G1", 2.0}, {"G7", 0.5}};
  return p;
}

// |a - b| <= atol + rtol |b| everywhere, as numpy.allclose; returns the first failure.
inline std::string allclose(const std::vector<float>& a, const std::vector<float>& b, double rtol,
                            double atol) {
  if (a.size() != b.size())
    return "sizes differ: " + std::to_string(a.size()) + " vs " + std::to_string(b.size());
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!(std::abs(double(a[i]) - b[i]) <= atol + rtol * std::abs(double(b[i]))))
      return "index " + std::to_string(i) + ": " + std::to_string(a[i]) + " vs reference " +
             std::to_string(b[i]);
  return "";
}

}  // namespace kenyon::test

// neuPrint adjacency exports (connectome/loaders.hpp load_neuprint). Input: the ROI
// connection table, then optionally "%%" and the neuron table.
#include <optional>

#include "fuzz_common.hpp"
#include "kenyon/connectome/loaders.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kenyon;
  const auto parts = fuzz::split_parts(data, size, 2);
  const auto adjacency = fuzz::write_file("adjacency.csv", parts[0]);
  std::optional<std::filesystem::path> neurons;
  if (parts.size() > 1) neurons = fuzz::write_file("neurons.csv", parts[1]);
  fuzz::run_expecting_kenyon_errors([&] { connectome::load_neuprint(adjacency, neurons); });
  return fuzz::run_expecting_kenyon_errors(
      [&] { connectome::load_neuprint(adjacency, neurons, {.neuropils = {"MB(R)"}}); });
}

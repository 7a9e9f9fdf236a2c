// Edge-list CSVs with an optional neuron table (connectome/loaders.hpp load_edge_list).
// Input: the edge list, then optionally a line "%%" and the neuron table.
#include <optional>

#include "fuzz_common.hpp"
#include "kenyon/connectome/loaders.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kenyon;
  const auto parts = fuzz::split_parts(data, size, 2);
  const auto edges = fuzz::write_file("edges.csv", parts[0]);
  std::optional<std::filesystem::path> neurons;
  if (parts.size() > 1) neurons = fuzz::write_file("neurons.csv", parts[1]);
  fuzz::run_expecting_kenyon_errors([&] { connectome::load_edge_list(edges, neurons); });
  // Counts as given, a threshold: the other weighting path.
  return fuzz::run_expecting_kenyon_errors([&] {
    connectome::load_edge_list(edges, neurons, {.min_synapses = 2, .input_proportion = false});
  });
}

// FlyWire Codex exports (connectome/loaders.hpp load_codex). Input: the connections table,
// then optionally "%%" and the classification table, then optionally "%%" and the neurons
// table (an empty part means that table is absent).
#include <optional>

#include "fuzz_common.hpp"
#include "kenyon/connectome/loaders.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kenyon;
  const auto parts = fuzz::split_parts(data, size, 3);
  const auto connections = fuzz::write_file("connections.csv", parts[0]);
  std::optional<std::filesystem::path> classification, neurons;
  if (parts.size() > 1 && !parts[1].empty())
    classification = fuzz::write_file("classification.csv", parts[1]);
  if (parts.size() > 2 && !parts[2].empty()) neurons = fuzz::write_file("neurons.csv", parts[2]);
  return fuzz::run_expecting_kenyon_errors(
      [&] { connectome::load_codex(connections, classification, neurons); });
}

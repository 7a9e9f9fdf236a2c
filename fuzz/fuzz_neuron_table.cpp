// Neuron table CSVs (connectome/loaders.hpp read_neuron_table), plain or gzipped.
#include "fuzz_common.hpp"
#include "kenyon/connectome/loaders.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kenyon;
  const auto path = fuzz::write_file("neurons.csv", {reinterpret_cast<const char*>(data), size});
  return fuzz::run_expecting_kenyon_errors([&] { connectome::read_neuron_table(path); });
}

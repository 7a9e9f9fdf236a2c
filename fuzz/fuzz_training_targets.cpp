// Training-target tables (ratenet/train.hpp read_training_targets_csv), with neuron names
// resolved against a small connectome.
#include <string>

#include "kenyon/ratenet/train.hpp"
#include "small_connectome.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kenyon;
  const auto& c = fuzz::small_connectome();
  const auto path = fuzz::write_file("targets.csv", {reinterpret_cast<const char*>(data), size});
  fuzz::run_expecting_kenyon_errors([&] { ratenet::read_training_targets_csv(path); });
  return fuzz::run_expecting_kenyon_errors([&] {
    ratenet::read_training_targets_csv(path, [&](const std::string& s) { return c.select(s); });
  });
}

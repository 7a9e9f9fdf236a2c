// Target and stimulus specifications ([batch/]TYPE-or-ID:STEP[=VALUE], ratenet
// parse_neuron_spec), one per line, then resolved against a small connectome as targets
// (3 layers, batch 2) and as stimuli (batch 2, 4 steps).
#include <string>
#include <vector>

#include "kenyon/ratenet/connectome_model.hpp"
#include "small_connectome.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kenyon;
  const auto& c = fuzz::small_connectome();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<ratenet::neuron_spec> specs;
  while (!text.empty() && specs.size() < 16) {
    const auto eol = text.find('\n');
    const auto line = text.substr(0, eol);
    fuzz::run_expecting_kenyon_errors(
        [&] { specs.push_back(ratenet::parse_neuron_spec(line, "--target")); });
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
  }
  fuzz::run_expecting_kenyon_errors([&] { ratenet::resolve_targets(c, specs, 3, 2); });
  return fuzz::run_expecting_kenyon_errors([&] { ratenet::input_from_specs(c, specs, 2, 4); });
}

// The saved states that --resume reads (core/checkpoint.hpp, ratenet/checkpoint.hpp,
// moth/experiment.hpp): a JSON file read as the CLI reads it, then taken as an activation
// maximisation state, a training state and a finished sweep run.
#include "fuzz_common.hpp"
#include "kenyon/core/checkpoint.hpp"
#include "kenyon/moth/experiment.hpp"
#include "kenyon/ratenet/checkpoint.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kenyon;
  const auto path =
      fuzz::write_file("checkpoint.json", {reinterpret_cast<const char*>(data), size});
  fuzz::run_expecting_kenyon_errors([&] {
    const auto j = read_json_file(path);
    const auto& state = j.is_object() && j.contains("state") ? j["state"] : j;
    fuzz::run_expecting_kenyon_errors([&] { ratenet::actmax_state_from_json(state); });
    fuzz::run_expecting_kenyon_errors([&] { ratenet::train_state_from_json(state); });
    fuzz::run_expecting_kenyon_errors([&] { moth::sweep_run_from_json(j); });
  });
  return 0;
}

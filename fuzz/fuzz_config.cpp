// TOML and JSON configuration files (apps/kenyon/config_file.cpp: read_config through
// expand_config, the CLI's one entry to it), against a small command with options of each
// kind the real ones have: a number, a string, a repeatable string, a flag.
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "commands.hpp"
#include "fuzz_common.hpp"

namespace {

struct app_holder {
  CLI::App app{"kenyon"};
  int steps = 0;
  std::string connectome;
  std::vector<std::string> targets;
  bool verbose = false;
  app_holder() {
    auto* net = app.add_subcommand("net");
    auto* maximise = net->add_subcommand("maximise");
    maximise->add_option("--steps", steps);
    maximise->add_option("--connectome", connectome);
    maximise->add_option("--target", targets);
    maximise->add_flag("--verbose", verbose);
    maximise->add_option("--config");
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kenyon;
  static app_holder holder;
  const auto path = fuzz::write_file("config", {reinterpret_cast<const char*>(data), size});
  return fuzz::run_expecting_kenyon_errors([&] {
    cli::expand_config(holder.app, {"kenyon", "net", "maximise", "--config", path.string()});
  });
}

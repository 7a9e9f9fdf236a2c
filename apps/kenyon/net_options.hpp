#pragma once
// What the kenyon net subcommands share (net_commands.cpp): where the connectome comes from,
// the model, the optimiser of activation maximisation, the outputs; so that every net
// subcommand, net atlas (atlas_commands.cpp) too, takes the same options and prints and
// writes its result the same way.
#include <CLI/CLI.hpp>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "commands.hpp"
#include "kenyon/core/progress.hpp"
#include "kenyon/core/resources.hpp"
#include "kenyon/ratenet/connectome_model.hpp"
#include "kenyon/ratenet/results.hpp"
#include "provenance.hpp"

namespace kenyon::cli {

// Options every net subcommand takes: where the connectome comes from, the model, outputs.
struct common_options {
  std::string connectome, neurons, classification, format = "auto";
  double min_synapses = 0;
  std::vector<std::string> neuropils, transmitter_signs, sensory;
  int default_sign = 1;
  bool raw_weights = false;

  ratenet::network_params model;
  std::string kind = "multilayered";
  bool no_groups = false;
  std::vector<std::string> group_slope, group_bias, group_tau;

  std::string out;
  bool json = false, plots = false, quiet = false;
  int threads = 0;
  std::uint64_t seed = 0;
  const CLI::App* cmd = nullptr;  // the subcommand, for the provenance of its results

  bool figures() const { return plots && !out.empty(); }
};

void add_common_options(CLI::App* cmd, common_options& o);
// The model the options describe; threads set. Throws what ratenet::load_model throws, and
// unknown_name_error for a --group-* name that is not a cell type.
ratenet::model load_model(const common_options& o);
// A progress bar, drawn unless --quiet or --json.
std::unique_ptr<progress_bar> make_bar(const common_options& o, const std::string& label,
                                       std::uint64_t total);

// Activation maximisation's options, shared by net maximise and net atlas.
struct optimiser_options {
  ratenet::actmax_params am;
  bool no_early_stopping = false;
  std::string reg = "mean";
  // The parameters with the seed, early stopping and the regularisers applied.
  ratenet::actmax_params params(std::uint64_t seed) const;
};
void add_optimiser_options(CLI::App* cmd, optimiser_options& o);

// kenyon net atlas and kenyon net atlas-merge.
void add_atlas_commands(CLI::App* net, command& selected);

// Prints the result (its JSON summary, or the terminal lines) and writes it under --out;
// a numerical failure (the last line, or on stderr with --json) exits with 3.
template <class result_type>
int finish(const common_options& o, result_type&& r) {
  r.provenance = provenance(*o.cmd);
  const auto s = o.out.empty() ? r.summary() : r.write(o.out);
  const int code = r.non_finite ? exit_numerical_failure : 0;
  if (o.json) {
    std::cout << s.dump(2) << std::endl;
    if (r.non_finite)
      std::fprintf(stderr, "kenyon: numerical failure: %s\n", r.non_finite->message().c_str());
    return code;
  }
  const auto& i = r.info;
  std::printf("connectome %s: %lld neurons, %lld connections, %lld sensory, loaded in %.2f s\n",
              i.connectome.c_str(), static_cast<long long>(i.neurons),
              static_cast<long long>(i.connections), static_cast<long long>(i.sensory),
              i.load_seconds);
  for (const auto& line : r.lines) std::printf("%s\n", line.c_str());
  std::printf("%s in %.2f s, peak memory %.0f MB\n", i.command.substr(4).c_str(), i.seconds,
              peak_rss_mb());
  if (!o.out.empty()) std::printf("results in %s\n", o.out.c_str());
  return code;
}

}  // namespace kenyon::cli

// kenyon rerun FILE: runs again the command that wrote a result file (a summary.json or
// results.json records its command line after config files were expanded), so that the
// same version gives the same numbers.
#include <cstdio>
#include <filesystem>
#include <memory>

#include "commands.hpp"
#include "kenyon/core/checkpoint.hpp"
#include "kenyon/core/error.hpp"
#include "provenance.hpp"

namespace kenyon::cli {
namespace {

// The recorded arguments without --resume and, if `out` is given, with --out DIR instead
// of the original's.
std::vector<std::string> rerun_arguments(const std::vector<std::string>& recorded,
                                         const std::string& out) {
  std::vector<std::string> args;
  for (std::size_t k = 0; k < recorded.size(); ++k) {
    const auto& a = recorded[k];
    if (a == "--resume") continue;
    if (!out.empty()) {
      if (a == "--out" || a == "-o") {
        ++k;  // and its value
        continue;
      }
      if (a.starts_with("--out=")) continue;
    }
    args.push_back(a);
  }
  if (!out.empty()) {
    args.push_back("--out");
    args.push_back(out);
  }
  return args;
}

}  // namespace

void add_rerun_command(CLI::App& app, command& selected) {
  auto* cmd = app.add_subcommand(
      "rerun", "run again the command that wrote a results.json or summary.json, exactly");
  auto file = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  cmd->add_option("file", *file, "the result file (results.json or summary.json)")->required();
  cmd->add_option("--out,-o", *out, "write into this folder instead of the original --out");
  cmd->callback([file, out, &selected] {
    selected = [file, out] {
      const auto j = read_json_file(*file);
      if (!j.is_object() || !j.contains("command_line") || !j["command_line"].is_array())
        throw file_error(*file,
                         "records no command line to run again (not written by kenyon's "
                         "command-line tool)");
      // Relative paths in the command line are read from its working directory; a new
      // --out from here.
      std::error_code ec;
      const auto new_out =
          out->empty() ? std::string() : std::filesystem::absolute(*out, ec).string();
      if (j.contains("working_directory") && j["working_directory"].is_string()) {
        const std::string wd = j["working_directory"];
        std::filesystem::current_path(wd, ec);
        if (ec)
          std::fprintf(stderr, "kenyon: cannot enter %s (%s); relative paths are read from here\n",
                       wd.c_str(), ec.message().c_str());
      }
      // The same inputs, or it would not repeat the result.
      nlohmann::json now = {{"inputs", nlohmann::json::object()}};
      if (j.contains("inputs") && j["inputs"].is_object())
        for (const auto& [path, entry] : j["inputs"].items())
          if (auto e = input_fingerprint(path); !e.is_null()) now["inputs"][path] = std::move(e);
      check_same_inputs(j, now, "the run that wrote " + *file);
      std::vector<std::string> args = {"kenyon"};
      try {
        for (const auto& a :
             rerun_arguments(j["command_line"].get<std::vector<std::string>>(), new_out))
          args.push_back(a);
      } catch (const nlohmann::json::exception&) {
        throw file_error(*file, "its command_line is not a list of strings");
      }
      if (args.size() > 1 && args[1] == "rerun")
        throw file_error(*file, "records a rerun, not a command");
      return run_command_line(std::move(args));
    };
  });
}

}  // namespace kenyon::cli

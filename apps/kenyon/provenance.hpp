#pragma once
// How a result was made, recorded in every result file (kenyon rerun repeats it), and the
// checkpoints of commands that stop on SIGINT or SIGTERM and continue with --resume.
#include <CLI/CLI.hpp>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace kenyon::cli {

// The command line after --config files were expanded, without the program's name; main()
// sets it before the selected command runs.
void set_command_line(std::vector<std::string> args);

// {"kenyon_version", "working_directory", "command_line", "configuration", "inputs"}:
// relative paths in the command line are relative to the working directory; the
// configuration holds every option of the subcommand `cmd` after defaults and config files
// (its long name -> its value as text, a list for repeated options, true/false for flags);
// inputs holds the fingerprint of every file an option names, and of every folder (its
// files' names and fingerprints), --out's aside: path -> {"bytes" or "files", "xxh3"}.
nlohmann::json provenance(const CLI::App& cmd);

// The fingerprint entry of `path` as provenance records it, or null if it is neither a
// file nor a folder or cannot be read.
nlohmann::json input_fingerprint(const std::filesystem::path& path);

// Throws file_error naming the first input of `saved` (a provenance) whose fingerprint
// differs from `now`'s inputs or that is gone; `since` names what read them ("the stopped
// run").
void check_same_inputs(const nlohmann::json& saved, const nlohmann::json& now,
                       const std::string& since);

// Options that may change between a stopped run and its --resume: where and how results
// are shown, not what they are.
const std::vector<std::string>& resume_ignored_options();

// Throws parameter_error naming the first option whose value in `saved` (a provenance
// written by the stopped run) differs from `now`'s, then check_same_inputs.
void check_same_configuration(const nlohmann::json& saved, const nlohmann::json& now,
                              const std::vector<std::string>& also_ignored = {},
                              const std::string& since = "the stopped run");

// A checkpoint file: the provenance plus the state to continue from, written atomically.
void save_checkpoint(const std::filesystem::path& file, const nlohmann::json& provenance,
                     nlohmann::json state);
// The state saved in `file` after checking its configuration against `provenance`;
// nothing if there is no such file.
std::optional<nlohmann::json> load_checkpoint(const std::filesystem::path& file,
                                              const nlohmann::json& provenance);

// After a stop request: prints "stopped by SIGINT after N of M <units>; ..." on stderr and
// returns the exit code, 128 + the signal (130 for SIGINT, 143 for SIGTERM).
int report_stopped(std::int64_t done, std::int64_t total, const char* units,
                   const std::string& out);

}  // namespace kenyon::cli

#pragma once
// The kenyon CLI's subcommands. Each registers its options on a CLI11 app and returns
// the function that runs it; main() turns errors into messages and exit codes.
#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace kenyon::cli {

using command = std::function<int()>;

// kenyon moth run | sweep
void add_moth_commands(CLI::App& app, command& selected);
// kenyon bench moth
void add_bench_commands(CLI::App& app, command& selected);

// kenyon net forward | maximise | train | saliency | gradients | paths | guess
void add_net_commands(CLI::App& app, command& selected);

// kenyon rerun FILE [--out DIR]
void add_rerun_command(CLI::App& app, command& selected);

// Parses `args` (the program's name first) and runs the selected command; returns the exit
// code. main() is this; kenyon rerun calls it with a recorded command line.
int run_command_line(std::vector<std::string> args);

// Replaces `--config FILE` (TOML or JSON: option = value pairs) in the arguments by the
// options it sets, placed before the command line's own so that those win. Throws
// kenyon::error naming the file for an unreadable file or an unknown option.
std::vector<std::string> expand_config(const CLI::App& app, std::vector<std::string> args);

// Checks a --seed: a decimal integer from 0 to 2^64 - 1. CLI11 reads "-1" into an unsigned
// option as 2^64 - 1 and a number too large as the largest one; refuse both instead.
const CLI::Validator& seed_value();

// A --test value: "all" (0: every digit of the test split) or a count N >= 1; throws
// parameter_error naming --test otherwise.
std::size_t test_count(const std::string& text);

// Refuses a run whose activations (batch x neurons x layers floats) exceed the machine's
// memory: parameter_error naming --batch and --layers, before anything is allocated.
void check_fits_in_memory(std::int64_t batch, std::int64_t neurons, std::int64_t layers);

// Exit codes: 0 success, 1 internal failure, 2 bad input (options, files, data),
// 3 numerical failure (a NaN or infinity; the results are still printed and written),
// 128 + the signal for a command stopped by SIGINT (130) or SIGTERM (143) that saved its
// work.
inline constexpr int exit_bad_input = 2;
inline constexpr int exit_numerical_failure = 3;

}  // namespace kenyon::cli

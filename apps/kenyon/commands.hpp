#pragma once
// The kenyon CLI's subcommands. Each registers its options on a CLI11 app and returns
// the function that runs it; main() turns errors into messages and exit codes.
#include <CLI/CLI.hpp>
#include <functional>

namespace kenyon::cli {

using command = std::function<int()>;

// kenyon moth run | sweep
void add_moth_commands(CLI::App& app, command& selected);
// kenyon bench moth
void add_bench_commands(CLI::App& app, command& selected);

// Exit codes: 0 success, 1 internal failure, 2 bad input (options, files, data).
inline constexpr int exit_bad_input = 2;

}  // namespace kenyon::cli

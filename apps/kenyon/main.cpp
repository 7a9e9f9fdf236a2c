// The kenyon command-line tool: parse, validate, call the library, format results.
#include <cstdio>
#include <exception>

#include "commands.hpp"
#include "kenyon/core/error.hpp"

int main(int argc, char** argv) {
  CLI::App app{"kenyon: insect neural circuits from connectomes"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "kenyon 0.1.0");
  app.footer(
      "Exit codes: 0 success, 1 internal error, 2 bad input, 3 numerical failure (a NaN or "
      "infinity, reported with where it first appeared).");
  kenyon::cli::command selected;
  kenyon::cli::add_moth_commands(app, selected);
  kenyon::cli::add_bench_commands(app, selected);
  kenyon::cli::add_net_commands(app, selected);
  std::vector<std::string> args(argv, argv + argc);
  try {
    args = kenyon::cli::expand_config(app, std::move(args));
  } catch (const kenyon::error& e) {
    std::fprintf(stderr, "kenyon: error: %s\n", e.what());
    return kenyon::cli::exit_bad_input;
  }
  std::vector<char*> arg_pointers;
  for (auto& a : args) arg_pointers.push_back(a.data());
  try {
    app.parse(static_cast<int>(arg_pointers.size()), arg_pointers.data());
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "kenyon: error: %s (see --help)\n", e.what());
    return kenyon::cli::exit_bad_input;
  }
  try {
    return selected ? selected() : 0;
  } catch (const kenyon::error& e) {
    std::fprintf(stderr, "kenyon: error: %s\n", e.what());
    return kenyon::cli::exit_bad_input;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kenyon: internal error: %s\n", e.what());
    return 1;
  }
}

// The kenyon command-line tool: parse, validate, call the library, format results.
#include <cstdio>
#include <exception>

#include "commands.hpp"
#include "kenyon/core/error.hpp"
#include "provenance.hpp"

int kenyon::cli::run_command_line(std::vector<std::string> args) {
  CLI::App app{"kenyon: insect neural circuits from connectomes"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "kenyon " KENYON_VERSION);
  kenyon::cli::command selected;
  kenyon::cli::add_moth_commands(app, selected);
  kenyon::cli::add_bench_commands(app, selected);
  kenyon::cli::add_net_commands(app, selected);
  kenyon::cli::add_rerun_command(app, selected);
  try {
    args = kenyon::cli::expand_config(app, std::move(args));
  } catch (const kenyon::error& e) {
    std::fprintf(stderr, "kenyon: error: %s\n", e.what());
    return kenyon::cli::exit_bad_input;
  }
  kenyon::cli::set_command_line({args.begin() + (args.empty() ? 0 : 1), args.end()});
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

int main(int argc, char** argv) {
  return kenyon::cli::run_command_line(std::vector<std::string>(argv, argv + argc));
}

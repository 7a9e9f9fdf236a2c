// The kenyon command-line tool: parse, validate, call the library, format results.
#include <algorithm>
#include <cstdio>
#include <exception>
#include <map>
#include <new>
#include <string>

#include "commands.hpp"
#include "kenyon/core/error.hpp"
#include "kenyon/dist/work_queue.hpp"
#include "provenance.hpp"

namespace {

// The subcommand that ran (the deepest one selected).
const CLI::App& selected_command(const CLI::App& app) {
  const auto* command = &app;
  while (!command->get_subcommands().empty()) command = command->get_subcommands().front();
  return *command;
}

// A parameter_error names the library's field (tanh_steepness, num_epochs, ...), which the
// Python API spells; on the command line the message names the option typed instead, when
// the command that ran has one for that field.
std::string message_of(const CLI::App& app, const kenyon::parameter_error& e) {
  static const std::map<std::string, std::string> option_of_field = {
      {"tanh_steepness", "--slope"},
      {"default_bias", "--bias"},
      {"num_layers", "--layers"},
      {"num_iterations", "--iterations"},
      {"in_reg_lambda", "--in-reg"},
      {"out_reg_lambda", "--out-reg"},
      {"checkpoint_interval", "--checkpoint"},
      {"num_epochs", "--epochs"},
      {"param_reg_lambda", "--param-reg"},
      {"neuropils", "--neuropil"}};
  const std::string what = e.what(), field = e.field();
  if (field.rfind("--", 0) == 0 || what.rfind(field + ": ", 0) != 0) return what;
  const auto it = option_of_field.find(field);
  std::string option = it != option_of_field.end() ? it->second : "--" + field;
  std::replace(option.begin(), option.end(), '_', '-');
  if (!selected_command(app).get_option_no_throw(option)) return what;
  return option + what.substr(field.size());
}

// The size options given to the command that ran, for an out-of-memory message.
std::string sizes_given(const CLI::App& app) {
  const auto& command = selected_command(app);
  std::string given;
  for (const char* name : {"--connectome", "--input", "--batch", "--layers", "--neurons",
                           "--connections", "--rows", "--train-per-class", "--val-per-class"})
    if (const auto* option = command.get_option_no_throw(name); option && option->count() > 0)
      given += (given.empty() ? "" : ", ") + std::string(name) + " " + option->as<std::string>();
  return given.empty() ? "" : " for " + given;
}

}  // namespace

int kenyon::cli::run_command_line(std::vector<std::string> args) {
  CLI::App app{"kenyon: insect neural circuits from connectomes"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "kenyon " KENYON_VERSION);
  app.footer(
      "Exit codes: 0 success, 1 internal error, 2 bad input, 3 numerical failure (a NaN or "
      "infinity, reported with where it first appeared), 130/143 stopped by SIGINT/SIGTERM "
      "after saving (continue with --resume).");
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
  // Under mpirun an error on one rank ends them all (the others may wait for it forever).
  auto fail = [](int code) {
    kenyon::dist::abort_world(code);
    return code;
  };
  try {
    return selected ? selected() : 0;
  } catch (const kenyon::parameter_error& e) {
    std::fprintf(stderr, "kenyon: error: %s\n", message_of(app, e).c_str());
    return fail(kenyon::cli::exit_bad_input);
  } catch (const kenyon::error& e) {
    std::fprintf(stderr, "kenyon: error: %s\n", e.what());
    return fail(kenyon::cli::exit_bad_input);
  } catch (const std::bad_alloc&) {
    // Sizes the checks let through that still do not fit (a large --input, a large
    // connectome): the request is too big, not a bug.
    std::fprintf(stderr, "kenyon: error: out of memory%s\n", sizes_given(app).c_str());
    return fail(kenyon::cli::exit_bad_input);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kenyon: internal error: %s\n", e.what());
    return fail(1);
  }
}

int main(int argc, char** argv) {
  return kenyon::cli::run_command_line(std::vector<std::string>(argv, argv + argc));
}

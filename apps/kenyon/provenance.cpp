#include "provenance.hpp"

#include <csignal>
#include <cstdio>

#include "kenyon/core/checkpoint.hpp"
#include "kenyon/core/error.hpp"
#include "kenyon/core/interrupt.hpp"

namespace kenyon::cli {
namespace {

std::vector<std::string> recorded_command_line;

nlohmann::json option_value(const CLI::Option& opt) {
  if (opt.get_expected_max() == 0) return opt.count() > 0 && opt.as<bool>();  // a flag
  const auto& given = opt.results();
  if (opt.get_items_expected_max() > 1) {
    if (given.empty() && !opt.get_default_str().empty()) return opt.get_default_str();
    return given;
  }
  if (!given.empty()) return given.back();
  if (!opt.get_default_str().empty()) return opt.get_default_str();
  return nullptr;
}

}  // namespace

void set_command_line(std::vector<std::string> args) { recorded_command_line = std::move(args); }

nlohmann::json provenance(const CLI::App& cmd) {
  nlohmann::json configuration = nlohmann::json::object();
  for (const CLI::Option* opt : cmd.get_options()) {
    const auto& names = opt->get_lnames();
    if (names.empty() || names[0] == "help" || names[0] == "config") continue;
    configuration[names[0]] = option_value(*opt);
  }
  std::error_code ec;
  return {{"kenyon_version", KENYON_VERSION},
          {"working_directory", std::filesystem::current_path(ec).string()},
          {"command_line", recorded_command_line},
          {"configuration", configuration}};
}

const std::vector<std::string>& resume_ignored_options() {
  static const std::vector<std::string> names = {"resume", "out",   "json",
                                                 "quiet",  "plots", "save-every"};
  return names;
}

void check_same_configuration(const nlohmann::json& saved, const nlohmann::json& now,
                              const std::vector<std::string>& also_ignored) {
  auto ignored = resume_ignored_options();
  ignored.insert(ignored.end(), also_ignored.begin(), also_ignored.end());
  const auto& a = saved.value("configuration", nlohmann::json::object());
  const auto& b = now.at("configuration");
  const auto differ = differing_keys(a, b, ignored);
  if (differ.empty()) return;
  const auto& key = differ.front();
  auto text = [&](const nlohmann::json& c) {
    return c.contains(key) ? c[key].dump() : std::string("absent");
  };
  throw parameter_error("--" + key, "was " + text(a) + " in the stopped run and is " + text(b) +
                                        " now; --resume needs the same options");
}

void save_checkpoint(const std::filesystem::path& file, const nlohmann::json& provenance,
                     nlohmann::json state) {
  auto j = provenance;
  j["state"] = std::move(state);
  std::error_code ec;
  std::filesystem::create_directories(file.parent_path(), ec);  // errors: on writing below
  write_json_atomic(file, j);
}

std::optional<nlohmann::json> load_checkpoint(const std::filesystem::path& file,
                                              const nlohmann::json& provenance) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return std::nullopt;
  auto j = read_json_file(file);
  if (!j.is_object() || !j.contains("state"))
    throw file_error(file.string(), "not a kenyon checkpoint (no \"state\")");
  check_same_configuration(j, provenance);
  return std::move(j["state"]);
}

int report_stopped(std::int64_t done, std::int64_t total, const char* units,
                   const std::string& out) {
  const int signal = stop_signal();
  std::fprintf(stderr,
               "kenyon: stopped by %s after %lld of %lld %s; saved in %s, continue with the same "
               "options and --resume\n",
               signal == SIGTERM ? "SIGTERM" : "SIGINT", static_cast<long long>(done),
               static_cast<long long>(total), units, out.c_str());
  return 128 + (signal ? signal : SIGINT);
}

}  // namespace kenyon::cli

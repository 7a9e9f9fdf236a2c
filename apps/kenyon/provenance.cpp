#include "provenance.hpp"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <map>

#include "kenyon/core/checkpoint.hpp"
#include "kenyon/core/error.hpp"
#include "kenyon/core/files.hpp"
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

// Every file or folder the configuration names, once each.
nlohmann::json input_fingerprints(const nlohmann::json& configuration) {
  nlohmann::json inputs = nlohmann::json::object();
  const auto add = [&](const nlohmann::json& value) {
    if (!value.is_string() || inputs.contains(value.get<std::string>())) return;
    auto entry = input_fingerprint(value.get<std::string>());
    if (!entry.is_null()) inputs[value.get<std::string>()] = std::move(entry);
  };
  for (const auto& [name, value] : configuration.items()) {
    if (name == "out") continue;
    if (value.is_array())
      for (const auto& v : value) add(v);
    else
      add(value);
  }
  return inputs;
}

}  // namespace

nlohmann::json input_fingerprint(const std::filesystem::path& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) {
    // A command asks for provenance more than once (checkpoints, the result), and a
    // whole-brain connectome is large: a file is read again only if it was rewritten.
    static std::map<std::string, nlohmann::json> known;
    const auto size = fs::file_size(path, ec);
    const auto key = fs::absolute(path, ec).lexically_normal().string() + '\n' +
                     std::to_string(size) + '\n' +
                     std::to_string(fs::last_write_time(path, ec).time_since_epoch().count());
    if (const auto it = known.find(key); it != known.end()) return it->second;
    try {
      return known[key] = {{"bytes", size}, {"xxh3", file_fingerprint(path)}};
    } catch (const file_error&) {
      return nullptr;  // unreadable: the command that needs it says so
    }
  }
  if (fs::is_directory(path, ec)) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(path, ec))
      if (e.is_regular_file(ec)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    std::string listing;
    for (const auto& n : names) {
      const auto file = input_fingerprint(path / n);
      listing +=
          n + '\t' + (file.is_null() ? "unreadable" : file["xxh3"].get<std::string>()) + '\n';
    }
    return {{"files", names.size()}, {"xxh3", fingerprint(listing)}};
  }
  return nullptr;
}

void check_same_inputs(const nlohmann::json& saved, const nlohmann::json& now,
                       const std::string& since) {
  const auto inputs = [](const nlohmann::json& p) {
    return p.is_object() && p.contains("inputs") && p["inputs"].is_object()
               ? p["inputs"]
               : nlohmann::json::object();
  };
  const auto fingerprint_of = [](const nlohmann::json& entry) {
    return entry.is_object() && entry.contains("xxh3") && entry["xxh3"].is_string()
               ? entry["xxh3"].get<std::string>()
               : std::string("none");
  };
  const auto was = inputs(saved), is = inputs(now);
  for (const auto& [path, entry] : was.items()) {
    if (!is.contains(path))
      throw file_error(path, "is gone or no longer named; it was read by " + since);
    const auto a = fingerprint_of(entry), b = fingerprint_of(is[path]);
    if (a != b)
      throw file_error(
          path, "has changed since " + since + " read it (fingerprint " + a + ", now " + b + ")");
  }
}

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
          {"configuration", configuration},
          {"inputs", input_fingerprints(configuration)}};
}

const std::vector<std::string>& resume_ignored_options() {
  static const std::vector<std::string> names = {"resume", "out",   "json",
                                                 "quiet",  "plots", "save-every"};
  return names;
}

void check_same_configuration(const nlohmann::json& saved, const nlohmann::json& now,
                              const std::vector<std::string>& also_ignored,
                              const std::string& since) {
  auto ignored = resume_ignored_options();
  ignored.insert(ignored.end(), also_ignored.begin(), also_ignored.end());
  const auto& a = saved.value("configuration", nlohmann::json::object());
  const auto& b = now.at("configuration");
  const auto differ = differing_keys(a, b, ignored);
  if (differ.empty()) {
    check_same_inputs(saved, now, since);
    return;
  }
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

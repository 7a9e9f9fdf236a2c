// Options from a TOML or JSON file: `kenyon net maximise --config run.toml` reads
// `key = value` pairs (key = the option's long name, with - or _) and places them before
// the command line's own options, which therefore win; list values repeat the option.
#include <toml++/toml.h>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "kenyon/core/error.hpp"
#include "kenyon/core/files.hpp"

namespace kenyon::cli {
namespace {

std::string option_name(std::string key) {
  for (auto& ch : key)
    if (ch == '_') ch = '-';
  return "--" + key;
}

std::string number_text(double v) {
  std::ostringstream s;
  s.precision(17);
  s << v;
  return s.str();
}

// A scalar value as command-line text; false for a value that is not a scalar.
bool scalar_text(const nlohmann::json& v, std::string& text) {
  if (v.is_string()) {
    text = v.get<std::string>();
  } else if (v.is_number_integer()) {
    text = std::to_string(v.get<long long>());
  } else if (v.is_number()) {
    text = number_text(v.get<double>());
  } else if (v.is_boolean()) {
    text = v.get<bool>() ? "true" : "false";
  } else {
    return false;
  }
  return true;
}

// TOML is read into the same JSON value, so both formats follow one path below.
nlohmann::json toml_to_json(const toml::node& node) {
  if (auto* t = node.as_table()) {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [k, v] : *t) j[std::string(k.str())] = toml_to_json(v);
    return j;
  }
  if (auto* a = node.as_array()) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& v : *a) j.push_back(toml_to_json(v));
    return j;
  }
  if (auto v = node.value<std::string>(); v && node.is_string()) return *v;
  if (node.is_integer()) return *node.value<long long>();
  if (node.is_floating_point()) return *node.value<double>();
  if (node.is_boolean()) return *node.value<bool>();
  return nullptr;  // dates and times: rejected below
}

nlohmann::json read_config(const std::string& path) {
  const std::string text = read_text_file(path, "configuration file");
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && text[first] == '{') {
    // nlohmann keeps the last of two equal keys; TOML refuses them, and so does this.
    std::vector<std::set<std::string>> keys;
    std::string repeated;
    const auto check_keys = [&](int, nlohmann::json::parse_event_t event, nlohmann::json& value) {
      using event_t = nlohmann::json::parse_event_t;
      if (event == event_t::object_start) keys.emplace_back();
      if (event == event_t::object_end) keys.pop_back();
      if (event == event_t::key && !keys.back().insert(value.get<std::string>()).second &&
          repeated.empty())
        repeated = value.get<std::string>();
      return true;
    };
    try {
      auto config = nlohmann::json::parse(text, check_keys);
      if (!repeated.empty()) throw file_error(path, "'" + repeated + "' is given twice");
      return config;
    } catch (const nlohmann::json::exception& e) {  // syntax, and numbers that overflow
      throw file_error(path, std::string("not valid JSON: ") + e.what());
    }
  }
  try {
    return toml_to_json(toml::parse(text, path));
  } catch (const toml::parse_error& e) {
    throw file_error(path, "not valid TOML: " + std::string(e.description()),
                     e.source().begin.line);
  }
}

}  // namespace

std::vector<std::string> expand_config(const CLI::App& app, std::vector<std::string> args) {
  std::size_t at = 0;
  std::string path;
  for (std::size_t k = 1; k < args.size(); ++k) {
    if (args[k] == "--config" && k + 1 < args.size()) {
      path = args[k + 1];
      args.erase(args.begin() + static_cast<std::ptrdiff_t>(k),
                 args.begin() + static_cast<std::ptrdiff_t>(k + 2));
      at = k;
      break;
    }
    if (args[k].rfind("--config=", 0) == 0) {
      path = args[k].substr(9);
      args.erase(args.begin() + static_cast<std::ptrdiff_t>(k));
      at = k;
      break;
    }
  }
  if (path.empty()) return args;
  // The subcommand the options belong to: the names before the first option.
  const CLI::App* sub = &app;
  std::size_t insert = 1;
  while (insert < args.size() && insert < at) {
    const CLI::App* next = nullptr;
    for (const auto* s : sub->get_subcommands([](const CLI::App*) { return true; }))
      if (s->check_name(args[insert])) next = s;
    if (!next) break;
    sub = next;
    ++insert;
  }
  const auto config = read_config(path);
  if (!config.is_object()) throw file_error(path, "expected a table of option = value pairs");
  std::vector<std::string> tokens;
  for (const auto& [key, value] : config.items()) {
    const auto name = option_name(key);
    const auto* option = sub->get_option_no_throw(name);
    if (!option || name == "--config")
      throw file_error(
          path, "'" + key + "' is not an option of kenyon " + sub->get_name() + " (see --help)");
    const auto values = value.is_array() ? value : nlohmann::json::array({value});
    for (const auto& v : values) {
      std::string text;
      if (!scalar_text(v, text))
        throw file_error(path, "'" + key +
                                   "': expected a string, number, boolean or a list "
                                   "of them");
      if (option->get_expected_min() == 0) {  // a flag
        tokens.push_back(name + "=" + text);
      } else {
        tokens.push_back(name);
        tokens.push_back(text);
      }
    }
  }
  args.insert(args.begin() + static_cast<std::ptrdiff_t>(insert), tokens.begin(), tokens.end());
  return args;
}

}  // namespace kenyon::cli

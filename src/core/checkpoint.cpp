#include "kenyon/core/checkpoint.hpp"

#include <algorithm>
#include <bit>

#include "kenyon/core/error.hpp"
#include "kenyon/core/files.hpp"

namespace kenyon {
namespace {

template <class real, class bits>
nlohmann::json encode(std::span<const real> values, const char* dtype) {
  std::vector<bits> out(values.size());
  std::transform(values.begin(), values.end(), out.begin(),
                 [](real v) { return std::bit_cast<bits>(v); });
  return {{"dtype", dtype}, {"bits", out}};
}

template <class real, class bits>
std::vector<real> decode(const nlohmann::json& j, const char* dtype, const std::string& what) {
  if (!j.is_object() || j.value("dtype", "") != dtype || !j.contains("bits") ||
      !j["bits"].is_array())
    throw error("checkpoint: " + what + " is not an array of " + dtype + " bit patterns");
  std::vector<real> out;
  out.reserve(j["bits"].size());
  for (const auto& b : j["bits"]) {
    if (!b.is_number_unsigned()) throw error("checkpoint: " + what + " holds a non-integer");
    out.push_back(std::bit_cast<real>(b.get<bits>()));
  }
  return out;
}

}  // namespace

nlohmann::json exact_array(std::span<const float> values) {
  return encode<float, std::uint32_t>(values, "float32");
}
nlohmann::json exact_array(std::span<const double> values) {
  return encode<double, std::uint64_t>(values, "float64");
}
std::vector<float> exact_floats(const nlohmann::json& j, const std::string& what) {
  return decode<float, std::uint32_t>(j, "float32", what);
}
std::vector<double> exact_doubles(const nlohmann::json& j, const std::string& what) {
  return decode<double, std::uint64_t>(j, "float64", what);
}

void write_json_atomic(const std::filesystem::path& path, const nlohmann::json& j) {
  write_file_atomic(path, j.dump(1) + "\n");
}

nlohmann::json read_json_file(const std::filesystem::path& path) {
  const auto text = read_text_file(path, "JSON file");
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw file_error(path.string(), std::string("not valid JSON: ") + e.what());
  }
}

std::vector<std::string> differing_keys(const nlohmann::json& a, const nlohmann::json& b,
                                        const std::vector<std::string>& ignored) {
  std::vector<std::string> out;
  auto consider = [&](const std::string& key) {
    if (std::find(ignored.begin(), ignored.end(), key) != ignored.end()) return;
    if (std::find(out.begin(), out.end(), key) != out.end()) return;
    if (!a.contains(key) || !b.contains(key) || a[key] != b[key]) out.push_back(key);
  };
  for (const auto& [key, v] : a.items()) consider(key);
  for (const auto& [key, v] : b.items()) consider(key);
  return out;
}

}  // namespace kenyon

#pragma once
// Saved state of long runs (activation maximisation, training, sweeps), so that a run stopped
// by a signal continues with --resume to the numbers it would have reached. A checkpoint is
// one JSON file written atomically (core/files.hpp); its arrays keep every bit, as the IEEE
// bit patterns of their values, so that NaN and infinities come back too.
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

namespace kenyon {

nlohmann::json exact_array(std::span<const float> values);
nlohmann::json exact_array(std::span<const double> values);
// The values exact_array stored; throws kenyon::error naming `what` for anything else.
std::vector<float> exact_floats(const nlohmann::json& j, const std::string& what);
std::vector<double> exact_doubles(const nlohmann::json& j, const std::string& what);

// Writes `j` to `path` atomically (temporary file and rename).
void write_json_atomic(const std::filesystem::path& path, const nlohmann::json& j);
// Reads a JSON file; throws file_error for a missing, unreadable or malformed one.
nlohmann::json read_json_file(const std::filesystem::path& path);

// The option names (keys) whose values differ between two configurations (JSON objects),
// leaving out `ignored`; a key present in only one counts as differing.
std::vector<std::string> differing_keys(const nlohmann::json& a, const nlohmann::json& b,
                                        const std::vector<std::string>& ignored);

}  // namespace kenyon

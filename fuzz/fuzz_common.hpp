#pragma once
// Shared by the libFuzzer targets: inputs as files, inputs in parts, and the one rule of every
// target. A reader may reject any input with kenyon::error (that is its contract); anything
// else (a crash, an ASan or UBSan report, another exception, internal_error) is a finding and
// reaches libFuzzer, which stops and saves the input.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "kenyon/core/error.hpp"

namespace kenyon::fuzz {

// A folder for this process's input files: tmpfs (/dev/shm) when there is one, so that
// writing one file per execution stays cheap.
inline const std::filesystem::path& scratch_dir() {
  static const std::filesystem::path dir = [] {
    std::filesystem::path base = std::filesystem::is_directory("/dev/shm")
                                     ? std::filesystem::path("/dev/shm")
                                     : std::filesystem::temp_directory_path();
    auto d = base / ("kenyon_fuzz_" + std::to_string(getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  return dir;
}

// Writes `bytes` to the scratch file `name` and returns its path.
inline std::filesystem::path write_file(const std::string& name, std::string_view bytes) {
  auto path = scratch_dir() / name;
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return path;
}

// The input split at each line "%%" (the separator between the files of a multi-file reader);
// at most `max_parts` parts, the last one keeping any further separators.
inline std::vector<std::string_view> split_parts(const std::uint8_t* data, std::size_t size,
                                                 std::size_t max_parts) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> parts;
  constexpr std::string_view sep = "\n%%\n";
  while (parts.size() + 1 < max_parts) {
    const auto at = rest.find(sep);
    if (at == std::string_view::npos) break;
    parts.push_back(rest.substr(0, at));
    rest = rest.substr(at + sep.size());
  }
  parts.push_back(rest);
  return parts;
}

// Runs `body`, accepting kenyon::error as the expected rejection of bad input.
template <class F>
int run_expecting_kenyon_errors(F&& body) {
  try {
    body();
  } catch (const kenyon::error&) {
  }
  return 0;
}

}  // namespace kenyon::fuzz

#include "kenyon/core/files.hpp"

#include <unistd.h>
#include <xxhash.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>

#include "kenyon/core/error.hpp"

namespace kenyon {

void write_file_atomic(const std::filesystem::path& path, std::string_view contents) {
  auto tmp = path;
  tmp += ".tmp-" + std::to_string(getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw file_error(path.string(), "cannot open for writing");
    out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
    out.flush();
    if (!out) {
      out.close();
      std::filesystem::remove(tmp);
      throw file_error(path.string(), "write failed");
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp);
    throw file_error(path.string(), "cannot rename into place: " + ec.message());
  }
}

void write_folder_atomic(const std::filesystem::path& dir,
                         const std::vector<std::pair<std::string, std::string>>& files) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
    throw file_error(dir.string(), "exists and is not a folder");
  std::vector<fs::path> created;  // the folders this call creates, deepest first
  for (fs::path p = dir; !p.empty(); p = p.parent_path()) {
    if (fs::exists(p, ec) || ec || p == p.parent_path()) break;
    created.push_back(p);
  }
  const fs::path staging = dir / (".kenyon-staging-" + std::to_string(getpid()));
  auto clean_up = [&] {
    std::error_code ignored;
    fs::remove_all(staging, ignored);
    for (const auto& p : created) fs::remove(p, ignored);  // only if still empty
  };
  try {
    if (!fs::create_directories(staging, ec) && ec)
      throw file_error(dir.string(), "cannot create the folder: " + ec.message());
    // A name may hold folders ("figures/target_0.svg"): made in the staging folder and in dir.
    const auto make_parent = [&](const fs::path& file) {
      if (file.parent_path() != staging && file.parent_path() != dir &&
          !fs::create_directories(file.parent_path(), ec) && ec)
        throw file_error(file.parent_path().string(), "cannot create the folder: " + ec.message());
    };
    for (const auto& [name, contents] : files) {
      make_parent(staging / name);
      write_file_atomic(staging / name, contents);
    }
    for (const auto& [name, contents] : files) {
      make_parent(dir / name);
      fs::rename(staging / name, dir / name, ec);
      if (ec) throw file_error((dir / name).string(), "cannot move into place: " + ec.message());
    }
  } catch (...) {
    clean_up();
    throw;
  }
  clean_up();
}

std::string read_text_file(const std::filesystem::path& path, std::string_view what) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw file_error(path.string(), "is a folder, not a " + std::string(what));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw file_error(path.string(), "cannot open the " + std::string(what));
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

namespace {

std::string hex64(XXH64_hash_t h) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(h));
  return text;
}

}  // namespace

std::string fingerprint(std::string_view bytes) {
  return hex64(XXH3_64bits(bytes.data(), bytes.size()));
}

std::string file_fingerprint(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::error_code ec;
  if (!in || std::filesystem::is_directory(path, ec))
    throw file_error(path.string(), "cannot be read to fingerprint it");
  const std::unique_ptr<XXH3_state_t, decltype(&XXH3_freeState)> state(XXH3_createState(),
                                                                       &XXH3_freeState);
  if (!state || XXH3_64bits_reset(state.get()) == XXH_ERROR) throw std::bad_alloc();
  std::vector<char> block(1 << 20);
  while (in) {
    in.read(block.data(), static_cast<std::streamsize>(block.size()));
    XXH3_64bits_update(state.get(), block.data(), static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) throw file_error(path.string(), "could not be read to the end to fingerprint it");
  return hex64(XXH3_64bits_digest(state.get()));
}

void remove_write_leftovers(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<fs::path> leftovers;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const auto name = entry.path().filename().string();
    if (name.find(".tmp-") != std::string::npos || name.starts_with(".kenyon-staging-"))
      leftovers.push_back(entry.path());
  }
  for (const auto& p : leftovers) fs::remove_all(p, ec);
}

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t") + 1 - first);
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace kenyon

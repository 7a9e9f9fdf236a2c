#pragma once
// Small file helpers shared by every area: whole-file writes that never leave a
// half-written file behind (tables and their CSV: core/table.hpp).
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kenyon {

// The whole file as text. Throws file_error naming it ("cannot open the <what>", or "is a
// folder, not a <what>": a folder opens as an empty stream on Linux and would read as "").
std::string read_text_file(const std::filesystem::path& path, std::string_view what);

// Writes `contents` to `path` through a temporary file in the same folder and a rename,
// so `path` either keeps its old contents or gets all of the new ones.
void write_file_atomic(const std::filesystem::path& path, std::string_view contents);

// Writes `files` (name, contents) into the folder `dir`, creating it if needed. Files go
// into a staging folder inside `dir` first and are renamed into place, so a failure leaves
// no partial output: the staging folder and any folders created here are removed again.
void write_folder_atomic(const std::filesystem::path& dir,
                         const std::vector<std::pair<std::string, std::string>>& files);

// Removes what writes above left in `dir` when the process was killed before they ended
// (files named *.tmp-<pid>, folders named .kenyon-staging-<pid>), e.g. before a resume.
void remove_write_leftovers(const std::filesystem::path& dir);

// XXH3 (64 bits) of `bytes` as 16 hex digits: what tells a changed input from the one a
// result or checkpoint was made of.
std::string fingerprint(std::string_view bytes);
// The same of a file's contents, read in blocks. Throws file_error naming it when it
// cannot be read.
std::string file_fingerprint(const std::filesystem::path& path);

// Strips leading and trailing spaces and tabs.
std::string trim(const std::string& s);
// ASCII lower case, for names compared without regard to case.
std::string to_lower(std::string_view s);

}  // namespace kenyon

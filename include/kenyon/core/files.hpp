#pragma once
// Small file helpers shared by every area: whole-file writes that never leave a
// half-written file behind, and CSV writing.
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kenyon {

// Writes `contents` to `path` through a temporary file in the same folder and a rename,
// so `path` either keeps its old contents or gets all of the new ones.
void write_file_atomic(const std::filesystem::path& path, std::string_view contents);

// Writes `files` (name, contents) into the folder `dir`, creating it if needed. Files go
// into a staging folder inside `dir` first and are renamed into place, so a failure leaves
// no partial output: the staging folder and any folders created here are removed again.
void write_folder_atomic(const std::filesystem::path& dir,
                         const std::vector<std::pair<std::string, std::string>>& files);

// Strips leading and trailing spaces and tabs.
std::string trim(const std::string& s);
// ASCII lower case, for names compared without regard to case.
std::string to_lower(std::string_view s);

// Splits one CSV record (no line breaks inside fields): commas separate fields, a field may
// be enclosed in double quotes ("" inside is a literal quote). Throws file_error naming
// `path` and `line_number` for an unterminated quote or text after a closing quote.
std::vector<std::string> split_csv_line(const std::string& line, const std::string& path,
                                        std::size_t line_number);

// Calls `record(line_number, fields)` for every non-blank line of a CSV file (1-based line
// numbers), after removing a trailing carriage return and a leading UTF-8 byte-order mark.
// Gzipped files are read transparently (recognised by their content, not their name).
// `fields` is reused from one line to the next, so large files cost no allocation per line.
// Throws file_error naming the file if it cannot be opened or read, or if it is a corrupt
// or truncated gzip file ("not a readable gzip file").
void read_csv_records(
    const std::filesystem::path& path,
    const std::function<void(std::size_t line_number, std::vector<std::string>& fields)>& record);

// Builds CSV text: a header row and numeric rows, written with full float precision.
class csv_table {
 public:
  explicit csv_table(std::vector<std::string> header);
  void add_row(const std::vector<double>& values);
  std::string str() const;

 private:
  std::size_t columns_;
  std::string text_;
};

}  // namespace kenyon

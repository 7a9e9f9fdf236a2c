#pragma once
// Small file helpers shared by every area: whole-file writes that never leave a
// half-written file behind, and CSV writing.
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace kenyon {

// Writes `contents` to `path` through a temporary file in the same folder and a rename,
// so `path` either keeps its old contents or gets all of the new ones.
void write_file_atomic(const std::filesystem::path& path, std::string_view contents);

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

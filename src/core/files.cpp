#include "kenyon/core/files.hpp"

#include <unistd.h>

#include <cstdio>
#include <fstream>

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

csv_table::csv_table(std::vector<std::string> header) : columns_(header.size()) {
  for (std::size_t i = 0; i < header.size(); ++i) text_ += (i ? "," : "") + header[i];
  text_ += '\n';
}

void csv_table::add_row(const std::vector<double>& values) {
  if (values.size() != columns_)
    throw internal_error("csv_table: row has " + std::to_string(values.size()) +
                         " values, header has " + std::to_string(columns_));
  char buf[32];
  for (std::size_t i = 0; i < values.size(); ++i) {
    std::snprintf(buf, sizeof buf, "%.9g", values[i]);
    if (i) text_ += ',';
    text_ += buf;
  }
  text_ += '\n';
}

std::string csv_table::str() const { return text_; }

}  // namespace kenyon

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
    for (const auto& [name, contents] : files) write_file_atomic(staging / name, contents);
    for (const auto& [name, contents] : files) {
      fs::rename(staging / name, dir / name, ec);
      if (ec) throw file_error((dir / name).string(), "cannot move into place: " + ec.message());
    }
  } catch (...) {
    clean_up();
    throw;
  }
  clean_up();
}

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t") + 1 - first);
}

std::vector<std::string> split_csv_line(const std::string& line, const std::string& path,
                                        std::size_t line_number) {
  std::vector<std::string> fields;
  std::string field;
  std::size_t i = 0;
  while (true) {
    field.clear();
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i < line.size() && line[i] == '"') {
      ++i;
      bool closed = false;
      while (i < line.size()) {
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field += '"';
            i += 2;
          } else {
            ++i;
            closed = true;
            break;
          }
        } else {
          field += line[i++];
        }
      }
      if (!closed) throw file_error(path, "unterminated quoted field", line_number);
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      if (i < line.size() && line[i] != ',')
        throw file_error(path, "unexpected text after a quoted field", line_number);
      fields.push_back(field);
    } else {
      const auto comma = line.find(',', i);
      fields.push_back(trim(line.substr(i, comma == std::string::npos ? comma : comma - i)));
      i = comma == std::string::npos ? line.size() : comma;
    }
    if (i >= line.size()) break;
    ++i;                     // the comma
    if (i == line.size()) {  // a trailing comma: one more, empty field
      fields.emplace_back();
      break;
    }
  }
  return fields;
}

void read_csv_records(
    const std::filesystem::path& path,
    const std::function<void(std::size_t line_number, std::vector<std::string>& fields)>& record) {
  const std::string name = path.string();
  std::ifstream in(path);
  if (!in) throw file_error(name, "cannot open (no such file or not readable)");
  std::size_t line_number = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line_number == 1 && line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);  // UTF-8 BOM
    if (trim(line).empty()) continue;
    auto fields = split_csv_line(line, name, line_number);
    record(line_number, fields);
  }
}

}  // namespace kenyon

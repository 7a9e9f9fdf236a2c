#include "kenyon/core/files.hpp"

#include <unistd.h>
#include <zlib.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
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

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

namespace {

// Splits one record into `fields`, reusing the strings already there (see read_csv_records).
void split_csv_into(std::string_view line, std::vector<std::string>& fields,
                    const std::string& path, std::size_t line_number) {
  std::size_t count = 0;
  auto next_field = [&]() -> std::string& {
    if (count == fields.size()) fields.emplace_back();
    auto& field = fields[count++];
    field.clear();
    return field;
  };
  auto is_blank = [](char c) { return c == ' ' || c == '\t'; };
  std::size_t i = 0;
  while (true) {
    while (i < line.size() && is_blank(line[i])) ++i;
    std::string& field = next_field();
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
      while (i < line.size() && is_blank(line[i])) ++i;
      if (i < line.size() && line[i] != ',')
        throw file_error(path, "unexpected text after a quoted field", line_number);
    } else {
      const auto comma = line.find(',', i);
      auto text = line.substr(i, comma == std::string_view::npos ? comma : comma - i);
      while (!text.empty() && is_blank(text.back())) text.remove_suffix(1);
      field.assign(text);
      i = comma == std::string_view::npos ? line.size() : comma;
    }
    if (i >= line.size()) break;
    ++i;                     // the comma
    if (i == line.size()) {  // a trailing comma: one more, empty field
      next_field();
      break;
    }
  }
  fields.resize(count);
}

// Throws unless zlib's last operation on `in` succeeded.
void check_gz(gzFile in, const std::string& path) {
  int code = Z_OK;
  std::string_view message = gzerror(in, &code);
  if (code == Z_ERRNO) throw file_error(path, std::string("cannot read: ") + std::strerror(errno));
  if (code == Z_OK) return;
  if (message.starts_with(path + ": ")) message.remove_prefix(path.size() + 2);  // zlib adds it
  throw file_error(path,
                   "not a readable gzip file (" + std::string(message) + "): corrupt or truncated");
}

}  // namespace

std::vector<std::string> split_csv_line(const std::string& line, const std::string& path,
                                        std::size_t line_number) {
  std::vector<std::string> fields;
  split_csv_into(line, fields, path, line_number);
  return fields;
}

void read_csv_records(
    const std::filesystem::path& path,
    const std::function<void(std::size_t line_number, std::vector<std::string>& fields)>& record) {
  const std::string name = path.string();
  // gzopen reads plain files as they are, so one path serves both.
  const std::unique_ptr<gzFile_s, int (*)(gzFile)> in(gzopen(name.c_str(), "rb"), gzclose);
  if (!in) throw file_error(name, "cannot open (no such file or not readable)");
  constexpr unsigned chunk = 1u << 20;  // whole-brain edge lists are gigabytes unpacked
  gzbuffer(in.get(), chunk);
  std::string buffer;
  std::vector<std::string> fields;
  std::size_t line_number = 0;
  auto handle = [&](std::string_view line) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line_number == 1 && line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);  // BOM
    if (line.find_first_not_of(" \t") == std::string_view::npos) return;
    split_csv_into(line, fields, name, line_number);
    record(line_number, fields);
  };
  std::size_t start = 0;  // of the first unfinished line in `buffer`
  while (true) {
    buffer.erase(0, start);
    start = 0;
    const auto kept = buffer.size();
    buffer.resize(kept + chunk);
    const int got = gzread(in.get(), buffer.data() + kept, chunk);
    // Checked before any line of this chunk is used: a truncated file must not be parsed
    // as if its last line were complete.
    check_gz(in.get(), name);
    if (got < 0) throw file_error(name, "cannot read");
    buffer.resize(kept + static_cast<std::size_t>(got));
    const std::string_view view(buffer);
    for (auto end = view.find('\n', start); end != std::string_view::npos;
         end = view.find('\n', start)) {
      handle(view.substr(start, end - start));
      start = end + 1;
    }
    if (got == 0) break;
  }
  if (start < buffer.size()) handle(std::string_view(buffer).substr(start));
}

}  // namespace kenyon

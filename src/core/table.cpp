#include "kenyon/core/table.hpp"

#include <zlib.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>

#include "kenyon/core/error.hpp"

namespace kenyon {
namespace {

// Python's repr of a float (what pandas writes for float64): the shortest digits that
// round-trip, in fixed notation for decimal exponents -4 .. 15, else d.ddde+XX.
std::string python_repr(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string s(buf, res.ptr);
  const bool negative = s.front() == '-';
  if (negative) s.erase(0, 1);
  const auto e = s.find('e');
  const int exponent = std::atoi(s.c_str() + e + 1);
  std::string digits;
  for (std::size_t k = 0; k < e; ++k)
    if (s[k] != '.') digits += s[k];
  std::string out;
  if (exponent >= -4 && exponent < 16) {
    if (exponent < 0) {
      out = "0." + std::string(static_cast<std::size_t>(-exponent - 1), '0') + digits;
    } else {
      const auto whole = static_cast<std::size_t>(exponent + 1);
      if (digits.size() <= whole)
        out = digits + std::string(whole - digits.size(), '0') + ".0";
      else
        out = digits.substr(0, whole) + "." + digits.substr(whole);
    }
  } else {
    out = digits.substr(0, 1);
    if (digits.size() > 1) out.append(".").append(digits, 1);  // GCC 12: no false -Wrestrict
    char tail[16];
    std::snprintf(tail, sizeof tail, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
    out += tail;
  }
  return negative ? "-" + out : out;
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

std::optional<std::int64_t> parse_integer(std::string_view s) {
  std::int64_t v = 0;
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  const auto res = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || res.ec != std::errc() || res.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

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

std::size_t table::column(std::string_view name) const {
  for (std::size_t k = 0; k < columns.size(); ++k)
    if (columns[k] == name) return k;
  throw parameter_error(std::string(name), "no such column in the table");
}

const cell& table::at(std::size_t row, std::string_view column_name) const {
  return rows.at(row).at(column(column_name));
}

void table::add_row(std::vector<cell> row) {
  if (row.size() != columns.size())
    throw internal_error("table: row has " + std::to_string(row.size()) + " cells, " +
                         std::to_string(columns.size()) + " columns");
  rows.push_back(std::move(row));
}

std::string format_cell(const cell& value) {
  if (const auto* s = std::get_if<std::string>(&value)) return *s;
  if (const auto* i = std::get_if<std::int64_t>(&value)) return std::to_string(*i);
  const double d = std::get<double>(value);
  return std::isnan(d) ? std::string() : python_repr(d);
}

double float_cell(float value) {
  if (!std::isfinite(value)) return value;
  char buf[32];
  const auto end = std::to_chars(buf, buf + sizeof buf, value).ptr;
  double v = 0;
  std::from_chars(buf, end, v);
  return v;
}

std::optional<std::int64_t> cell_integer(const cell& value) {
  if (const auto* i = std::get_if<std::int64_t>(&value)) return *i;
  if (const auto* d = std::get_if<double>(&value)) {
    if (std::isfinite(*d) && *d == std::floor(*d) && std::abs(*d) < 9.2e18)
      return static_cast<std::int64_t>(*d);
    return std::nullopt;
  }
  return parse_integer(std::get<std::string>(value));
}

std::string table::to_csv() const {
  std::string out;
  for (std::size_t k = 0; k < columns.size(); ++k) {
    if (k) out += ',';
    out += csv_field(columns[k]);
  }
  out += '\n';
  for (const auto& row : rows) {
    for (std::size_t k = 0; k < row.size(); ++k) {
      if (k) out += ',';
      out += std::holds_alternative<std::string>(row[k]) ? csv_field(std::get<std::string>(row[k]))
                                                         : format_cell(row[k]);
    }
    out += '\n';
  }
  return out;
}

table read_table_csv(const std::filesystem::path& path) {
  table t;
  std::vector<std::vector<std::string>> text;
  read_csv_records(path, [&](std::size_t line, std::vector<std::string>& fields) {
    if (t.columns.empty()) {
      t.columns = std::move(fields);
      return;
    }
    if (fields.size() != t.columns.size())
      throw file_error(path.string(),
                       std::to_string(fields.size()) + " fields, the header has " +
                           std::to_string(t.columns.size()),
                       line);
    text.push_back(std::move(fields));
  });
  if (t.columns.empty()) throw file_error(path.string(), "no header line");
  const std::size_t cols = t.columns.size();
  enum class kind { integer, number, text };
  std::vector<kind> kinds(cols, kind::integer);
  for (std::size_t c = 0; c < cols; ++c) {
    for (const auto& row : text) {
      const auto& s = row[c];
      if (kinds[c] == kind::integer && !parse_integer(s)) kinds[c] = kind::number;
      if (kinds[c] == kind::number && !s.empty()) {
        double v = 0;
        const auto res = std::from_chars(s.data(), s.data() + s.size(), v);
        if (res.ec != std::errc() || res.ptr != s.data() + s.size()) kinds[c] = kind::text;
      }
      if (kinds[c] == kind::text) break;
    }
    if (text.empty()) kinds[c] = kind::text;
  }
  t.rows.reserve(text.size());
  for (auto& row : text) {
    std::vector<cell> cells;
    cells.reserve(cols);
    for (std::size_t c = 0; c < cols; ++c) {
      if (kinds[c] == kind::integer) {
        cells.emplace_back(*parse_integer(row[c]));
      } else if (kinds[c] == kind::number) {
        double v = std::nan("");
        if (!row[c].empty()) std::from_chars(row[c].data(), row[c].data() + row[c].size(), v);
        cells.emplace_back(v);
      } else {
        cells.emplace_back(std::move(row[c]));
      }
    }
    t.rows.push_back(std::move(cells));
  }
  return t;
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

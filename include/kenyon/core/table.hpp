#pragma once
// kenyon's one table type and its CSV: every table kenyon reads or writes (connectome
// neuron and edge lists, path tables, activation summaries, training targets, loss
// histories, MothNet responses) goes through read_csv_records below and table::to_csv, so
// quoting, number formatting and the file/line in error messages are the same everywhere.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace kenyon {

// One cell: text, an integer or a floating-point number (NaN for pandas' missing value).
using cell = std::variant<std::string, std::int64_t, double>;

// A data frame without an index: named columns, rows of cells.
struct table {
  std::vector<std::string> columns;
  std::vector<std::vector<cell>> rows;  // each row has columns.size() cells
  // Messages worth showing next to the table (e.g. path-table layers without edges).
  std::vector<std::string> warnings;

  table() = default;
  explicit table(std::vector<std::string> column_names) : columns(std::move(column_names)) {}

  std::size_t size() const { return rows.size(); }
  // The position of a column; throws parameter_error naming it if there is none.
  std::size_t column(std::string_view name) const;
  const cell& at(std::size_t row, std::string_view column_name) const;
  // Appends a row; throws internal_error if it has the wrong number of cells.
  void add_row(std::vector<cell> row);
  // CSV text as pandas' to_csv(index=False) writes it: a header line, then one line per
  // row; integers in decimal, floats as Python's repr (shortest round-trip digits, so
  // "1.0", "0.25", "1e-05"), NaN as an empty field, text quoted only when it holds a
  // comma, a double quote or a line break.
  std::string to_csv() const;
};

// One cell as to_csv writes it (without CSV quoting).
std::string format_cell(const cell& value);
// A float32 value as the double with the same shortest digits, so that to_csv writes it
// as pandas writes a float32 column ("0.1", not "0.10000000149011612").
double float_cell(float value);
// A cell read as an integer (e.g. a neuron index): an integer, an integral float or
// integer text ("+3" too); nothing otherwise.
std::optional<std::int64_t> cell_integer(const cell& value);

// The CSV reader: calls `record(line_number, fields)` for every non-blank line of a CSV
// file (1-based line numbers), after removing a trailing carriage return and a leading
// UTF-8 byte-order mark. Commas separate fields; a field may be enclosed in double quotes
// ("" inside is a literal quote); spaces around fields are dropped. Gzipped files are read
// transparently (recognised by their content, not their name). `fields` is reused from one
// line to the next, so large files cost no allocation per line. Throws file_error naming
// the file (and line) if it cannot be opened or read, if it is a corrupt or truncated gzip
// file ("not a readable gzip file"), or for an unterminated quote or text after a closing
// quote.
void read_csv_records(
    const std::filesystem::path& path,
    const std::function<void(std::size_t line_number, std::vector<std::string>& fields)>& record);

// Reads a CSV file with a header line (as pandas' read_csv would): a column whose every
// field is an integer becomes integers, else one whose every field is a number or empty
// becomes floats (empty = NaN), else text. Throws file_error naming the file and line for
// a row with the wrong number of fields.
table read_table_csv(const std::filesystem::path& path);

}  // namespace kenyon

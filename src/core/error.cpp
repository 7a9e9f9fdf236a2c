#include "kenyon/core/error.hpp"

#include <utility>

namespace kenyon {

parameter_error::parameter_error(std::string field, const std::string& what)
    : error(field + ": " + what), field_(std::move(field)) {}

namespace {
std::string file_message(const std::string& path, const std::string& what, std::size_t row,
                         const std::string& column) {
  std::string message = path;
  if (row) message.append(":").append(std::to_string(row));
  if (!column.empty()) message.append(": column '").append(column).append("'");
  return message.append(": ").append(what);
}
}  // namespace

file_error::file_error(std::string path, const std::string& what, std::size_t row,
                       std::string column)
    : error(file_message(path, what, row, column)),
      path_(std::move(path)),
      row_(row),
      column_(std::move(column)) {}

unknown_name_error::unknown_name_error(std::string name, std::string kind, const std::string& what)
    : error(what), name_(std::move(name)), kind_(std::move(kind)) {}

item_error::item_error(std::optional<std::int64_t> batch, std::optional<int> layer,
                       std::optional<std::int64_t> neuron, const std::string& what)
    : error(what), batch_(batch), layer_(layer), neuron_(neuron) {}

}  // namespace kenyon

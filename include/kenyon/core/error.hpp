#pragma once
// kenyon's one small exception hierarchy. Everything a user can cause derives from
// kenyon::error; internal_error means a bug in kenyon itself.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace kenyon {

// Base of every user-facing error: bad parameters, bad files, bad data.
class error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A parameter outside its allowed range; `field` names it as the user spells it.
class parameter_error : public error {
 public:
  parameter_error(std::string field, const std::string& what);
  const std::string& field() const noexcept { return field_; }

 private:
  std::string field_;
};

// A file that is missing, unreadable or malformed. `row` is the 1-based line (0 when no
// row applies), `column` the column's name as the file spells it ("" when none applies);
// the message reads "path:row: column 'name': what".
class file_error : public error {
 public:
  file_error(std::string path, const std::string& what, std::size_t row = 0,
             std::string column = {});
  const std::string& path() const noexcept { return path_; }
  std::size_t row() const noexcept { return row_; }
  const std::string& column() const noexcept { return column_; }

 private:
  std::string path_;
  std::size_t row_;
  std::string column_;
};

// A name that names nothing: an unknown neuron, cell type, group or dataset. `name` is
// the name as given, `kind` what it was meant to name ("cell type", "group", ...).
class unknown_name_error : public error {
 public:
  unknown_name_error(std::string name, std::string kind, const std::string& what);
  const std::string& name() const noexcept { return name_; }
  const std::string& kind() const noexcept { return kind_; }

 private:
  std::string name_, kind_;
};

// An entry of values at (batch item, layer, neuron) that does not fit the network: an item,
// layer or neuron out of range, or a value that is not a finite number. The fields hold the
// entry's coordinates (empty: not given, e.g. a target for every batch item).
class item_error : public error {
 public:
  item_error(std::optional<std::int64_t> batch, std::optional<int> layer,
             std::optional<std::int64_t> neuron, const std::string& what);
  const std::optional<std::int64_t>& batch() const noexcept { return batch_; }
  const std::optional<int>& layer() const noexcept { return layer_; }
  const std::optional<std::int64_t>& neuron() const noexcept { return neuron_; }

 private:
  std::optional<std::int64_t> batch_;
  std::optional<int> layer_;
  std::optional<std::int64_t> neuron_;
};

// A broken invariant inside kenyon: never the user's fault.
class internal_error : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

}  // namespace kenyon

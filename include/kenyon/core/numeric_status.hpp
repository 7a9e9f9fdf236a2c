#pragma once
// Numerical failure as a status, not an exception (Eigen's info() pattern): a NaN or an
// infinity in a simulation, a forward or backward pass, an optimisation or a training step
// is recorded where it first appeared, and the result carries the report. The numbers
// themselves are left as they are (NaN propagates as in the reference packages).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>

namespace kenyon {

enum class numeric_status { ok, non_finite };
std::string to_string(numeric_status status);  // "ok" or "non_finite"

// Where the first value that is not a finite number appeared. Coordinates that do not
// apply are -1 (or empty).
struct non_finite_report {
  std::string where{};     // "forward", "backward", "actmax", "train", "moth simulation"
  std::string quantity{};  // what held it: "state", "gradient", "loss", "input gradient", ...
  std::int64_t step = -1;  // time step (MothNet), iteration (actmax) or epoch (train)
  int layer = -1;          // rate-network layer
  std::int64_t neuron = -1;
  std::int64_t batch = -1;  // batch item
  std::string cell_type{};  // the neuron's cell type (group) or population, when known
  double value = 0;         // NaN, +inf or -inf
  // One line, e.g. "forward: state at layer 2, neuron 17 (cell type KC), batch item 0 is nan".
  std::string message() const;
};

// {"where", "quantity", "value" (as text: "nan", "inf", "-inf"), "message"} plus each
// coordinate that applies (step, layer, neuron, batch, cell_type).
nlohmann::json to_json(const non_finite_report& report);
// The report to_json wrote; throws kenyon::error for anything else.
non_finite_report non_finite_report_from_json(const nlohmann::json& j);

// The status a result's optional report stands for.
inline numeric_status status_of(const std::optional<non_finite_report>& report) {
  return report ? numeric_status::non_finite : numeric_status::ok;
}

// The index of the first entry that is not a finite number, or -1. One vectorised pass
// (threaded for large arrays) finds whether there is one; only then is the index looked up.
std::int64_t first_non_finite(std::span<const float> values);
std::int64_t first_non_finite(std::span<const double> values);

}  // namespace kenyon

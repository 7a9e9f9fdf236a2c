#include "kenyon/core/numeric_status.hpp"

#include <cmath>
#include <cstdio>
#include <limits>

#include "kenyon/core/error.hpp"

namespace kenyon {
namespace {

std::string value_text(double v) { return std::isnan(v) ? "nan" : v > 0 ? "inf" : "-inf"; }

template <class real>
std::int64_t find_first(std::span<const real> values) {
  const real* v = values.data();
  const auto n = static_cast<std::int64_t>(values.size());
  // v * 0 is 0 for every finite v and NaN for NaN and +-inf, so the sum is NaN exactly
  // when a value is not finite; unlike a sum of the values it cannot overflow, and it
  // vectorises without branches.
  // Small arrays (MothNet's populations, every step) skip the OpenMP region's overhead.
  real probe = 0;
  if (n > (1 << 18)) {
#pragma omp parallel for simd reduction(+ : probe) schedule(static)
    for (std::int64_t i = 0; i < n; ++i) probe += v[i] * real(0);
  } else {
#pragma omp simd reduction(+ : probe)
    for (std::int64_t i = 0; i < n; ++i) probe += v[i] * real(0);
  }
  if (!std::isnan(probe)) return -1;
  for (std::int64_t i = 0; i < n; ++i)
    if (!std::isfinite(v[i])) return i;
  return -1;
}

}  // namespace

std::string to_string(numeric_status status) {
  return status == numeric_status::ok ? "ok" : "non_finite";
}

std::string non_finite_report::message() const {
  std::string m = where + ": " + quantity;
  std::string at;
  const auto add = [&](const std::string& part) { at += (at.empty() ? " at " : ", ") + part; };
  if (step >= 0)
    add((where == "moth simulation" ? "time step "
         : where == "train"         ? "epoch "
                                    : "iteration ") +
        std::to_string(step));
  if (layer >= 0) add("layer " + std::to_string(layer));
  if (neuron >= 0)
    add("neuron " + std::to_string(neuron) +
        (cell_type.empty() ? std::string() : " (" + cell_type + ")"));
  else if (!cell_type.empty())
    add(cell_type);
  if (batch >= 0) add("batch item " + std::to_string(batch));
  return m + at + " is " + value_text(value);
}

nlohmann::json to_json(const non_finite_report& r) {
  nlohmann::json j = {{"where", r.where}, {"quantity", r.quantity}, {"value", value_text(r.value)}};
  if (r.step >= 0) j["step"] = r.step;
  if (r.layer >= 0) j["layer"] = r.layer;
  if (r.neuron >= 0) j["neuron"] = r.neuron;
  if (r.batch >= 0) j["batch"] = r.batch;
  if (!r.cell_type.empty()) j["cell_type"] = r.cell_type;
  j["message"] = r.message();
  return j;
}

non_finite_report non_finite_report_from_json(const nlohmann::json& j) {
  const auto text = [&](const char* key) {
    if (!j.contains(key) || !j[key].is_string())
      throw error(std::string("numerical failure report: no text '") + key + "'");
    return j[key].get<std::string>();
  };
  const auto whole = [&](const char* key) -> std::int64_t {
    if (!j.contains(key)) return -1;
    if (!j[key].is_number_integer() || j[key].get<std::int64_t>() < 0)
      throw error(std::string("numerical failure report: '") + key +
                  "' is not a non-negative integer");
    return j[key].get<std::int64_t>();
  };
  if (!j.is_object()) throw error("numerical failure report: not a JSON object");
  non_finite_report r;
  r.where = text("where");
  r.quantity = text("quantity");
  const auto value = text("value");
  if (value == "nan")
    r.value = std::numeric_limits<double>::quiet_NaN();
  else if (value == "inf" || value == "-inf")
    r.value = (value == "inf" ? 1 : -1) * std::numeric_limits<double>::infinity();
  else
    throw error("numerical failure report: value '" + value + "' is not nan, inf or -inf");
  r.step = whole("step");
  const auto layer = whole("layer");
  if (layer > std::numeric_limits<int>::max())
    throw error("numerical failure report: layer out of range");
  r.layer = static_cast<int>(layer);
  r.neuron = whole("neuron");
  r.batch = whole("batch");
  if (j.contains("cell_type")) r.cell_type = text("cell_type");
  return r;
}

std::int64_t first_non_finite(std::span<const float> values) { return find_first(values); }
std::int64_t first_non_finite(std::span<const double> values) { return find_first(values); }

}  // namespace kenyon

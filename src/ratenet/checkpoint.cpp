#include "kenyon/ratenet/checkpoint.hpp"

#include "kenyon/core/checkpoint.hpp"
#include "kenyon/core/error.hpp"

namespace kenyon::ratenet {

nlohmann::json to_json(const actmax_state& s) {
  const auto& r = s.partial;
  nlohmann::json snapshots = nlohmann::json::array();
  for (const auto& snap : r.snapshots) snapshots.push_back(exact_array(snap));
  return {{"shape", r.shape},
          {"iterations", r.iterations},
          {"input", exact_array(r.input)},
          {"target_loss", exact_array(r.target_loss)},
          {"out_reg", exact_array(r.out_reg)},
          {"in_reg", exact_array(r.in_reg)},
          {"snapshots", snapshots},
          {"adam_m", exact_array(s.optimiser.m)},
          {"adam_v", exact_array(s.optimiser.v)},
          {"adam_steps", s.optimiser.steps}};
}

actmax_state actmax_state_from_json(const nlohmann::json& j) {
  actmax_state s;
  auto& r = s.partial;
  try {
    r.shape = j.at("shape").get<std::vector<std::int64_t>>();
    r.iterations = j.at("iterations").get<int>();
    s.optimiser.steps = j.at("adam_steps").get<int>();
    for (const auto& snap : j.at("snapshots"))
      r.snapshots.push_back(exact_floats(snap, "snapshots"));
  } catch (const nlohmann::json::exception& e) {
    throw error(std::string("activation maximisation checkpoint: ") + e.what());
  }
  r.input = exact_floats(j.value("input", nlohmann::json()), "input");
  r.target_loss = exact_doubles(j.value("target_loss", nlohmann::json()), "target_loss");
  r.out_reg = exact_doubles(j.value("out_reg", nlohmann::json()), "out_reg");
  r.in_reg = exact_doubles(j.value("in_reg", nlohmann::json()), "in_reg");
  s.optimiser.m = exact_floats(j.value("adam_m", nlohmann::json()), "adam_m");
  s.optimiser.v = exact_floats(j.value("adam_v", nlohmann::json()), "adam_v");
  const auto n = static_cast<std::size_t>(r.iterations);
  if (r.iterations < 0 || r.target_loss.size() != n || r.out_reg.size() != n ||
      r.in_reg.size() != n)
    throw error("activation maximisation checkpoint: the loss histories do not match its " +
                std::to_string(r.iterations) + " iterations");
  return s;
}

nlohmann::json to_json(const train_state& s) {
  const auto& h = s.history;
  const auto& p = s.parameters;
  nlohmann::json optimisers = nlohmann::json::array();
  for (const auto& o : s.optimisers)
    optimisers.push_back({{"m", exact_array(o.m)}, {"v", exact_array(o.v)}, {"steps", o.steps}});
  nlohmann::json j = {{"loss", exact_array(h.loss)},
                      {"activation_loss", exact_array(h.activation_loss)},
                      {"param_reg_loss", exact_array(h.param_reg_loss)},
                      {"val_loss", exact_array(h.val_loss)},
                      {"divisive_strength", exact_array(p.divisive_strength)},
                      {"tau_param", exact_array(p.tau_param)},
                      {"slope", exact_array(p.slope)},
                      {"raw_bias", exact_array(p.raw_bias)},
                      {"optimisers", optimisers},
                      {"skipped_steps", s.skipped_steps}};
  if (s.non_finite) j["non_finite"] = to_json(*s.non_finite);
  return j;
}

train_state train_state_from_json(const nlohmann::json& j) {
  train_state s;
  auto& h = s.history;
  auto& p = s.parameters;
  auto field = [&](const char* key) {
    return j.is_object() ? j.value(key, nlohmann::json()) : nlohmann::json();
  };
  h.loss = exact_doubles(field("loss"), "loss");
  h.activation_loss = exact_doubles(field("activation_loss"), "activation_loss");
  h.param_reg_loss = exact_doubles(field("param_reg_loss"), "param_reg_loss");
  h.val_loss = exact_doubles(field("val_loss"), "val_loss");
  p.divisive_strength = exact_floats(field("divisive_strength"), "divisive_strength");
  p.tau_param = exact_floats(field("tau_param"), "tau_param");
  p.slope = exact_floats(field("slope"), "slope");
  p.raw_bias = exact_floats(field("raw_bias"), "raw_bias");
  const auto optimisers = field("optimisers");
  if (!optimisers.is_array()) throw error("training checkpoint: no optimisers");
  for (const auto& o : optimisers) {
    if (!o.is_object() || !o.contains("steps") || !o["steps"].is_number_integer())
      throw error("training checkpoint: an optimiser without its step count");
    s.optimisers.push_back({exact_floats(o.value("m", nlohmann::json()), "m"),
                            exact_floats(o.value("v", nlohmann::json()), "v"),
                            o["steps"].get<int>()});
  }
  const auto n = h.loss.size();
  if (h.activation_loss.size() != n || h.param_reg_loss.size() != n || h.val_loss.size() != n)
    throw error("training checkpoint: the loss histories have different lengths");
  // Written since skipped steps are counted; an older checkpoint has none.
  if (const auto skipped = field("skipped_steps"); !skipped.is_null()) {
    if (!skipped.is_number_integer() || skipped.get<std::int64_t>() < 0 ||
        skipped.get<std::int64_t>() > static_cast<std::int64_t>(n))
      throw error("training checkpoint: 'skipped_steps' is not a count of the epochs done");
    s.skipped_steps = skipped.get<int>();
  }
  if (const auto report = field("non_finite"); !report.is_null())
    s.non_finite = non_finite_report_from_json(report);
  return s;
}

}  // namespace kenyon::ratenet

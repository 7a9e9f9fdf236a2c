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

}  // namespace kenyon::ratenet

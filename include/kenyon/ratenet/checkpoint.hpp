#pragma once
// The saved state of activation maximisation as JSON (core/checkpoint.hpp: every bit kept),
// for `kenyon net maximise --resume`.
#include <nlohmann/json.hpp>

#include "kenyon/ratenet/actmax.hpp"

namespace kenyon::ratenet {

nlohmann::json to_json(const actmax_state& state);
// Throws kenyon::error for a JSON object that to_json did not write.
actmax_state actmax_state_from_json(const nlohmann::json& j);

}  // namespace kenyon::ratenet

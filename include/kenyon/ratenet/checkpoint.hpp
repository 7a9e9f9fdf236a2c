#pragma once
// The saved states of activation maximisation and of training as JSON (core/checkpoint.hpp:
// every bit kept), for `kenyon net maximise --resume` and `kenyon net train --resume`.
#include <nlohmann/json.hpp>

#include "kenyon/ratenet/actmax.hpp"
#include "kenyon/ratenet/train.hpp"

namespace kenyon::ratenet {

nlohmann::json to_json(const actmax_state& state);
// Throws kenyon::error for a JSON object that to_json did not write.
actmax_state actmax_state_from_json(const nlohmann::json& j);

nlohmann::json to_json(const train_state& state);
train_state train_state_from_json(const nlohmann::json& j);

}  // namespace kenyon::ratenet

#include "kenyon/moth/plasticity.hpp"

#include <algorithm>

namespace kenyon::moth {

void k2e_hebbian_step(float* k2e, int num_readouts, int num_kenyon, int en, float e_new,
                      const float* k_old, const k2e_learning& rule) {
  const float growth = rule.growth_rate * e_new;
  for (int k = 0; k < num_kenyon; ++k) {
    float& w = k2e[static_cast<std::size_t>(k) * num_readouts + en];
    const float dw = growth * k_old[k];
    if (dw == 0) w -= (w + 2) * rule.die_back;
    w = std::clamp(w + dw, 0.0f, rule.max);
  }
}

}  // namespace kenyon::moth

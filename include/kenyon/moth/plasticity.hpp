#pragma once
// Octopamine-gated Hebbian plasticity of the K->E readout (spec mothnet.md section 5.5).
// The P->K update, a rank-one growth on existing synapses, lives with the P->K weights in
// the simulation's kernel.
#include <cstddef>

namespace kenyon::moth {

struct k2e_learning {
  float growth_rate = 0;  // 1 / (heb_tau_ke * goal), per step: the originals have no dt here
  float die_back = 0;     // dt / (die_back_tau_ke * goal)
  float max = 0;          // upper clamp of the weights
};

// One Hebbian step for the EN `en` of the presented class. `k2e` is Kenyon-cell-major
// (k2e[k * num_readouts + e]). Each synapse k of that EN grows by
// growth_rate * e_new * k_old[k]; synapses whose growth is exactly zero (silent Kenyon
// cells) die back by (w + 2) * die_back; weights are then clipped to [0, max].
void k2e_hebbian_step(float* k2e, int num_readouts, int num_kenyon, int en, float e_new,
                      const float* k_old, const k2e_learning& rule);

}  // namespace kenyon::moth

#pragma once
// The Euler-Maruyama step shared by kenyon's stochastic rate models (docs/numerics.md):
// dx = (-rate x + input) dt + noise dW, with dW = sqrt(dt) z and z ~ N(0, 1) from
// fill_normals (core/rng.hpp).

namespace kenyon {

inline float euler_maruyama(float x, float rate, float input, float noise, float z, float dt,
                            float sqrt_dt) {
  return x + dt * (-rate * x + input) + sqrt_dt * noise * z;
}

}  // namespace kenyon

#pragma once
// The optimisers activation maximisation and training use, with PyTorch's arithmetic
// (torch.optim.Adam, torch.nn.utils.clip_grad_norm_) so that trajectories match the
// reference package step for step in float32.
#include <cmath>
#include <cstddef>
#include <span>
#include <vector>

namespace kenyon::ratenet {

struct adam_params {
  double learning_rate = 0.1;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  void validate() const;
};

// Adam's moments and step count: what a stopped run saves to continue exactly.
template <class real>
struct adam_state {
  std::vector<real> m, v;
  int steps = 0;
};

// Adam over one flat parameter vector (first and second moments kept here).
template <class real>
class adam {
 public:
  adam(std::size_t size, const adam_params& params);
  // One step: param -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps).
  void step(std::span<real> param, std::span<const real> grad);
  int steps_taken() const { return step_; }
  adam_state<real> state() const { return {m_, v_, step_}; }
  // Continues from a saved state; throws kenyon::error if its sizes do not match.
  void restore(const adam_state<real>& s);

 private:
  adam_params params_;
  std::vector<real> m_, v_;
  int step_ = 0;
};

// Scales the gradients so that their joint L2 norm is at most max_norm (PyTorch's
// clip_grad_norm_: coefficient max_norm / (norm + 1e-6), applied only if below 1).
// Returns the norm before clipping.
template <class real>
double clip_grad_norm(std::span<const std::span<real>> grads, double max_norm);

}  // namespace kenyon::ratenet

#include "kenyon/ratenet/optim.hpp"

#include <algorithm>
#include <string>

#include "kenyon/core/error.hpp"

namespace kenyon::ratenet {

void adam_params::validate() const {
  if (!(learning_rate > 0) || !std::isfinite(learning_rate))
    throw parameter_error("learning_rate", "expected a positive number");
  if (!(beta1 >= 0 && beta1 < 1)) throw parameter_error("beta1", "expected a value in [0, 1)");
  if (!(beta2 >= 0 && beta2 < 1)) throw parameter_error("beta2", "expected a value in [0, 1)");
  if (!(eps > 0)) throw parameter_error("eps", "expected a positive number");
}

template <class real>
adam<real>::adam(std::size_t size, const adam_params& params)
    : params_(params), m_(size, real(0)), v_(size, real(0)) {
  params.validate();
}

template <class real>
void adam<real>::step(std::span<real> param, std::span<const real> grad) {
  ++step_;
  // As torch: the bias corrections and step size in double, the tensor work in `real`.
  const double correction1 = 1 - std::pow(params_.beta1, step_);
  const double correction2_sqrt = std::sqrt(1 - std::pow(params_.beta2, step_));
  const real beta1 = static_cast<real>(params_.beta1), beta2 = static_cast<real>(params_.beta2);
  const real one_minus_beta1 = static_cast<real>(1 - params_.beta1);
  const real one_minus_beta2 = static_cast<real>(1 - params_.beta2);
  const real step_size = static_cast<real>(-params_.learning_rate / correction1);
  const real c2 = static_cast<real>(correction2_sqrt), eps = static_cast<real>(params_.eps);
  for (std::size_t i = 0; i < param.size(); ++i) {
    const real g = grad[i];
    m_[i] = m_[i] * beta1 + g * one_minus_beta1;
    v_[i] = v_[i] * beta2 + one_minus_beta2 * (g * g);
    const real denom = std::sqrt(v_[i]) / c2 + eps;
    param[i] = param[i] + step_size * (m_[i] / denom);
  }
}

template <class real>
void adam<real>::restore(const adam_state<real>& s) {
  if (s.m.size() != m_.size() || s.v.size() != v_.size() || s.steps < 0)
    throw error("adam: the saved state has " + std::to_string(s.m.size()) + " and " +
                std::to_string(s.v.size()) + " moments, expected " + std::to_string(m_.size()));
  m_ = s.m;
  v_ = s.v;
  step_ = s.steps;
}

template <class real>
double clip_grad_norm(std::span<const std::span<real>> grads, double max_norm) {
  double total = 0;
  for (const auto& g : grads) {
    double s = 0;
    for (real x : g) s += double(x) * double(x);
    total += s;
  }
  const double norm = std::sqrt(total);
  const double coefficient = max_norm / (norm + 1e-6);
  if (coefficient < 1)
    for (const auto& g : grads)
      for (real& x : g) x = static_cast<real>(x * static_cast<real>(coefficient));
  return norm;
}

template class adam<float>;
template class adam<double>;
template double clip_grad_norm(std::span<const std::span<float>>, double);
template double clip_grad_norm(std::span<const std::span<double>>, double);

}  // namespace kenyon::ratenet

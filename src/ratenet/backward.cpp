// Hand-written backpropagation through time for the rate networks (no autograd). Each
// layer's intermediate values are recomputed elementwise from its previous state and its
// product W a_{l-1} (kept by the trajectory, or recomputed one checkpoint segment at a
// time), so the same arithmetic runs whatever the checkpoint interval: the gradients are
// bit-identical. Products with W^T use a transposed copy built with the network; the
// parameter gradients are summed per neuron (one thread per neuron) and then per group in
// neuron order, so they do not depend on the thread count either.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "kenyon/core/error.hpp"
#include "ratenet/network_impl.hpp"

namespace kenyon::ratenet {
namespace {

template <class real>
struct backward_kernel_args {
  std::int64_t neurons, batch;
  const real *prev, *wx, *divisive;
  const real *slope, *bias, *tau, *inv_tau, *keep;
  const std::int64_t* sensory_pos;
  const real* input;  // (batch, sensory, steps)
  real* input_grad;   // same layout
  std::int64_t sensory, steps, column;
  real theta;
  real* grad;           // in: dLoss/da_l; out: the leaky part of dLoss/da_{l-1}
  real* grad_wx;        // out: dLoss/d(W a_{l-1})
  real* grad_divisive;  // out: dLoss/d(sum_k w_k s_k a_{l-1}[pre_k])
  double *acc_slope, *acc_bias, *acc_tau;
};

struct contribution {
  double slope, bias, tau;  // to dLoss/dbeta, dLoss/db and (times tau^2) dLoss/dtau
};

// The backward pass of step_kernel (network.cpp) for one layer, over the same blocks of
// neurons. The forward values are recomputed from a_{l-1} and W a_{l-1}; tanh(h(z)) goes
// through the same vectorised tanh, parked in grad_wx until that is written. Derivatives at
// the kinks follow PyTorch: relu'(0) = 0, clamp passes the gradient at its bound.
// `params`: accumulate the parameter gradients (else only dLoss/da and dLoss/dinput).
template <class real, bool linear, bool divisive, bool post, bool params>
void backward_kernel(const backward_kernel_args<real>& k) {
  const auto batch = k.batch;
  const auto block = detail::block_neurons(batch);
  const auto blocks = (k.neurons + block - 1) / block;
  const auto input_stride = k.sensory * k.steps;
  const real theta = k.theta;
#pragma omp parallel for schedule(static) if (detail::parallel_elementwise(k.neurons * batch))
  for (std::int64_t block_index = 0; block_index < blocks; ++block_index) {
    const std::int64_t first = block_index * block, last = std::min(first + block, k.neurons);
    const auto slope_of = [&](std::int64_t i, std::int64_t n, real& m, real& scaled) {
      const real beta0 = k.slope[i];
      m = 1;
      scaled = beta0;
      if constexpr (divisive) {
        m = real(1) + k.divisive[n];
        scaled = beta0 * m;
        return scaled < real(0) ? real(0) : scaled;
      }
      return beta0;
    };
    if constexpr (!linear) {
      detail::for_values(first, last, batch, [&](std::int64_t i, std::int64_t n) {
        real m, scaled;
        const real z = slope_of(i, n, m, scaled) * k.wx[n] + k.bias[i];
        k.grad_wx[n] = detail::h_theta(z, theta);
      });
      detail::tanh_in_place(k.grad_wx + first * batch, (last - first) * batch);
    }
    const auto element = [&](std::int64_t i, std::int64_t n) {
      real m, scaled;
      const real beta = slope_of(i, n, m, scaled);
      const real z = beta * k.wx[n] + k.bias[i];
      const real prev = k.prev[n];
      const real inv_tau = k.inv_tau[i];
      const real t = linear ? real(0) : k.grad_wx[n];  // tanh(h(z))
      real g = k.grad[n];
      if constexpr (post) {
        const std::int64_t pos = k.sensory_pos[i];
        if constexpr (!linear) {
          // c = a (+ input at sensory neurons); a_l = min(h(c), 1).
          const real a = inv_tau * t + k.keep[i] * prev;
          const real c =
              pos >= 0 ? a + k.input[pos * k.steps + k.column + (n - i * batch) * input_stride] : a;
          const real r = c - theta;
          const real h = (r < real(0) ? real(0) : r) + (c >= theta ? theta : real(0));
          g = (r > real(0) && h <= real(1)) ? g : real(0);
        }
        if (pos >= 0) k.input_grad[pos * k.steps + k.column + (n - i * batch) * input_stride] = g;
      }
      // Leaky update a = f / tau + (tau - 1) / tau prev, f = tanh(h(z)) or z; tau^2 da/dtau =
      // prev - f.
      real grad_z;
      contribution c{};
      if constexpr (linear) {
        c.tau = static_cast<double>(g * (prev - z));
        grad_z = g * inv_tau;
      } else {
        c.tau = static_cast<double>(g * (prev - t));
        const real grad_h = g * inv_tau * (real(1) - t * t);
        grad_z = z - theta > real(0) ? grad_h : real(0);
      }
      k.grad[n] = g * k.keep[i];
      c.bias = static_cast<double>(grad_z);
      k.grad_wx[n] = grad_z * beta;
      const real grad_beta = grad_z * k.wx[n];
      if constexpr (divisive) {
        const real grad_scaled = scaled >= real(0) ? grad_beta : real(0);
        c.slope = static_cast<double>(grad_scaled * m);
        k.grad_divisive[n] = grad_scaled * k.slope[i];
      } else {
        c.slope = static_cast<double>(grad_beta);
      }
      return c;
    };
    if constexpr (!params) {
      for (std::int64_t i = first; i < last; ++i)
#pragma omp simd
        for (std::int64_t b = 0; b < batch; ++b) element(i, i * batch + b);
    } else if (batch == 1) {
#pragma omp simd
      for (std::int64_t i = first; i < last; ++i) {
        const contribution c = element(i, i);
        const double tau = static_cast<double>(k.tau[i]);
        k.acc_slope[i] += c.slope;
        k.acc_bias[i] += c.bias;
        k.acc_tau[i] += c.tau / (tau * tau);
      }
    } else {
      for (std::int64_t i = first; i < last; ++i) {
        double slope = 0, bias = 0, tau_sum = 0;
        for (std::int64_t b = 0; b < batch; ++b) {
          const contribution c = element(i, i * batch + b);
          slope += c.slope;
          bias += c.bias;
          tau_sum += c.tau;
        }
        const double tau = static_cast<double>(k.tau[i]);
        k.acc_slope[i] += slope;
        k.acc_bias[i] += bias;
        k.acc_tau[i] += tau_sum / (tau * tau);
      }
    }
  }
}

template <class real, bool linear, bool divisive, bool post>
void dispatch_params(const backward_kernel_args<real>& k, bool params) {
  if (params)
    backward_kernel<real, linear, divisive, post, true>(k);
  else
    backward_kernel<real, linear, divisive, post, false>(k);
}

template <class real, bool linear>
void dispatch_backward(const backward_kernel_args<real>& k, bool divisive, bool post, bool params) {
  if (divisive) {
    if (post)
      dispatch_params<real, linear, true, true>(k, params);
    else
      dispatch_params<real, linear, true, false>(k, params);
  } else {
    if (post)
      dispatch_params<real, linear, false, true>(k, params);
    else
      dispatch_params<real, linear, false, false>(k, params);
  }
}

}  // namespace

template <class real>
gradients<real> basic_network<real>::backward(const basic_trajectory<real>& trajectory,
                                              std::span<const real> grad_activations,
                                              const backward_options& options) const {
  const auto batch = trajectory.batch();
  const int layers = trajectory.num_layers();
  if (static_cast<std::int64_t>(grad_activations.size()) != batch * n_ * layers)
    throw error("backward: " + std::to_string(grad_activations.size()) +
                " activation gradients, expected batch x neurons x layers = " +
                std::to_string(batch * n_ * layers));
  const auto n = n_;
  const real* g = grad_activations.data();
  return backward(
      trajectory,
      [&](int layer, std::span<const real>, std::span<real> grad) {
#pragma omp parallel for schedule(static) if (detail::parallel_elementwise(n * batch))
        for (std::int64_t i = 0; i < n; ++i)
          for (std::int64_t b = 0; b < batch; ++b)
            grad[static_cast<std::size_t>(i * batch + b)] += g[(b * n + i) * layers + layer];
      },
      {}, options);
}

// The sensory rows of dLoss/dr = W^T grad_wx + s (D^T grad_divisive) + leaky part, written
// to dLoss/dinput column 0: the same sums as multiply() and the combination in backward(),
// restricted to the sensory rows, one thread per row.
template <class real>
void basic_network<real>::sensory_rows(const real* grad_wx, const real* grad_divisive,
                                       const real* leaky, const real* r,
                                       const detail::input_dims& dims, real* input_grad,
                                       double* acc_strength) const {
  const auto batch = dims.batch;
  const bool divisive = !params_.divisive_normalization.empty();
  const auto row_product = [batch](const sparse::basic_csr<real>& m, std::int64_t row,
                                   const real* x, std::int64_t b) {
    real sum = 0;
    for (auto k = m.row_begin[static_cast<std::size_t>(row)];
         k < m.row_begin[static_cast<std::size_t>(row) + 1]; ++k)
      sum += m.value[static_cast<std::size_t>(k)] *
             x[static_cast<std::int64_t>(m.col[static_cast<std::size_t>(k)]) * batch + b];
    return sum;
  };
#pragma omp parallel for schedule(dynamic, 16) if (num_sensory() * batch > 4096)
  for (std::int64_t j = 0; j < num_sensory(); ++j) {
    const auto i = sensory_[static_cast<std::size_t>(j)];
    double sum_strength = 0;
    for (std::int64_t b = 0; b < batch; ++b) {
      const auto m = i * batch + b;
      real v = row_product(wt_, i, grad_wx, b);
      if (divisive) {
        const real q = row_product(div_t_, i, grad_divisive, b);
        v += strength_n_[static_cast<std::size_t>(i)] * q;
        sum_strength += static_cast<double>(r[m] * q);
      }
      input_grad[(b * dims.sensory + j) * dims.steps] = v + leaky[m];
    }
    acc_strength[static_cast<std::size_t>(i)] += sum_strength;
  }
}

template <class real>
gradients<real> basic_network<real>::backward(const basic_trajectory<real>& trajectory,
                                              const layer_seed<real>& seed,
                                              const layer_observer<real>& observe,
                                              const backward_options& options) const {
  if (trajectory.owner_ != this || trajectory.generation_ != generation_)
    throw error(
        "backward: the trajectory was recorded by another network, or before set_parameters");
  if (activation_) throw error("backward: not available with a custom activation function");
  const auto& dims = trajectory.dims_;
  const auto batch = dims.batch;
  const int layers = trajectory.layers_;
  const int interval = trajectory.interval_;
  const auto values = static_cast<std::size_t>(n_ * batch);
  const bool divisive = !params_.divisive_normalization.empty();
  const bool linear = params_.kind == network_kind::linear;
  const run_context context{trajectory.input_.data(), dims, &trajectory.clamps_};
  const auto& clamps = trajectory.clamps_;
  const bool params = has_groups() && options.parameters;

  detail::workspace<real> work;
  if (divisive) work.divisive.resize(values);
  aligned_vector<real> initial(values);
  initial_state(context.input, dims, initial.data());
  aligned_vector<real> grad(values, real(0)), grad_prev(values), grad_wx(values);
  aligned_vector<real> grad_divisive(divisive ? values : 0), back_divisive(divisive ? values : 0);
  const auto segment = static_cast<std::size_t>(interval == 0 ? 0 : std::min(interval, layers));
  aligned_vector<real> segment_states(segment * values), segment_wx(segment * values);
  const auto neurons = static_cast<std::size_t>(n_);
  std::vector<double> acc_slope(neurons, 0), acc_bias(neurons, 0), acc_tau(neurons, 0),
      acc_strength(neurons, 0);

  gradients<real> out;
  out.input.assign(trajectory.input_.size(), real(0));

  // Segments [first, last) from the end; with interval 0 one segment of every layer.
  const int length = interval == 0 ? layers : interval;
  for (int first = ((layers - 1) / length) * length; first >= 0; first -= length) {
    const int last = std::min(first + length, layers);
    const real* start = first == 0 ? initial.data()
                                   : trajectory.states_.data() +
                                         static_cast<std::size_t>(first / interval - 1) * values;
    const auto state = [&](int l) -> const real* {
      return interval == 0 ? trajectory.states_.data() + static_cast<std::size_t>(l) * values
                           : segment_states.data() + static_cast<std::size_t>(l - first) * values;
    };
    const auto wx = [&](int l) -> const real* {
      return interval == 0 ? trajectory.wx_.data() + static_cast<std::size_t>(l) * values
                           : segment_wx.data() + static_cast<std::size_t>(l - first) * values;
    };
    if (interval != 0) {  // recompute the segment's states and products
      const real* prev = start;
      for (int l = first; l < last; ++l) {
        const auto slot = static_cast<std::size_t>(l - first) * values;
        step(l, prev, segment_wx.data() + slot, segment_states.data() + slot, context, work);
        prev = segment_states.data() + slot;
      }
    }
    for (int l = last - 1; l >= first; --l) {
      const real* prev = l == first ? start : state(l - 1);
      if (seed) seed(l, std::span<const real>(state(l), values), std::span<real>(grad));
      if (!out.non_finite) out.non_finite = check_layer("backward", "gradient", l, grad);
      if (observe) observe(l, std::span<const real>(grad));
      for (auto k = clamps.layer_begin[static_cast<std::size_t>(l)];
           k < clamps.layer_begin[static_cast<std::size_t>(l) + 1]; ++k)
        grad[static_cast<std::size_t>(clamps.offset[static_cast<std::size_t>(k)])] = real(0);

      if (divisive) sparse::multiply(div_eff_, prev, work.divisive.data(), batch);
      const backward_kernel_args<real> k{n_,
                                         batch,
                                         prev,
                                         wx(l),
                                         divisive ? work.divisive.data() : nullptr,
                                         slope_n_.data(),
                                         bias_n_.data(),
                                         tau_n_.data(),
                                         inv_tau_n_.data(),
                                         keep_n_.data(),
                                         sensory_pos_.data(),
                                         context.input,
                                         out.input.data(),
                                         dims.sensory,
                                         dims.steps,
                                         l + 1,
                                         static_cast<real>(params_.threshold),
                                         grad.data(),
                                         grad_wx.data(),
                                         divisive ? grad_divisive.data() : nullptr,
                                         acc_slope.data(),
                                         acc_bias.data(),
                                         acc_tau.data()};
      const bool post = l < layers - 1;
      if (linear)
        dispatch_backward<real, true>(k, divisive, post, params);
      else
        dispatch_backward<real, false>(k, divisive, post, params);

      if (l == 0) {
        // a_{-1} = r is zeros outside the sensory rows and no state: only its sensory rows
        // of dLoss/dr are needed, dLoss/dinput column 0 (and the strength terms vanish
        // elsewhere, r being 0).
        sensory_rows(grad_wx.data(), grad_divisive.data(), grad.data(), prev, dims,
                     out.input.data(), acc_strength.data());
        break;
      }
      // dLoss/da_{l-1} = W^T grad_wx + s (D^T grad_divisive) + leaky part (now in grad).
      sparse::multiply_adaptive(wt_, w_, w_chain_, grad_wx.data(), grad_prev.data(), batch);
      if (divisive) sparse::multiply(div_t_, grad_divisive.data(), back_divisive.data(), batch);
#pragma omp parallel for schedule(static) if (detail::parallel_elementwise(n_ * batch))
      for (std::int64_t i = 0; i < n_; ++i) {
        const real strength = strength_n_[static_cast<std::size_t>(i)];
        double sum_strength = 0;
        for (std::int64_t b = 0; b < batch; ++b) {
          const auto m = static_cast<std::size_t>(i * batch + b);
          real v = grad_prev[m];
          if (divisive) {
            v += strength * back_divisive[m];
            sum_strength += static_cast<double>(prev[m] * back_divisive[m]);
          }
          grad_prev[m] = v + grad[m];
        }
        acc_strength[static_cast<std::size_t>(i)] += sum_strength;
      }
      std::swap(grad, grad_prev);
    }
  }

  if (params) {
    const auto num_groups = groups_.size();
    std::vector<double> slope(num_groups, 0), bias(num_groups, 0), tau(num_groups, 0),
        strength(div_pre_groups_.size(), 0);
    for (std::size_t i = 0; i < neurons; ++i) {
      const auto g = static_cast<std::size_t>(group_of_[i]);
      slope[g] += acc_slope[i];
      bias[g] += acc_bias[i];
      tau[g] += acc_tau[i];
      if (strength_of_[i] >= 0)
        strength[static_cast<std::size_t>(strength_of_[i])] += acc_strength[i];
    }
    auto& p = out.parameters;
    p.slope.resize(num_groups);
    p.raw_bias.resize(num_groups);
    p.tau_param.resize(num_groups);
    for (std::size_t g = 0; g < num_groups; ++g) {
      p.slope[g] = static_cast<real>(slope[g]);
      // d|r|/dr = sign(r), 0 at 0 (torch.abs).
      const real r = parameters_.raw_bias[g];
      p.raw_bias[g] = r > real(0)   ? static_cast<real>(bias[g])
                      : r < real(0) ? static_cast<real>(-bias[g])
                                    : real(0);
      // max(1, tau_param) as torch.clamp(min = 1): gradient where tau_param >= 1.
      p.tau_param[g] = parameters_.tau_param[g] >= real(1) ? static_cast<real>(tau[g]) : real(0);
    }
    p.divisive_strength.resize(strength.size());
    for (std::size_t s = 0; s < strength.size(); ++s)
      p.divisive_strength[s] = static_cast<real>(strength[s]);
  }
  return out;
}

template void basic_network<float>::sensory_rows(const float*, const float*, const float*,
                                                 const float*, const detail::input_dims&, float*,
                                                 double*) const;
template void basic_network<double>::sensory_rows(const double*, const double*, const double*,
                                                  const double*, const detail::input_dims&, double*,
                                                  double*) const;
template gradients<float> basic_network<float>::backward(const basic_trajectory<float>&,
                                                         std::span<const float>,
                                                         const backward_options&) const;
template gradients<double> basic_network<double>::backward(const basic_trajectory<double>&,
                                                           std::span<const double>,
                                                           const backward_options&) const;
template gradients<float> basic_network<float>::backward(const basic_trajectory<float>&,
                                                         const layer_seed<float>&,
                                                         const layer_observer<float>&,
                                                         const backward_options&) const;
template gradients<double> basic_network<double>::backward(const basic_trajectory<double>&,
                                                           const layer_seed<double>&,
                                                           const layer_observer<double>&,
                                                           const backward_options&) const;

}  // namespace kenyon::ratenet

#include "kenyon/ratenet/actmax.hpp"

#include <algorithm>
#include <cmath>

#include "kenyon/core/error.hpp"
#include "kenyon/core/progress.hpp"
#include "kenyon/core/rng.hpp"
#include "kenyon/ratenet/optim.hpp"

namespace kenyon::ratenet {

namespace {

// w1 ||x||_1 + w2 ||x||_2, and scale times its gradient added into grad.
double weighted_l1_l2(std::span<const float> x, std::span<float> grad, float scale, double w1,
                      double w2) {
  double l1 = 0, sq = 0;
  for (float v : x) {
    l1 += std::abs(v);
    sq += double(v) * v;
  }
  const double l2 = std::sqrt(sq);
  // d|x|/dx = sign(x) (0 at 0); d||x||_2/dx = x / ||x||_2 (0 when the norm is 0), as torch.
  const auto a = static_cast<float>(w1);
  const float b = l2 > 0 ? static_cast<float>(w2 / l2) : 0.0f;
  for (std::size_t i = 0; i < x.size(); ++i)
    grad[i] += scale * (a * static_cast<float>((x[i] > 0) - (x[i] < 0)) + x[i] * b);
  return w1 * l1 + w2 * l2;
}

}  // namespace

double l1_plus_l2(std::span<const float> x, std::span<float> grad, float scale) {
  return weighted_l1_l2(x, grad, scale, 1, 1);
}

double l1_plus_l2_mean(std::span<const float> x, std::span<float> grad, float scale) {
  if (x.empty()) return 0;
  const double n = static_cast<double>(x.size());
  return weighted_l1_l2(x, grad, scale, 1 / n, 1 / std::sqrt(n));
}

void actmax_params::validate() const {
  if (num_iterations < 0) throw parameter_error("num_iterations", "expected 0 or more");
  if (!(learning_rate > 0) || !std::isfinite(learning_rate))
    throw parameter_error("learning_rate", "expected a positive number");
  // NaN never compares below the loss spread: early stopping would silently never happen.
  if (std::isnan(stopping_threshold))
    throw parameter_error("stopping_threshold", "expected a number, got nan");
  if (!(in_reg_lambda >= 0) || !std::isfinite(in_reg_lambda))
    throw parameter_error("in_reg_lambda", "expected a non-negative number");
  if (!(out_reg_lambda >= 0) || !std::isfinite(out_reg_lambda))
    throw parameter_error("out_reg_lambda", "expected a non-negative number");
  if (early_stopping && n_runs < 1) throw parameter_error("n_runs", "expected at least 1");
  if (snapshot_every < 1) throw parameter_error("snapshot_every", "expected at least 1");
  if (checkpoint_interval < 0) throw parameter_error("checkpoint_interval", "expected 0 or more");
  if (!in_reg || !out_reg) throw parameter_error("in_reg", "regularisers must be callable");
}

namespace {

struct flat_target {
  std::size_t at;        // in the (batch, N, L) activations
  std::size_t state_at;  // in layer `layer`'s neuron-major state
  int layer;
  float value, weight;
};

// Each item's targets, de-duplicated (a later entry wins), with 1 / (count * batch): the
// loss is the mean over items of the mean squared error over that item's targets.
std::vector<flat_target> flatten(const target_activation& targets, std::int64_t n, int layers) {
  const auto batch = targets.batch_size;
  const auto unique = targets.values();
  std::vector<std::int64_t> per_item(static_cast<std::size_t>(batch), 0);
  for (const auto& [key, v] : unique) ++per_item[static_cast<std::size_t>(std::get<0>(key))];
  std::vector<flat_target> flat;
  for (const auto& [key, v] : unique) {
    const auto [b, l, i] = key;
    flat.push_back({static_cast<std::size_t>((b * n + i) * layers + l),
                    static_cast<std::size_t>(i * batch + b), l, static_cast<float>(v),
                    static_cast<float>(
                        1.0 / (double(per_item[static_cast<std::size_t>(b)]) * double(batch)))});
  }
  return flat;
}

}  // namespace

double target_loss(const network& net, const target_activation& targets,
                   std::span<const float> activations) {
  targets.validate(net.size(), net.num_layers());
  if (activations.size() !=
      static_cast<std::size_t>(targets.batch_size * net.size() * net.num_layers()))
    throw error("target_loss: the activations are not (batch, N, L) for this network");
  double loss = 0;
  for (const auto& t : flatten(targets, net.size(), net.num_layers())) {
    const float d = activations[t.at] - t.value;
    loss += double(t.weight) * d * d;
  }
  return loss;
}

actmax_result activation_maximisation(const network& net, const target_activation& targets,
                                      const actmax_params& params,
                                      std::optional<std::span<const float>> initial,
                                      progress_bar* progress, const actmax_control* control) {
  params.validate();
  const std::int64_t n = net.size(), batch = targets.batch_size;
  const int layers = net.num_layers();
  targets.validate(n, layers);
  actmax_result result;
  result.shape = {batch, net.num_sensory(), layers};
  const auto input_size = static_cast<std::size_t>(batch * net.num_sensory() * layers);
  const auto act_size = static_cast<std::size_t>(batch * n * layers);

  auto& x = result.input;
  if (initial) {
    if (initial->size() != input_size)
      throw error("activation maximisation: the initial input has " +
                  std::to_string(initial->size()) +
                  " values, expected batch x sensory x layers = " + std::to_string(input_size));
    x.assign(initial->begin(), initial->end());
  } else {
    rng_stream gen(params.seed, streams::sampling);
    x.resize(input_size);
    for (auto& v : x) v = static_cast<float>(gen.uniform());
  }

  const auto flat = flatten(targets, n, layers);

  // With every state recorded and the default output regulariser, the loss and its
  // gradient are computed layer by layer from the recorded states: no (batch, N, L)
  // activation and gradient arrays, which on a whole-brain network are the largest
  // buffers after the weights.
  const auto* out_fn =
      params.out_reg.target<double (*)(std::span<const float>, std::span<float>, float)>();
  const bool mean_reg = out_fn && *out_fn == &l1_plus_l2_mean;
  const bool streamed =
      params.checkpoint_interval == 0 && out_fn && (*out_fn == &l1_plus_l2 || mean_reg);
  // The weights of ||a||_1 and ||a||_2 in the streamed output regulariser.
  const float w1 = mean_reg ? static_cast<float>(1.0 / double(act_size)) : 1.0f;
  const double w2 = mean_reg ? 1 / std::sqrt(double(act_size)) : 1.0;
  adam<float> optimiser(input_size, {.learning_rate = params.learning_rate});
  std::vector<float> activations(streamed ? 0 : act_size), grad_a(streamed ? 0 : act_size),
      grad_x(input_size);
  std::vector<double> totals;
  if (control && control->resume) {
    const auto& saved = control->resume->partial;
    if (saved.shape != result.shape || saved.input.size() != input_size)
      throw error("activation maximisation: the saved state is for another input shape");
    result = saved;
    result.stopped = false;
    optimiser.restore(control->resume->optimiser);
    // The early-stopping window, summed as below.
    for (std::size_t k = 0; k < result.target_loss.size(); ++k)
      totals.push_back(result.target_loss[k] + result.in_reg[k] + result.out_reg[k]);
    if (progress) progress->advance(static_cast<std::uint64_t>(result.iterations));
  }
  auto save = [&] {
    if (control->save) control->save({result, optimiser.state()});
  };
  const float theta = static_cast<float>(net.params().threshold);
  // Records where the optimisation stops on a value that is not finite.
  const auto halt = [&](non_finite_report report, int it) {
    report.where = "actmax";
    report.step = it;
    if (report.neuron >= 0 && net.has_groups())
      report.cell_type = net.groups()[static_cast<std::size_t>(
          net.group_of()[static_cast<std::size_t>(report.neuron)])];
    result.non_finite = std::move(report);
  };
  trajectory recorded;  // its arrays serve every iteration
  for (int it = result.iterations; it < params.num_iterations; ++it) {
    if (control && control->stop && control->stop()) {
      result.stopped = true;
      save();
      return result;
    }
    recorded =
        net.record({x, result.shape}, {}, {.checkpoint_interval = params.checkpoint_interval},
                   activations, std::move(recorded));
    const auto& trajectory = recorded;
    if (trajectory.non_finite()) {
      halt(*trajectory.non_finite(), it);
      break;
    }
    if (it % params.snapshot_every == 0) {
      std::vector<float> snap(input_size);
      for (std::size_t k = 0; k < input_size; ++k) snap[k] = x[k] < theta ? 0.0f : std::tanh(x[k]);
      result.snapshots.push_back(std::move(snap));
    }
    const auto out_lambda = static_cast<float>(params.out_reg_lambda);
    const auto in_lambda = static_cast<float>(params.in_reg_lambda);
    double target_loss = 0, out_reg = 0;
    float inv_norm = 0;  // w2 / ||activations||_2, for the streamed gradient
    if (streamed) {
      double l1 = 0, sq = 0;
      for (int l = 0; l < layers; ++l)
        for (float v : trajectory.state(l)) {
          l1 += std::abs(v);
          sq += double(v) * v;
        }
      for (const auto& t : flat) {
        const float d = trajectory.state(t.layer)[t.state_at] - t.value;
        target_loss += double(t.weight) * d * d;
      }
      out_reg = params.out_reg_lambda * (w1 * l1 + w2 * std::sqrt(sq));
      inv_norm = sq > 0 ? static_cast<float>(w2 / std::sqrt(sq)) : 0.0f;
    } else {
      std::fill(grad_a.begin(), grad_a.end(), 0.0f);
      for (const auto& t : flat) {
        const float d = activations[t.at] - t.value;
        target_loss += double(t.weight) * d * d;
        grad_a[t.at] += 2 * t.weight * d;
      }
      // The regularisers add their gradients, scaled by their lambdas.
      out_reg = params.out_reg_lambda * params.out_reg(activations, grad_a, out_lambda);
    }
    std::fill(grad_x.begin(), grad_x.end(), 0.0f);
    const double in_reg = params.in_reg_lambda * params.in_reg(x, grad_x, in_lambda);
    const double total = target_loss + in_reg + out_reg;
    if (!std::isfinite(total)) {
      const double parts[] = {target_loss, out_reg, in_reg};
      const char* names[] = {"target loss", "output regulariser", "input regulariser"};
      std::size_t k = 0;
      while (k < 2 && std::isfinite(parts[k])) ++k;
      halt({.quantity = names[k], .value = parts[k]}, it);
      break;
    }
    totals.push_back(total);
    if (params.early_stopping && it > params.n_runs) {
      const auto last = totals.end() - params.n_runs;
      const auto [lo, hi] = std::minmax_element(last, totals.end());
      if (*hi - *lo < params.stopping_threshold) break;
    }

    const auto g =
        streamed
            ? net.backward(trajectory,
                           [&](int layer, std::span<const float> state, std::span<float> grad) {
                             for (std::size_t k = 0; k < state.size(); ++k) {
                               const float a = state[k];
                               grad[k] += out_lambda * (w1 * static_cast<float>((a > 0) - (a < 0)) +
                                                        a * inv_norm);
                             }
                             for (const auto& t : flat)
                               if (t.layer == layer)
                                 grad[t.state_at] += 2 * t.weight * (state[t.state_at] - t.value);
                           },
                           {}, {.parameters = false})
            : net.backward(trajectory, grad_a, {.parameters = false});
    if (g.non_finite) {
      halt(*g.non_finite, it);
      break;
    }
    for (std::size_t k = 0; k < input_size; ++k) grad_x[k] += g.input[k];
    if (const auto at = first_non_finite(grad_x); at >= 0) {
      // (batch, sensory, layers): column t is added to the sensory neurons after layer t - 1.
      const auto per_item = static_cast<std::int64_t>(input_size) / batch;
      const auto sensory = at % per_item / layers;
      halt({.quantity = "input gradient",
            .neuron = net.sensory_indices()[static_cast<std::size_t>(sensory)],
            .batch = at / per_item,
            .value = grad_x[static_cast<std::size_t>(at)]},
           it);
      break;
    }
    if (params.normalize_gradients) {
      // Per time column t, over batch items and sensory neurons jointly.
      for (int t = 0; t < layers; ++t) {
        double sq = 0;
        for (std::size_t k = static_cast<std::size_t>(t); k < input_size; k += layers)
          sq += double(grad_x[k]) * grad_x[k];
        const float scale = static_cast<float>(1 / (std::sqrt(sq) + 1e-8));
        for (std::size_t k = static_cast<std::size_t>(t); k < input_size; k += layers)
          grad_x[k] *= scale;
      }
    }
    result.target_loss.push_back(target_loss);
    result.out_reg.push_back(out_reg);
    result.in_reg.push_back(in_reg);
    optimiser.step(x, grad_x);
    ++result.iterations;
    if (progress) progress->advance(1);
    if (control && control->save_every > 0 && result.iterations % control->save_every == 0) save();
  }
  for (auto& v : x) v = std::clamp(v, -1.0f, 1.0f);
  result.activations = net.forward({x, result.shape});
  return result;
}

}  // namespace kenyon::ratenet

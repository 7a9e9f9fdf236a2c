#pragma once
// Activation maximisation (spec rate_network.md section 4): find the sensory input that
// drives chosen neurons to chosen values at chosen layers, by Adam on the input.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <vector>

#include "kenyon/ratenet/network.hpp"
#include "kenyon/ratenet/optim.hpp"
#include "kenyon/ratenet/target.hpp"

namespace kenyon {
class progress_bar;
}

namespace kenyon::ratenet {

// A regulariser: returns R(x) and adds scale * dR/dx into `grad` (same size as x), so
// that no separate gradient buffer the size of the activations is needed.
using regulariser =
    std::function<double(std::span<const float> x, std::span<float> grad, float scale)>;
// The original's default, ||x||_1 + ||x||_2 over the whole flattened tensor. Its size grows
// with the number of values, so on a large connectome it outweighs the target loss.
double l1_plus_l2(std::span<const float> x, std::span<float> grad, float scale);
// The same per value: mean |x| + sqrt(mean x^2) (the spec's suggested "mean" option), so
// that a lambda means the same on any connectome, layer count and batch size.
double l1_plus_l2_mean(std::span<const float> x, std::span<float> grad, float scale);

struct actmax_params {
  int num_iterations = 50;
  double learning_rate = 0.1;
  double in_reg_lambda = 0.01;   // multiplies R_in(input)
  double out_reg_lambda = 0.01;  // multiplies R_out(activations of every neuron and layer)
  regulariser in_reg = l1_plus_l2;
  regulariser out_reg = l1_plus_l2;
  bool early_stopping = true;  // stop when the last n_runs losses span < threshold
  double stopping_threshold = 1e-5;
  int n_runs = 10;
  std::uint64_t seed = 0;            // for the initial input when none is given
  bool normalize_gradients = false;  // divide each time column's gradient by its L2 norm
  int snapshot_every = 5;            // keep tanh(input, zero below threshold) every k steps
  int checkpoint_interval = 0;       // see record_options: trade memory for recomputation
  void validate() const;
};

struct actmax_result {
  std::vector<std::int64_t> shape;  // of input: (batch, sensory, num_layers)
  std::vector<float> input;         // the optimised input, clamped to [-1, 1]
  std::vector<float> activations;   // the network's response to it, (batch, N, L)
  // One entry per iteration done, each for the input before that iteration's update.
  std::vector<double> target_loss, out_reg, in_reg;
  std::vector<std::vector<float>> snapshots;  // (batch, sensory, L) each
  int iterations = 0;  // done (early stopping, or a value that is not finite, may end sooner)
  // The first state, loss or gradient value that was not a finite number (step = the
  // iteration); the optimisation stopped there, before that iteration's update.
  std::optional<non_finite_report> non_finite;
  numeric_status status() const { return status_of(non_finite); }
  // The run ended because actmax_control::stop asked it to: `input` is not yet clamped and
  // there are no activations; the saved state continues it.
  bool stopped = false;
};

// Where a run stands between two iterations: the result so far (the unclamped input, the
// losses, snapshots and iteration count) and Adam's state. Continuing from it does the same
// floating-point operations as a run that was never stopped.
struct actmax_state {
  actmax_result partial;
  adam_state<float> optimiser;
};

// Stopping, saving and continuing a run; all optional (by default a run goes to its end).
struct actmax_control {
  const actmax_state* resume = nullptr;  // continue this run instead of starting anew
  std::function<bool()> stop;            // polled before each iteration; true ends the run (saved)
  int save_every = 0;                    // iterations between calls of save (0: only when stopped)
  std::function<void(const actmax_state&)> save;
};

// The target loss activation_maximisation reports, for (batch, N, L) activations: per batch
// item the mean squared distance over its targets (a repeated target counts once, the last
// value), averaged over the batch items. Throws kenyon::error for targets out of range or
// activations of the wrong size.
double target_loss(const network& net, const target_activation& targets,
                   std::span<const float> activations);

// Runs Adam on the input. `initial` (batch, sensory, num_layers) is used if given, otherwise
// the input starts uniform in [0, 1) from params.seed. Stops at the first state, loss or
// gradient that is not a finite number and reports it in the result's non_finite. Throws
// kenyon::error for targets out of range or an initial input (or a state to resume) of the
// wrong size.
actmax_result activation_maximisation(const network& net, const target_activation& targets,
                                      const actmax_params& params = {},
                                      std::optional<std::span<const float>> initial = {},
                                      progress_bar* progress = nullptr,
                                      const actmax_control* control = nullptr);

}  // namespace kenyon::ratenet

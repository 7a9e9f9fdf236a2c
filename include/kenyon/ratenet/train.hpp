#pragma once
// Fitting a network's per-group parameters to recorded activities: connectome_interpreter's
// train_model (spec rate_network.md sections 5 and 6). Full-batch Adam on the slopes, raw
// biases, divisive strengths and time constants (never the weights), with a loss on the
// targets (mean squared error by default) and a penalty on the drift of the parameters from
// their initial values.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kenyon/ratenet/network.hpp"
#include "kenyon/ratenet/optim.hpp"

namespace kenyon {
class progress_bar;
}

namespace kenyon::ratenet {

// One row of the target table: the activation of `neuron` in batch item `batch` (an index
// into the full input, before the train/validation split) should be `value`, at `layer`, or
// averaged over all layers when `layer` is empty.
struct training_target {
  std::int64_t batch = 0;
  std::int64_t neuron = 0;
  std::optional<int> layer;
  double value = 0;
  std::size_t line = 0;  // the file's line it was read from; 0 when not read from a file
};

// Reads a target table written like pandas' df.to_csv(index=False): a header row naming the
// columns batch, neuron_idx and value, and optionally layer, in any order, then one row per
// target. batch, neuron_idx and layer are integers (written as "3" or "3.0"); an empty layer
// cell means "averaged over layers" for that row. A column with an empty name (a pandas index
// written with index=True) is ignored. Fields may be double-quoted; blank lines are skipped.
// Throws file_error naming the file, the line and the column for a missing or unknown or
// repeated column, a row with the wrong number of fields, or a value that is empty (except
// layer), not a finite number, or not an integer where one is needed.
//
// With `resolve`, a column `neuron` may name the neurons instead of neuron_idx: resolve(text)
// gives their indices (e.g. a cell type or an id, see connectome::select) and each becomes a
// row with the same batch, layer and value; what resolve throws is reported with the file,
// line and column.
using neuron_resolver = std::function<std::vector<std::int64_t>(const std::string&)>;
std::vector<training_target> read_training_targets_csv(const std::filesystem::path& path,
                                                       const neuron_resolver& resolve = {});

// Checks rows read from `path` against an input of `batch` items and a network of `neurons`
// neurons and `layers` layers: file_error naming the file, the row's line and its column
// (batch, neuron_idx or layer) for a value out of range, where train_model could only name
// the row's position.
void check_training_targets(const std::filesystem::path& path,
                            const std::vector<training_target>& targets, std::int64_t batch,
                            std::int64_t neurons, int layers);

// The activation loss over the target rows (connectome_interpreter's activation_loss_fn):
// mse = mean (predicted - value)^2, its current default; mae = mean |predicted - value|, the
// only loss of version 2.10.0; custom = train_params::custom_loss.
enum class loss_kind { mse, mae, custom };
loss_kind parse_loss_kind(std::string_view name);  // "mse" or "mae"
std::string to_string(loss_kind loss);

// A loss over the predicted values and their targets (same length, one per target row):
// returns the loss and, when `grad` is not empty, writes dLoss/dpredicted into it (same
// length). Called once per epoch with `grad` for the training rows and once without it for
// the validation rows. What it throws ends training (the network keeps its initial
// parameters).
using loss_function = std::function<double(std::span<const float> predicted,
                                           std::span<const float> target, std::span<float> grad)>;

struct train_params {
  int num_epochs = 100;
  double learning_rate = 0.01;     // Adam's step size
  double param_reg_lambda = 0.01;  // multiplies sum over parameter tensors of mean |p - p_initial|
  double train_fraction = 0.8;     // share of the batch items trained on (when no train_indices)
  loss_kind loss = loss_kind::mse;
  loss_function custom_loss;  // used (and required) when loss is custom
  std::uint64_t seed = 42;    // for the train/validation split (when no train_indices)
  bool train_slopes = true;
  bool train_biases = true;
  bool train_divisive_strength = true;
  bool train_tau = true;
  // Whether the parameter penalty acts on the updates. The original reports the penalty
  // and adds it to the loss, but its updates carry no gradient from it: both reference
  // runs are reproduced to float rounding only without that gradient (with it, they differ
  // from the second update on). false reproduces the original; true makes the penalty a
  // real one (gradient param_reg_lambda * sign(p - p_initial) / len(p), sign(0) = 0).
  bool param_reg_gradient = false;
  // See record_options: trades memory for recomputation, same numbers. (The original's
  // checkpoint_steps = 50 also only affects memory.)
  int checkpoint_interval = 0;
  // The batch items to train on, in this order (the rest, sorted, are the validation set).
  // When not given, int(batch * train_fraction) items are drawn without replacement, in
  // random order, from rng_stream(seed, streams::sampling). The original's
  // np.random.choice cannot be reproduced; pass its indices here to repeat one of its runs.
  std::optional<std::vector<std::int64_t>> train_indices;
  // Throws parameter_error naming the field for num_epochs < 0, a learning rate that is not
  // positive, a negative or non-finite param_reg_lambda, train_fraction outside [0, 1],
  // checkpoint_interval < 0, nothing selected for training, or a custom loss without
  // custom_loss.
  void validate() const;
};

// One entry per epoch. The losses belong to the parameters before that epoch's update;
// val_loss to the parameters after it.
struct train_history {
  std::vector<double> loss;             // activation + param_reg
  std::vector<double> activation_loss;  // the chosen loss (the original's "mse_loss")
  std::vector<double> param_reg_loss;   // param_reg_lambda * sum_p mean |p - p_initial|
  std::vector<double> val_loss;         // the same loss on the validation set; NaN if it is empty
};

struct train_result {
  group_parameters<float> parameters;  // the trained parameters (also set on the network)
  train_history history;
  std::vector<std::int64_t> train_indices;  // in training order
  std::vector<std::int64_t> val_indices;    // ascending
  // Epochs whose update was skipped because a state, the loss or a gradient was not a
  // finite number, and the first of them (step = the epoch; batch = the item's index in
  // the full input).
  int skipped_steps = 0;
  std::optional<non_finite_report> non_finite;
  numeric_status status() const { return status_of(non_finite); }
  // train_control::stop ended training early: the history so far, the parameters reached.
  bool stopped = false;
};

// Where training stands between two epochs: the history (one entry per epoch done), the
// parameters reached and Adam's state per parameter tensor (divisive strengths, tau,
// slopes, raw biases). Continuing from it does the same floating-point operations as
// training that was never stopped.
struct train_state {
  train_history history;
  group_parameters<float> parameters;
  std::vector<adam_state<float>> optimisers;
  int skipped_steps = 0;  // as train_result's, so far
  std::optional<non_finite_report> non_finite;
};

// Stopping, saving and continuing training; all optional, as actmax_control.
struct train_control {
  const train_state* resume = nullptr;  // continue from this state (same inputs and params)
  std::function<bool()> stop;           // polled before each epoch; true ends training (saved)
  int save_every = 0;                   // epochs between calls of save (0: only when stopped)
  std::function<void(const train_state&)> save;
};

// Trains the network's per-group parameters on `inputs` (batch, sensory, steps) towards
// `targets`, and leaves the trained parameters set on `net`, as the original mutates its
// model. When biases are trained, raw biases that are exactly 0 are first set to 1e-6 (as the
// original's current version does, so that the kink of |raw bias| at 0, whose gradient is 0,
// does not freeze them); the drift penalty then counts from the nudged values. Each epoch,
// exactly as the original:
//   1. forward on the training items; predicted = A[b, n, layer] per target row of a
//      training item, or the mean over all layers of A[b, n, :] when the row has no layer;
//   2. activation loss over those rows: params.loss (mse, mae or custom_loss);
//   3. param reg = param_reg_lambda * sum over the parameter tensors (divisive strengths if
//      any, tau_param, slope, raw biases; raw values) of mean |p - p_initial|;
//   4. loss = activation + param reg; if it (or a state of the forward pass) is not finite
//      the update is skipped, counted in skipped_steps and the first reported;
//   5. gradient of the activation loss (for mae torch's sign(0) = 0; of the penalty too
//      only with param_reg_gradient), only for the selected tensors; the others
//      get none and stay exactly as they are; the joint L2 norm of the selected gradients
//      is clipped to 1 (clip_grad_norm); one Adam step per selected tensor (PyTorch's
//      arithmetic, one optimiser state per tensor); a gradient that is not finite skips
//      the update as in 4 (the original would write NaN into the parameters);
//   6. forward on the validation items -> the same loss on the validation rows.
// Throws kenyon::error naming the offending item for a network without groups (nothing to
// train), inputs whose size or shape do not fit the network, a target row with a batch
// item, neuron or layer out of range or a value that is not finite, a training index out of
// range or repeated, or an empty training set; and what train_params::validate rejects. On
// an exception the network keeps its initial parameters.
// inputs: (batch, sensory, steps), or (sensory, steps) for one batch item.
train_result train_model(network& net, const array_view<const float>& inputs,
                         std::span<const training_target> targets, const train_params& params = {},
                         progress_bar* progress = nullptr, const train_control* control = nullptr);

}  // namespace kenyon::ratenet

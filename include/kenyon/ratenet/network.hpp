#pragma once
// connectome_interpreter's rate networks (spec rate_network.md sections 1 and 2): a signed
// connectome unrolled over num_layers steps, with per-group slopes, biases and time
// constants, divisive normalisation and clamping of neurons ("manipulate"), plus a
// hand-written backward pass (backpropagation through time) with optional checkpointing.
//
// Layouts. Weights: row = postsynaptic, column = presynaptic (sparse/csr.hpp). A network
// state is neuron-major, state[i * batch + b]. Inputs are (batch, sensory, steps) in C
// order, input[(b * sensory + j) * steps + t], exactly the numpy array the original takes
// (a 2-D (sensory, steps) input is batch = 1). Activations are (batch, neurons, layers),
// activations[(b * neurons + i) * layers + l] = a_l[i, b], the original's layout.
//
// The model, for layer l = 0 .. L-1 with a_{-1} = r (zeros, sensory rows = input column 0):
//   u = W a_{l-1}                               (W without the divisive entries)
//   beta' = max(0, beta (1 + sum_k w_k s_k a_{l-1}[pre_k]))   (divisive entries k into i)
//   z = beta' u + b
//   multilayered: a = tanh(h(z)) / tau + (tau - 1) / tau a_{l-1},
//                 h(z) = relu(z - theta) + theta [z >= theta]
//   linear:       a = z / tau + (tau - 1) / tau a_{l-1}
//   if l < L - 1: a[sensory] += input column l + 1; multilayered also a = min(h(a), 1)
//   manipulated entries of a are then overwritten.
//
// Derivatives at the non-differentiable points follow PyTorch's autograd for the ops the
// original uses: relu'(0) = 0 (so dh/dz = [z > theta]; the indicator term has no gradient);
// clamp(max = 1) passes the gradient where the value is <= 1 (equality included), as does
// clamp(min = 0) for the divisive slope floor where beta (1 + ...) >= 0 and
// clamp(min = 1) for the time constant where tau_param >= 1 (zero gradient below 1); the
// absolute value of the raw bias has derivative sign(raw bias), 0 at 0. Manipulated
// (overwritten) entries carry no gradient to earlier layers.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kenyon/core/aligned.hpp"
#include "kenyon/core/array_view.hpp"
#include "kenyon/core/numeric_status.hpp"
#include "kenyon/ratenet/target.hpp"
#include "kenyon/sparse/csr.hpp"

namespace kenyon::ratenet {

// MultilayeredNetwork (tanh of a thresholded ReLU, activity clamped to <= 1) or
// LinearNetwork (no threshold, no tanh, no clamp).
enum class network_kind { multilayered, linear };
network_kind parse_network_kind(std::string_view name);  // "multilayered" or "linear"
std::string to_string(network_kind kind);

struct network_params {
  network_kind kind = network_kind::multilayered;
  int num_layers = 2;         // L, unrolled steps ("layers" are time points)
  double threshold = 0.01;    // theta of the thresholded ReLU (multilayered only)
  double tanh_steepness = 5;  // default slope beta
  double default_bias = 0;    // default bias b
  double tau = 10;            // default time constant, in steps (1 = no memory); > 0
  // One group name per neuron. Enables the per-group parameters (groups sorted by name)
  // and naming neurons by group (members()). Without it the scalars above act directly: the
  // default bias without abs(), tau without max(1, .).
  std::optional<std::vector<std::string>> idx_to_group;
  // Optional coarse class per neuron ("" where none; e.g. the connectome's sensory, PN, KC
  // above its cell types): members() takes a name that is not a group but a class as every
  // neuron of that class, and a *_by_group value named by a class sets every group of that
  // class that has no value of its own. Parameters stay per group.
  std::optional<std::vector<std::string>> idx_to_class;
  // Per-group initial values; groups not listed take the defaults, names that are not
  // groups are ignored (as the original does).
  std::map<std::string, double> bias_by_group;   // raw bias: its absolute value acts
  std::map<std::string, double> slope_by_group;  // slope beta
  std::map<std::string, double> tau_by_group;    // tau_param: max(1, tau_param) acts
  // Pre-group -> post-groups: the (inhibitory, <= 0) connections from the pre-group to
  // those post-groups are taken out of W and scale the post-neurons' slope instead.
  // Needs idx_to_group.
  std::map<std::string, std::vector<std::string>> divisive_normalization;
  double divisive_strength = 1;  // s, for every pre-group, unless the map below is given
  // If not empty: one strength per pre-group of divisive_normalization, all required.
  std::map<std::string, double> divisive_strength_by_group;
  // Throws parameter_error naming the field for num_layers < 1, a value that is not a
  // finite number, tau <= 0, or divisive normalisation without idx_to_group.
  void validate() const;
};

// The trainable per-group parameters (only with idx_to_group), in the original's order.
template <class real>
struct group_parameters {
  std::vector<real> divisive_strength;  // one per divisive pre-group, sorted by name
  std::vector<real> tau_param;          // one per group; the neurons use max(1, tau_param)
  std::vector<real> slope;              // one per group
  std::vector<real> raw_bias;           // one per group; the neurons use |raw_bias|
};

// The batch size of a network input, shape[0] of a (batch, sensory, steps) view and 1 for a
// (sensory, steps) one; the network checks the rest.
template <class real>
std::int64_t input_batch(const array_view<const real>& input) {
  return input.shape.size() == 3 ? input.shape[0] : 1;
}

template <class real>
class basic_network;

// What a custom activation function sees for one layer. All N x batch arrays are
// neuron-major. The function writes the new state (before input addition, threshold/clamp
// and manipulation, which the network applies as usual) into `out`.
template <class real>
struct step_arguments {
  int layer = 0;
  std::int64_t neurons = 0, batch = 0;
  std::span<const real> wx;        // W a_prev (divisive entries excluded)
  std::span<const real> previous;  // a_prev
  std::span<const real> slope;     // beta', the slope after divisive normalisation
  std::span<const real> divisive;  // sum_k w_k s_k a_prev[pre_k] per post-neuron (empty if none)
  std::span<real> out;
};
// f(network, arguments): the network gives the per-neuron slope, bias and tau
// (neuron_slope(), neuron_bias(), neuron_tau()) and its params().
template <class real>
using activation_function =
    std::function<void(const basic_network<real>&, const step_arguments<real>&)>;

// The original's legacy_activation_function, a = tanh(h(tau a_prev + beta' wx + b)) with tau
// the scalar params().tau used as a persistence fraction, and
// legacy_activation_function_linear, a = tau a_prev + beta' wx + b (no recursion here).
template <class real>
void legacy_activation(const basic_network<real>& network, const step_arguments<real>& step);
template <class real>
void legacy_activation_linear(const basic_network<real>& network, const step_arguments<real>& step);

namespace detail {
// An input view's shape once checked: (batch, sensory, steps), a 2-D view having batch 1.
struct input_dims {
  std::int64_t batch = 1, sensory = 0, steps = 0;
};
// Clamps resolved for one batch size: per layer, state offsets i * batch + b with
// their values, sorted by offset.
template <class real>
struct clamp_list {
  std::vector<std::int64_t> layer_begin;  // num_layers + 1 offsets into offset/value
  std::vector<std::int64_t> offset;
  std::vector<real> value;
};
template <class real>
struct workspace;
}  // namespace detail

struct record_options {
  // 0: keep every layer's state and its product W a_{l-1} (2 N B L values); the backward
  // pass then needs one sparse product (with W^T) per layer. k >= 1: keep only the states
  // that start each segment of k layers ((L - 1) / k states of N B values) and recompute
  // one segment at a time during the backward pass (2 N B k values while it runs, one more
  // sparse product per layer). The gradients are bit-identical for every k. Besides this the
  // backward pass works in 4 N B values (7 with divisive normalisation).
  int checkpoint_interval = 0;
};

// A recorded forward pass, for the backward pass of the network that recorded it (not a
// copy, and not after set_parameters).
template <class real>
class basic_trajectory {
 public:
  std::int64_t batch() const { return dims_.batch; }
  // The input's shape, (batch, sensory, steps).
  std::vector<std::int64_t> shape() const { return {dims_.batch, dims_.sensory, dims_.steps}; }
  int num_layers() const { return layers_; }
  int checkpoint_interval() const { return interval_; }
  // Whether state(layer) is held: every layer with checkpoint_interval 0.
  bool has_state(int layer) const;
  // a_layer, N x batch neuron-major. Throws kenyon::error if it is not held.
  std::span<const real> state(int layer) const;
  // (batch, N, L) activations; needs checkpoint_interval 0 (else record's `activations`).
  std::vector<real> activations() const;
  // The first state entry that was not a finite number (the lowest layer, then neuron,
  // then batch item), if any; the pass itself lets it propagate.
  const std::optional<non_finite_report>& non_finite() const { return non_finite_; }
  numeric_status status() const { return status_of(non_finite_); }

 private:
  friend class basic_network<real>;
  const void* owner_ = nullptr;
  std::uint64_t generation_ = 0;
  std::int64_t neurons_ = 0;
  detail::input_dims dims_;
  int layers_ = 0, interval_ = 0;
  std::vector<real> input_;
  aligned_vector<real> states_;  // interval 0: every layer; else the checkpoint layers
  aligned_vector<real> wx_;      // interval 0 only: W a_{l-1} for every layer
  detail::clamp_list<real> clamps_;
  std::optional<non_finite_report> non_finite_;
};

struct backward_options {
  // dLoss/d each group parameter (gradients::parameters). Activation maximisation needs only
  // dLoss/dinput; without the parameters' sums the pass is about twice as fast at batch 32.
  bool parameters = true;
};

template <class real>
struct gradients {
  std::vector<real> input;            // dLoss/dinput, (batch, sensory, steps)
  group_parameters<real> parameters;  // dLoss/d each parameter; empty without groups
                                      // or when not asked for
  // The first dLoss/da_layer entry that was not a finite number, from the last layer down
  // (quantity "gradient"), if any.
  std::optional<non_finite_report> non_finite;
};

// Adds dLoss/da_layer into `grad` (N x batch, neuron-major) given the state a_layer. Called
// once per layer, from L - 1 down to 0.
template <class real>
using layer_seed =
    std::function<void(int layer, std::span<const real> state, std::span<real> grad)>;
// Sees the complete dLoss/da_layer (direct plus through all later layers; with respect to
// the state after manipulation), N x batch.
template <class real>
using layer_observer = std::function<void(int layer, std::span<const real> grad)>;

// forward, record and backward are const and keep their scratch arrays per call, so one
// network may serve several threads at once. They thread internally with OpenMP; results
// do not depend on the number of threads.
template <class real>
class basic_network {
 public:
  // Throws kenyon::error naming the offending item for a non-square or malformed weight
  // matrix, a weight that is not finite, a sensory index out of range or repeated, an
  // idx_to_group or idx_to_class of the wrong length, a divisive group without neurons, a
  // positive divisive weight (naming the pair), a missing per-group divisive strength, and
  // what network_params::validate rejects.
  basic_network(sparse::basic_csr<real> weights, std::vector<std::int64_t> sensory_indices,
                network_params params = {}, activation_function<real> activation = {});

  std::int64_t size() const { return n_; }  // N, number of neurons
  std::int64_t num_sensory() const { return static_cast<std::int64_t>(sensory_.size()); }
  int num_layers() const { return params_.num_layers; }
  const network_params& params() const { return params_; }
  std::span<const std::int64_t> sensory_indices() const { return sensory_; }
  const activation_function<real>& activation() const { return activation_; }

  bool has_groups() const { return !groups_.empty(); }
  const std::vector<std::string>& groups() const { return groups_; }    // sorted
  std::span<const std::int32_t> group_of() const { return group_of_; }  // neuron -> group id
  // Throws kenyon::error for an unknown group (or a network without groups).
  std::int32_t group_id(std::string_view group) const;
  std::span<const std::int64_t> group_members(std::string_view group) const;  // ascending
  // The neurons a key names: the index itself, or every member of the group (ascending), or,
  // for a name that is no group but a class of params().idx_to_class, every neuron of that
  // class (ascending). Throws item_error for an index out of range, unknown_name_error for an
  // unknown name, kenyon::error for a group name when the network has no groups.
  std::vector<std::int64_t> members(const neuron_key& key) const;
  const std::vector<std::string>& divisive_pre_groups() const { return div_pre_groups_; }

  const sparse::basic_csr<real>& weights() const { return w_; }  // without divisive entries
  const sparse::basic_csr<real>& divisive_weights() const { return div_; }

  const group_parameters<real>& parameters() const { return parameters_; }
  // Throws parameter_error naming the field for a wrong length or a value that is not
  // finite. Invalidates earlier trajectories.
  void set_parameters(group_parameters<real> parameters);
  // The values every neuron uses (before divisive normalisation), length N.
  std::span<const real> neuron_slope() const { return slope_n_; }
  std::span<const real> neuron_bias() const { return bias_n_; }
  std::span<const real> neuron_tau() const { return tau_n_; }

  // The activations (batch, N, L) for an input of shape (batch, sensory, steps), or
  // (sensory, steps) for batch 1; steps >= num_layers (columns from num_layers on are
  // ignored). `clamps` (connectome_interpreter's `manipulate`) sets neurons to fixed values
  // after their layer has been computed (after input addition, threshold and clamp); its
  // batch_size is not used (the input gives the batch), an entry without batch item holds
  // in every item. Throws kenyon::error for an input whose size or shape does not fit
  // (sensory != num_sensory(), steps < num_layers, batch < 1, not 2-D or 3-D) and
  // item_error for a clamp outside the network or not finite. The numbers are not
  // changed: a NaN propagates as in the original; the second form also reports the first
  // state entry that is not a finite number (see basic_trajectory::non_finite).
  std::vector<real> forward(const array_view<const real>& input,
                            const target_activation& clamps = {}) const;
  std::optional<non_finite_report> forward(const array_view<const real>& input,
                                           const target_activation& clamps,
                                           std::span<real> activations) const;

  // The forward pass, recorded for backward(); writes the activations too if given a
  // (batch, N, L) span. A trajectory passed as `recycle` (of any network) lends its arrays,
  // so that a loop of passes does not allocate and fault in new ones each time.
  basic_trajectory<real> record(const array_view<const real>& input,
                                const target_activation& clamps = {},
                                const record_options& options = {},
                                std::span<real> activations = {},
                                basic_trajectory<real> recycle = {}) const;

  // Backpropagation through time from dLoss/dactivations, (batch, N, L) like forward's
  // result (any layer may carry gradient). Throws kenyon::error for a trajectory of
  // another network or recorded before set_parameters, a gradient of the wrong size, or a
  // custom activation function (which has no backward pass).
  gradients<real> backward(const basic_trajectory<real>& trajectory,
                           std::span<const real> grad_activations,
                           const backward_options& options = {}) const;
  gradients<real> backward(const basic_trajectory<real>& trajectory, const layer_seed<real>& seed,
                           const layer_observer<real>& observe = {},
                           const backward_options& options = {}) const;

 private:
  struct run_context;
  detail::clamp_list<real> compile(const target_activation& clamps, std::int64_t batch) const;
  detail::input_dims check_input(const array_view<const real>& input) const;
  void initial_state(const real* input, const detail::input_dims& dims, real* r) const;
  void step(int layer, const real* prev, real* wx, real* out, const run_context& context,
            detail::workspace<real>& work) const;
  std::optional<non_finite_report> run(const run_context& context,
                                       basic_trajectory<real>* trajectory,
                                       std::span<real> activations) const;
  // The first entry of a layer's N x batch values that is not finite, with its neuron,
  // batch item and cell type, or nothing; `where` and `quantity` name the pass and array.
  std::optional<non_finite_report> check_layer(const char* where, const char* quantity, int layer,
                                               std::span<const real> values) const;
  void sensory_rows(const real* grad_wx, const real* grad_divisive, const real* leaky,
                    const real* r, const detail::input_dims& dims, real* input_grad,
                    double* acc_strength) const;
  void refresh();

  network_params params_;
  std::int64_t n_ = 0;
  std::vector<std::int64_t> sensory_;
  std::vector<std::int64_t> sensory_pos_;          // neuron -> position in sensory_, or -1
  sparse::basic_csr<real> w_, wt_;                 // W without divisive entries, and W^T
  std::vector<std::uint8_t> wt_chain_, w_chain_;   // sparse::sum_chains(w_, wt_), (wt_, w_)
  sparse::basic_csr<real> div_, div_eff_, div_t_;  // divisive entries: w, w * s, and w^T
  std::vector<std::string> groups_;
  std::vector<std::int32_t> group_of_;
  std::vector<std::int64_t> group_begin_, group_members_;  // neurons by group
  std::vector<std::string> div_pre_groups_;
  std::vector<std::int32_t> strength_of_;  // neuron -> divisive strength index, or -1
  group_parameters<real> parameters_;
  std::vector<real> slope_n_, bias_n_, tau_n_, inv_tau_n_, keep_n_, strength_n_;
  activation_function<real> activation_;
  std::uint64_t generation_ = 0;
};

using network = basic_network<float>;
using trajectory = basic_trajectory<float>;

}  // namespace kenyon::ratenet

#include "kenyon/ratenet/train.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <optional>
#include <string>

#include "kenyon/core/error.hpp"
#include "kenyon/core/progress.hpp"
#include "kenyon/core/rng.hpp"
#include "kenyon/core/table.hpp"
#include "kenyon/ratenet/optim.hpp"

namespace kenyon::ratenet {
namespace {

std::string in_quotes(const std::string& s) { return "'" + s + "'"; }

// A finite number, or throws file_error naming the column.
double parse_number(const std::string& text, const std::string& column, const std::string& path,
                    std::size_t line_number) {
  if (text.empty()) throw file_error(path, "empty value", line_number, column);
  double v = 0;
  const char* first = text.data();
  const char* end = text.data() + text.size();
  if (*first == '+') ++first;
  const auto [ptr, ec] = std::from_chars(first, end, v);
  if (ec != std::errc() || ptr != end)
    throw file_error(path, "value " + in_quotes(text) + " is not a number", line_number, column);
  if (!std::isfinite(v))
    throw file_error(path, "value " + in_quotes(text) + " is not a finite number", line_number,
                     column);
  return v;
}

std::int64_t parse_integer(const std::string& text, const std::string& column,
                           const std::string& path, std::size_t line_number) {
  const double v = parse_number(text, column, path, line_number);
  if (v != std::floor(v) || std::abs(v) > 9.0e15)
    throw file_error(path, "value " + in_quotes(text) + " is not an integer", line_number, column);
  return static_cast<std::int64_t>(v);
}

// The parameter tensors in the original's order, with whether each is trained.
struct tensor_ref {
  const char* name;
  std::vector<float>* values;
  bool trained;
};

std::array<tensor_ref, 4> tensors(group_parameters<float>& p, const train_params& params) {
  return {{{"divisive_strength", &p.divisive_strength, params.train_divisive_strength},
           {"tau_param", &p.tau_param, params.train_tau},
           {"slope", &p.slope, params.train_slopes},
           {"raw_bias", &p.raw_bias, params.train_biases}}};
}

std::vector<float> gather_items(std::span<const float> inputs, std::int64_t sensory,
                                std::int64_t steps, std::span<const std::int64_t> items) {
  const auto block = static_cast<std::size_t>(sensory * steps);
  std::vector<float> out(items.size() * block);
  for (std::size_t k = 0; k < items.size(); ++k)
    std::copy_n(
        inputs.begin() + static_cast<std::ptrdiff_t>(items[k]) * static_cast<std::ptrdiff_t>(block),
        block, out.begin() + static_cast<std::ptrdiff_t>(k * block));
  return out;
}

// The target rows of one subset, with batch positions local to the subset.
struct local_target {
  std::size_t at;   // offset of A[b, n, layer], or of A[b, n, 0] when averaged
  bool all_layers;  // averaged over layers
  float value;
};

struct subset {
  std::vector<std::int64_t> items;
  std::vector<float> inputs;
  std::vector<std::int64_t> shape;  // (items, sensory, steps)
  array_view<const float> view() const { return {inputs, shape}; }
  std::vector<local_target> targets;
};

// The chosen loss over the subset's targets (NaN without targets); adds its gradient with
// respect to the activations into grad_a if given.
double activation_loss(const subset& s, std::span<const float> activations, std::int64_t layers,
                       const train_params& params, std::span<float> grad_a) {
  if (s.targets.empty()) return std::numeric_limits<double>::quiet_NaN();
  const auto count = static_cast<float>(s.targets.size());
  const float per_row = 1.0f / count;
  const auto n_layers = static_cast<std::size_t>(layers);
  std::vector<float> predicted(s.targets.size()), value(s.targets.size());
  for (std::size_t k = 0; k < s.targets.size(); ++k) {
    const auto& t = s.targets[k];
    if (t.all_layers) {
      double acc = 0;
      for (std::size_t l = 0; l < n_layers; ++l) acc += activations[t.at + l];
      predicted[k] = static_cast<float>(acc / double(layers));
    } else {
      predicted[k] = activations[t.at];
    }
    value[k] = t.value;
  }
  std::vector<float> grad(grad_a.empty() ? 0 : s.targets.size());
  double loss = 0;
  switch (params.loss) {
    case loss_kind::mae:
    case loss_kind::mse: {
      const bool squared = params.loss == loss_kind::mse;
      double sum = 0;
      for (std::size_t k = 0; k < predicted.size(); ++k) {
        const float d = predicted[k] - value[k];
        sum += squared ? double(d) * double(d) : std::abs(double(d));
        if (grad.empty()) continue;
        // torch: sign(0) = 0 for |.|, 2 d / n for the squared error's mean.
        grad[k] = squared ? 2.0f * d * per_row : static_cast<float>((d > 0) - (d < 0)) * per_row;
      }
      loss = sum / double(predicted.size());
      break;
    }
    case loss_kind::custom:
      loss = params.custom_loss(predicted, value, grad);
      break;
  }
  if (grad_a.empty()) return loss;
  for (std::size_t k = 0; k < s.targets.size(); ++k) {
    const auto& t = s.targets[k];
    if (t.all_layers) {
      const float gl = grad[k] / static_cast<float>(layers);
      for (std::size_t l = 0; l < n_layers; ++l) grad_a[t.at + l] += gl;
    } else {
      grad_a[t.at] += grad[k];
    }
  }
  return loss;
}

}  // namespace

std::vector<training_target> read_training_targets_csv(const std::filesystem::path& path,
                                                       const neuron_resolver& resolve) {
  const std::string name = path.string();
  enum column_kind { batch_col, neuron_col, layer_col, value_col, selector_col, ignored_col };
  static const std::array<const char*, 5> known = {"batch", "neuron_idx", "layer", "value",
                                                   "neuron"};
  std::vector<column_kind> kinds;
  std::array<bool, 5> present{};
  std::vector<training_target> out;
  bool have_header = false;
  read_csv_records(path, [&](std::size_t line_number, std::vector<std::string>& fields) {
    if (!have_header) {
      for (const auto& f : fields) {
        if (f.empty()) {
          kinds.push_back(ignored_col);
          continue;
        }
        const auto it =
            std::find_if(known.begin(), known.end(), [&](const char* k) { return f == k; });
        if (it == known.end() || (*it == std::string_view("neuron") && !resolve))
          throw file_error(name,
                           "header: unknown column " + in_quotes(f) +
                               " (expected batch, neuron_idx" + (resolve ? " or neuron" : "") +
                               ", value and optionally layer)",
                           line_number);
        const auto kind = static_cast<column_kind>(it - known.begin());
        if (present[kind])
          throw file_error(name, "header: column " + in_quotes(f) + " appears twice", line_number);
        present[kind] = true;
        kinds.push_back(kind);
      }
      if (present[neuron_col] && present[selector_col])
        throw file_error(name, "header: give either 'neuron_idx' or 'neuron', not both",
                         line_number);
      for (int k : {batch_col, neuron_col, value_col})
        if (!present[static_cast<std::size_t>(k)] && !(k == neuron_col && present[selector_col]))
          throw file_error(name, "header: missing column " + in_quotes(known[k]), line_number);
      have_header = true;
      return;
    }
    if (fields.size() != kinds.size())
      throw file_error(name,
                       "expected " + std::to_string(kinds.size()) + " fields, found " +
                           std::to_string(fields.size()),
                       line_number);
    training_target t;
    t.line = line_number;
    std::vector<std::int64_t> neurons;
    for (std::size_t c = 0; c < fields.size(); ++c) {
      const std::string& text = fields[c];
      switch (kinds[c]) {
        case batch_col:
          t.batch = parse_integer(text, "batch", name, line_number);
          break;
        case neuron_col:
          t.neuron = parse_integer(text, "neuron_idx", name, line_number);
          break;
        case selector_col:
          try {
            neurons = resolve(text);
          } catch (const error& e) {
            throw file_error(name, e.what(), line_number, "neuron");
          }
          break;
        case layer_col:
          if (!text.empty()) {
            const auto layer = parse_integer(text, "layer", name, line_number);
            if (layer < std::numeric_limits<int>::min() || layer > std::numeric_limits<int>::max())
              throw file_error(name, "value " + in_quotes(text) + " is too large", line_number,
                               "layer");
            t.layer = static_cast<int>(layer);
          }
          break;
        case value_col:
          t.value = parse_number(text, "value", name, line_number);
          break;
        case ignored_col:
          break;
      }
    }
    if (!present[selector_col]) {
      out.push_back(t);
      return;
    }
    for (auto n : neurons) {
      t.neuron = n;
      out.push_back(t);
    }
  });
  if (!have_header) throw file_error(name, "empty file: missing the header row");
  return out;
}

void check_training_targets(const std::filesystem::path& path,
                            const std::vector<training_target>& targets, std::int64_t batch,
                            std::int64_t neurons, int layers) {
  const auto outside = [&](std::int64_t v, std::int64_t count, const char* what,
                           const training_target& t, const char* column) {
    if (v >= 0 && v < count) return;
    throw file_error(path.string(),
                     std::string(what) + " " + std::to_string(v) + " is outside 0 .. " +
                         std::to_string(count - 1),
                     t.line, column);
  };
  for (const auto& t : targets) {
    outside(t.batch, batch, "batch item", t, "batch");
    outside(t.neuron, neurons, "neuron", t, "neuron_idx");
    if (t.layer) outside(*t.layer, layers, "layer", t, "layer");
  }
}

loss_kind parse_loss_kind(std::string_view name) {
  if (name == "mse") return loss_kind::mse;
  if (name == "mae") return loss_kind::mae;
  throw parameter_error("loss", "unknown loss '" + std::string(name) + "' (expected mse or mae)");
}

std::string to_string(loss_kind loss) {
  switch (loss) {
    case loss_kind::mse:
      return "mse";
    case loss_kind::mae:
      return "mae";
    case loss_kind::custom:
      return "custom";
  }
  return "?";
}

void train_params::validate() const {
  if (num_epochs < 0) throw parameter_error("num_epochs", "expected 0 or more");
  if (!(learning_rate > 0) || !std::isfinite(learning_rate))
    throw parameter_error("learning_rate", "expected a positive number");
  if (!(param_reg_lambda >= 0) || !std::isfinite(param_reg_lambda))
    throw parameter_error("param_reg_lambda", "expected a non-negative number");
  if (!(train_fraction >= 0 && train_fraction <= 1))
    throw parameter_error("train_fraction", "expected a value in [0, 1]");
  if (checkpoint_interval < 0) throw parameter_error("checkpoint_interval", "expected 0 or more");
  if (loss == loss_kind::custom && !custom_loss)
    throw parameter_error("custom_loss", "the loss is custom but no custom_loss is given");
  if (!train_slopes && !train_biases && !train_divisive_strength && !train_tau)
    throw parameter_error("train_slopes",
                          "nothing to train: train_slopes, train_biases, "
                          "train_divisive_strength and train_tau are all false");
}

train_result train_model(network& net, const array_view<const float>& input_view,
                         std::span<const training_target> targets, const train_params& params,
                         progress_bar* progress, const train_control* control) {
  params.validate();
  if (!net.has_groups())
    throw error(
        "train_model: the network has no per-group parameters to train (build it with "
        "idx_to_group)");
  const auto& dims = input_view.shape;
  if (dims.size() != 2 && dims.size() != 3)
    throw error(
        "train_model: inputs: expected a 2-D (sensory, steps) or 3-D (batch, sensory, "
        "steps) shape, got " +
        std::to_string(dims.size()) + " dimensions");
  const auto inputs = input_view.values;
  const std::int64_t n = net.size(), batch = input_batch(input_view);
  const std::int64_t sensory = dims[dims.size() - 2], steps = dims.back();
  const int layers = net.num_layers();
  if (batch < 1) throw error("train_model: inputs: expected at least one batch item");
  if (sensory != net.num_sensory())
    throw error("train_model: inputs: " + std::to_string(sensory) +
                " sensory rows, the network has " + std::to_string(net.num_sensory()) +
                " sensory neurons");
  if (steps < layers)
    throw error("train_model: inputs: " + std::to_string(steps) +
                " time steps, fewer than num_layers = " + std::to_string(layers));
  if (inputs.size() != static_cast<std::size_t>(batch * sensory * steps))
    throw error(
        "train_model: inputs: " + std::to_string(inputs.size()) +
        " values, expected batch x sensory x steps = " + std::to_string(batch * sensory * steps));
  for (std::size_t k = 0; k < targets.size(); ++k) {
    const auto& t = targets[k];
    const std::string where =
        "train_model: target row " + std::to_string(k) + " (batch " + std::to_string(t.batch) +
        ", neuron " + std::to_string(t.neuron) +
        (t.layer ? ", layer " + std::to_string(*t.layer) : std::string(", no layer")) + ")";
    if (t.batch < 0 || t.batch >= batch)
      throw error(where + ": batch item outside 0.." + std::to_string(batch - 1));
    if (t.neuron < 0 || t.neuron >= n)
      throw error(where + ": unknown neuron (the network has " + std::to_string(n) + ")");
    if (t.layer && (*t.layer < 0 || *t.layer >= layers))
      throw error(where + ": layer outside 0.." + std::to_string(layers - 1));
    if (!std::isfinite(t.value)) throw error(where + ": the value is not a finite number");
  }

  // The split.
  train_result result;
  std::vector<char> in_train(static_cast<std::size_t>(batch), 0);
  if (params.train_indices) {
    for (const auto i : *params.train_indices) {
      if (i < 0 || i >= batch)
        throw parameter_error("train_indices", "index " + std::to_string(i) + " is outside 0.." +
                                                   std::to_string(batch - 1));
      if (in_train[static_cast<std::size_t>(i)])
        throw parameter_error("train_indices", "index " + std::to_string(i) + " appears twice");
      in_train[static_cast<std::size_t>(i)] = 1;
    }
    result.train_indices = *params.train_indices;
  } else {
    const auto n_train = static_cast<std::int64_t>(double(batch) * params.train_fraction);
    std::vector<std::int64_t> order(static_cast<std::size_t>(batch));
    for (std::int64_t i = 0; i < batch; ++i) order[static_cast<std::size_t>(i)] = i;
    rng_stream gen(params.seed, streams::sampling);
    for (std::int64_t i = 0; i < n_train; ++i) {  // partial Fisher-Yates
      const auto j =
          i + std::min(batch - i - 1, static_cast<std::int64_t>(gen.uniform() * double(batch - i)));
      std::swap(order[static_cast<std::size_t>(i)], order[static_cast<std::size_t>(j)]);
      in_train[static_cast<std::size_t>(order[static_cast<std::size_t>(i)])] = 1;
    }
    result.train_indices.assign(order.begin(), order.begin() + n_train);
  }
  if (result.train_indices.empty())
    throw parameter_error(params.train_indices ? "train_indices" : "train_fraction",
                          "the training set is empty (batch " + std::to_string(batch) + ")");
  for (std::int64_t i = 0; i < batch; ++i)
    if (!in_train[static_cast<std::size_t>(i)]) result.val_indices.push_back(i);

  subset train, val;
  train.items = result.train_indices;
  val.items = result.val_indices;
  std::vector<std::int64_t> position(static_cast<std::size_t>(batch));
  for (subset* s : {&train, &val}) {
    s->shape = {static_cast<std::int64_t>(s->items.size()), sensory, steps};
    s->inputs = gather_items(inputs, sensory, steps, s->items);
    for (std::size_t k = 0; k < s->items.size(); ++k)
      position[static_cast<std::size_t>(s->items[k])] = static_cast<std::int64_t>(k);
  }
  for (const auto& t : targets) {
    subset& s = in_train[static_cast<std::size_t>(t.batch)] ? train : val;
    const auto b = position[static_cast<std::size_t>(t.batch)];
    s.targets.push_back(
        {static_cast<std::size_t>((b * n + t.neuron) * layers + t.layer.value_or(0)),
         !t.layer.has_value(), static_cast<float>(t.value)});
  }

  const group_parameters<float> original = net.parameters();
  group_parameters<float> initial = original;
  // A raw bias at exactly 0 sits on the kink of |.|, whose gradient there is 0: it would
  // never move.
  if (params.train_biases)
    for (auto& b : initial.raw_bias)
      if (b == 0.0f) b = 1e-6f;
  group_parameters<float> current = initial;
  const auto refs = tensors(current, params);
  const auto initial_refs = tensors(initial, params);
  std::vector<adam<float>> optimisers;
  for (const auto& r : refs)
    optimisers.emplace_back(r.values->size(), adam_params{.learning_rate = params.learning_rate});
  bool any_trained = false;
  for (const auto& r : refs) any_trained |= r.trained && !r.values->empty();
  if (!any_trained)
    throw parameter_error("train_divisive_strength",
                          "nothing to train: only train_divisive_strength is selected and the "
                          "network has no divisive normalisation");

  const auto act_train = static_cast<std::size_t>(train.shape[0] * n * layers);
  std::vector<float> activations(act_train), grad_a(act_train);
  std::vector<float> val_activations(static_cast<std::size_t>(val.shape[0] * n * layers));
  const float lambda = static_cast<float>(params.param_reg_lambda);
  auto save = [&] {
    if (!control->save) return;
    train_state s{result.history, current, {}, result.skipped_steps, result.non_finite};
    for (const auto& o : optimisers) s.optimisers.push_back(o.state());
    control->save(s);
  };
  try {
    if (params.train_biases) net.set_parameters(initial);
    if (control && control->resume) {
      const auto& saved = *control->resume;
      const auto& p = saved.parameters;
      if (p.divisive_strength.size() != current.divisive_strength.size() ||
          p.tau_param.size() != current.tau_param.size() ||
          p.slope.size() != current.slope.size() || p.raw_bias.size() != current.raw_bias.size() ||
          saved.optimisers.size() != optimisers.size())
        throw error("train_model: the saved state is for another network");
      current = saved.parameters;  // refs point into current's vectors, which stay
      for (std::size_t k = 0; k < optimisers.size(); ++k)
        optimisers[k].restore(saved.optimisers[k]);
      result.history = saved.history;
      result.skipped_steps = saved.skipped_steps;
      result.non_finite = saved.non_finite;
      net.set_parameters(current);
      if (progress) progress->advance(result.history.loss.size());
    }
    trajectory recorded;  // its arrays serve every epoch
    for (int epoch = static_cast<int>(result.history.loss.size()); epoch < params.num_epochs;
         ++epoch) {
      if (control && control->stop && control->stop()) {
        result.stopped = true;
        save();
        break;
      }
      recorded = net.record(train.view(), {}, {.checkpoint_interval = params.checkpoint_interval},
                            activations, std::move(recorded));
      const auto& trajectory = recorded;
      std::fill(grad_a.begin(), grad_a.end(), 0.0f);
      const double act_loss = activation_loss(train, activations, layers, params, grad_a);
      double reg = 0;
      for (std::size_t k = 0; k < refs.size(); ++k) {
        const auto& p = *refs[k].values;
        if (p.empty()) continue;
        const auto& p0 = *initial_refs[k].values;
        double s = 0;
        for (std::size_t i = 0; i < p.size(); ++i) s += std::abs(double(p[i] - p0[i]));
        reg += s / double(p.size());
      }
      reg *= params.param_reg_lambda;
      const double loss = act_loss + reg;
      result.history.loss.push_back(loss);
      result.history.activation_loss.push_back(act_loss);
      result.history.param_reg_loss.push_back(reg);

      // The first value that is not finite: a state, the loss, then a gradient.
      std::optional<non_finite_report> bad = trajectory.non_finite();
      if (!bad && !std::isfinite(loss))
        bad = non_finite_report{.quantity = std::isfinite(act_loss) ? "parameter penalty" : "loss",
                                .value = std::isfinite(act_loss) ? reg : act_loss};
      std::optional<gradients<float>> g;
      if (!bad) {
        g = net.backward(trajectory, grad_a);
        if (g->non_finite) bad = g->non_finite;
        const auto grad_refs = tensors(g->parameters, params);
        for (std::size_t k = 0; k < refs.size() && !bad; ++k) {
          if (!refs[k].trained) continue;
          if (const auto at = first_non_finite(*grad_refs[k].values); at >= 0)
            bad = non_finite_report{
                .quantity = std::string("gradient of ") + refs[k].name,
                .cell_type = k == 0 ? net.divisive_pre_groups()[static_cast<std::size_t>(at)]
                                    : net.groups()[static_cast<std::size_t>(at)],
                .value = (*grad_refs[k].values)[static_cast<std::size_t>(at)]};
        }
      }
      if (bad) {
        if (!result.non_finite) {
          bad->where = "train";
          bad->step = epoch;
          // The trajectory's batch items are the training items, in training order.
          if (bad->batch >= 0) bad->batch = train.items[static_cast<std::size_t>(bad->batch)];
          result.non_finite = std::move(bad);
        }
        ++result.skipped_steps;
      } else {
        auto grad_refs = tensors(g->parameters, params);
        std::vector<std::span<float>> trained_grads;
        for (std::size_t k = 0; k < refs.size(); ++k) {
          if (!refs[k].trained || refs[k].values->empty()) continue;
          auto& gr = *grad_refs[k].values;
          if (params.param_reg_gradient) {
            const auto& p = *refs[k].values;
            const auto& p0 = *initial_refs[k].values;
            // d/dp of lambda * mean |p - p0|: lambda * sign(p - p0) / len(p) (sign(0) = 0).
            const float scale = lambda / static_cast<float>(p.size());
            for (std::size_t i = 0; i < p.size(); ++i) {
              const float d = p[i] - p0[i];
              gr[i] += static_cast<float>((d > 0) - (d < 0)) * scale;
            }
          }
          trained_grads.emplace_back(gr);
        }
        clip_grad_norm<float>(trained_grads, 1.0);
        for (std::size_t k = 0; k < refs.size(); ++k) {
          if (!refs[k].trained || refs[k].values->empty()) continue;
          optimisers[k].step(*refs[k].values, *grad_refs[k].values);
        }
        net.set_parameters(current);
      }

      double val_loss = std::numeric_limits<double>::quiet_NaN();
      if (!val.items.empty()) {
        net.forward(val.view(), {}, val_activations);
        val_loss = activation_loss(val, val_activations, layers, params, {});
      }
      result.history.val_loss.push_back(val_loss);
      if (progress) progress->advance(1);
      if (control && control->save_every > 0 && (epoch + 1) % control->save_every == 0) save();
    }
  } catch (...) {
    net.set_parameters(original);
    throw;
  }
  result.parameters = net.parameters();
  return result;
}

}  // namespace kenyon::ratenet

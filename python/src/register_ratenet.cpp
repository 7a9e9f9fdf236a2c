// ratenet/: connectome_interpreter's rate networks. The pure-Python module
// kenyon.activation_maximisation builds the original's API on these functions; here every
// long call releases the GIL, and arrays go in as C-contiguous float32 spans (no copy when
// the caller's array already is one) and come back as numpy arrays that own the C++ vectors.
#include <cmath>
#include <optional>
#include <string>

#include "bindings.hpp"
#include "kenyon/core/error.hpp"
#include "kenyon/core/table.hpp"
#include "kenyon/ratenet/activation_summary.hpp"
#include "kenyon/ratenet/actmax.hpp"
#include "kenyon/ratenet/attribution.hpp"
#include "kenyon/ratenet/guess.hpp"
#include "kenyon/ratenet/inputs.hpp"
#include "kenyon/ratenet/network.hpp"
#include "kenyon/ratenet/neuroglancer.hpp"
#include "kenyon/ratenet/path_tables.hpp"
#include "kenyon/ratenet/synthetic.hpp"
#include "kenyon/ratenet/train.hpp"

namespace kenyon::python {

namespace {

using namespace kenyon::ratenet;
using sparse::csr_matrix;

// A 2-D (sensory, steps) or 3-D input as a (batch, sensory, steps) view.
array_view<const float> input_view(const carray<float>& x, const char* what) {
  if (x.ndim() == 2) return {span_of(x), {1, x.shape(0), x.shape(1)}};
  if (x.ndim() == 3) return {span_of(x), {x.shape(0), x.shape(1), x.shape(2)}};
  throw parameter_error(what,
                        "expected a 2-D (sensory, steps) or 3-D (batch, sensory, steps) "
                        "array, got " +
                            std::to_string(x.ndim()) + " dimensions");
}

array_view<const float> ref_of(const std::optional<carray<float>>& a) {
  if (!a) return {};
  return {span_of(*a), shape_of(*a)};
}

py::array_t<float> floats(std::vector<float>&& v, const std::vector<std::int64_t>& shape) {
  return to_numpy(std::move(v), shape);
}

// A table as (column names, one list per column), for pandas.DataFrame.
py::tuple table_columns(const table& t) {
  py::list columns;
  for (std::size_t c = 0; c < t.columns.size(); ++c) {
    py::list values;
    for (const auto& row : t.rows) std::visit([&](const auto& v) { values.append(v); }, row[c]);
    columns.append(values);
  }
  py::list warnings;
  for (const auto& w : t.warnings) warnings.append(w);
  return py::make_tuple(t.columns, columns, warnings);
}

// Builds a table with the GIL released (the arrays it reads are held by the caller), then
// converts it with the GIL held.
template <class F>
py::tuple released_table(F&& make) {
  table t;
  {
    py::gil_scoped_release release;
    t = make();
  }
  return table_columns(t);
}

table table_of(const std::vector<std::string>& columns,
               const std::vector<std::vector<cell>>& rows) {
  table t;
  t.columns = columns;
  for (const auto& r : rows) {
    if (r.size() != columns.size())
      throw parameter_error("path", "a row has " + std::to_string(r.size()) + " cells for " +
                                        std::to_string(columns.size()) + " columns");
    t.rows.push_back(r);
  }
  return t;
}

// A Python callable as the network's activation function: fn(layer, wx, previous, slope,
// divisive) with (N, batch) float32 arrays, returning the new (N, batch) state. Runs with the
// GIL held (the forward pass calls it from its own thread, between parallel loops).
activation_function<float> python_activation(py::function fn) {
  auto holder = std::make_shared<py::function>(std::move(fn));
  return [holder](const network&, const step_arguments<float>& s) {
    py::gil_scoped_acquire gil;
    const std::vector<py::ssize_t> shape{static_cast<py::ssize_t>(s.neurons),
                                         static_cast<py::ssize_t>(s.batch)};
    auto copy = [&](std::span<const float> v) -> py::object {
      if (v.empty()) return py::none();
      return py::array_t<float>(shape, v.data());
    };
    py::object result;
    try {
      result = (*holder)(s.layer, copy(s.wx), copy(s.previous), copy(s.slope), copy(s.divisive));
    } catch (py::error_already_set& e) {
      throw error("activation_function raised " + std::string(e.what()));
    }
    carray<float> out;
    try {
      out = result.cast<carray<float>>();
    } catch (const py::cast_error&) {
      throw error("activation_function must return an array of numbers, got " +
                  std::string(py::str(result.get_type())));
    }
    if (out.size() != static_cast<py::ssize_t>(s.out.size()))
      throw error("activation_function returned " + std::to_string(out.size()) +
                  " values, expected neurons x batch = " + std::to_string(s.out.size()));
    std::copy_n(out.data(), out.size(), s.out.begin());
  };
}

std::vector<training_target> training_targets(const carray<std::int64_t>& batch,
                                              const carray<std::int64_t>& neuron,
                                              const carray<std::int64_t>& layer,
                                              const carray<double>& value) {
  const auto n = batch.size();
  if (neuron.size() != n || layer.size() != n || value.size() != n)
    throw parameter_error("targets", "batch, neuron_idx, layer and value differ in length");
  std::vector<training_target> out(static_cast<std::size_t>(n));
  for (py::ssize_t k = 0; k < n; ++k) {
    auto& t = out[static_cast<std::size_t>(k)];
    t.batch = batch.data()[k];
    t.neuron = neuron.data()[k];
    if (layer.data()[k] >= 0) t.layer = static_cast<int>(layer.data()[k]);
    t.value = value.data()[k];
  }
  return out;
}

// Values at (batch item or None, layer, neuron index or group name, value), as the Python
// module lists them, with group names resolved by the network (every member gets the value;
// without a network only indices are accepted).
using target_entry = std::tuple<std::optional<std::int64_t>, int, neuron_key, double>;
target_activation targets_of(const network* net, const std::vector<target_entry>& entries,
                             std::int64_t batch_size) {
  target_activation out;
  out.batch_size = batch_size;
  for (const auto& [batch, layer, key, value] : entries) {
    if (const auto* index = std::get_if<std::int64_t>(&key))
      out.targets.push_back({batch, layer, *index, value});  // range checked by the callee
    else if (!net)
      throw parameter_error("targets", "'" + std::get<std::string>(key) +
                                           "': name neurons by index here (no network groups)");
    else
      out.add(batch, layer, net->members(key), value);
  }
  return out;
}

py::dict parameters_dict(const group_parameters<float>& p) {
  auto arr = [](const std::vector<float>& v) {
    return py::array_t<float>(static_cast<py::ssize_t>(v.size()), v.data());
  };
  py::dict d;
  d["divisive_strength"] = arr(p.divisive_strength);
  d["tau_param"] = arr(p.tau_param);
  d["slope"] = arr(p.slope);
  d["raw_biases"] = arr(p.raw_bias);
  return d;
}

// A Python regulariser fn(flat x) -> (value, flat gradient) as a C++ regulariser.
regulariser python_regulariser(py::function fn) {
  auto holder = std::make_shared<py::function>(std::move(fn));
  return [holder](std::span<const float> x, std::span<float> grad, float scale) -> double {
    py::gil_scoped_acquire gil;
    py::tuple r;
    try {
      r = (*holder)(py::array_t<float>(static_cast<py::ssize_t>(x.size()), x.data()));
    } catch (py::error_already_set& e) {
      throw error("custom regularisation function raised " + std::string(e.what()));
    }
    const auto g = r[1].cast<carray<float>>();
    if (g.size() != static_cast<py::ssize_t>(grad.size()))
      throw error("custom regularisation gradient has the wrong size");
    for (std::size_t k = 0; k < grad.size(); ++k) grad[k] += scale * g.data()[k];
    return r[0].cast<double>();
  };
}

// train_params' loss: a name, or fn(predicted, target, want_grad) -> (loss, grad or None).
void set_loss(train_params& p, py::object loss) {
  if (py::isinstance<py::str>(loss)) {
    p.loss = parse_loss_kind(loss.cast<std::string>());
    return;
  }
  auto holder = std::make_shared<py::function>(loss.cast<py::function>());
  p.loss = loss_kind::custom;
  p.custom_loss = [holder](std::span<const float> pred, std::span<const float> target,
                           std::span<float> grad) -> double {
    py::gil_scoped_acquire gil;
    const auto n = static_cast<py::ssize_t>(pred.size());
    py::tuple r;
    try {
      r = (*holder)(py::array_t<float>(n, pred.data()), py::array_t<float>(n, target.data()),
                    !grad.empty());
    } catch (py::error_already_set& e) {
      throw error("activation_loss_fn raised " + std::string(e.what()));
    }
    if (!grad.empty()) {
      const auto g = r[1].cast<carray<float>>();
      if (g.size() != n) throw error("activation_loss_fn: gradient of the wrong size");
      std::copy_n(g.data(), n, grad.begin());
    }
    return r[0].cast<double>();
  };
}

}  // namespace

void register_ratenet(py::module_& parent) {
  auto m = parent.def_submodule("ratenet", "kenyon::ratenet: rate networks");

  py::enum_<network_kind>(m, "NetworkKind")
      .value("multilayered", network_kind::multilayered)
      .value("linear", network_kind::linear);

  py::class_<network_params>(m, "NetworkParams", doc("ratenet::network_params"))
      .def(py::init<>())
      .def_readwrite("kind", &network_params::kind, doc("ratenet::network_params.kind"))
      .def_readwrite("num_layers", &network_params::num_layers,
                     doc("ratenet::network_params.num_layers"))
      .def_readwrite("threshold", &network_params::threshold,
                     doc("ratenet::network_params.threshold"))
      .def_readwrite("tanh_steepness", &network_params::tanh_steepness,
                     doc("ratenet::network_params.tanh_steepness"))
      .def_readwrite("default_bias", &network_params::default_bias,
                     doc("ratenet::network_params.default_bias"))
      .def_readwrite("tau", &network_params::tau, doc("ratenet::network_params.tau"))
      .def_readwrite("idx_to_group", &network_params::idx_to_group,
                     doc("ratenet::network_params.idx_to_group"))
      .def_readwrite("idx_to_class", &network_params::idx_to_class,
                     doc("ratenet::network_params.idx_to_class"))
      .def_readwrite("bias_by_group", &network_params::bias_by_group,
                     doc("ratenet::network_params.bias_by_group"))
      .def_readwrite("slope_by_group", &network_params::slope_by_group,
                     doc("ratenet::network_params.slope_by_group"))
      .def_readwrite("tau_by_group", &network_params::tau_by_group,
                     doc("ratenet::network_params.tau_by_group"))
      .def_readwrite("divisive_normalization", &network_params::divisive_normalization,
                     doc("ratenet::network_params.divisive_normalization"))
      .def_readwrite("divisive_strength", &network_params::divisive_strength,
                     doc("ratenet::network_params.divisive_strength"))
      .def_readwrite("divisive_strength_by_group", &network_params::divisive_strength_by_group,
                     doc("ratenet::network_params.divisive_strength_by_group"))
      .def("validate", &network_params::validate, doc("ratenet::network_params.validate"));

  py::class_<network>(m, "Network", doc("ratenet::basic_network"))
      .def(py::init([](csr_matrix weights, const carray<std::int64_t>& sensory,
                       const network_params& params, py::object activation) {
             activation_function<float> f;
             if (py::isinstance<py::str>(activation)) {
               const auto name = activation.cast<std::string>();
               if (name == "legacy")
                 f = legacy_activation<float>;
               else if (name == "legacy_linear")
                 f = legacy_activation_linear<float>;
               else
                 throw parameter_error("activation_function", "unknown name '" + name + "'");
             } else if (!activation.is_none()) {
               f = python_activation(activation.cast<py::function>());
             }
             std::vector<std::int64_t> s(sensory.data(), sensory.data() + sensory.size());
             // A copy outlives the released GIL, so that a Python callable is never freed
             // without it (e.g. when the constructor throws).
             const auto keep = f;
             py::gil_scoped_release release;
             return network(std::move(weights), std::move(s), params, std::move(f));
           }),
           py::arg("weights"), py::arg("sensory_indices"), py::arg("params"),
           py::arg("activation") = py::none())
      .def_property_readonly("size", &network::size)
      .def_property_readonly("num_sensory", &network::num_sensory)
      .def_property_readonly("num_layers", &network::num_layers)
      .def_property_readonly("groups", &network::groups)
      .def_property_readonly("divisive_pre_groups", &network::divisive_pre_groups)
      .def_property_readonly("has_custom_activation",
                             [](const network& n) { return static_cast<bool>(n.activation()); })
      .def_property_readonly("group_of",
                             [](const network& n) {
                               auto g = n.group_of();
                               return py::array_t<std::int32_t>(static_cast<py::ssize_t>(g.size()),
                                                                g.data());
                             })
      .def_property_readonly("sensory_indices",
                             [](const network& n) {
                               auto s = n.sensory_indices();
                               return py::array_t<std::int64_t>(static_cast<py::ssize_t>(s.size()),
                                                                s.data());
                             })
      .def("neuron_values",
           [](const network& n) {
             auto arr = [](std::span<const float> v) {
               return py::array_t<float>(static_cast<py::ssize_t>(v.size()), v.data());
             };
             return py::make_tuple(arr(n.neuron_slope()), arr(n.neuron_bias()),
                                   arr(n.neuron_tau()));
           })
      .def("members", &network::members, py::arg("key"), doc("ratenet::basic_network.members"))
      .def("weights", [](const network& n) { return n.weights(); })
      .def("divisive_weights", [](const network& n) { return n.divisive_weights(); })
      .def("get_parameters", [](const network& n) { return parameters_dict(n.parameters()); })
      .def(
          "set_parameters",
          [](network& n, const carray<float>& divisive, const carray<float>& tau,
             const carray<float>& slope, const carray<float>& bias) {
            auto vec = [](const carray<float>& a) {
              return std::vector<float>(a.data(), a.data() + a.size());
            };
            n.set_parameters({vec(divisive), vec(tau), vec(slope), vec(bias)});
          },
          py::arg("divisive_strength"), py::arg("tau_param"), py::arg("slope"),
          py::arg("raw_biases"), doc("ratenet::basic_network.set_parameters"))
      .def(
          "forward",
          [](const network& n, const carray<float>& input, const std::vector<target_entry>& clamp) {
            const auto in = input_view(input, "inputs");
            const auto clamps = targets_of(&n, clamp, in.shape[0]);
            std::vector<float> out(
                static_cast<std::size_t>(in.shape[0] * n.size() * n.num_layers()));
            std::optional<non_finite_report> bad;
            {
              py::gil_scoped_release release;
              bad = n.forward(in, clamps, out);
            }
            return py::make_tuple(floats(std::move(out), {in.shape[0], n.size(), n.num_layers()}),
                                  non_finite_object(bad));
          },
          py::arg("input"), py::arg("manipulate") = std::vector<target_entry>{},
          doc("ratenet::basic_network.forward"));

  py::class_<actmax_params>(m, "ActmaxParams", doc("ratenet::actmax_params"))
      .def(py::init<>())
      .def_readwrite("num_iterations", &actmax_params::num_iterations)
      .def_readwrite("learning_rate", &actmax_params::learning_rate)
      .def_readwrite("in_reg_lambda", &actmax_params::in_reg_lambda)
      .def_readwrite("out_reg_lambda", &actmax_params::out_reg_lambda)
      .def_readwrite("early_stopping", &actmax_params::early_stopping)
      .def_readwrite("stopping_threshold", &actmax_params::stopping_threshold)
      .def_readwrite("n_runs", &actmax_params::n_runs)
      .def_readwrite("seed", &actmax_params::seed)
      .def_readwrite("normalize_gradients", &actmax_params::normalize_gradients)
      .def_readwrite("snapshot_every", &actmax_params::snapshot_every)
      .def_readwrite("checkpoint_interval", &actmax_params::checkpoint_interval)
      .def(
          "set_regularisers",
          [](actmax_params& p, py::object in_reg, py::object out_reg) {
            if (!in_reg.is_none()) p.in_reg = python_regulariser(in_reg.cast<py::function>());
            if (!out_reg.is_none()) p.out_reg = python_regulariser(out_reg.cast<py::function>());
          },
          py::arg("in_reg") = py::none(), py::arg("out_reg") = py::none(),
          "fn(flat x) -> (value, flat gradient) in place of the L1 + L2 regularisers")
      .def("validate", &actmax_params::validate);

  py::class_<train_params>(m, "TrainParams", doc("ratenet::train_params"))
      .def(py::init<>())
      .def_readwrite("num_epochs", &train_params::num_epochs)
      .def_readwrite("learning_rate", &train_params::learning_rate)
      .def_readwrite("param_reg_lambda", &train_params::param_reg_lambda)
      .def_readwrite("train_fraction", &train_params::train_fraction)
      .def_readwrite("seed", &train_params::seed)
      .def_readwrite("train_slopes", &train_params::train_slopes)
      .def_readwrite("train_biases", &train_params::train_biases)
      .def_readwrite("train_divisive_strength", &train_params::train_divisive_strength)
      .def_readwrite("train_tau", &train_params::train_tau)
      .def_readwrite("checkpoint_interval", &train_params::checkpoint_interval)
      .def_readwrite("train_indices", &train_params::train_indices)
      .def("set_loss", &set_loss, py::arg("loss"),
           "'mse', 'mae', or fn(predicted, target, want_grad) -> (loss, gradient or None)")
      .def("validate", &train_params::validate);

  py::class_<gradient_params>(m, "GradientParams", doc("ratenet::gradient_params"))
      .def(py::init<>())
      .def_readwrite("monitor", &gradient_params::monitor)
      .def_readwrite("monitor_layers", &gradient_params::monitor_layers)
      .def_property(
          "method", [](const gradient_params& p) { return to_string(p.method); },
          [](gradient_params& p, const std::string& name) {
            p.method = parse_attribution_method(name);
          })
      .def_readwrite("batch_names", &gradient_params::batch_names)
      .def_readwrite("checkpoint_interval", &gradient_params::checkpoint_interval)
      .def_readwrite("normalize_per_layer", &gradient_params::normalize_per_layer);

  m.def(
      "activation_maximisation",
      [](const network& net, const std::vector<target_entry>& entries, std::int64_t batch_size,
         const actmax_params& p, const std::optional<carray<float>>& initial) {
        const auto targets = targets_of(&net, entries, batch_size);
        std::optional<std::span<const float>> init;
        if (initial) init = span_of(*initial);
        auto r = call_interruptibly([&](std::function<bool()> stop) {
          actmax_control control;
          control.stop = std::move(stop);
          return ratenet::activation_maximisation(net, targets, p, init, nullptr, &control);
        });
        const auto& s = r.shape;
        py::list snapshots;
        for (auto& snap : r.snapshots) snapshots.append(floats(std::move(snap), s));
        py::dict d;
        d["input"] = floats(std::move(r.input), s);
        d["activations"] = floats(std::move(r.activations), {s[0], net.size(), net.num_layers()});
        d["target_loss"] = r.target_loss;
        d["out_reg"] = r.out_reg;
        d["in_reg"] = r.in_reg;
        d["snapshots"] = snapshots;
        d["iterations"] = r.iterations;
        d["status"] = to_string(r.status());
        d["non_finite"] = non_finite_object(r.non_finite);
        return d;
      },
      py::arg("net"), py::arg("targets"), py::arg("batch_size"), py::arg("params"),
      py::arg("initial") = py::none(), doc("ratenet::activation_maximisation"));

  m.def(
      "train_model",
      [](network& net, const carray<float>& inputs, const carray<std::int64_t>& batch,
         const carray<std::int64_t>& neuron, const carray<std::int64_t>& layer,
         const carray<double>& value, const train_params& p) {
        const auto in = input_view(inputs, "inputs");
        const auto targets = training_targets(batch, neuron, layer, value);
        auto r = call_interruptibly([&](std::function<bool()> stop) {
          train_control control;
          control.stop = std::move(stop);
          return ratenet::train_model(net, in, targets, p, nullptr, &control);
        });
        py::dict d;
        d["parameters"] = parameters_dict(r.parameters);
        d["loss"] = r.history.loss;
        d["mse_loss"] = r.history.activation_loss;
        d["param_reg_loss"] = r.history.param_reg_loss;
        d["val_loss"] = r.history.val_loss;
        d["train_indices"] = r.train_indices;
        d["val_indices"] = r.val_indices;
        d["skipped_steps"] = r.skipped_steps;
        d["status"] = to_string(r.status());
        d["non_finite"] = non_finite_object(r.non_finite);
        return d;
      },
      py::arg("net"), py::arg("inputs"), py::arg("batch"), py::arg("neuron"), py::arg("layer"),
      py::arg("value"), py::arg("params"), doc("ratenet::train_model"));

  m.def(
      "saliency",
      [](const network& net, const carray<float>& input, const std::vector<target_entry>& neurons,
         const std::string& method, bool normalize) {
        const auto in = input_view(input, "input_tensor");
        const auto how = parse_attribution_method(method);
        const auto of_interest = targets_of(&net, neurons, in.shape[0]);
        std::vector<float> out;
        std::optional<non_finite_report> bad;
        {
          py::gil_scoped_release release;
          out = ratenet::saliency(net, in, of_interest, how, normalize, &bad);
        }
        return py::make_tuple(floats(std::move(out), in.shape), non_finite_object(bad));
      },
      py::arg("net"), py::arg("input"), py::arg("neurons_of_interest"), py::arg("method"),
      py::arg("normalize"), doc("ratenet::saliency"));

  m.def(
      "get_gradients",
      [](const network& net, const carray<float>& input, const std::vector<target_entry>& targets,
         gradient_params p) {
        const auto in = input_view(input, "input_tensor");
        p.targets = targets_of(&net, targets, in.shape[0]);
        gradient_table t;
        {
          py::gil_scoped_release release;
          t = ratenet::get_gradients(net, in, p);
        }
        return py::make_tuple(t.group, t.batch_name, t.layers, t.values,
                              non_finite_object(t.non_finite));
      },
      py::arg("net"), py::arg("input"), py::arg("targets"), py::arg("params"),
      doc("ratenet::get_gradients"));

  m.def(
      "signed_connectivity_by_path_length",
      [](const csr_matrix& inprop, const carray<int>& signs, const carray<std::int64_t>& sources,
         const carray<std::int64_t>& targets, int max_length) {
        signed_connectivity c;
        {
          py::gil_scoped_release release;
          c = ratenet::signed_connectivity_by_path_length(inprop, span_of(signs), span_of(sources),
                                                          span_of(targets), max_length);
        }
        py::list e, i;
        for (auto& v : c.excitatory) e.append(to_numpy(std::move(v), {c.sources, c.targets}));
        for (auto& v : c.inhibitory) i.append(to_numpy(std::move(v), {c.sources, c.targets}));
        return py::make_tuple(e, i);
      },
      py::arg("inprop"), py::arg("idx_to_sign"), py::arg("sources"), py::arg("targets"),
      py::arg("max_length"), doc("ratenet::signed_connectivity_by_path_length"));

  m.def(
      "guess_optimal_stimulus",
      [](const csr_matrix& inprop, const carray<std::int64_t>& sensory, const carray<int>& signs,
         const std::vector<target_entry>& targets, std::int64_t batch_size, int longest_plen) {
        const auto values = targets_of(nullptr, targets, batch_size);
        input_array a;
        {
          py::gil_scoped_release release;
          a = ratenet::guess_optimal_stimulus(inprop, span_of(sensory), span_of(signs), values,
                                              longest_plen);
        }
        return floats(std::move(a.values), a.shape());
      },
      py::arg("inprop"), py::arg("sensory_indices"), py::arg("idx_to_sign"), py::arg("targets"),
      py::arg("batch_size"), py::arg("longest_plen"), doc("ratenet::guess_optimal_stimulus"));

  m.def(
      "input_from_table",
      [](const std::vector<std::string>& groups, const std::vector<std::string>& columns,
         const carray<double>& values, const carray<std::int64_t>& sensory,
         const std::vector<std::string>& idx_to_group, std::int64_t num_layers,
         const carray<std::int64_t>& timepoints) {
        group_table t{groups, columns, {values.data(), values.data() + values.size()}};
        input_array a;
        {
          py::gil_scoped_release release;
          t.validate();
          a = ratenet::input_from_table(t, span_of(sensory), idx_to_group, num_layers,
                                        span_of(timepoints));
        }
        return floats(std::move(a.values), a.shape());
      },
      py::arg("groups"), py::arg("columns"), py::arg("values"), py::arg("sensory_indices"),
      py::arg("idx_to_group"), py::arg("num_layers"), py::arg("timepoints"),
      doc("ratenet::input_from_table"));

  m.def(
      "activations_to_df",
      [](const csr_matrix& inprop, const carray<float>& model_input, const carray<float>& out,
         const carray<std::int64_t>& sensory, const std::vector<std::string>& inidx,
         const std::vector<std::string>& outidx, double activation_threshold,
         double connectivity_threshold, bool high_ram, bool batched) {
        path_table_options o;
        o.inidx_mapping = inidx;
        o.outidx_mapping = outidx;
        o.activation_threshold = activation_threshold;
        o.connectivity_threshold = connectivity_threshold;
        o.high_ram = high_ram;
        table t;
        {
          py::gil_scoped_release release;
          const array_view<const float> in{span_of(model_input), shape_of(model_input)};
          const array_view<const float> act{span_of(out), shape_of(out)};
          t = batched ? ratenet::activations_to_df_batched(inprop, in, act, span_of(sensory), o)
                      : ratenet::activations_to_df(inprop, in, act, span_of(sensory), o);
        }
        return table_columns(t);
      },
      py::arg("inprop"), py::arg("model_input"), py::arg("out"), py::arg("sensory_indices"),
      py::arg("inidx_mapping"), py::arg("outidx_mapping"), py::arg("activation_threshold"),
      py::arg("connectivity_threshold"), py::arg("high_ram"), py::arg("batched"),
      doc("ratenet::activations_to_df"));

  m.def(
      "get_activations_for_path",
      [](const std::vector<std::string>& columns, const std::vector<std::vector<cell>>& rows,
         const carray<float>& activations, const std::optional<carray<float>>& model_in,
         const std::vector<std::int64_t>& sensory, const std::vector<std::string>& idx_to_group,
         std::int64_t activation_start) {
        const auto path = table_of(columns, rows);
        const array_view<const float> act{span_of(activations), shape_of(activations)};
        const auto in = ref_of(model_in);
        return released_table([&] {
          return ratenet::get_activations_for_path(path, act, in, sensory, idx_to_group,
                                                   activation_start);
        });
      },
      py::arg("columns"), py::arg("rows"), py::arg("activations"), py::arg("model_in"),
      py::arg("sensory_indices"), py::arg("idx_to_group"), py::arg("activation_start"),
      doc("ratenet::get_activations_for_path"));

  m.def(
      "activated_path_for_ngl",
      [](const std::vector<std::string>& columns, const std::vector<std::vector<cell>>& rows) {
        const auto path = table_of(columns, rows);
        return released_table([&] { return ratenet::activated_path_for_ngl(path); });
      },
      py::arg("columns"), py::arg("rows"), doc("ratenet::activated_path_for_ngl"));

  m.def(
      "get_neuron_activation",
      [](const carray<float>& activations, const std::vector<std::int64_t>& neurons,
         const std::vector<std::string>& batch_names,
         const std::vector<std::string>& idx_to_group) {
        const array_view<const float> act{span_of(activations), shape_of(activations)};
        return released_table([&] {
          return ratenet::get_neuron_activation(act, neurons, batch_names, idx_to_group);
        });
      },
      py::arg("activations"), py::arg("neuron_indices"), py::arg("batch_names"),
      py::arg("idx_to_group"), doc("ratenet::get_neuron_activation"));

  m.def(
      "get_input_activation",
      [](const carray<float>& model_in, const std::vector<std::int64_t>& sensory,
         const std::vector<std::string>& idx_to_group, const std::vector<std::int64_t>& selected,
         double activation_threshold, const std::vector<std::string>& batch_names) {
        const array_view<const float> in{span_of(model_in), shape_of(model_in)};
        return released_table([&] {
          return ratenet::get_input_activation(in, sensory, idx_to_group,
                                               {selected, activation_threshold, batch_names});
        });
      },
      py::arg("model_in"), py::arg("sensory_indices"), py::arg("idx_to_group"),
      py::arg("selected_indices"), py::arg("activation_threshold"), py::arg("batch_names"),
      doc("ratenet::get_input_activation"));

  m.def(
      "activity_by_column",
      [](const carray<float>& activity, const std::vector<std::string>& idx_to_group,
         const std::vector<std::int64_t>& idx_to_column, const std::vector<std::string>& selected,
         const std::optional<carray<float>>& model_input,
         const std::vector<std::int64_t>& sensory) {
        const array_view<const float> act{span_of(activity), shape_of(activity)};
        const auto in = ref_of(model_input);
        return released_table([&] {
          return ratenet::activity_by_column(act, idx_to_group, idx_to_column, selected, in,
                                             sensory);
        });
      },
      py::arg("activity"), py::arg("idx_to_group"), py::arg("idx_to_column"),
      py::arg("selected_groups"), py::arg("model_input"), py::arg("sensory_indices"),
      doc("ratenet::activity_by_column"));

  m.def(
      "synthetic_connectome",
      [](std::int64_t neurons, std::int64_t connections, std::uint64_t seed) {
        synthetic_params p;
        p.neurons = neurons;
        p.connections = connections;
        p.seed = seed;
        py::gil_scoped_release release;
        auto c = make_synthetic_connectome(p);
        return std::make_pair(std::move(c.weights), std::move(c.sensory_indices));
      },
      py::arg("neurons") = 140000, py::arg("connections") = 3500000, py::arg("seed") = 0,
      doc("ratenet::make_synthetic_connectome"));
}

}  // namespace kenyon::python

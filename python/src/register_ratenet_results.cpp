// ratenet/results.hpp: the `kenyon net` operations on a connectome model, as the CLI runs
// them, so that kenyon.net writes the very files `kenyon net ... --out` writes.
#include <pybind11/stl/filesystem.h>

#include <cmath>
#include <filesystem>

#include "bindings.hpp"
#include "kenyon/core/error.hpp"
#include "kenyon/ratenet/connectome_model.hpp"
#include "kenyon/ratenet/results.hpp"

namespace kenyon::python {

namespace {

using namespace kenyon::ratenet;

py::object to_python(const nlohmann::json& j) {
  return py::module_::import("json").attr("loads")(j.dump());
}

std::vector<neuron_spec> specs(const std::vector<std::string>& texts, const char* option) {
  std::vector<neuron_spec> out;
  for (const auto& t : texts) out.push_back(parse_neuron_spec(t, option));
  return out;
}

// A (batch, sensory, steps) float32 array (checked in Python) as the library's input.
input_array input_of(const carray<float>& a) {
  if (a.ndim() != 3) throw parameter_error("input", "expected a (batch, sensory, steps) array");
  input_array in(a.shape(0), a.shape(1), a.shape(2));
  in.values.assign(a.data(), a.data() + a.size());
  return in;
}

py::array_t<float> numpy_of(const input_array& in) {
  auto values = in.values;
  return to_numpy(std::move(values), in.shape());
}

// The network input as `kenyon net` takes it: an array, or stimulus specs in `batch` items.
input_array network_input(const model& x, const std::optional<carray<float>>& input,
                          const std::vector<std::string>& stimuli, std::int64_t batch) {
  if (input && !stimuli.empty())
    throw parameter_error("input", "give either input or stimulus, not both");
  if (input) return input_of(*input);
  return input_from_specs(x.conn, specs(stimuli, "stimulus"), batch, x.net.num_layers());
}

template <class R>
py::class_<R, result_base> bind_result(py::module_& m, const char* name) {
  return py::class_<R, result_base>(m, name);
}

// Activation maximisation's optimiser as Model.maximise and Model.atlas pass it.
actmax_params optimiser(int iterations, double learning_rate, double in_reg, double out_reg,
                        bool mean_regularisers, bool early_stopping, double stopping_threshold,
                        int n_runs, bool normalize_gradients, std::uint64_t seed) {
  actmax_params p;
  p.num_iterations = iterations;
  p.learning_rate = learning_rate;
  p.in_reg_lambda = in_reg;
  p.out_reg_lambda = out_reg;
  p.early_stopping = early_stopping;
  p.stopping_threshold = stopping_threshold;
  p.n_runs = n_runs;
  p.normalize_gradients = normalize_gradients;
  p.seed = seed;
  if (mean_regularisers) p.in_reg = p.out_reg = l1_plus_l2_mean;
  return p;
}

}  // namespace

void register_ratenet_results(py::module_& parent) {
  auto m = parent.attr("ratenet").cast<py::module_>();

  py::class_<model>(m, "Model", doc("ratenet::model"))
      .def(py::init([](const connectome::connectome& c, std::vector<std::string> sensory,
                       const network_params& params, bool use_groups) {
             model_spec spec;
             spec.sensory = std::move(sensory);
             spec.network = params;
             spec.use_groups = use_groups;
             py::gil_scoped_release release;
             return make_model(c, spec);
           }),
           py::arg("connectome"), py::arg("sensory"), py::arg("params"), py::arg("use_groups"))
      .def_property_readonly("num_sensory", [](const model& x) { return x.net.num_sensory(); })
      .def_property_readonly("num_layers", [](const model& x) { return x.net.num_layers(); });

  py::class_<result_base>(m, "Result", doc("ratenet::result_base"))
      .def(
          "summary", [](const result_base& r) { return to_python(r.summary()); },
          doc("ratenet::result_base.summary"))
      .def(
          "write",
          [](const result_base& r, const std::filesystem::path& dir) {
            nlohmann::json s;
            {
              py::gil_scoped_release release;
              s = r.write(dir);
            }
            return to_python(s);
          },
          py::arg("dir"), doc("ratenet::result_base.write"))
      .def(
          "set_provenance",
          [](result_base& r, const std::string& json_text) {
            r.provenance = nlohmann::json::parse(json_text);
          },
          py::arg("json_text"), "how the result was made, merged into its summary (JSON text)")
      .def_readonly("lines", &result_base::lines)
      .def_property_readonly("status", [](const result_base& r) { return to_string(r.status()); })
      .def_property_readonly("non_finite",
                             [](const result_base& r) { return non_finite_object(r.non_finite); });

  bind_result<forward_result>(m, "ForwardResult")
      .def_property_readonly("input", [](const forward_result& r) { return numpy_of(r.input); })
      .def_property_readonly("activations", [](const forward_result& r) {
        auto v = r.activations;
        const auto n = static_cast<std::int64_t>(r.info.neurons);
        return to_numpy(std::move(v), {r.input.batch, n, r.info.layers});
      });
  bind_result<maximise_result>(m, "MaximiseResult")
      .def_property_readonly("input",
                             [](const maximise_result& r) {
                               auto v = r.optimised.input;
                               return to_numpy(std::move(v), r.optimised.shape);
                             })
      .def_property_readonly("activations", [](const maximise_result& r) {
        auto v = r.optimised.activations;
        return to_numpy(std::move(v), {r.optimised.shape[0], r.info.neurons, r.info.layers});
      });

  m.def(
      "run_forward",
      [](const model& x, std::optional<carray<float>> input, std::vector<std::string> stimuli,
         std::int64_t batch, std::vector<std::string> clamps, std::vector<std::string> show,
         bool figures) {
        forward_options f;
        f.input = network_input(x, input, stimuli, batch);
        f.clamps = specs(clamps, "clamp");
        f.show = std::move(show);
        f.figures = figures;
        py::gil_scoped_release release;
        return run_forward(x, f);
      },
      py::arg("model"), py::arg("input"), py::arg("stimuli"), py::arg("batch"), py::arg("clamps"),
      py::arg("show"), py::arg("figures"), doc("ratenet::run_forward"));

  m.def(
      "run_maximise",
      [](const model& x, std::vector<std::string> targets, std::int64_t batch, int iterations,
         double learning_rate, double in_reg, double out_reg, bool mean_regularisers,
         bool early_stopping, double stopping_threshold, int n_runs, bool normalize_gradients,
         int checkpoint, std::uint64_t seed, std::string init, std::optional<carray<float>> initial,
         bool figures) {
        maximise_options o;
        o.targets = specs(targets, "target");
        o.batch = batch;
        o.params = optimiser(iterations, learning_rate, in_reg, out_reg, mean_regularisers,
                             early_stopping, stopping_threshold, n_runs, normalize_gradients, seed);
        o.params.checkpoint_interval = checkpoint;
        if (init == "guess")
          o.init = maximise_options::start::guess;
        else if (init != "random")
          throw parameter_error("init", "expected random, guess or an array, got '" + init + "'");
        if (initial) o.initial = input_of(*initial);
        o.figures = figures;
        return call_interruptibly([&](std::function<bool()> stop) {
          o.control.stop = std::move(stop);
          return run_maximise(x, o);
        });
      },
      py::arg("model"), py::arg("targets"), py::arg("batch"), py::arg("iterations"),
      py::arg("learning_rate"), py::arg("in_reg"), py::arg("out_reg"), py::arg("mean_regularisers"),
      py::arg("early_stopping"), py::arg("stopping_threshold"), py::arg("n_runs"),
      py::arg("normalize_gradients"), py::arg("checkpoint"), py::arg("seed"), py::arg("init"),
      py::arg("initial"), py::arg("figures"), doc("ratenet::run_maximise"));

  bind_result<training_result>(m, "TrainingResult");
  bind_result<saliency_result>(m, "SaliencyResult")
      .def_property_readonly("map", [](const saliency_result& r) {
        auto v = r.map;
        return to_numpy(std::move(v), r.shape);
      });
  bind_result<gradients_result>(m, "GradientsResult");
  bind_result<paths_result>(m, "PathsResult");
  bind_result<guess_result>(m, "GuessResult")
      .def_property_readonly("input", [](const guess_result& r) { return numpy_of(r.guess); });
  bind_result<atlas_result>(m, "AtlasResult")
      .def_property_readonly(
          "inputs",
          [](const atlas_result& r) {
            const auto sensory = static_cast<std::int64_t>(r.sensory_types.size());
            std::vector<float> v;
            v.reserve(r.entries.size() * static_cast<std::size_t>(sensory) *
                      static_cast<std::size_t>(r.info.layers));
            for (const auto& e : r.entries) v.insert(v.end(), e.input.begin(), e.input.end());
            return to_numpy(std::move(v),
                            {static_cast<std::int64_t>(r.entries.size()), sensory, r.info.layers});
          })
      .def_property_readonly("table",
                             [](const atlas_result& r) {
                               // atlas.csv as pandas reads it, so that it equals the CLI's file
                               // read back.
                               const auto text = r.rows.to_csv();
                               return py::module_::import("pandas").attr("read_csv")(
                                   py::module_::import("io").attr("StringIO")(text));
                             })
      .def_readonly("sensory_types", &atlas_result::sensory_types);

  m.def(
      "run_train",
      [](model& x, const carray<float>& input, const std::string& targets, int epochs,
         double learning_rate, double param_reg, double train_fraction, const std::string& loss,
         bool train_slopes, bool train_biases, bool train_divisive, bool train_tau,
         std::uint64_t seed, bool figures) {
        train_options t;
        t.input = input_of(input);
        t.targets = read_training_targets_csv(
            targets, [&](const std::string& selector) { return x.conn.select(selector); });
        check_training_targets(targets, t.targets, t.input.batch, x.net.size(), x.net.num_layers());
        auto& p = t.params;
        p.num_epochs = epochs;
        p.learning_rate = learning_rate;
        p.param_reg_lambda = param_reg;
        p.train_fraction = train_fraction;
        p.loss = parse_loss_kind(loss);
        p.train_slopes = train_slopes;
        p.train_biases = train_biases;
        p.train_divisive_strength = train_divisive;
        p.train_tau = train_tau;
        p.seed = seed;
        t.figures = figures;
        return call_interruptibly([&](std::function<bool()> stop) {
          t.control.stop = std::move(stop);
          return run_train(x, t);
        });
      },
      py::arg("model"), py::arg("input"), py::arg("targets"), py::arg("epochs"),
      py::arg("learning_rate"), py::arg("param_reg"), py::arg("train_fraction"), py::arg("loss"),
      py::arg("train_slopes"), py::arg("train_biases"), py::arg("train_divisive"),
      py::arg("train_tau"), py::arg("seed"), py::arg("figures"), doc("ratenet::run_train"));

  m.def(
      "run_saliency",
      [](const model& x, std::optional<carray<float>> input, std::vector<std::string> stimuli,
         std::int64_t batch, std::vector<std::string> targets, const std::string& method,
         bool normalize, bool figures) {
        saliency_options o;
        o.input = network_input(x, input, stimuli, batch);
        o.targets = specs(targets, "target");
        o.method = parse_attribution_method(method);
        o.normalize = normalize;
        o.figures = figures;
        py::gil_scoped_release release;
        return run_saliency(x, o);
      },
      py::arg("model"), py::arg("input"), py::arg("stimuli"), py::arg("batch"), py::arg("targets"),
      py::arg("method"), py::arg("normalize"), py::arg("figures"), doc("ratenet::run_saliency"));

  m.def(
      "run_gradients",
      [](const model& x, std::optional<carray<float>> input, std::vector<std::string> stimuli,
         std::int64_t batch, std::vector<std::string> targets, std::vector<std::string> monitor,
         std::vector<int> monitor_layers, const std::string& method, bool normalize_per_layer,
         bool figures) {
        gradients_options o;
        o.input = network_input(x, input, stimuli, batch);
        o.targets = specs(targets, "target");
        o.monitor = std::move(monitor);
        o.monitor_layers = std::move(monitor_layers);
        o.method = parse_attribution_method(method);
        o.normalize_per_layer = normalize_per_layer;
        o.figures = figures;
        py::gil_scoped_release release;
        return run_gradients(x, o);
      },
      py::arg("model"), py::arg("input"), py::arg("stimuli"), py::arg("batch"), py::arg("targets"),
      py::arg("monitor"), py::arg("monitor_layers"), py::arg("method"),
      py::arg("normalize_per_layer"), py::arg("figures"), doc("ratenet::run_gradients"));

  m.def(
      "run_paths",
      [](const model& x, std::optional<carray<float>> input, std::vector<std::string> stimuli,
         std::int64_t batch, double activation_threshold, double connectivity_threshold,
         bool high_ram, bool by_neuron, std::string ngl_source, std::string ngl_base) {
        paths_options o;
        o.input = network_input(x, input, stimuli, batch);
        o.activation_threshold = activation_threshold;
        o.connectivity_threshold = connectivity_threshold;
        o.high_ram = high_ram;
        o.by_neuron = by_neuron;
        o.ngl_source = std::move(ngl_source);
        o.ngl_base = std::move(ngl_base);
        py::gil_scoped_release release;
        return run_paths(x, o);
      },
      py::arg("model"), py::arg("input"), py::arg("stimuli"), py::arg("batch"),
      py::arg("activation_threshold"), py::arg("connectivity_threshold"), py::arg("high_ram"),
      py::arg("by_neuron"), py::arg("ngl_source"), py::arg("ngl_base"), doc("ratenet::run_paths"));

  m.def(
      "run_guess",
      [](const model& x, std::vector<std::string> targets, int longest_path, bool figures) {
        guess_options o;
        o.targets = specs(targets, "target");
        o.longest_path = longest_path;
        o.figures = figures;
        py::gil_scoped_release release;
        return run_guess(x, o);
      },
      py::arg("model"), py::arg("targets"), py::arg("longest_path"), py::arg("figures"),
      doc("ratenet::run_guess"));

  m.def(
      "run_atlas",
      [](const model& x, std::optional<std::string> each, std::optional<std::string> targets_file,
         std::optional<int> layer, double value, const std::string& by, std::int64_t batch, int top,
         int iterations, double learning_rate, double in_reg, double out_reg,
         bool mean_regularisers, bool early_stopping, double stopping_threshold, int n_runs,
         bool normalize_gradients, std::uint64_t seed, bool figures) {
        // As kenyon net atlas (apps/kenyon/atlas_commands.cpp) checks and builds its options.
        if (each && targets_file)
          throw parameter_error("each",
                                "give either each (a pattern) or targets (a CSV), not both");
        if (!each && !targets_file)
          throw parameter_error("each", "give each (a cell-type pattern) or targets (a CSV)");
        if (by != "type" && by != "neuron")
          throw parameter_error("by", "expected type or neuron, got '" + by + "'");
        const int layers = x.net.num_layers();
        const int at = layer ? *layer : layers - 1;
        if (at < 0 || at >= layers)
          throw parameter_error("layer", std::to_string(at) + " is outside 0.." +
                                             std::to_string(layers - 1) + " (layers " +
                                             std::to_string(layers) + ")");
        if (!std::isfinite(value)) throw parameter_error("value", "expected a finite number");
        atlas_options o;
        try {
          o.targets = each ? atlas_targets_matching(x.conn, *each, at, value, by == "neuron")
                           : read_atlas_targets(*targets_file, x.conn, at, value);
        } catch (const unknown_name_error& e) {
          // The library names the command line's option; here the argument is `each`.
          std::string what = e.what();
          if (what.starts_with("--each: ")) what = "each: " + what.substr(8);
          throw unknown_name_error(e.name(), e.kind(), what);
        }
        check_atlas_targets(o.targets, x.net);
        o.params.optimise =
            optimiser(iterations, learning_rate, in_reg, out_reg, mean_regularisers, early_stopping,
                      stopping_threshold, n_runs, normalize_gradients, seed);
        o.params.batch = batch;
        o.params.top = top;
        o.params.validate();
        o.figures = figures;
        auto r = call_interruptibly([&](std::function<bool()> stop) {
          o.stop = std::move(stop);
          return run_atlas(x, o);
        });
        // One process, the whole atlas: what kenyon net atlas reports without --shard or MPI.
        r.details["shard"] = "0/1";
        r.details["ranks"] = 1;
        return r;
      },
      py::arg("model"), py::arg("each"), py::arg("targets_file"), py::arg("layer"),
      py::arg("value"), py::arg("by"), py::arg("batch"), py::arg("top"), py::arg("iterations"),
      py::arg("learning_rate"), py::arg("in_reg"), py::arg("out_reg"), py::arg("mean_regularisers"),
      py::arg("early_stopping"), py::arg("stopping_threshold"), py::arg("n_runs"),
      py::arg("normalize_gradients"), py::arg("seed"), py::arg("figures"),
      doc("ratenet::run_atlas"));
}

}  // namespace kenyon::python

// ratenet/results.hpp: the `kenyon net` operations on a connectome model, as the CLI runs
// them, so that kenyon.net writes the very files `kenyon net ... --out` writes.
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

template <class R>
py::class_<R, result_base> bind_result(py::module_& m, const char* name) {
  return py::class_<R, result_base>(m, name);
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
          [](const result_base& r, const std::string& dir) {
            nlohmann::json s;
            {
              py::gil_scoped_release release;
              s = r.write(dir);
            }
            return to_python(s);
          },
          py::arg("dir"), doc("ratenet::result_base.write"))
      .def_readonly("lines", &result_base::lines);

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
                               const auto& s = r.optimised.shape;
                               return to_numpy(std::move(v), {s.batch, s.sensory, s.steps});
                             })
      .def_property_readonly("activations", [](const maximise_result& r) {
        auto v = r.optimised.activations;
        return to_numpy(std::move(v), {r.optimised.shape.batch, r.info.neurons, r.info.layers});
      });

  m.def(
      "run_forward",
      [](const model& x, std::optional<carray<float>> input, std::vector<std::string> stimuli,
         std::int64_t batch, std::vector<std::string> clamps, std::vector<std::string> show,
         bool figures) {
        forward_options f;
        if (input && !stimuli.empty())
          throw parameter_error("input", "give either input or stimulus, not both");
        f.input =
            input ? input_of(*input)
                  : input_from_specs(x.conn, specs(stimuli, "stimulus"), batch, x.net.num_layers());
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
        auto& p = o.params;
        p.num_iterations = iterations;
        p.learning_rate = learning_rate;
        p.in_reg_lambda = in_reg;
        p.out_reg_lambda = out_reg;
        p.early_stopping = early_stopping;
        p.stopping_threshold = stopping_threshold;
        p.n_runs = n_runs;
        p.normalize_gradients = normalize_gradients;
        p.checkpoint_interval = checkpoint;
        p.seed = seed;
        if (mean_regularisers) o.params.in_reg = o.params.out_reg = l1_plus_l2_mean;
        if (init == "guess")
          o.init = maximise_options::start::guess;
        else if (init != "random")
          throw parameter_error("init", "expected random, guess or an array, got '" + init + "'");
        if (initial) o.initial = input_of(*initial);
        o.figures = figures;
        py::gil_scoped_release release;
        return run_maximise(x, o);
      },
      py::arg("model"), py::arg("targets"), py::arg("batch"), py::arg("iterations"),
      py::arg("learning_rate"), py::arg("in_reg"), py::arg("out_reg"), py::arg("mean_regularisers"),
      py::arg("early_stopping"), py::arg("stopping_threshold"), py::arg("n_runs"),
      py::arg("normalize_gradients"), py::arg("checkpoint"), py::arg("seed"), py::arg("init"),
      py::arg("initial"), py::arg("figures"), doc("ratenet::run_maximise"));
}

}  // namespace kenyon::python

// connectome/: loading connectomes (files or shipped names) into kenyon's one value type.
// Python sees its arrays as read-only numpy views into the C++ value, kept alive by it, so
// a whole-brain matrix is never copied on its way to scipy.
#include "bindings.hpp"
#include "kenyon/connectome/shipped.hpp"
#include "kenyon/connectome/source.hpp"
#include "kenyon/core/error.hpp"

namespace kenyon::python {

namespace {

namespace kc = kenyon::connectome;
using kc_value = kc::connectome;

// A read-only 1-D numpy view of `values`, owned by `owner`.
template <class T>
py::array view_of(const std::vector<T>& values, py::handle owner) {
  py::array_t<T> a({static_cast<py::ssize_t>(values.size())}, values.data(), owner);
  py::detail::array_proxy(a.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
  return a;
}

kc::load_options make_options(double min_synapses, std::vector<std::string> neuropils,
                              std::map<std::string, int> transmitter_sign, int default_sign,
                              bool input_proportion) {
  kc::load_options o;
  o.min_synapses = min_synapses;
  o.neuropils = std::move(neuropils);
  o.transmitter_sign = std::move(transmitter_sign);
  o.default_sign = default_sign;
  o.input_proportion = input_proportion;
  o.validate();
  return o;
}

}  // namespace

void register_connectome(py::module_& m) {
  py::class_<kc_value>(m, "Connectome", doc("connectome::connectome"))
      .def_readonly("name", &kc_value::name)
      .def_property_readonly("size", &kc_value::size)
      .def_property_readonly(
          "id",
          [](py::object self) { return view_of(self.cast<const kc_value&>().neurons.id, self); })
      .def_property_readonly("type", [](const kc_value& c) { return c.neurons.type; })
      .def_property_readonly(
          "sign",
          [](py::object self) { return view_of(self.cast<const kc_value&>().neurons.sign, self); })
      .def_property_readonly("sensory",
                             [](py::object self) {
                               const auto& s = self.cast<const kc_value&>().neurons.sensory;
                               // char 0/1 viewed as numpy bool: same size, no copy.
                               return view_of(s, self).view("bool");
                             })
      .def_property_readonly("side", [](const kc_value& c) { return c.neurons.side; })
      .def_property_readonly(
          "cell_class", [](const kc_value& c) { return c.neurons.cell_class; },
          "one coarse class per neuron ('' where none), empty if the dataset has no classes")
      .def_property_readonly("column",
                             [](py::object self) {
                               return view_of(self.cast<const kc_value&>().neurons.column, self);
                             })
      .def_property_readonly(
          "inprop_csr",
          [](py::object self) {
            const auto& w = self.cast<const kc_value&>().inprop;
            return py::make_tuple(view_of(w.value, self), view_of(w.col, self),
                                  view_of(w.row_begin, self), py::make_tuple(w.rows, w.cols));
          },
          "(data, indices, indptr, shape) of the input proportions, presynaptic neurons in "
          "rows, as scipy.sparse.csr_matrix takes them")
      .def_property_readonly(
          "edge_sign",
          [](py::object self) { return view_of(self.cast<const kc_value&>().edge_sign, self); })
      .def(
          "sensory_indices",
          [](const kc_value& c) {
            auto v = c.sensory_indices();
            const auto n = static_cast<std::int64_t>(v.size());
            return to_numpy(std::move(v), {n});
          },
          doc("connectome::connectome.sensory_indices"))
      .def(
          "select",
          [](const kc_value& c, const std::string& selector) {
            auto v = c.select(selector);
            const auto n = static_cast<std::int64_t>(v.size());
            return to_numpy(std::move(v), {n});
          },
          py::arg("selector"), doc("connectome::connectome.select"));

  m.def("shipped_connectomes", &kc::shipped_names, doc("connectome::shipped_names"));
  m.def(
      "shipped_dir", [] { return kc::shipped_dir().string(); }, doc("kc::shipped_dir"));
  m.def(
      "load_connectome",
      [](const std::string& what, std::optional<std::string> neurons,
         std::optional<std::string> classification, const std::string& format, double min_synapses,
         std::vector<std::string> neuropils, std::map<std::string, int> transmitter_sign,
         int default_sign, bool input_proportion) {
        kc::source from;
        from.connectome = what;
        if (neurons) from.neurons = *neurons;
        if (classification) from.classification = *classification;
        from.format = kc::parse_source_format(format);
        from.options = make_options(min_synapses, std::move(neuropils), std::move(transmitter_sign),
                                    default_sign, input_proportion);
        py::gil_scoped_release release;
        return kc::load(from);
      },
      py::arg("connectome"), py::arg("neurons") = py::none(),
      py::arg("classification") = py::none(), py::arg("format") = "auto",
      py::arg("min_synapses") = 0.0, py::arg("neuropils") = std::vector<std::string>{},
      py::arg("transmitter_sign") = std::map<std::string, int>{}, py::arg("default_sign") = 1,
      py::arg("input_proportion") = true, doc("connectome::load"));
}

}  // namespace kenyon::python

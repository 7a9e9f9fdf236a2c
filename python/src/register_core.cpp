// core/: the one exception translator, and what the package needs to know of the build.
#include <omp.h>

#include "bindings.hpp"
#include "kenyon/core/error.hpp"

namespace kenyon::python {

namespace {

// Raises the kenyon.errors class `name` with the C++ message and the item's fields as
// attributes.
void raise(const char* name, const std::exception& e, const py::dict& fields = {}) {
  const auto cls = py::module_::import("kenyon.errors").attr(name);
  py::object exc = cls(e.what());
  for (const auto& [key, value] : fields) exc.attr(key) = value;
  PyErr_SetObject(cls.ptr(), exc.ptr());
}

}  // namespace

py::object non_finite_object(const std::optional<non_finite_report>& report) {
  if (!report) return py::none();
  return py::module_::import("json").attr("loads")(to_json(*report).dump());
}

interruptible::interruptible() {
  const auto threading = py::module_::import("threading");
  if (threading.attr("current_thread")().is(threading.attr("main_thread")())) scope_.emplace();
}

std::function<bool()> interruptible::stop() const {
  if (!scope_) return {};
  const sigint_scope* s = &*scope_;
  return [s] { return s->caught(); };
}

void interruptible::raise_if_interrupted() {
  if (!scope_ || !scope_->caught()) return;
  scope_.reset();  // Python's handler back, then the signal as if it came now
  PyErr_SetInterrupt();
  if (PyErr_CheckSignals() != 0) throw py::error_already_set();
  PyErr_SetNone(PyExc_KeyboardInterrupt);  // the program's handler did not raise: still stop
  throw py::error_already_set();
}

void register_core(py::module_& m) {
  // Most derived first: each C++ type maps to one Python class of kenyon.errors.
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const parameter_error& e) {
      raise("ParameterError", e, py::dict(py::arg("field") = e.field()));
    } catch (const file_error& e) {
      raise("FileError", e,
            py::dict(py::arg("filename") = e.path(), py::arg("row") = e.row(),
                     py::arg("column") = e.column()));
    } catch (const unknown_name_error& e) {
      raise("UnknownNameError", e,
            py::dict(py::arg("name") = e.name(), py::arg("kind") = e.kind()));
    } catch (const item_error& e) {
      raise("ItemError", e,
            py::dict(py::arg("batch") = e.batch(), py::arg("layer") = e.layer(),
                     py::arg("neuron") = e.neuron()));
    } catch (const error& e) {
      raise("Error", e);
    } catch (const internal_error& e) {
      raise("InternalError", e);
    }
  });
  m.attr("__version__") = KENYON_VERSION;
  // The report a Python-side check builds (a Python activation function's passes), as the
  // C++ non_finite_report's JSON, so that its message reads the same.
  m.def(
      "non_finite_report",
      [](std::string where, std::string quantity, double value, std::int64_t step, int layer,
         std::int64_t neuron, std::int64_t batch, std::string cell_type) {
        return non_finite_object(non_finite_report{std::move(where), std::move(quantity), step,
                                                   layer, neuron, batch, std::move(cell_type),
                                                   value});
      },
      py::arg("where"), py::arg("quantity"), py::arg("value"), py::arg("step") = -1,
      py::arg("layer") = -1, py::arg("neuron") = -1, py::arg("batch") = -1,
      py::arg("cell_type") = "");
  m.def("max_threads", &omp_get_max_threads, "OpenMP threads kenyon's kernels use");
  m.def(
      "set_num_threads",
      [](int n) {
        if (n < 1) throw parameter_error("n", "the number of threads must be at least 1");
        omp_set_num_threads(n);
      },
      py::arg("n"), "Sets the OpenMP threads of kenyon's kernels (results do not depend on it)");
}

}  // namespace kenyon::python

#pragma once
// What every register_<area>.cpp shares: pybind11, numpy arrays as spans without copies,
// and the docstrings taken from the public headers' comments.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "kenyon/core/interrupt.hpp"
#include "kenyon/core/numeric_status.hpp"
#include "kenyon_docstrings.hpp"

namespace kenyon::python {

namespace py = pybind11;

// A C-contiguous numpy array of T; pybind11 converts other dtypes and layouts (one copy)
// and passes a matching array through untouched.
template <class T>
using carray = py::array_t<T, py::array::c_style | py::array::forcecast>;

template <class T>
std::span<const T> span_of(const carray<T>& a) {
  return {a.data(), static_cast<std::size_t>(a.size())};
}
template <class T>
std::vector<std::int64_t> shape_of(const carray<T>& a) {
  return {a.shape(), a.shape() + a.ndim()};
}

// A new numpy array that owns `values` (moved, not copied) with the given shape.
template <class T>
py::array_t<T> to_numpy(std::vector<T>&& values, const std::vector<std::int64_t>& shape) {
  auto* owner = new std::vector<T>(std::move(values));
  py::capsule free_owner(owner, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return py::array_t<T>(std::vector<py::ssize_t>(shape.begin(), shape.end()), owner->data(),
                        free_owner);
}

// The header comment of "<area>::<name>" (see tools/header_docs.py).
inline const char* doc(const char* key) { return header_doc(key); }

// A numerical failure report as a dict (numeric_status.hpp's JSON: where, quantity, value,
// message and the coordinates that apply), or None.
py::object non_finite_object(const std::optional<non_finite_report>& report);

// Ctrl-C (SIGINT) during a long call: made with the GIL held on Python's main thread, it
// makes SIGINT a stop request that the library's loop polls through stop() (elsewhere it
// catches nothing and stop() stays false); after the call, raise_if_interrupted() hands
// the signal back to Python, which raises KeyboardInterrupt (or runs the program's own
// handler), so that an hour's run in Jupyter ends within one iteration, not at its end.
class interruptible {
 public:
  interruptible();
  std::function<bool()> stop() const;
  void raise_if_interrupted();  // GIL held

 private:
  std::optional<sigint_scope> scope_;
};

// Returns call(stop) run with the GIL released, where `stop` is the library loop's stop
// poll (interruptible above); raises KeyboardInterrupt instead if SIGINT stopped it.
template <class F>
auto call_interruptibly(F&& call) {
  interruptible interrupt;
  std::optional<std::invoke_result_t<F, std::function<bool()>>> result;
  {
    py::gil_scoped_release release;
    result.emplace(call(interrupt.stop()));
  }
  interrupt.raise_if_interrupted();
  return std::move(*result);
}

void register_core(py::module_& m);
void register_connectome(py::module_& m);
void register_sparse(py::module_& m);
void register_ratenet(py::module_& m);
void register_ratenet_results(py::module_& m);
void register_data(py::module_& m);
void register_moth(py::module_& m);

}  // namespace kenyon::python

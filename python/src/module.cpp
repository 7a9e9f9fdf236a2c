// kenyon._core: the C++ library as a Python extension. The pure-Python package `kenyon`
// builds the reference packages' APIs on top of it.
#include "bindings.hpp"

PYBIND11_MODULE(_core, m) {
  m.doc() = "kenyon's C++ library (use the kenyon package rather than this module)";
  kenyon::python::register_core(m);
  kenyon::python::register_connectome(m);
  kenyon::python::register_sparse(m);
  kenyon::python::register_ratenet(m);
  kenyon::python::register_ratenet_results(m);
  kenyon::python::register_data(m);
  kenyon::python::register_moth(m);
}

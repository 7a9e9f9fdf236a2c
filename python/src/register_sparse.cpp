// sparse/: the CSR weight matrices the rate networks run on, built from numpy/scipy arrays.
// scipy's CSR (indptr, indices, data) is passed as three arrays; the C++ matrix owns its
// copy, so the Python object may be freed afterwards.
#include <cmath>

#include "bindings.hpp"
#include "kenyon/core/error.hpp"
#include "kenyon/sparse/csr.hpp"

namespace kenyon::python {

namespace {

using sparse::csr_matrix;

// From scipy's canonical CSR arrays (sorted indices, no duplicates: the Python side calls
// sum_duplicates/sort_indices first). Checked here so a bad array never reaches a kernel.
csr_matrix from_csr_arrays(std::int64_t rows, std::int64_t cols, const carray<std::int64_t>& indptr,
                           const carray<std::int32_t>& indices, const carray<float>& data) {
  if (rows < 0 || cols < 0) throw parameter_error("shape", "negative matrix size");
  if (indptr.size() != rows + 1)
    throw parameter_error("indptr", "expected " + std::to_string(rows + 1) + " offsets, got " +
                                        std::to_string(indptr.size()));
  if (indices.size() != data.size())
    throw parameter_error("indices", "indices and data differ in length");
  // Copied and checked without the GIL: a connectome has millions of entries.
  py::gil_scoped_release release;
  csr_matrix m;
  m.rows = rows;
  m.cols = cols;
  m.row_begin.assign(indptr.data(), indptr.data() + indptr.size());
  m.col.assign(indices.data(), indices.data() + indices.size());
  m.value.assign(data.data(), data.data() + data.size());
  if (m.row_begin.front() != 0 || m.row_begin.back() != data.size())
    throw parameter_error("indptr", "offsets do not span the data");
  for (std::int64_t r = 0; r < rows; ++r) {
    const auto b = m.row_begin[static_cast<std::size_t>(r)];
    const auto e = m.row_begin[static_cast<std::size_t>(r + 1)];
    if (e < b) throw parameter_error("indptr", "offsets decrease at row " + std::to_string(r));
    for (auto k = b; k < e; ++k) {
      const auto c = m.col[static_cast<std::size_t>(k)];
      if (c < 0 || c >= cols)
        throw parameter_error("indices", "column " + std::to_string(c) + " outside 0.." +
                                             std::to_string(cols - 1) + " in row " +
                                             std::to_string(r));
      if (k > b && m.col[static_cast<std::size_t>(k - 1)] >= c)
        throw parameter_error("indices", "columns not ascending in row " + std::to_string(r));
      if (!std::isfinite(m.value[static_cast<std::size_t>(k)]))
        throw parameter_error("data", "a value in row " + std::to_string(r) + ", column " +
                                          std::to_string(c) + " is not a finite number");
    }
  }
  return m;
}

}  // namespace

void register_sparse(py::module_& parent) {
  auto m = parent.def_submodule("sparse", "kenyon::sparse: CSR matrices");
  py::class_<csr_matrix>(m, "CsrMatrix", doc("sparse::basic_csr"))
      .def_readonly("rows", &csr_matrix::rows)
      .def_readonly("cols", &csr_matrix::cols)
      .def_property_readonly("nnz", &csr_matrix::nonzeros)
      .def_property_readonly("shape",
                             [](const csr_matrix& a) { return py::make_tuple(a.rows, a.cols); })
      .def("arrays",
           [](const csr_matrix& a) {
             // (indptr, indices, data) copies, for scipy.sparse.csr_matrix.
             return py::make_tuple(
                 py::array_t<std::int64_t>(static_cast<py::ssize_t>(a.row_begin.size()),
                                           a.row_begin.data()),
                 py::array_t<std::int32_t>(static_cast<py::ssize_t>(a.col.size()), a.col.data()),
                 py::array_t<float>(static_cast<py::ssize_t>(a.value.size()), a.value.data()));
           })
      .def("__repr__", [](const csr_matrix& a) {
        return "<kenyon CsrMatrix " + std::to_string(a.rows) + "x" + std::to_string(a.cols) + ", " +
               std::to_string(a.nonzeros()) + " stored>";
      });
  m.def("from_csr_arrays", &from_csr_arrays, py::arg("rows"), py::arg("cols"), py::arg("indptr"),
        py::arg("indices"), py::arg("data"),
        "A CsrMatrix from scipy's canonical CSR arrays (sorted, no duplicates)");
  m.def(
      "from_triplets",
      [](std::int64_t rows, std::int64_t cols, const carray<std::int64_t>& row,
         const carray<std::int64_t>& col, const carray<float>& value) {
        if (row.size() != col.size() || row.size() != value.size())
          throw parameter_error("row", "row, col and value differ in length");
        py::gil_scoped_release release;
        return sparse::from_triplets(rows, cols, span_of(row), span_of(col), span_of(value));
      },
      py::arg("rows"), py::arg("cols"), py::arg("row"), py::arg("col"), py::arg("value"),
      doc("sparse::from_triplets"));
  m.def(
      "from_dense",
      [](const carray<float>& dense) {
        if (dense.ndim() != 2) throw parameter_error("dense", "expected a 2-D array");
        py::gil_scoped_release release;
        return sparse::from_dense(span_of(dense), dense.shape(0), dense.shape(1));
      },
      py::arg("dense"), doc("sparse::from_dense"));
  m.def(
      "signed_from_inprop",
      [](const csr_matrix& inprop, const carray<int>& pre_sign) {
        if (pre_sign.size() != inprop.rows)
          throw parameter_error("idx_to_sign", "expected one sign per presynaptic neuron (" +
                                                   std::to_string(inprop.rows) + "), got " +
                                                   std::to_string(pre_sign.size()));
        py::gil_scoped_release release;
        return sparse::signed_from_inprop(inprop, span_of(pre_sign));
      },
      py::arg("inprop"), py::arg("pre_sign"), doc("sparse::signed_from_inprop"));
}

}  // namespace kenyon::python

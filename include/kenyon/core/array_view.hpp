#pragma once
// A read-only (or writable) view of a C-order array and its shape, the way arrays cross
// from numpy, .npy files and the network into kenyon's functions: values in C order, the
// last index fastest, so an (N, T) array has neurons in rows and time steps in columns.
#include <cstdint>
#include <span>
#include <vector>

namespace kenyon {

template <class T>
struct array_view {
  std::span<T> values;
  std::vector<std::int64_t> shape;  // empty: not given
  bool given() const { return !shape.empty(); }
};

}  // namespace kenyon

#pragma once
// NumPy .npy files (format versions 1-3, C order, little-endian): what Python users hand
// kenyon and what kenyon hands back.
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace kenyon {

struct npy_array {
  std::vector<std::int64_t> shape;
  std::string dtype;        // numpy descr: "<f4", "<f8", "<i4", "<i8", "|u1", "|b1", ...
  std::vector<char> bytes;  // raw little-endian values, C order
  std::int64_t size() const;
  // The values converted to T (throws file_error-free kenyon::error for a dtype that
  // cannot be converted, e.g. strings).
  template <class T>
  std::vector<T> values() const;
};

// Fortran-ordered files (numpy saves transposed views that way) are reordered into C
// order. Throws file_error naming the file for a missing file, a bad header, a big-endian
// dtype or data shorter than the shape promises.
npy_array read_npy(const std::filesystem::path& path);
// The same from the bytes of an .npy file held in memory (e.g. a member of an .npz
// archive); `name` is what error messages call it, e.g. "matrix.npz:data.npy".
npy_array parse_npy(std::span<const char> bytes, const std::string& name);

// The bytes of an .npy file holding `data` (C order), e.g. for write_folder_atomic.
std::string npy_bytes(const std::vector<std::int64_t>& shape, const float* data);
std::string npy_bytes(const std::vector<std::int64_t>& shape, const double* data);
std::string npy_bytes(const std::vector<std::int64_t>& shape, const std::int64_t* data);
// Writes atomically (temporary file, then rename).
void write_npy(const std::filesystem::path& path, const std::vector<std::int64_t>& shape,
               const float* data);
void write_npy(const std::filesystem::path& path, const std::vector<std::int64_t>& shape,
               const double* data);
void write_npy(const std::filesystem::path& path, const std::vector<std::int64_t>& shape,
               const std::int64_t* data);

}  // namespace kenyon

// scipy.sparse's save_npz format: a zip archive (stored or deflated) of .npy members:
// format (b'csr', b'csc' or b'coo'), shape, data, and indices + indptr (csr, csc) or
// row + col (coo).
#include <zip.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kenyon/core/error.hpp"
#include "kenyon/core/npy.hpp"
#include "kenyon/sparse/csr.hpp"

namespace kenyon::connectome::detail {

sparse::csr_matrix read_scipy_npz(const std::filesystem::path& path);
std::array<std::int64_t, 2> read_scipy_npz_shape(const std::filesystem::path& path);

namespace {

class npz_archive {
 public:
  explicit npz_archive(const std::filesystem::path& path) : path_(path.string()) {
    int code = ZIP_ER_OK;
    archive_ = zip_open(path_.c_str(), ZIP_RDONLY, &code);
    if (!archive_) {
      zip_error_t e;
      zip_error_init_with_code(&e, code);
      const std::string message = zip_error_strerror(&e);
      zip_error_fini(&e);
      if (code == ZIP_ER_NOENT || code == ZIP_ER_OPEN || code == ZIP_ER_READ)
        throw file_error(path_, "cannot open (" + message + ")");
      throw file_error(path_, "not a readable .npz (zip) archive: " + message);
    }
  }
  npz_archive(const npz_archive&) = delete;
  npz_archive& operator=(const npz_archive&) = delete;
  ~npz_archive() { zip_discard(archive_); }

  const std::string& path() const { return path_; }

  // The array `key` (stored as key.npy), or nothing if the archive lacks it.
  std::optional<npy_array> find(std::string_view key) const {
    const std::string member = std::string(key) + ".npy";
    zip_stat_t stat;
    zip_stat_init(&stat);
    if (zip_stat(archive_, member.c_str(), 0, &stat) != 0) return std::nullopt;
    if (!(stat.valid & ZIP_STAT_SIZE) || !(stat.valid & ZIP_STAT_INDEX))
      throw file_error(path_, member + ": the archive does not give its size");
    const std::unique_ptr<zip_file_t, int (*)(zip_file_t*)> file(
        zip_fopen_index(archive_, stat.index, 0), zip_fclose);
    if (!file)
      throw file_error(path_, member + ": cannot be opened (" + zip_strerror(archive_) + ")");
    // Read growing (steps doubling from 64 KiB to 16 MiB) rather than allocating the size the
    // archive states: a corrupt size made us allocate and clear gigabytes (fuzz_npz).
    std::vector<char> bytes;
    zip_uint64_t step = zip_uint64_t{1} << 16;
    while (bytes.size() < stat.size) {
      const std::size_t have = bytes.size();
      const auto want = std::min<zip_uint64_t>(step, stat.size - have);
      bytes.resize(have + want);
      const auto got = zip_fread(file.get(), bytes.data() + have, want);
      if (got < 0 || static_cast<zip_uint64_t>(got) != want)
        throw file_error(path_, member + ": cannot be read (" +
                                    std::string(got < 0 ? zip_file_strerror(file.get())
                                                        : "shorter than its stated size") +
                                    ")");
      step = std::min<zip_uint64_t>(step * 2, zip_uint64_t{1} << 24);
    }
    return parse_npy(bytes, path_ + ":" + member);
  }

  npy_array require(std::string_view key, std::string_view needed_by) const {
    auto a = find(key);
    if (!a)
      throw file_error(path_, "no '" + std::string(key) + "' array (" + std::string(key) +
                                  ".npy), which " + std::string(needed_by) + " needs");
    return std::move(*a);
  }

  template <class T>
  std::vector<T> numbers(const npy_array& a, std::string_view key) const {
    try {
      return a.values<T>();
    } catch (const error& e) {
      throw file_error(path_, std::string(key) + ".npy: " + e.what());
    }
  }

  [[noreturn]] void fail(std::string_view key, const std::string& what) const {
    throw file_error(path_, std::string(key) + ".npy: " + what);
  }

 private:
  std::string path_;
  zip_t* archive_ = nullptr;
};

// scipy saves the format as a bytes scalar ('|S3'); old versions as unicode ('<U3').
std::string text_of(const npz_archive& z, const npy_array& a) {
  std::string out;
  if (a.dtype.size() > 1 && a.dtype[1] == 'S') {
    out.assign(a.bytes.begin(), a.bytes.end());
  } else if (a.dtype.size() > 1 && a.dtype[1] == 'U') {
    for (std::size_t k = 0; k < a.bytes.size(); k += 4) out += a.bytes[k];  // ASCII only
  } else {
    z.fail("format", "expected a string, found dtype '" + a.dtype + "'");
  }
  out.erase(std::find(out.begin(), out.end(), '\0'), out.end());
  return out;
}

}  // namespace

std::array<std::int64_t, 2> read_scipy_npz_shape(const std::filesystem::path& path) {
  const npz_archive z(path);
  const auto shape = z.numbers<std::int64_t>(z.require("shape", "a scipy.sparse matrix"), "shape");
  if (shape.size() != 2 || shape[0] < 0 || shape[1] < 0)
    z.fail("shape", "expected two sizes >= 0, found " + std::to_string(shape.size()) + " values");
  return {shape[0], shape[1]};
}

sparse::csr_matrix read_scipy_npz(const std::filesystem::path& path) {
  const npz_archive z(path);
  const std::string format = text_of(z, z.require("format", "a scipy.sparse matrix"));
  if (format != "csr" && format != "csc" && format != "coo")
    z.fail("format", "'" + format + "' is not a supported format (csr, csc or coo)");
  const std::string matrix = "a " + format + " matrix";
  const auto shape = z.numbers<std::int64_t>(z.require("shape", matrix), "shape");
  if (shape.size() != 2 || shape[0] < 0 || shape[1] < 0)
    z.fail("shape", "expected two sizes >= 0, found " + std::to_string(shape.size()) + " values");
  const auto rows = shape[0], cols = shape[1];
  const auto data = z.numbers<double>(z.require("data", matrix), "data");
  const auto nnz = data.size();
  auto count_mismatch = [&](std::string_view key, std::size_t found) {
    z.fail(key, std::to_string(found) + " values, but data.npy has " + std::to_string(nnz));
  };
  auto check_range = [&](std::string_view key, std::size_t k, std::int64_t v, std::int64_t size) {
    if (v < 0 || v >= size)
      z.fail(key, "entry " + std::to_string(k) + " is " + std::to_string(v) + ", outside the " +
                      std::to_string(rows) + " x " + std::to_string(cols) + " shape");
  };
  std::vector<std::int64_t> row(nnz), col(nnz);
  if (format == "coo") {
    row = z.numbers<std::int64_t>(z.require("row", matrix), "row");
    col = z.numbers<std::int64_t>(z.require("col", matrix), "col");
    if (row.size() != nnz) count_mismatch("row", row.size());
    if (col.size() != nnz) count_mismatch("col", col.size());
    for (std::size_t k = 0; k < nnz; ++k) {
      check_range("row", k, row[k], rows);
      check_range("col", k, col[k], cols);
    }
  } else {
    const bool by_rows = format == "csr";
    const auto major = by_rows ? rows : cols, minor = by_rows ? cols : rows;
    const auto indices = z.numbers<std::int64_t>(z.require("indices", matrix), "indices");
    const auto indptr = z.numbers<std::int64_t>(z.require("indptr", matrix), "indptr");
    if (indices.size() != nnz) count_mismatch("indices", indices.size());
    if (indptr.size() != static_cast<std::size_t>(major) + 1)
      z.fail("indptr", std::to_string(indptr.size()) + " values, but " + matrix + " of shape " +
                           std::to_string(rows) + " x " + std::to_string(cols) + " needs " +
                           std::to_string(major + 1));
    if (indptr.front() != 0 || indptr.back() != static_cast<std::int64_t>(nnz) ||
        !std::is_sorted(indptr.begin(), indptr.end()))
      z.fail("indptr",
             "not ascending offsets from 0 to the " + std::to_string(nnz) + " values of data.npy");
    for (std::int64_t m = 0; m < major; ++m)
      for (auto k = static_cast<std::size_t>(indptr[static_cast<std::size_t>(m)]);
           k < static_cast<std::size_t>(indptr[static_cast<std::size_t>(m) + 1]); ++k) {
        check_range("indices", k, indices[k], minor);
        row[k] = by_rows ? m : indices[k];
        col[k] = by_rows ? indices[k] : m;
      }
  }
  std::vector<float> value(nnz);
  for (std::size_t k = 0; k < nnz; ++k) {
    if (!std::isfinite(data[k]) || data[k] < 0)
      z.fail("data", "entry " + std::to_string(k) + " (row " + std::to_string(row[k]) +
                         ", column " + std::to_string(col[k]) + ") is " + std::to_string(data[k]) +
                         ", expected a finite value >= 0");
    value[k] = static_cast<float>(data[k]);
  }
  return sparse::from_triplets(rows, cols, row, col, value);
}

}  // namespace kenyon::connectome::detail

#include "kenyon/core/npy.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <regex>
#include <sstream>
#include <type_traits>

#include "kenyon/core/error.hpp"
#include "kenyon/core/files.hpp"

namespace kenyon {
namespace {

std::size_t item_size(const std::string& dtype) {
  if (dtype.size() < 3) return 0;
  try {
    // numpy counts unicode strings ('<U3') in characters of 4 bytes each.
    const std::size_t unit = dtype[1] == 'U' ? 4 : 1;
    return unit * static_cast<std::size_t>(std::stoul(dtype.substr(2)));
  } catch (...) {
    return 0;
  }
}

template <class T>
std::string header_for(const std::vector<std::int64_t>& shape, const char* descr) {
  std::string dims;
  for (auto d : shape) dims += std::to_string(d) + ", ";
  if (shape.size() > 1) dims.erase(dims.size() - 2);  // "(3,)" for one dimension only
  std::string dict =
      "{'descr': '" + std::string(descr) + "', 'fortran_order': False, 'shape': (" + dims + "), }";
  // Magic (6) + version (2) + length (2) + dict + newline, padded to a multiple of 64.
  const std::size_t unpadded = 10 + dict.size() + 1;
  dict.append((64 - unpadded % 64) % 64, ' ');
  dict += '\n';
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(dict.size() & 0xff);
  out += static_cast<char>(dict.size() >> 8);
  return out + dict;
}

template <class T>
std::string encode(const std::vector<std::int64_t>& shape, const T* data, const char* descr) {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  std::string contents = header_for<T>(shape, descr);
  contents.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n) * sizeof(T));
  return contents;
}

// numpy writes a Fortran-contiguous array (e.g. a transposed view) in column-major order;
// the values are reordered here so that npy_array always holds C order.
std::vector<char> fortran_to_c_order(const std::vector<char>& bytes,
                                     const std::vector<std::int64_t>& shape, std::size_t item) {
  const std::size_t rank = shape.size();
  std::vector<std::int64_t> stride(rank, 1);  // Fortran strides, in items
  for (std::size_t k = 1; k < rank; ++k) stride[k] = stride[k - 1] * shape[k - 1];
  std::vector<char> out(bytes.size());
  std::vector<std::int64_t> index(rank, 0);
  const std::size_t n = bytes.size() / item;
  for (std::size_t c = 0; c < n; ++c) {
    std::int64_t f = 0;
    for (std::size_t k = 0; k < rank; ++k) f += index[k] * stride[k];
    std::memcpy(out.data() + c * item, bytes.data() + static_cast<std::size_t>(f) * item, item);
    for (std::size_t k = rank; k-- > 0;) {  // next C-order index, last axis fastest
      if (++index[k] < shape[k]) break;
      index[k] = 0;
    }
  }
  return out;
}

}  // namespace

std::int64_t npy_array::size() const {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

template <class T>
std::vector<T> npy_array::values() const {
  const auto n = static_cast<std::size_t>(size());
  std::vector<T> out(n);
  auto convert = [&](auto tag) {
    using source = decltype(tag);
    for (std::size_t i = 0; i < n; ++i) {
      source v;
      std::memcpy(&v, bytes.data() + i * sizeof(source), sizeof(source));
      if constexpr (std::is_integral_v<T> && std::is_floating_point_v<source>) {
        // Casting NaN or a value outside T's range to T is undefined behaviour (found by
        // fuzz/fuzz_npy); T is a signed integer, so its range is [-2^k, 2^k).
        constexpr double low = static_cast<double>(std::numeric_limits<T>::min());
        if (!(v >= low && v < -low))
          throw error("npy: value " + std::to_string(v) + " of dtype '" + dtype +
                      "' is not representable as an integer");
      }
      out[i] = static_cast<T>(v);
    }
  };
  if (dtype == "<f4")
    convert(float{});
  else if (dtype == "<f8")
    convert(double{});
  else if (dtype == "<i4")
    convert(std::int32_t{});
  else if (dtype == "<i8")
    convert(std::int64_t{});
  else if (dtype == "<u4")
    convert(std::uint32_t{});
  else if (dtype == "<u8")
    convert(std::uint64_t{});
  else if (dtype == "|u1" || dtype == "|b1")
    convert(std::uint8_t{});
  else if (dtype == "|i1")
    convert(std::int8_t{});
  else
    throw error("npy: cannot convert values of dtype '" + dtype + "' to numbers");
  return out;
}

template std::vector<float> npy_array::values<float>() const;
template std::vector<double> npy_array::values<double>() const;
template std::vector<std::int32_t> npy_array::values<std::int32_t>() const;
template std::vector<std::int64_t> npy_array::values<std::int64_t>() const;

namespace {

// Reads up to `n` bytes into `out` and returns how many there were: a file or a block of
// memory (an .npz member), so that both go through one parser.
using byte_source = std::function<std::size_t(char* out, std::size_t n)>;

// Reads `n` bytes into `out`, growing it as they arrive (steps doubling from 64 KiB to 16 MiB)
// rather than trusting a header's size up front, so that a short file claiming a huge array
// cannot make us allocate it. False if the source ends first (`out` then holds what came).
template <class buffer>
bool read_growing(const byte_source& read, buffer& out, std::size_t n) {
  out.clear();
  std::size_t step = std::size_t{1} << 16;
  while (out.size() < n) {
    const std::size_t have = out.size();
    const std::size_t want = std::min(step, n - have);
    out.resize(have + want);
    const std::size_t got = read(out.data() + have, want);
    if (got < want) {
      out.resize(have + got);
      return false;
    }
    step = std::min(step * 2, std::size_t{1} << 24);
  }
  return true;
}

npy_array parse_npy_from(const byte_source& read, const std::string& name) {
  char magic[8] = {};
  if (read(magic, 8) != 8 || std::memcmp(magic, "\x93NUMPY", 6) != 0)
    throw file_error(name, "not a .npy file (bad magic)");
  const int major = static_cast<unsigned char>(magic[6]);
  std::size_t header_len = 0;
  if (major == 1) {
    unsigned char len[2] = {};
    read(reinterpret_cast<char*>(len), 2);
    header_len = len[0] | (std::size_t(len[1]) << 8);
  } else if (major == 2 || major == 3) {
    unsigned char len[4] = {};
    read(reinterpret_cast<char*>(len), 4);
    header_len = len[0] | (std::size_t(len[1]) << 8) | (std::size_t(len[2]) << 16) |
                 (std::size_t(len[3]) << 24);
  } else {
    throw file_error(name, "unsupported .npy version " + std::to_string(major));
  }
  std::string header;
  if (!read_growing(read, header, header_len)) throw file_error(name, "truncated .npy header");

  npy_array a;
  std::smatch m;
  if (!std::regex_search(header, m, std::regex("'descr'\\s*:\\s*'([^']+)'")))
    throw file_error(name, "no 'descr' in the .npy header");
  a.dtype = m[1];
  if (a.dtype[0] != '|' && a.dtype[0] != '<')
    throw file_error(name, "unsupported dtype '" + a.dtype + "' (big-endian?)");
  const bool fortran_order =
      std::regex_search(header, m, std::regex("'fortran_order'\\s*:\\s*True"));
  if (!std::regex_search(header, m, std::regex("'shape'\\s*:\\s*\\(([^)]*)\\)")))
    throw file_error(name, "no 'shape' in the .npy header");
  std::stringstream dims(m[1].str());
  for (std::string d; std::getline(dims, d, ',');) {
    d.erase(0, d.find_first_not_of(" \t"));
    d.erase(d.find_last_not_of(" \tL") + 1);
    if (d.empty()) continue;
    // from_chars, not stoll: a malformed dimension is a file_error, not std::invalid_argument
    // (found by fuzz/fuzz_npy), and a negative one is refused.
    std::int64_t dim = -1;
    const auto [end, ec] = std::from_chars(d.data(), d.data() + d.size(), dim);
    if (ec != std::errc{} || end != d.data() + d.size() || dim < 0)
      throw file_error(name, "bad dimension '" + d + "' in the .npy shape");
    a.shape.push_back(dim);
  }
  const std::size_t item = item_size(a.dtype);
  if (item == 0) throw file_error(name, "unsupported dtype '" + a.dtype + "'");
  // The shape's product, and its size in bytes, must not overflow.
  std::int64_t count = 1;
  for (const auto dim : a.shape) {
    if (dim != 0 && count > std::numeric_limits<std::int64_t>::max() / dim)
      throw file_error(name, "the .npy shape overflows the address space");
    count *= dim;
  }
  if (item > std::numeric_limits<std::size_t>::max() / 2 /
                 static_cast<std::size_t>(std::max<std::int64_t>(count, 1)))
    throw file_error(name, "the .npy shape overflows the address space");
  const auto expected = static_cast<std::size_t>(count) * item;
  if (!read_growing(read, a.bytes, expected))
    throw file_error(name, "truncated: the shape promises " + std::to_string(expected) +
                               " bytes of data, found " + std::to_string(a.bytes.size()));
  if (fortran_order && a.shape.size() > 1) a.bytes = fortran_to_c_order(a.bytes, a.shape, item);
  return a;
}

}  // namespace

npy_array read_npy(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw file_error(path.string(), "cannot open (no such file or not readable)");
  return parse_npy_from(
      [&](char* out, std::size_t n) {
        in.read(out, static_cast<std::streamsize>(n));
        return static_cast<std::size_t>(in.gcount());
      },
      path.string());
}

npy_array parse_npy(std::span<const char> bytes, const std::string& name) {
  std::size_t at = 0;
  return parse_npy_from(
      [&](char* out, std::size_t n) {
        n = std::min(n, bytes.size() - at);
        if (n) std::memcpy(out, bytes.data() + at, n);
        at += n;
        return n;
      },
      name);
}

std::string npy_bytes(const std::vector<std::int64_t>& shape, const float* data) {
  return encode(shape, data, "<f4");
}
std::string npy_bytes(const std::vector<std::int64_t>& shape, const double* data) {
  return encode(shape, data, "<f8");
}
std::string npy_bytes(const std::vector<std::int64_t>& shape, const std::int64_t* data) {
  return encode(shape, data, "<i8");
}

void write_npy(const std::filesystem::path& path, const std::vector<std::int64_t>& shape,
               const float* data) {
  write_file_atomic(path, npy_bytes(shape, data));
}
void write_npy(const std::filesystem::path& path, const std::vector<std::int64_t>& shape,
               const double* data) {
  write_file_atomic(path, npy_bytes(shape, data));
}
void write_npy(const std::filesystem::path& path, const std::vector<std::int64_t>& shape,
               const std::int64_t* data) {
  write_file_atomic(path, npy_bytes(shape, data));
}

}  // namespace kenyon

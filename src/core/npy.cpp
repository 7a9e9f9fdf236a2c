#include "kenyon/core/npy.hpp"

#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>

#include "kenyon/core/error.hpp"
#include "kenyon/core/files.hpp"

namespace kenyon {
namespace {

std::size_t item_size(const std::string& dtype) {
  if (dtype.size() < 3) return 0;
  try {
    return static_cast<std::size_t>(std::stoul(dtype.substr(2)));
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
void write_any(const std::filesystem::path& path, const std::vector<std::int64_t>& shape,
               const T* data, const char* descr) {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  std::string contents = header_for<T>(shape, descr);
  contents.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n) * sizeof(T));
  write_file_atomic(path, contents);
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

npy_array read_npy(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw file_error(path.string(), "cannot open (no such file or not readable)");
  char magic[8] = {};
  in.read(magic, 8);
  if (!in || std::memcmp(magic, "\x93NUMPY", 6) != 0)
    throw file_error(path.string(), "not a .npy file (bad magic)");
  const int major = static_cast<unsigned char>(magic[6]);
  std::size_t header_len = 0;
  if (major == 1) {
    unsigned char len[2];
    in.read(reinterpret_cast<char*>(len), 2);
    header_len = len[0] | (std::size_t(len[1]) << 8);
  } else if (major == 2 || major == 3) {
    unsigned char len[4];
    in.read(reinterpret_cast<char*>(len), 4);
    header_len = len[0] | (std::size_t(len[1]) << 8) | (std::size_t(len[2]) << 16) |
                 (std::size_t(len[3]) << 24);
  } else {
    throw file_error(path.string(), "unsupported .npy version " + std::to_string(major));
  }
  std::string header(header_len, '\0');
  in.read(header.data(), static_cast<std::streamsize>(header_len));
  if (!in) throw file_error(path.string(), "truncated .npy header");

  npy_array a;
  std::smatch m;
  if (!std::regex_search(header, m, std::regex("'descr'\\s*:\\s*'([^']+)'")))
    throw file_error(path.string(), "no 'descr' in the .npy header");
  a.dtype = m[1];
  if (a.dtype == "<f4" || a.dtype == "<f8" || a.dtype[0] == '|' || a.dtype[0] == '<') {
  } else {
    throw file_error(path.string(), "unsupported dtype '" + a.dtype + "' (big-endian?)");
  }
  const bool fortran_order =
      std::regex_search(header, m, std::regex("'fortran_order'\\s*:\\s*True"));
  if (!std::regex_search(header, m, std::regex("'shape'\\s*:\\s*\\(([^)]*)\\)")))
    throw file_error(path.string(), "no 'shape' in the .npy header");
  std::stringstream dims(m[1].str());
  for (std::string d; std::getline(dims, d, ',');) {
    d.erase(0, d.find_first_not_of(" \t"));
    d.erase(d.find_last_not_of(" \tL") + 1);
    if (!d.empty()) a.shape.push_back(std::stoll(d));
  }
  const std::size_t item = item_size(a.dtype);
  if (item == 0) throw file_error(path.string(), "unsupported dtype '" + a.dtype + "'");
  const auto expected = static_cast<std::size_t>(a.size()) * item;
  a.bytes.resize(expected);
  in.read(a.bytes.data(), static_cast<std::streamsize>(expected));
  if (static_cast<std::size_t>(in.gcount()) != expected)
    throw file_error(path.string(), "truncated: the shape promises " + std::to_string(expected) +
                                        " bytes of data, found " + std::to_string(in.gcount()));
  if (fortran_order && a.shape.size() > 1) a.bytes = fortran_to_c_order(a.bytes, a.shape, item);
  return a;
}

void write_npy(const std::filesystem::path& path, const std::vector<std::int64_t>& shape,
               const float* data) {
  write_any(path, shape, data, "<f4");
}
void write_npy(const std::filesystem::path& path, const std::vector<std::int64_t>& shape,
               const double* data) {
  write_any(path, shape, data, "<f8");
}
void write_npy(const std::filesystem::path& path, const std::vector<std::int64_t>& shape,
               const std::int64_t* data) {
  write_any(path, shape, data, "<i8");
}

}  // namespace kenyon

#include "kenyon/data/idx.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <system_error>
#include <type_traits>

#include "kenyon/core/error.hpp"

namespace kenyon::data {

namespace {

struct gz_closer {
  void operator()(gzFile f) const { gzclose(f); }
};
using gz_ptr = std::unique_ptr<std::remove_pointer_t<gzFile>, gz_closer>;

// zlib's error text, less the "path: " prefix gzerror puts in front of it.
std::string zlib_message(gzFile f, const std::string& name) {
  int code = Z_OK;
  const char* msg = gzerror(f, &code);
  std::string text = msg && *msg ? msg : "unknown zlib error";
  if (text.starts_with(name + ": ")) text.erase(0, name.size() + 2);
  return text;
}

// Reads up to `count` bytes; returns how many arrived (fewer only at end of data).
// gzread takes an unsigned length, so large reads go in chunks.
std::size_t read_some(gzFile f, std::uint8_t* out, std::size_t count, const std::string& name) {
  constexpr std::size_t chunk = std::size_t{1} << 24;
  std::size_t done = 0;
  while (done < count) {
    const auto want = static_cast<unsigned>(std::min(chunk, count - done));
    const int got = gzread(f, out + done, want);
    if (got < 0) throw file_error(name, "read failed: " + zlib_message(f, name));
    done += static_cast<std::size_t>(got);
    if (static_cast<unsigned>(got) < want) break;
  }
  return done;
}

}  // namespace

idx_array read_idx(const std::filesystem::path& path) {
  return read_idx(path, std::numeric_limits<std::size_t>::max());
}

idx_array read_idx(const std::filesystem::path& path, std::size_t max_items) {
  const std::string name = path.string();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw file_error(name, "no such file");
  if (std::filesystem::is_directory(path, ec)) throw file_error(name, "is a directory");

  // gzopen reads plain files transparently, so one path serves both forms.
  errno = 0;
  gz_ptr f(gzopen(name.c_str(), "rb"));
  if (!f) {
    throw file_error(name, std::string("cannot open: ") +
                               (errno ? std::strerror(errno) : "zlib could not allocate"));
  }
  gzbuffer(f.get(), 1 << 17);

  std::array<std::uint8_t, 4> magic{};
  if (read_some(f.get(), magic.data(), magic.size(), name) < magic.size())
    throw file_error(name, "truncated: shorter than the 4-byte IDX magic number");
  if (magic[0] != 0 || magic[1] != 0)
    throw file_error(name, "bad magic number: not an IDX file (first two bytes must be zero)");
  if (magic[2] != 0x08) {
    constexpr const char* hex = "0123456789abcdef";
    const std::string code{hex[magic[2] >> 4], hex[magic[2] & 0xf]};
    throw file_error(name, "unsupported IDX type code 0x" + code +
                               " (only unsigned bytes, 0x08, are supported)");
  }

  const int ndims = magic[3];
  idx_array out;
  out.dims.resize(static_cast<std::size_t>(ndims));
  for (int d = 0; d < ndims; ++d) {
    std::array<std::uint8_t, 4> b{};
    if (read_some(f.get(), b.data(), b.size(), name) < b.size()) {
      throw file_error(name, "truncated: header promises " + std::to_string(ndims) +
                                 " dimensions, found " + std::to_string(d));
    }
    out.dims[static_cast<std::size_t>(d)] = (std::uint32_t{b[0]} << 24) |
                                            (std::uint32_t{b[1]} << 16) |
                                            (std::uint32_t{b[2]} << 8) | std::uint32_t{b[3]};
  }
  out.items_in_file = ndims > 0 ? out.dims[0] : 1;
  // Reading only a prefix of the records: dims[0] becomes the number of records returned.
  const bool partial = ndims > 0 && max_items < out.dims[0];
  if (partial) out.dims[0] = static_cast<std::uint32_t>(max_items);
  std::size_t total = 1;
  for (const std::uint32_t dim : out.dims) {
    if (dim != 0 && total > std::numeric_limits<std::size_t>::max() / dim)
      throw file_error(name, "header dimensions overflow the address space");
    total *= dim;
  }

  // Grow the buffer as data arrives rather than trusting the header's size up front, so a
  // corrupt header on a short file cannot make us allocate gigabytes. The steps double from
  // 64 KiB to 16 MiB, so such a file does not cost 16 MiB either.
  std::size_t step = std::size_t{1} << 16;
  std::size_t have = 0;
  while (have < total) {
    const std::size_t want = std::min(step, total - have);
    step = std::min(step * 2, std::size_t{1} << 24);
    out.values.resize(have + want);
    const std::size_t got = read_some(f.get(), out.values.data() + have, want, name);
    have += got;
    if (got < want) {
      throw file_error(name, "truncated: header promises " + std::to_string(total) +
                                 " bytes of data, found " + std::to_string(have));
    }
  }
  // A prefix read stops here: checking the gzip CRC would mean decompressing the rest.
  if (partial) return out;
  // One read past the data makes zlib reach the gzip trailer and check its CRC, so a damaged
  // compressed file cannot pass as good. Trailing bytes in a plain file are ignored.
  std::uint8_t extra = 0;
  const int got = gzread(f.get(), &extra, 1);
  int code = Z_OK;
  gzerror(f.get(), &code);
  if (got < 0 || code != Z_OK)
    throw file_error(name, "corrupt compressed data: " + zlib_message(f.get(), name));
  return out;
}

}  // namespace kenyon::data

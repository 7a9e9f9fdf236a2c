// .npy files (core/npy.hpp): the header, the shape, Fortran order and conversion of the values.
#include <cstdint>
#include <span>

#include "fuzz_common.hpp"
#include "kenyon/core/npy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kenyon;
  std::span<const char> bytes(reinterpret_cast<const char*>(data), size);
  fuzz::run_expecting_kenyon_errors([&] {
    const auto a = parse_npy(bytes, "input.npy");
    fuzz::run_expecting_kenyon_errors([&] { a.values<float>(); });
    fuzz::run_expecting_kenyon_errors([&] { a.values<double>(); });
    fuzz::run_expecting_kenyon_errors([&] { a.values<std::int64_t>(); });
  });
  // The file reader as well (it shares the parser, but opens and sizes the file itself).
  const auto path = fuzz::write_file("input.npy", {bytes.data(), bytes.size()});
  return fuzz::run_expecting_kenyon_errors([&] { read_npy(path); });
}

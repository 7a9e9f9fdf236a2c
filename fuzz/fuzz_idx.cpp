// IDX files (data/idx.hpp): whole and limited reads, plain or gzipped.
#include "fuzz_common.hpp"
#include "kenyon/data/idx.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kenyon;
  const auto path = fuzz::write_file("input.idx", {reinterpret_cast<const char*>(data), size});
  fuzz::run_expecting_kenyon_errors([&] { data::read_idx(path); });
  return fuzz::run_expecting_kenyon_errors([&] { data::read_idx(path, 2); });
}

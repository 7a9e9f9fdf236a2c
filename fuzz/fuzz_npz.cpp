// connectome_interpreter's scipy.sparse .npz with its metadata CSV (connectome/loaders.hpp
// load_npz). Input: the metadata CSV, a line "%%", then the bytes of the .npz (a zip).
#include "fuzz_common.hpp"
#include "kenyon/connectome/loaders.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kenyon;
  const auto parts = fuzz::split_parts(data, size, 2);
  if (parts.size() < 2) return 0;
  const auto metadata = fuzz::write_file("meta.csv", parts[0]);
  const auto npz = fuzz::write_file("matrix.npz", parts[1]);
  return fuzz::run_expecting_kenyon_errors([&] { connectome::load_npz(npz, metadata); });
}

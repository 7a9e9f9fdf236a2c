// The flyvis JSON template (connectome/shipped.hpp expand_flyvis) on a small lattice. The
// first byte picks the extent (0 to 3) and whether synapses fill the hulls; the rest is JSON.
#include "fuzz_common.hpp"
#include "kenyon/connectome/shipped.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kenyon;
  if (size < 1) return 0;
  const connectome::flyvis_options options{.extent = data[0] & 3,
                                           .n_syn_fill = (data[0] & 4) ? 0.0 : 1.0};
  const auto path =
      fuzz::write_file("template.json", {reinterpret_cast<const char*>(data) + 1, size - 1});
  return fuzz::run_expecting_kenyon_errors([&] { connectome::expand_flyvis(path, options); });
}

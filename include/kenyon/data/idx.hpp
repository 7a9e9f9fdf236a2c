#pragma once
// IDX files (the MNIST container format), plain or gzip-compressed.
#include <cstdint>
#include <filesystem>
#include <vector>

namespace kenyon::data {

// An unsigned-byte IDX array: dims as in the header, values in row-major order.
struct idx_array {
  std::vector<std::uint32_t> dims;
  std::vector<std::uint8_t> values;
};

// Reads an IDX file of unsigned bytes (type code 0x08), gzipped or not (detected from
// the content). Throws file_error naming the file for a missing or unreadable file, a bad
// magic number, an unsupported type, or a file shorter than its header promises.
idx_array read_idx(const std::filesystem::path& path);

}  // namespace kenyon::data

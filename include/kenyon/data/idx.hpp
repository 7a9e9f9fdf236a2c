#pragma once
// IDX files (the MNIST container format), plain or gzip-compressed.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <vector>

namespace kenyon::data {

// An unsigned-byte IDX array: dims as in the header (except dims[0] after a limited read,
// see below), values in row-major order.
struct idx_array {
  std::vector<std::uint32_t> dims;
  std::vector<std::uint8_t> values;
  std::uint32_t items_in_file = 0;  // dims[0] as the header gives it (1 for a 0-d array)
};

// Reads an IDX file of unsigned bytes (type code 0x08), gzipped or not (detected from
// the content). Throws file_error naming the file for a missing or unreadable file, a bad
// magic number, an unsupported type, or a file shorter than its header promises.
idx_array read_idx(const std::filesystem::path& path);

// The same, reading only the header and the first `max_items` records (slices along the first
// dimension); dims[0] is then min(header's dims[0], max_items) and items_in_file keeps the
// header's count. The truncation check applies to the records read. A read that stops before
// the end of a gzipped file does not reach the gzip trailer, so its CRC is not checked.
// A 0-d array ignores max_items.
idx_array read_idx(const std::filesystem::path& path, std::size_t max_items);

}  // namespace kenyon::data

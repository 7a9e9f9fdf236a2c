#pragma once
// Labelled image sets (MNIST, Fashion-MNIST) and where to find them.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kenyon::data {

enum class dataset_name { mnist, fashion_mnist };

// "mnist" or "fashion-mnist"; anything else throws parameter_error("dataset", ...).
dataset_name parse_dataset_name(std::string_view name);
std::string to_string(dataset_name name);

// Images with labels, pixels row-major per image, image after image.
struct image_set {
  int rows = 0;
  int cols = 0;
  std::vector<std::uint8_t> pixels;  // size() * rows * cols
  std::vector<std::uint8_t> labels;  // 0..9
  std::size_t size() const { return labels.size(); }
  const std::uint8_t* image(std::size_t i) const {
    return pixels.data() + i * static_cast<std::size_t>(rows * cols);
  }
};

// Reads an images file and a labels file and checks they agree (count, 3-d images,
// 1-d labels); throws file_error naming the offending file.
image_set load_image_set(const std::filesystem::path& images, const std::filesystem::path& labels);

// The training split of a dataset. Files are looked up in `dir` when given, otherwise in
// $KENYON_DATA_DIR/<name>, the repository's data/cache/<name> (MNIST, fetched by
// scripts/install_deps.sh) and, for Fashion-MNIST, /usr/share/datasets/fashion-mnist
// (Debian's dataset-fashion-mnist). Either `train-images-idx3-ubyte` or its `.gz` is used.
image_set load_training_set(dataset_name name,
                            const std::optional<std::filesystem::path>& dir = std::nullopt);

}  // namespace kenyon::data

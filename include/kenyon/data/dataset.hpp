#pragma once
// Labelled image sets (MNIST, Fashion-MNIST) and where to find them.
#include <cstddef>
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
// per_class > 0 reads only the shortest prefix of the files that holds at least per_class
// images of every class 0..9 (labels are read first to find it), e.g. about 11k of MNIST's
// 60k images for per_class = 1000; if some class never reaches per_class, everything is read.
// All labels are still checked. per_class = 0 reads everything.
image_set load_image_set(const std::filesystem::path& images, const std::filesystem::path& labels,
                         std::size_t per_class = 0);

// The training split of a dataset. Files are looked up in `dir` when given, otherwise in
// $KENYON_DATA_DIR/<name>, the repository's data/cache/<name> (MNIST, fetched by
// scripts/install_deps.sh) and, for Fashion-MNIST, /usr/share/datasets/fashion-mnist
// (Debian's dataset-fashion-mnist). Either `train-images-idx3-ubyte` or its `.gz` is used.
// per_class as for load_image_set (pass feature_params::per_class to read only what
// make_features needs).
image_set load_training_set(dataset_name name,
                            const std::optional<std::filesystem::path>& dir = std::nullopt,
                            std::size_t per_class = 0);
// The official test split (t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte), looked up as
// the training split is; throws file_error naming the folders when it is not there.
image_set load_test_set(dataset_name name,
                        const std::optional<std::filesystem::path>& dir = std::nullopt);

}  // namespace kenyon::data

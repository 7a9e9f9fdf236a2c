#include "kenyon/data/dataset.hpp"

#include <array>
#include <cstdlib>
#include <string>

#include "kenyon/core/error.hpp"
#include "kenyon/data/idx.hpp"

#ifndef KENYON_REPO_DIR
#define KENYON_REPO_DIR "."
#endif

namespace kenyon::data {

dataset_name parse_dataset_name(std::string_view name) {
  if (name == "mnist") return dataset_name::mnist;
  if (name == "fashion-mnist") return dataset_name::fashion_mnist;
  throw parameter_error(
      "dataset", "unknown dataset '" + std::string(name) + "' (expected mnist or fashion-mnist)");
}

std::string to_string(dataset_name name) {
  return name == dataset_name::mnist ? "mnist" : "fashion-mnist";
}

image_set load_image_set(const std::filesystem::path& images, const std::filesystem::path& labels,
                         std::size_t per_class) {
  // Labels first (small), so that with per_class only the images needed are read.
  idx_array lab = read_idx(labels);
  if (lab.dims.size() != 1) {
    throw file_error(labels.string(), "expected a 1-d label array, found " +
                                          std::to_string(lab.dims.size()) + " dimensions");
  }
  std::size_t wanted = lab.values.size();
  if (per_class > 0) {
    // The shortest prefix holding per_class images of every class 0..9; all of it if some
    // class never gets there (make_features then reports which).
    std::array<std::size_t, 10> count{};
    std::size_t complete = 0;
    for (std::size_t i = 0; i < lab.values.size(); ++i) {
      const std::uint8_t l = lab.values[i];
      if (l <= 9 && ++count[l] == per_class && ++complete == count.size()) {
        wanted = i + 1;
        break;
      }
    }
  }
  idx_array img = read_idx(images, wanted);
  if (img.dims.size() != 3) {
    throw file_error(images.string(), "expected a 3-d image array, found " +
                                          std::to_string(img.dims.size()) + " dimensions");
  }
  if (img.items_in_file != lab.dims[0]) {
    throw file_error(labels.string(), "holds " + std::to_string(lab.dims[0]) + " labels but " +
                                          images.string() + " holds " +
                                          std::to_string(img.items_in_file) + " images");
  }
  if (img.dims[1] == 0 || img.dims[2] == 0 || img.dims[1] > 4096 || img.dims[2] > 4096) {
    throw file_error(images.string(), "implausible image size " + std::to_string(img.dims[1]) +
                                          "x" + std::to_string(img.dims[2]));
  }
  for (std::size_t i = 0; i < lab.values.size(); ++i) {
    // Row is 1-based: the record number within the file.
    if (lab.values[i] > 9) {
      throw file_error(labels.string(), "label " + std::to_string(lab.values[i]) + " outside 0..9",
                       i + 1);
    }
  }
  lab.values.resize(img.dims[0]);  // the labels of the images read
  image_set out;
  out.rows = static_cast<int>(img.dims[1]);
  out.cols = static_cast<int>(img.dims[2]);
  out.pixels = std::move(img.values);
  out.labels = std::move(lab.values);
  return out;
}

namespace {

// The plain file if present, else its .gz; empty if neither exists.
std::filesystem::path find_file(const std::filesystem::path& dir, const std::string& stem) {
  std::error_code ec;
  for (const auto& name : {stem, stem + ".gz"}) {
    if (std::filesystem::is_regular_file(dir / name, ec)) return dir / name;
  }
  return {};
}

}  // namespace

namespace {

// `prefix` (train, t10k) images and labels from the first folder that has both.
image_set load_split(dataset_name name, const std::optional<std::filesystem::path>& dir,
                     const std::string& prefix, const char* what, std::size_t per_class) {
  const std::string sub = to_string(name);
  std::vector<std::filesystem::path> candidates;
  if (dir) {
    candidates.push_back(*dir);
  } else {
    if (const char* env = std::getenv("KENYON_DATA_DIR"); env && *env)
      candidates.push_back(std::filesystem::path(env) / sub);
    candidates.push_back(std::filesystem::path(KENYON_REPO_DIR) / "data" / "cache" / sub);
    if (name == dataset_name::fashion_mnist)
      candidates.push_back("/usr/share/datasets/fashion-mnist");
  }
  const std::string images_name = prefix + "-images-idx3-ubyte";
  const std::string labels_name = prefix + "-labels-idx1-ubyte";
  for (const auto& d : candidates) {
    auto images = find_file(d, images_name);
    auto labels = find_file(d, labels_name);
    if (!images.empty() && !labels.empty()) return load_image_set(images, labels, per_class);
  }

  std::string looked;
  for (const auto& d : candidates) looked += (looked.empty() ? "" : ", ") + d.string();
  const std::string hint =
      name == dataset_name::mnist
          ? "run `make deps` (scripts/install_deps.sh) to fetch MNIST"
          : "install Debian's dataset-fashion-mnist package (`make deps` does) or put the "
            "files in one of these directories";
  throw file_error(candidates.front().string(),
                   "no " + sub + " " + what + " (" + images_name + " and " + labels_name +
                       ", optionally .gz) found; looked in: " + looked + "; " + hint);
}

}  // namespace

image_set load_training_set(dataset_name name, const std::optional<std::filesystem::path>& dir,
                            std::size_t per_class) {
  return load_split(name, dir, "train", "training set", per_class);
}

image_set load_test_set(dataset_name name, const std::optional<std::filesystem::path>& dir) {
  return load_split(name, dir, "t10k", "test set", 0);
}

}  // namespace kenyon::data

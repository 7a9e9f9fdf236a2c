#pragma once
// MothNet's input pipeline (spec mothnet.md section 1): crop, 2x2 mean downsampling,
// max normalisation, mean-image subtraction, rectification, pixel-sum normalisation and
// active-pixel selection. Each step is a function of its own so it can be tested alone.
#include <filesystem>
#include <optional>
#include <vector>

#include "kenyon/data/dataset.hpp"

namespace kenyon::data {

// A single-channel image of floats, row-major.
struct image {
  int rows = 0;
  int cols = 0;
  std::vector<float> pixels;
  float& at(int r, int c) { return pixels[static_cast<std::size_t>(r * cols + c)]; }
  float at(int r, int c) const { return pixels[static_cast<std::size_t>(r * cols + c)]; }
};

image crop(const image& in, int border);             // drops `border` pixels on every side
image downsample_mean(const image& in, int factor);  // mean of each factor x factor block
void normalise_max(image& in);                       // divides by the maximum (if > 0)
void subtract_and_rectify(std::vector<float>& pixels, const std::vector<float>& mean);
void normalise_sum(std::vector<float>& pixels, float target_sum);  // pixels sum to target
// Lowers a threshold over the sorted values of all class-mean images one distinct value
// at a time until at least `count` pixels have some class mean >= threshold. Returns
// those pixel indices, ascending. `class_means[c]` is one flattened image per class.
std::vector<int> select_active_pixels(const std::vector<std::vector<float>>& class_means,
                                      int count);

// The pipeline's settings; defaults are pymoth's (85 features from 1000 digits per class).
struct feature_params {
  int per_class = 1000;    // images taken per class, in file order
  int crop_border = 2;     // pixels
  int downsample = 2;      // block size
  int mean_first = 550;    // images [mean_first, per_class) of each class fit the mean image
  float pixel_sum = 6.0f;  // each image's pixels sum to this after normalisation
  int num_features = 85;   // active pixels kept (ties may give more)
  // Throws parameter_error naming the field. The overload with an image size also checks
  // that the crop leaves room for at least one block and that num_features fits.
  void validate() const;
  void validate(int image_rows, int image_cols) const;
};

// Feature vectors for the first `per_class` images of each class.
struct feature_set {
  int num_classes = 10;
  int per_class = 0;
  int num_features = 0;
  std::vector<int> active_pixels;      // indices into the downsampled image
  int image_rows = 0, image_cols = 0;  // downsampled image size
  std::vector<float> values;           // [class][index][feature]
  std::vector<float> mean_image;       // step 4's mean image (downsampled), for other images
  const float* digit(int cls, int index) const {
    return values.data() + (static_cast<std::size_t>(cls) * per_class + index) * num_features;
  }
};

// Images put through a pipeline fitted on other images (a test split through the training
// split's mean image and active pixels), in file order, with their labels.
struct labelled_features {
  int num_features = 0;
  std::vector<float> values;  // [digit][feature]
  std::vector<int> labels;
  std::vector<std::size_t> image_index;  // position of each digit in the image file
  std::size_t size() const { return labels.size(); }
  const float* digit(std::size_t i) const { return values.data() + i * num_features; }
};

// Feature vectors held elsewhere, laid out as feature_set::values ([class][index][feature],
// contiguous): a numpy array from Python is read in place instead of copied. The owner must
// outlive every use of the view.
struct feature_view {
  int num_classes = 0;
  int per_class = 0;
  int num_features = 0;
  const float* values = nullptr;
  const float* digit(int cls, int index) const {
    return values + (static_cast<std::size_t>(cls) * per_class + index) * num_features;
  }
};

inline feature_view view_of(const feature_set& f) {
  return {f.num_classes, f.per_class, f.num_features, f.values.data()};
}

// Throws error if some class has fewer than `per_class` images.
feature_set make_features(const image_set& images, const feature_params& params = {});

// The first `count` images (0: all) through `fitted`'s pipeline: crop, downsample and
// normalise as make_features does, subtract its mean image, normalise the sum, keep its
// active pixels. Throws parameter_error("count", ...) for more images than there are and
// error for images of another size or a label outside 0..9.
labelled_features apply_features(const image_set& images, const feature_set& fitted,
                                 const feature_params& params, std::size_t count = 0);

// The features of every moth run: feature_params{}'s images of the dataset's training
// split (only as many as make_features uses are read), looked up as load_training_set does.
feature_set load_features(dataset_name name, const std::optional<std::filesystem::path>& dir);
// The first `count` digits (0: all) of the dataset's official test split through `fitted`'s
// pipeline (default feature_params). Throws parameter_error("test", ...) when the split holds
// fewer, and file_error when it is not there.
labelled_features load_test_features(dataset_name name,
                                     const std::optional<std::filesystem::path>& dir,
                                     const feature_set& fitted, std::size_t count);

}  // namespace kenyon::data

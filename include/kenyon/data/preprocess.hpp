#pragma once
// MothNet's input pipeline (spec mothnet.md section 1): crop, 2x2 mean downsampling,
// max normalisation, mean-image subtraction, rectification, pixel-sum normalisation and
// active-pixel selection. Each step is a function of its own so it can be tested alone.
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
  const float* digit(int cls, int index) const {
    return values.data() + (static_cast<std::size_t>(cls) * per_class + index) * num_features;
  }
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

}  // namespace kenyon::data

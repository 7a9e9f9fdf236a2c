#include "kenyon/data/preprocess.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <string>

#include "kenyon/core/error.hpp"

namespace kenyon::data {

image crop(const image& in, int border) {
  if (border < 0 || 2 * border >= in.rows || 2 * border >= in.cols) {
    throw parameter_error("crop_border",
                          "cannot crop " + std::to_string(border) + " pixels from each side of a " +
                              std::to_string(in.rows) + "x" + std::to_string(in.cols) + " image");
  }
  image out{in.rows - 2 * border, in.cols - 2 * border, {}};
  out.pixels.resize(static_cast<std::size_t>(out.rows * out.cols));
  for (int r = 0; r < out.rows; ++r)
    for (int c = 0; c < out.cols; ++c) out.at(r, c) = in.at(r + border, c + border);
  return out;
}

// Like skimage's downscale_local_mean when the size divides evenly (as 24/2 does); a partial
// block at the right or bottom edge is dropped rather than zero-padded.
image downsample_mean(const image& in, int factor) {
  if (factor < 1 || factor > in.rows || factor > in.cols) {
    throw parameter_error("downsample", "block size " + std::to_string(factor) +
                                            " does not fit a " + std::to_string(in.rows) + "x" +
                                            std::to_string(in.cols) + " image");
  }
  image out{in.rows / factor, in.cols / factor, {}};
  out.pixels.assign(static_cast<std::size_t>(out.rows * out.cols), 0.0f);
  const float scale = 1.0f / static_cast<float>(factor * factor);
  for (int r = 0; r < out.rows; ++r) {
    for (int c = 0; c < out.cols; ++c) {
      float sum = 0.0f;
      for (int i = 0; i < factor; ++i)
        for (int j = 0; j < factor; ++j) sum += in.at(r * factor + i, c * factor + j);
      out.at(r, c) = sum * scale;
    }
  }
  return out;
}

void normalise_max(image& in) {
  if (in.pixels.empty()) return;
  const float m = *std::max_element(in.pixels.begin(), in.pixels.end());
  if (!(m > 0.0f)) return;  // a blank image stays blank rather than becoming NaN
  for (float& p : in.pixels) p /= m;
}

void subtract_and_rectify(std::vector<float>& pixels, const std::vector<float>& mean) {
  if (pixels.size() != mean.size()) {
    throw error("subtract_and_rectify: image has " + std::to_string(pixels.size()) +
                " pixels but the mean image has " + std::to_string(mean.size()));
  }
  for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = std::max(pixels[i] - mean[i], 0.0f);
}

void normalise_sum(std::vector<float>& pixels, float target_sum) {
  double sum = 0.0;
  for (float p : pixels) sum += p;
  // An image with nothing left after mean subtraction stays zero (pymoth would produce NaN).
  if (!(sum > 0.0) || !std::isfinite(sum)) return;
  const auto scale = static_cast<float>(target_sum / sum);
  for (float& p : pixels) p *= scale;
}

std::vector<int> select_active_pixels(const std::vector<std::vector<float>>& class_means,
                                      int count) {
  if (class_means.empty() || count < 1) return {};
  const std::size_t n = class_means.front().size();
  for (const auto& m : class_means) {
    if (m.size() != n) throw error("select_active_pixels: class-mean images differ in size");
  }
  // Pixel p is active at threshold t iff max_c mean[c][p] >= t, so lowering t through all
  // values is the same as lowering it through the per-pixel maxima: the loop stops at the
  // count-th largest maximum, and every pixel tied with it comes along.
  std::vector<float> best(n, -std::numeric_limits<float>::infinity());
  for (const auto& m : class_means)
    for (std::size_t p = 0; p < n; ++p) best[p] = std::max(best[p], m[p]);
  std::vector<int> result;
  if (static_cast<std::size_t>(count) >= n) {
    for (std::size_t p = 0; p < n; ++p) result.push_back(static_cast<int>(p));
    return result;
  }
  std::vector<float> sorted = best;
  std::nth_element(sorted.begin(), sorted.begin() + (count - 1), sorted.end(),
                   std::greater<float>());
  const float threshold = sorted[static_cast<std::size_t>(count - 1)];
  for (std::size_t p = 0; p < n; ++p)
    if (best[p] >= threshold) result.push_back(static_cast<int>(p));
  return result;
}

void feature_params::validate() const {
  if (per_class < 1)
    throw parameter_error("per_class", "must be at least 1, got " + std::to_string(per_class));
  if (mean_first < 0 || mean_first >= per_class) {
    throw parameter_error("mean_first", "must lie in [0, per_class = " + std::to_string(per_class) +
                                            "), got " + std::to_string(mean_first));
  }
  if (crop_border < 0)
    throw parameter_error("crop_border", "must be >= 0, got " + std::to_string(crop_border));
  if (downsample < 1)
    throw parameter_error("downsample", "must be >= 1, got " + std::to_string(downsample));
  if (!(pixel_sum > 0.0f) || !std::isfinite(pixel_sum))
    throw parameter_error("pixel_sum",
                          "must be positive and finite, got " + std::to_string(pixel_sum));
  if (num_features < 1) {
    throw parameter_error("num_features",
                          "must be at least 1, got " + std::to_string(num_features));
  }
}

void feature_params::validate(int image_rows, int image_cols) const {
  validate();
  const int inner_rows = image_rows - 2 * crop_border;
  const int inner_cols = image_cols - 2 * crop_border;
  if (inner_rows < 1 || inner_cols < 1) {
    throw parameter_error("crop_border", "cropping " + std::to_string(crop_border) +
                                             " pixels per side leaves nothing of a " +
                                             std::to_string(image_rows) + "x" +
                                             std::to_string(image_cols) + " image");
  }
  if (downsample > inner_rows || downsample > inner_cols) {
    throw parameter_error("downsample", "block size " + std::to_string(downsample) +
                                            " exceeds the cropped " + std::to_string(inner_rows) +
                                            "x" + std::to_string(inner_cols) + " image");
  }
  const int pixels = (inner_rows / downsample) * (inner_cols / downsample);
  if (num_features > pixels) {
    throw parameter_error("num_features", std::to_string(num_features) +
                                              " features requested but the preprocessed "
                                              "image has only " +
                                              std::to_string(pixels) + " pixels");
  }
}

namespace {

// Steps 1-3 for image i: scale, crop, downsample, max-normalise (`raw` is scratch).
image scaled_image(const image_set& images, std::size_t i, const feature_params& params,
                   image& raw) {
  const std::uint8_t* src = images.image(i);
  // /256 as pymoth does; irrelevant after max normalisation but kept for fidelity.
  for (std::size_t p = 0; p < raw.pixels.size(); ++p) raw.pixels[p] = src[p] / 256.0f;
  image small = downsample_mean(crop(raw, params.crop_border), params.downsample);
  normalise_max(small);
  return small;
}

}  // namespace

feature_set make_features(const image_set& images, const feature_params& params) {
  params.validate(images.rows, images.cols);
  constexpr int num_classes = 10;
  const int per_class = params.per_class;

  // The first per_class images of each class, in file order.
  std::vector<std::vector<std::size_t>> chosen(num_classes);
  for (std::size_t i = 0; i < images.size(); ++i) {
    const int label = images.labels[i];
    if (label >= num_classes)
      throw error("image " + std::to_string(i) + " has label " + std::to_string(label) +
                  " outside 0..9");
    if (static_cast<int>(chosen[label].size()) < per_class) chosen[label].push_back(i);
  }
  for (int c = 0; c < num_classes; ++c) {
    if (static_cast<int>(chosen[c].size()) < per_class) {
      throw error("class " + std::to_string(c) + " has " + std::to_string(chosen[c].size()) +
                  " images, fewer than per_class = " + std::to_string(per_class));
    }
  }

  // Steps 1-3: scale, crop, downsample, max-normalise. normed[c * per_class + i].
  const std::size_t pixels_in = static_cast<std::size_t>(images.rows * images.cols);
  std::vector<image> normed(static_cast<std::size_t>(num_classes * per_class));
  image raw{images.rows, images.cols, std::vector<float>(pixels_in)};
  for (int c = 0; c < num_classes; ++c) {
    for (int i = 0; i < per_class; ++i) {
      normed[static_cast<std::size_t>(c * per_class + i)] =
          scaled_image(images, chosen[c][i], params, raw);
    }
  }
  const int rows = normed.front().rows, cols = normed.front().cols;
  const std::size_t npix = static_cast<std::size_t>(rows * cols);

  // Mean of each class over images [mean_first, per_class), accumulated in double.
  auto class_means = [&] {
    std::vector<std::vector<float>> means(num_classes, std::vector<float>(npix));
    const double count = per_class - params.mean_first;
    for (int c = 0; c < num_classes; ++c) {
      std::vector<double> acc(npix, 0.0);
      for (int i = params.mean_first; i < per_class; ++i) {
        const auto& px = normed[static_cast<std::size_t>(c * per_class + i)].pixels;
        for (std::size_t p = 0; p < npix; ++p) acc[p] += px[p];
      }
      for (std::size_t p = 0; p < npix; ++p) means[c][p] = static_cast<float>(acc[p] / count);
    }
    return means;
  };

  // Step 4: the overall mean image is the average of the class means (each class weighs the
  // same whatever its share of the file).
  const auto means_before = class_means();
  std::vector<float> mean_image(npix, 0.0f);
  for (std::size_t p = 0; p < npix; ++p) {
    double acc = 0.0;
    for (int c = 0; c < num_classes; ++c) acc += means_before[c][p];
    mean_image[p] = static_cast<float>(acc / num_classes);
  }
  // Steps 4-5: subtract, rectify, scale to the pixel sum.
  for (auto& im : normed) {
    subtract_and_rectify(im.pixels, mean_image);
    normalise_sum(im.pixels, params.pixel_sum);
  }

  // Step 6: active pixels from the class means of the normalised images.
  feature_set out;
  out.mean_image = mean_image;
  out.num_classes = num_classes;
  out.per_class = per_class;
  out.image_rows = rows;
  out.image_cols = cols;
  out.active_pixels = select_active_pixels(class_means(), params.num_features);
  out.num_features = static_cast<int>(out.active_pixels.size());
  out.values.resize(static_cast<std::size_t>(num_classes) * per_class * out.num_features);
  float* dst = out.values.data();
  for (const auto& im : normed)
    for (int p : out.active_pixels) *dst++ = im.pixels[static_cast<std::size_t>(p)];
  return out;
}

labelled_features apply_features(const image_set& images, const feature_set& fitted,
                                 const feature_params& params, std::size_t count) {
  params.validate(images.rows, images.cols);
  if (count > images.size())
    throw parameter_error("count", std::to_string(count) + " digits asked for, the set holds " +
                                       std::to_string(images.size()));
  if (count == 0) count = images.size();
  const std::size_t pixels_in = static_cast<std::size_t>(images.rows * images.cols);
  image raw{images.rows, images.cols, std::vector<float>(pixels_in)};
  labelled_features out;
  out.num_features = fitted.num_features;
  out.values.reserve(count * static_cast<std::size_t>(fitted.num_features));
  for (std::size_t i = 0; i < count; ++i) {
    if (images.labels[i] >= 10)
      throw error("image " + std::to_string(i) + " has label " + std::to_string(images.labels[i]) +
                  " outside 0..9");
    image small = scaled_image(images, i, params, raw);
    if (small.pixels.size() != fitted.mean_image.size())
      throw error("images of " + std::to_string(images.rows) + " x " + std::to_string(images.cols) +
                  " pixels do not fit features made from " + "images downsampled to " +
                  std::to_string(fitted.image_rows) + " x " + std::to_string(fitted.image_cols));
    subtract_and_rectify(small.pixels, fitted.mean_image);
    normalise_sum(small.pixels, params.pixel_sum);
    for (const int p : fitted.active_pixels)
      out.values.push_back(small.pixels[static_cast<std::size_t>(p)]);
    out.labels.push_back(images.labels[i]);
    out.image_index.push_back(i);
  }
  return out;
}

feature_set load_features(dataset_name name, const std::optional<std::filesystem::path>& dir) {
  const feature_params params;
  return make_features(load_training_set(name, dir, static_cast<std::size_t>(params.per_class)),
                       params);
}

labelled_features load_test_features(dataset_name name,
                                     const std::optional<std::filesystem::path>& dir,
                                     const feature_set& fitted, std::size_t count) {
  const auto images = load_test_set(name, dir);
  if (count > images.size())
    throw parameter_error("test", std::to_string(count) + " digits asked for, the " +
                                      to_string(name) + " test set holds " +
                                      std::to_string(images.size()));
  return apply_features(images, fitted, {}, count);
}

}  // namespace kenyon::data

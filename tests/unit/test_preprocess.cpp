#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <numeric>
#include <random>
#include <set>
#include <vector>

#include "kenyon/core/error.hpp"
#include "kenyon/data/dataset.hpp"
#include "kenyon/data/preprocess.hpp"
#include "require.hpp"

namespace kenyon::data {
namespace {

// 4x4 image with pixels 1..16, row-major.
image four_by_four() {
  image im{4, 4, {}};
  for (int i = 0; i < 16; ++i) im.pixels.push_back(static_cast<float>(i + 1));
  return im;
}

TEST(preprocess, crop_keeps_the_centre) {
  const image out = crop(four_by_four(), 1);
  EXPECT_EQ(out.rows, 2);
  EXPECT_EQ(out.cols, 2);
  EXPECT_EQ(out.pixels, (std::vector<float>{6, 7, 10, 11}));
  EXPECT_EQ(crop(four_by_four(), 0).pixels, four_by_four().pixels);
  EXPECT_THROW(crop(four_by_four(), 2), parameter_error);
}

TEST(preprocess, downsample_takes_block_means) {
  const image out = downsample_mean(four_by_four(), 2);
  EXPECT_EQ(out.rows, 2);
  EXPECT_EQ(out.cols, 2);
  // (1+2+5+6)/4, (3+4+7+8)/4, (9+10+13+14)/4, (11+12+15+16)/4
  EXPECT_EQ(out.pixels, (std::vector<float>{3.5f, 5.5f, 11.5f, 13.5f}));
  EXPECT_EQ(downsample_mean(four_by_four(), 4).pixels, (std::vector<float>{8.5f}));
  EXPECT_THROW(downsample_mean(four_by_four(), 0), parameter_error);
}

TEST(preprocess, normalise_max_and_sum) {
  image im{1, 4, {1, 4, 2, 0}};
  normalise_max(im);
  EXPECT_EQ(im.pixels, (std::vector<float>{0.25f, 1.0f, 0.5f, 0.0f}));
  normalise_sum(im.pixels, 6.0f);  // sum 1.75 -> scale 6/1.75
  EXPECT_FLOAT_EQ(im.pixels[0], 0.25f * 6 / 1.75f);
  EXPECT_FLOAT_EQ(im.pixels[1], 6 / 1.75f);
  EXPECT_FLOAT_EQ(std::accumulate(im.pixels.begin(), im.pixels.end(), 0.0f), 6.0f);

  // Blank images stay blank: no division by zero, no NaN.
  image blank{2, 2, {0, 0, 0, 0}};
  normalise_max(blank);
  normalise_sum(blank.pixels, 6.0f);
  EXPECT_EQ(blank.pixels, (std::vector<float>{0, 0, 0, 0}));
}

TEST(preprocess, subtract_and_rectify_clamps_at_zero) {
  std::vector<float> px{0.5f, 0.2f, 1.0f, 0.0f};
  subtract_and_rectify(px, {0.25f, 0.3f, 0.0f, 0.1f});
  EXPECT_EQ(px, (std::vector<float>{0.25f, 0.0f, 1.0f, 0.0f}));
  EXPECT_THROW(subtract_and_rectify(px, {1.0f}), error);
}

TEST(preprocess, active_pixels_by_hand_with_a_tie) {
  // Per-pixel maxima over the classes: 0.9 0.8 0.5 0.7 0.3 0.3
  const std::vector<std::vector<float>> means{{0.9f, 0.1f, 0.5f, 0.0f, 0.3f, 0.2f},
                                              {0.2f, 0.8f, 0.5f, 0.7f, 0.1f, 0.3f}};
  EXPECT_EQ(select_active_pixels(means, 1), (std::vector<int>{0}));
  EXPECT_EQ(select_active_pixels(means, 3), (std::vector<int>{0, 1, 3}));
  // Pixel 2 holds 0.5 in both classes; it counts once.
  EXPECT_EQ(select_active_pixels(means, 4), (std::vector<int>{0, 1, 2, 3}));
  // Pixels 4 and 5 tie at 0.3 (in different classes), so asking for 5 gives 6.
  EXPECT_EQ(select_active_pixels(means, 5), (std::vector<int>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(select_active_pixels(means, 6), (std::vector<int>{0, 1, 2, 3, 4, 5}));
}

// The rule exactly as spec section 1 step 6 words it: lower a threshold through the sorted
// distinct values of all class means until enough pixels have some class mean >= it.
template <class T>
std::vector<int> literal_active_pixels(const std::vector<std::vector<T>>& means, int count) {
  std::vector<T> values;
  for (const auto& m : means) values.insert(values.end(), m.begin(), m.end());
  std::sort(values.begin(), values.end(), std::greater<T>());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  std::vector<int> active;
  for (T t : values) {
    active.clear();
    for (std::size_t p = 0; p < means[0].size(); ++p) {
      bool any = false;
      for (const auto& m : means) any = any || m[p] >= t;
      if (any) active.push_back(static_cast<int>(p));
    }
    if (static_cast<int>(active.size()) >= count) break;
  }
  return active;
}

TEST(preprocess, active_pixels_match_the_literal_rule_on_random_ties) {
  std::mt19937 gen(12345);
  std::uniform_int_distribution<int> level(0, 9);  // few levels -> many ties
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<std::vector<float>> means(3, std::vector<float>(20));
    for (auto& m : means)
      for (auto& v : m) v = static_cast<float>(level(gen)) / 10.0f;
    for (int count : {1, 5, 10, 19, 20}) {
      EXPECT_EQ(select_active_pixels(means, count), literal_active_pixels(means, count))
          << "trial " << trial << " count " << count;
    }
  }
}

TEST(preprocess, validate_names_the_bad_field) {
  auto field_of = [](feature_params p, int rows = 28, int cols = 28) -> std::string {
    try {
      p.validate(rows, cols);
    } catch (const parameter_error& e) {
      return e.field();
    }
    return "";
  };
  EXPECT_EQ(field_of({}), "");
  EXPECT_EQ(field_of({.per_class = 0}), "per_class");
  EXPECT_EQ(field_of({.per_class = 100, .mean_first = 100}), "mean_first");
  EXPECT_EQ(field_of({.mean_first = -1}), "mean_first");
  EXPECT_EQ(field_of({.crop_border = -1}), "crop_border");
  EXPECT_EQ(field_of({.crop_border = 14}), "crop_border");
  EXPECT_EQ(field_of({.downsample = 0}), "downsample");
  EXPECT_EQ(field_of({.crop_border = 13, .downsample = 3}), "downsample");
  EXPECT_EQ(field_of({.pixel_sum = 0.0f}), "pixel_sum");
  EXPECT_EQ(field_of({.pixel_sum = NAN}), "pixel_sum");
  EXPECT_EQ(field_of({.num_features = 0}), "num_features");
  EXPECT_EQ(field_of({.num_features = 145}), "num_features");
  EXPECT_EQ(field_of({.num_features = 144}), "");
}

// An independent, deliberately plain re-implementation of spec section 1 in double.
struct reference {
  std::vector<int> active;
  std::vector<std::vector<std::vector<double>>> normalised;  // [class][index][pixel]
};

reference reference_features(const image_set& s, const feature_params& fp) {
  const int out_rows = (s.rows - 2 * fp.crop_border) / fp.downsample;
  const int out_cols = (s.cols - 2 * fp.crop_border) / fp.downsample;
  const int npix = out_rows * out_cols;
  reference ref;
  ref.normalised.assign(10, {});
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto& cls = ref.normalised[s.labels[i]];
    if (static_cast<int>(cls.size()) == fp.per_class) continue;
    std::vector<double> px(static_cast<std::size_t>(npix), 0.0);
    for (int r = 0; r < out_rows; ++r) {
      for (int c = 0; c < out_cols; ++c) {
        double sum = 0;
        for (int a = 0; a < fp.downsample; ++a) {
          for (int b = 0; b < fp.downsample; ++b) {
            const int rr = fp.crop_border + r * fp.downsample + a;
            const int cc = fp.crop_border + c * fp.downsample + b;
            sum += s.image(i)[rr * s.cols + cc] / 256.0;
          }
        }
        px[r * out_cols + c] = sum / (fp.downsample * fp.downsample);
      }
    }
    const double mx = *std::max_element(px.begin(), px.end());
    if (mx > 0)
      for (auto& v : px) v /= mx;
    cls.push_back(px);
  }
  auto class_means = [&] {
    std::vector<std::vector<double>> means(10, std::vector<double>(npix, 0.0));
    for (int c = 0; c < 10; ++c) {
      for (int i = fp.mean_first; i < fp.per_class; ++i)
        for (int p = 0; p < npix; ++p) means[c][p] += ref.normalised[c][i][p];
      for (auto& v : means[c]) v /= fp.per_class - fp.mean_first;
    }
    return means;
  };
  const auto before = class_means();
  std::vector<double> mean(npix, 0.0);
  for (int p = 0; p < npix; ++p) {
    for (int c = 0; c < 10; ++c) mean[p] += before[c][p] / 10;
  }
  for (auto& cls : ref.normalised) {
    for (auto& px : cls) {
      double sum = 0;
      for (int p = 0; p < npix; ++p) sum += px[p] = std::max(px[p] - mean[p], 0.0);
      if (sum > 0)
        for (auto& v : px) v *= fp.pixel_sum / sum;
    }
  }
  ref.active = literal_active_pixels(class_means(), fp.num_features);
  return ref;
}

// A small synthetic set: per class `n` images of 8x8, deterministic but varied.
image_set synthetic_set(int n, int skip_class = -1) {
  image_set s{8, 8, {}, {}};
  std::mt19937 gen(7);
  std::uniform_int_distribution<int> px(0, 255);
  for (int i = 0; i < n; ++i) {
    for (int c = 0; c < 10; ++c) {
      if (c == skip_class && i > 0) continue;
      s.labels.push_back(static_cast<std::uint8_t>(c));
      for (int p = 0; p < 64; ++p) {
        // Class c brightens its own column band so class means differ.
        const int base = (p % 8 == c % 8) ? 200 : 0;
        s.pixels.push_back(static_cast<std::uint8_t>(std::min(255, base + px(gen) / 4)));
      }
    }
  }
  return s;
}

void expect_matches_reference(const image_set& s, const feature_params& fp, double tol) {
  const feature_set f = make_features(s, fp);
  const reference ref = reference_features(s, fp);
  ASSERT_EQ(f.active_pixels, ref.active);
  ASSERT_EQ(f.num_features, static_cast<int>(ref.active.size()));
  ASSERT_EQ(f.values.size(), 10u * fp.per_class * f.num_features);
  for (int c = 0; c < 10; ++c) {
    for (int i = 0; i < fp.per_class; ++i) {
      for (int k = 0; k < f.num_features; ++k) {
        ASSERT_NEAR(f.digit(c, i)[k], ref.normalised[c][i][ref.active[k]], tol)
            << "class " << c << " index " << i << " feature " << k;
      }
    }
  }
}

TEST(preprocess, make_features_matches_a_plain_reference_on_synthetic_images) {
  const feature_params fp{
      .per_class = 6, .crop_border = 1, .downsample = 2, .mean_first = 3, .num_features = 4};
  const image_set s = synthetic_set(8);
  expect_matches_reference(s, fp, 1e-5);
  const feature_set f = make_features(s, fp);
  EXPECT_EQ(f.image_rows, 3);
  EXPECT_EQ(f.image_cols, 3);
  // pixel_sum only scales the features.
  feature_params doubled = fp;
  doubled.pixel_sum = 12.0f;
  const feature_set g = make_features(s, doubled);
  ASSERT_EQ(g.active_pixels, f.active_pixels);
  for (std::size_t i = 0; i < f.values.size(); ++i) EXPECT_FLOAT_EQ(g.values[i], 2 * f.values[i]);
}

TEST(preprocess, make_features_needs_per_class_images_of_every_class) {
  const feature_params fp{.per_class = 6, .crop_border = 1, .mean_first = 3, .num_features = 4};
  try {
    make_features(synthetic_set(8, 3), fp);
    ADD_FAILURE() << "no error";
  } catch (const error& e) {
    EXPECT_NE(std::string(e.what()).find("class 3 has 1 images"), std::string::npos) << e.what();
  }
}

// Real MNIST, loaded once for the tests below.
const image_set* real_mnist() {
  static const image_set* cached = []() -> const image_set* {
    const std::filesystem::path dir = KENYON_SOURCE_DIR "/data/cache/mnist";
    if (!std::filesystem::exists(dir / "train-images-idx3-ubyte")) return nullptr;
    return new image_set(load_training_set(dataset_name::mnist, dir));
  }();
  return cached;
}

TEST(preprocess_mnist, gives_85_non_negative_features_summing_to_at_most_6) {
  const image_set* s = real_mnist();
  KENYON_REQUIRE(s, "MNIST not fetched (make deps)");
  const auto start = std::chrono::steady_clock::now();
  const feature_set f = make_features(*s);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  RecordProperty("make_features_seconds", std::to_string(seconds));
  EXPECT_EQ(f.num_features, 85);
  EXPECT_EQ(f.per_class, 1000);
  EXPECT_EQ(f.image_rows, 12);
  EXPECT_EQ(f.image_cols, 12);
  EXPECT_TRUE(std::is_sorted(f.active_pixels.begin(), f.active_pixels.end()));
  EXPECT_EQ(std::set<int>(f.active_pixels.begin(), f.active_pixels.end()).size(), 85u);
  EXPECT_GE(f.active_pixels.front(), 0);
  EXPECT_LT(f.active_pixels.back(), 144);
  // The corners of the downsampled image are blank in every digit.
  for (int corner : {0, 11, 132, 143})
    EXPECT_FALSE(std::binary_search(f.active_pixels.begin(), f.active_pixels.end(), corner));
  // Features are a subset of pixels summing to 6, so their sum is at most 6. It is often
  // exactly 6 (about 19% of digits, whose rectified mass lies wholly on active pixels), so
  // the spec's "< 6" holds only as "<= 6" up to rounding.
  int blank = 0, below = 0;
  for (int c = 0; c < 10; ++c) {
    for (int i = 0; i < 1000; ++i) {
      const float* d = f.digit(c, i);
      float sum = 0;
      for (int k = 0; k < 85; ++k) {
        ASSERT_GE(d[k], 0.0f);
        ASSERT_TRUE(std::isfinite(d[k]));
        sum += d[k];
      }
      EXPECT_LE(sum, 6.0f + 1e-4f) << "class " << c << " index " << i;
      blank += sum == 0.0f;
      below += sum < 5.999f;
    }
  }
  EXPECT_LT(blank, 10);    // almost every digit keeps some feature mass
  EXPECT_GT(below, 5000);  // and most lose some of it to inactive pixels
}

TEST(preprocess_mnist, per_class_load_reads_a_prefix_and_gives_the_same_features) {
  const image_set* s = real_mnist();
  KENYON_REQUIRE(s, "MNIST not fetched (make deps)");
  const std::filesystem::path dir = KENYON_SOURCE_DIR "/data/cache/mnist";
  const image_set part = load_training_set(dataset_name::mnist, dir, 1000);
  EXPECT_LT(part.size(), 60000u);
  EXPECT_LT(part.size(), 15000u);  // about 11k: the 1000th '5' (the rarest digit) comes last
  std::vector<int> counts(10);
  for (auto l : part.labels) ++counts[l];
  for (int c = 0; c < 10; ++c) EXPECT_GE(counts[c], 1000) << "class " << c;
  // The shortest such prefix: without its last image, that image's class has 999.
  EXPECT_EQ(counts[part.labels.back()], 1000);
  ASSERT_EQ(part.pixels.size(), part.size() * 784u);
  EXPECT_TRUE(std::equal(part.pixels.begin(), part.pixels.end(), s->pixels.begin()));
  EXPECT_TRUE(std::equal(part.labels.begin(), part.labels.end(), s->labels.begin()));
  const feature_set a = make_features(*s);
  const feature_set b = make_features(part);
  EXPECT_EQ(a.active_pixels, b.active_pixels);
  EXPECT_EQ(a.per_class, b.per_class);
  EXPECT_EQ(a.values, b.values);  // bit-identical
}

TEST(preprocess_mnist, matches_a_plain_double_precision_reference) {
  const image_set* s = real_mnist();
  KENYON_REQUIRE(s, "MNIST not fetched (make deps)");
  expect_matches_reference(*s, {}, 2e-5);
}

TEST(preprocess_mnist, first_image_of_the_file_by_hand) {
  const image_set* s = real_mnist();
  KENYON_REQUIRE(s, "MNIST not fetched (make deps)");
  // The file's first image is a 5, so it is digit(5, 0). A feature is a positive multiple of
  // (normalised pixel - mean)+: where this digit's 2x2 block (after the 2-pixel crop) is
  // blank the feature must be 0, and where the block is the digit's brightest the normalised
  // value is 1, above any mean-image value short of 1, so the feature must be positive.
  ASSERT_EQ(s->labels[0], 5);
  const feature_set f = make_features(*s);
  const float* d = f.digit(5, 0);
  std::vector<int> block(144, 0);
  for (int r = 0; r < 12; ++r) {
    for (int c = 0; c < 12; ++c) {
      for (int a = 0; a < 2; ++a) {
        for (int b = 0; b < 2; ++b)
          block[r * 12 + c] += s->image(0)[(2 + 2 * r + a) * 28 + 2 + 2 * c + b];
      }
    }
  }
  const int brightest = *std::max_element(block.begin(), block.end());
  int zeros = 0, peaks = 0;
  for (int k = 0; k < f.num_features; ++k) {
    const int p = f.active_pixels[k];
    if (block[p] == 0) {
      EXPECT_EQ(d[k], 0.0f) << "pixel " << p;
      ++zeros;
    }
    if (block[p] == brightest) {
      EXPECT_GT(d[k], 0.0f) << "pixel " << p;
      ++peaks;
    }
  }
  EXPECT_GT(zeros, 0);
  EXPECT_GT(peaks, 0);
}

}  // namespace
}  // namespace kenyon::data

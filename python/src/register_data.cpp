// data/: MNIST-like image sets and MothNet's input pipeline, for kenyon.moth's
// pymoth-named functions (generate_ds_mnist and its steps).
#include <algorithm>
#include <cmath>
#include <optional>
#include <string>

#include "bindings.hpp"
#include "kenyon/core/error.hpp"
#include "kenyon/data/dataset.hpp"
#include "kenyon/data/preprocess.hpp"

namespace kenyon::python {

namespace {

std::optional<std::filesystem::path> optional_path(const std::optional<std::string>& dir) {
  if (!dir || dir->empty()) return std::nullopt;
  return std::filesystem::path(*dir);
}

// Refuses NaN and infinities at the boundary: the pipeline's max and sum normalisations
// would spread them over whole images.
void require_finite(std::span<const double> values, const char* field) {
  for (double v : values)
    if (!std::isfinite(v))
      throw parameter_error(field, "expected finite values, got " + std::to_string(v));
}

py::dict features_to_dict(data::feature_set&& f) {
  py::dict out;
  const std::vector<std::int64_t> shape = {f.num_classes, f.per_class, f.num_features};
  out["values"] = to_numpy(std::move(f.values), shape);
  out["active_pixels"] = f.active_pixels;
  out["image_rows"] = f.image_rows;
  out["image_cols"] = f.image_cols;
  return out;
}

}  // namespace

void register_data(py::module_& m) {
  auto d = m.def_submodule("data", "kenyon::data: IDX image sets and MothNet's input pipeline");

  py::class_<data::feature_params>(d, "FeatureParams", doc("data::feature_params"))
      .def(py::init<>())
      .def_readwrite("per_class", &data::feature_params::per_class)
      .def_readwrite("crop_border", &data::feature_params::crop_border)
      .def_readwrite("downsample", &data::feature_params::downsample)
      .def_readwrite("mean_first", &data::feature_params::mean_first)
      .def_readwrite("pixel_sum", &data::feature_params::pixel_sum)
      .def_readwrite("num_features", &data::feature_params::num_features)
      .def("validate", py::overload_cast<>(&data::feature_params::validate, py::const_));

  d.def(
      "load_training_set",
      [](const std::string& dataset, const std::optional<std::string>& data_dir, int per_class) {
        if (per_class < 0) throw parameter_error("per_class", "expected 0 (all) or more");
        data::image_set set;
        {
          py::gil_scoped_release release;
          set = data::load_training_set(data::parse_dataset_name(dataset), optional_path(data_dir),
                                        static_cast<std::size_t>(per_class));
        }
        const auto n = static_cast<std::int64_t>(set.size());
        auto labels = to_numpy(std::move(set.labels), {n});
        auto images = to_numpy(std::move(set.pixels), {n, set.rows, set.cols});
        return py::make_tuple(images, labels);
      },
      py::arg("dataset") = "mnist", py::arg("data_dir") = py::none(), py::arg("per_class") = 0,
      doc("data::load_training_set"));

  d.def(
      "make_features",
      [](const std::string& dataset, const std::optional<std::string>& data_dir,
         const data::feature_params& params) {
        data::feature_set f;
        {
          py::gil_scoped_release release;
          params.validate();
          const auto images =
              data::load_training_set(data::parse_dataset_name(dataset), optional_path(data_dir),
                                      static_cast<std::size_t>(params.per_class));
          f = data::make_features(images, params);
        }
        return features_to_dict(std::move(f));
      },
      py::arg("dataset") = "mnist", py::arg("data_dir") = py::none(),
      py::arg("params") = data::feature_params{}, doc("data::make_features"));

  // One image after the other: [n, rows, cols] in, [pixels, n] out (pymoth's layout).
  d.def(
      "crop_downsample_vectorize",
      [](const carray<double>& stack, int border, int factor) {
        if (stack.ndim() != 3)
          throw parameter_error("im_stack", "expected a 3-d array [images, rows, cols], got " +
                                                std::to_string(stack.ndim()) + " dimensions");
        if (border < 0) throw parameter_error("crop_val", "expected a non-negative crop");
        if (factor < 1) throw parameter_error("downsample_ratio", "expected at least 1");
        const int n = static_cast<int>(stack.shape(0)), rows = static_cast<int>(stack.shape(1)),
                  cols = static_cast<int>(stack.shape(2));
        if (rows - 2 * border < factor || cols - 2 * border < factor)
          throw parameter_error("crop_val", "the crop leaves no room for one downsampling block");
        if ((rows - 2 * border) % factor || (cols - 2 * border) % factor)
          throw parameter_error("downsample_ratio",
                                "the cropped image size must be a multiple of the ratio");
        const auto in = span_of(stack);
        require_finite(in, "im_stack");
        const int out_rows = (rows - 2 * border) / factor, out_cols = (cols - 2 * border) / factor;
        const int pixels = out_rows * out_cols;
        std::vector<double> out(static_cast<std::size_t>(pixels) * n);
        {
          py::gil_scoped_release release;
          for (int s = 0; s < n; ++s) {
            data::image im{rows, cols, {}};
            const double* src = in.data() + static_cast<std::size_t>(s) * rows * cols;
            im.pixels.assign(src, src + static_cast<std::size_t>(rows) * cols);
            auto small = data::downsample_mean(data::crop(im, border), factor);
            data::normalise_max(small);
            for (int p = 0; p < pixels; ++p)
              out[static_cast<std::size_t>(p) * n + s] = small.pixels[p];
          }
        }
        return to_numpy(std::move(out), {pixels, n});
      },
      py::arg("im_stack"), py::arg("crop_val"), py::arg("downsample_ratio"),
      "Crops `crop_val` pixels from every side, averages downsample_ratio-square blocks and "
      "divides each image by its maximum; returns [pixels, images].");

  d.def(
      "select_active_pixels",
      [](const carray<double>& class_means, int count) {
        if (class_means.ndim() != 2)
          throw parameter_error("feature_array", "expected class means [pixels, classes]");
        const auto pixels = class_means.shape(0), classes = class_means.shape(1);
        if (classes < 1) throw parameter_error("feature_array", "expected at least one class");
        if (count < 1 || count > pixels)
          throw parameter_error("num_features", "expected 1.." + std::to_string(pixels) + ", got " +
                                                    std::to_string(count));
        require_finite(span_of(class_means), "feature_array");
        std::vector<std::vector<float>> means(classes, std::vector<float>(pixels));
        const double* v = class_means.data();
        for (py::ssize_t p = 0; p < pixels; ++p)
          for (py::ssize_t c = 0; c < classes; ++c)
            means[c][p] = static_cast<float>(v[p * classes + c]);
        return data::select_active_pixels(means, count);
      },
      py::arg("class_means"), py::arg("num_features"), doc("data::select_active_pixels"));
}

}  // namespace kenyon::python

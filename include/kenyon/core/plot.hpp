#pragma once
// Small SVG line plots and heatmaps, so that results a person would rather look at (time
// courses, ROC curves, accuracy against training-set size, optimised inputs, saliency maps)
// come out as pictures with no plotting library: any browser opens them.
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace kenyon {

struct plot_series {
  std::string label;
  std::vector<double> x, y;
  std::vector<double> error;  // optional error bars, one per point
  bool dashed = false;
};

struct line_plot {
  std::string title, x_label, y_label;
  std::vector<plot_series> series;
  // Shaded bands along x (e.g. training periods), each with its own caption.
  std::vector<std::pair<double, double>> bands;
  std::string band_label;
  bool fixed_range = false;  // use the ranges below instead of the data's extent
  double x_min = 0, x_max = 1, y_min = 0, y_max = 1;
  bool diagonal = false;  // draw y = x (chance line of a ROC curve)
};

// Renders the plot as a standalone SVG document.
std::string to_svg(const line_plot& plot, int width = 960, int height = 420);

// A grid of coloured cells, e.g. rows = sensory cell groups or neurons, columns = time steps
// or layers, colour = value.
struct heatmap {
  std::string title, x_label, y_label;
  // Either may be empty: then rows and columns are numbered from 0.
  std::vector<std::string> row_labels, column_labels;
  // The shape; 0 takes it from the label count.
  std::size_t rows = 0, columns = 0;
  std::vector<double> values;  // rows x columns, row-major; NaN cells are drawn grey
  // Values of both signs get a scale symmetric around 0 (blue, white at 0, red); otherwise,
  // or when false, a sequential one from white (minimum) to dark blue (maximum).
  bool diverging = true;
  std::string colour_label;  // caption of the colour bar
};

// Renders the heatmap as a standalone SVG document; height 0 chooses one from the row count.
// Throws kenyon::error when the values or labels do not match the shape.
std::string to_svg(const heatmap& map, int width = 960, int height = 0);

}  // namespace kenyon

#pragma once
// Small SVG line plots, so that results a person would rather look at (time courses, ROC
// curves, accuracy against training-set size) come out as pictures with no plotting
// library: any browser opens them.
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

}  // namespace kenyon

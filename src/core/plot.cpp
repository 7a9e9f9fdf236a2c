#include "kenyon/core/plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace kenyon {
namespace {

// A qualitative palette (Tableau 10) that stays readable for ten series.
const char* const palette[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                               "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};

std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

// About five round tick values covering [lo, hi].
std::vector<double> ticks(double lo, double hi) {
  const double span = hi - lo;
  const double raw = span / 5;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = magnitude;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * magnitude >= raw) {
      step = m * magnitude;
      break;
    }
  std::vector<double> out;
  for (double t = std::ceil(lo / step) * step; t <= hi + 1e-9 * span; t += step)
    out.push_back(std::abs(t) < 1e-12 * span ? 0.0 : t);
  return out;
}

}  // namespace

std::string to_svg(const line_plot& plot, int width, int height) {
  double x0 = plot.x_min, x1 = plot.x_max, y0 = plot.y_min, y1 = plot.y_max;
  if (!plot.fixed_range) {
    x0 = y0 = std::numeric_limits<double>::infinity();
    x1 = y1 = -std::numeric_limits<double>::infinity();
    for (const auto& s : plot.series)
      for (std::size_t i = 0; i < s.x.size(); ++i) {
        const double e = i < s.error.size() ? s.error[i] : 0.0;
        x0 = std::min(x0, s.x[i]);
        x1 = std::max(x1, s.x[i]);
        y0 = std::min(y0, s.y[i] - e);
        y1 = std::max(y1, s.y[i] + e);
      }
    if (!std::isfinite(x0)) x0 = 0, x1 = 1, y0 = 0, y1 = 1;
    const double pad = 0.05 * (y1 - y0);
    y0 -= pad;
    y1 += pad;
  }
  if (x1 <= x0) x1 = x0 + 1;
  if (y1 <= y0) y1 = y0 + 1;

  const double left = 70, right = 170, top = 40, bottom = 55;
  const double pw = width - left - right, ph = height - top - bottom;
  auto sx = [&](double x) { return left + (x - x0) / (x1 - x0) * pw; };
  auto sy = [&](double y) { return top + (1 - (y - y0) / (y1 - y0)) * ph; };

  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(width) +
                    "\" height=\"" + std::to_string(height) +
                    "\" font-family=\"sans-serif\" font-size=\"12\">\n"
                    "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  svg += "<text x=\"" + number(left + pw / 2) +
         "\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">" + escape(plot.title) + "</text>\n";
  for (const auto& [a, b] : plot.bands)
    svg += "<rect x=\"" + number(sx(std::max(a, x0))) + "\" y=\"" + number(top) + "\" width=\"" +
           number(std::max(0.5, sx(std::min(b, x1)) - sx(std::max(a, x0)))) + "\" height=\"" +
           number(ph) + "\" fill=\"#f2e6ff\"/>\n";
  // Axes, grid and ticks.
  for (double t : ticks(x0, x1))
    svg += "<line x1=\"" + number(sx(t)) + "\" x2=\"" + number(sx(t)) + "\" y1=\"" + number(top) +
           "\" y2=\"" + number(top + ph) + "\" stroke=\"#e6e6e6\"/>\n<text x=\"" + number(sx(t)) +
           "\" y=\"" + number(top + ph + 16) + "\" text-anchor=\"middle\">" + number(t) +
           "</text>\n";
  for (double t : ticks(y0, y1))
    svg += "<line x1=\"" + number(left) + "\" x2=\"" + number(left + pw) + "\" y1=\"" +
           number(sy(t)) + "\" y2=\"" + number(sy(t)) + "\" stroke=\"#e6e6e6\"/>\n<text x=\"" +
           number(left - 6) + "\" y=\"" + number(sy(t) + 4) + "\" text-anchor=\"end\">" +
           number(t) + "</text>\n";
  svg += "<rect x=\"" + number(left) + "\" y=\"" + number(top) + "\" width=\"" + number(pw) +
         "\" height=\"" + number(ph) + "\" fill=\"none\" stroke=\"black\"/>\n";
  svg += "<text x=\"" + number(left + pw / 2) + "\" y=\"" + number(height - 12.0) +
         "\" text-anchor=\"middle\">" + escape(plot.x_label) + "</text>\n";
  svg += "<text transform=\"translate(18," + number(top + ph / 2) +
         ") rotate(-90)\" text-anchor=\"middle\">" + escape(plot.y_label) + "</text>\n";
  if (plot.diagonal)
    svg += "<line x1=\"" + number(sx(x0)) + "\" y1=\"" + number(sy(x0)) + "\" x2=\"" +
           number(sx(x1)) + "\" y2=\"" + number(sy(x1)) +
           "\" stroke=\"#999\" stroke-dasharray=\"4 4\"/>\n";

  // Series, clipped to the plot area, and the legend.
  svg += "<clipPath id=\"area\"><rect x=\"" + number(left) + "\" y=\"" + number(top) +
         "\" width=\"" + number(pw) + "\" height=\"" + number(ph) + "\"/></clipPath>\n";
  for (std::size_t k = 0; k < plot.series.size(); ++k) {
    const auto& s = plot.series[k];
    const std::string color = palette[k % std::size(palette)];
    std::string points;
    for (std::size_t i = 0; i < s.x.size(); ++i)
      points += number(sx(s.x[i])) + "," + number(sy(s.y[i])) + " ";
    svg += "<polyline clip-path=\"url(#area)\" fill=\"none\" stroke=\"" + color +
           "\" stroke-width=\"1.5\"" + (s.dashed ? " stroke-dasharray=\"6 3\"" : "") +
           " points=\"" + points + "\"/>\n";
    for (std::size_t i = 0; i < s.error.size() && i < s.x.size(); ++i)
      svg += "<line x1=\"" + number(sx(s.x[i])) + "\" x2=\"" + number(sx(s.x[i])) + "\" y1=\"" +
             number(sy(s.y[i] - s.error[i])) + "\" y2=\"" + number(sy(s.y[i] + s.error[i])) +
             "\" stroke=\"" + color + "\"/>\n<circle cx=\"" + number(sx(s.x[i])) + "\" cy=\"" +
             number(sy(s.y[i])) + "\" r=\"3\" fill=\"" + color + "\"/>\n";
    const double ly = top + 14 + 18.0 * static_cast<double>(k);
    svg += "<line x1=\"" + number(left + pw + 12) + "\" x2=\"" + number(left + pw + 36) +
           "\" y1=\"" + number(ly - 4) + "\" y2=\"" + number(ly - 4) + "\" stroke=\"" + color +
           "\" stroke-width=\"2\"" + (s.dashed ? " stroke-dasharray=\"6 3\"" : "") +
           "/>\n<text x=\"" + number(left + pw + 42) + "\" y=\"" + number(ly) + "\">" +
           escape(s.label) + "</text>\n";
  }
  if (!plot.bands.empty() && !plot.band_label.empty()) {
    const double ly = top + 14 + 18.0 * static_cast<double>(plot.series.size());
    svg += "<rect x=\"" + number(left + pw + 12) + "\" y=\"" + number(ly - 10) +
           "\" width=\"24\" height=\"10\" fill=\"#f2e6ff\"/>\n<text x=\"" + number(left + pw + 42) +
           "\" y=\"" + number(ly) + "\">" + escape(plot.band_label) + "</text>\n";
  }
  return svg + "</svg>\n";
}

}  // namespace kenyon

#include "kenyon/core/plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "kenyon/core/error.hpp"

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

// Pixel coordinates to 0.01 px; %g would switch to exponents on tall figures.
std::string coordinate(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  std::string out = buf;
  out.erase(out.find_last_not_of('0') + 1);
  if (out.back() == '.') out.pop_back();
  return out == "-0" ? "0" : out;
}

// Rough rendered width of a label: enough to size margins and to thin labels out.
double text_width(const std::string& text, double font_size) {
  const auto glyphs = std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xc0) != 0x80;
  });
  return 0.6 * font_size * static_cast<double>(glyphs);
}

// Label every step-th row or column so that each label gets `needed` pixels.
std::size_t label_step(double needed, double available) {
  return std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(needed / available - 1e-9)));
}

// ColorBrewer ramps (RdBu halves, Blues), each starting at white so that 0 on a diverging
// scale and the minimum on a sequential one read as "nothing".
using ramp = unsigned[5];
constexpr ramp blue_ramp = {0xffffff, 0xd1e5f0, 0x92c5de, 0x4393c3, 0x2166ac};
constexpr ramp red_ramp = {0xffffff, 0xfddbc7, 0xf4a582, 0xd6604d, 0xb2182b};
constexpr ramp sequential_ramp = {0xffffff, 0xc6dbef, 0x6baed6, 0x2171b5, 0x08306b};
const char* const missing_colour = "#b0b0b0";

std::string ramp_colour(const ramp& stops, double t) {
  const double at = std::clamp(t, 0.0, 1.0) * 4;
  const int k = std::min(static_cast<int>(at), 3);
  const double f = at - k;
  long channel[3];
  for (int c = 0; c < 3; ++c) {
    const int shift = 16 - 8 * c;
    const double a = (stops[k] >> shift) & 0xff, b = (stops[k + 1] >> shift) & 0xff;
    channel[c] = std::lround(a + f * (b - a));
  }
  char buf[8];
  std::snprintf(buf, sizeof buf, "#%02lx%02lx%02lx", channel[0], channel[1], channel[2]);
  return buf;
}

struct colour_scale {
  bool diverging;
  double lo, hi;  // symmetric around 0 when diverging

  std::string operator()(double v) const {
    if (std::isnan(v)) return missing_colour;
    if (diverging) return v < 0 ? ramp_colour(blue_ramp, v / lo) : ramp_colour(red_ramp, v / hi);
    return ramp_colour(sequential_ramp, (v - lo) / (hi - lo));
  }
};

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

std::string to_svg(const heatmap& map, int width, int height) {
  const std::size_t rows = map.rows ? map.rows : map.row_labels.size();
  const std::size_t columns = map.columns ? map.columns : map.column_labels.size();
  if (!map.row_labels.empty() && map.row_labels.size() != rows)
    throw error("heatmap: " + std::to_string(map.row_labels.size()) + " row labels for " +
                std::to_string(rows) + " rows");
  if (!map.column_labels.empty() && map.column_labels.size() != columns)
    throw error("heatmap: " + std::to_string(map.column_labels.size()) + " column labels for " +
                std::to_string(columns) + " columns");
  if (map.values.size() != rows * columns)
    throw error("heatmap: " + std::to_string(map.values.size()) + " values for " +
                std::to_string(rows) + " x " + std::to_string(columns) + " cells");

  // The colour range covers the finite values; infinities take the ends of the scale.
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  bool any_missing = false;
  for (double v : map.values) {
    if (std::isfinite(v)) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    } else if (std::isnan(v)) {
      any_missing = true;
    }
  }
  if (!std::isfinite(lo)) lo = 0, hi = 1;
  const bool diverging = map.diverging && lo < 0 && hi > 0;
  if (diverging) {
    hi = std::max(-lo, hi);
    lo = -hi;
  } else if (hi <= lo) {
    hi = lo + 1;
  }
  const colour_scale colour{diverging, lo, hi};
  std::vector<double> bar_ticks = {lo, hi};
  if (diverging) bar_ticks.push_back(0);
  double tick_width = 0;
  for (double t : bar_ticks) tick_width = std::max(tick_width, text_width(number(t), 11));

  auto row_label = [&](std::size_t i) {
    return map.row_labels.empty() ? std::to_string(i) : map.row_labels[i];
  };
  auto column_label = [&](std::size_t j) {
    return map.column_labels.empty() ? std::to_string(j) : map.column_labels[j];
  };
  const double label_size = 11;
  double row_label_width = 0, column_label_width = 0;
  for (std::size_t i = 0; i < rows; ++i)
    row_label_width = std::max(row_label_width, text_width(row_label(i), label_size));
  for (std::size_t j = 0; j < columns; ++j)
    column_label_width = std::max(column_label_width, text_width(column_label(j), label_size));

  const double top = map.title.empty() ? 16 : 40;
  const double left = (map.y_label.empty() ? 8 : 28) + std::min(row_label_width, 240.0) + 8;
  // Colour bar, its tick labels and its caption.
  const double bar_gap = 16, bar_w = 14;
  const double right = bar_gap + bar_w + 7 + tick_width + (map.colour_label.empty() ? 0 : 18) + 8;
  const double pw = std::max(width - left - right, 20.0);
  const double cell_w = pw / static_cast<double>(std::max<std::size_t>(columns, 1));
  // Short labels (numbers) stay horizontal and are thinned out; longer ones that do not fit
  // their column turn vertical.
  const bool vertical =
      column_label_width + 6 > cell_w && column_label_width > text_width("0000", label_size);
  const std::size_t column_step =
      label_step(vertical ? label_size + 1 : column_label_width + 6, cell_w);
  const double bottom =
      (vertical ? std::min(column_label_width, 160.0) + 10 : 18) + (map.x_label.empty() ? 6 : 26);
  const double r = static_cast<double>(rows);
  const double ph = height > 0 ? std::max(height - top - bottom, 20.0)
                               : std::clamp(18 * r, 160.0, std::max(720.0, 2 * r));
  const double cell_h = ph / std::max(r, 1.0);
  const std::size_t row_step = label_step(label_size + 1, cell_h);
  const double total_w = left + pw + right, total_h = top + ph + bottom;

  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + coordinate(total_w) +
                    "\" height=\"" + coordinate(total_h) +
                    "\" font-family=\"sans-serif\" font-size=\"12\">\n"
                    "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  if (!map.title.empty())
    svg += "<text x=\"" + coordinate(left + pw / 2) +
           "\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">" + escape(map.title) + "</text>\n";

  // Cells are unit squares in a scaled grid, so that each costs few bytes; crispEdges avoids
  // hairline seams between neighbours.
  char scale[64];
  std::snprintf(scale, sizeof scale, "%.9g,%.9g", cell_w, cell_h);
  svg += "<g transform=\"translate(" + coordinate(left) + "," + coordinate(top) + ") scale(" +
         scale + ")\" shape-rendering=\"crispEdges\">\n";
  for (std::size_t i = 0; i < rows; ++i) {
    for (std::size_t j = 0; j < columns; ++j)
      svg += "<rect x=\"" + std::to_string(j) + "\" y=\"" + std::to_string(i) +
             "\" width=\"1\" height=\"1\" fill=\"" + colour(map.values[i * columns + j]) + "\"/>";
    svg += "\n";
  }
  svg += "</g>\n<rect x=\"" + coordinate(left) + "\" y=\"" + coordinate(top) + "\" width=\"" +
         coordinate(pw) + "\" height=\"" + coordinate(ph) + "\" fill=\"none\" stroke=\"#333\"/>\n";

  // Row labels on the left, column labels below.
  svg += "<g font-size=\"11\" text-anchor=\"end\">\n";
  for (std::size_t i = 0; i < rows; i += row_step)
    svg += "<text x=\"" + coordinate(left - 4) + "\" y=\"" +
           coordinate(top + (static_cast<double>(i) + 0.5) * cell_h + 4) + "\">" +
           escape(row_label(i)) + "</text>\n";
  svg += "</g>\n";
  svg +=
      std::string("<g font-size=\"11\" text-anchor=\"") + (vertical ? "end" : "middle") + "\">\n";
  for (std::size_t j = 0; j < columns; j += column_step) {
    const double x = left + (static_cast<double>(j) + 0.5) * cell_w;
    svg += vertical ? "<text transform=\"translate(" + coordinate(x + 4) + "," +
                          coordinate(top + ph + 6) + ") rotate(-90)\">"
                    : "<text x=\"" + coordinate(x) + "\" y=\"" + coordinate(top + ph + 15) + "\">";
    svg += escape(column_label(j)) + "</text>\n";
  }
  svg += "</g>\n";
  if (!map.x_label.empty())
    svg += "<text x=\"" + coordinate(left + pw / 2) + "\" y=\"" + coordinate(total_h - 10) +
           "\" text-anchor=\"middle\">" + escape(map.x_label) + "</text>\n";
  if (!map.y_label.empty())
    svg += "<text transform=\"translate(16," + coordinate(top + ph / 2) +
           ") rotate(-90)\" text-anchor=\"middle\">" + escape(map.y_label) + "</text>\n";

  // Colour bar: a gradient through the same colours as the cells, maximum at the top.
  const double bar_x = left + pw + bar_gap, bar_h = std::min(ph, 320.0);
  svg += "<defs><linearGradient id=\"colour-scale\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">\n";
  for (int k = 0; k <= 8; ++k)
    svg += "<stop offset=\"" + number(k / 8.0) + "\" stop-color=\"" +
           colour(lo + (hi - lo) * k / 8.0) + "\"/>\n";
  svg += "</linearGradient></defs>\n<rect x=\"" + coordinate(bar_x) + "\" y=\"" + coordinate(top) +
         "\" width=\"" + coordinate(bar_w) + "\" height=\"" + coordinate(bar_h) +
         "\" fill=\"url(#colour-scale)\" stroke=\"#333\"/>\n";
  svg += "<g font-size=\"11\">\n";
  for (double t : bar_ticks) {
    const double y = top + bar_h * (1 - (t - lo) / (hi - lo));
    svg += "<line x1=\"" + coordinate(bar_x + bar_w) + "\" x2=\"" + coordinate(bar_x + bar_w + 4) +
           "\" y1=\"" + coordinate(y) + "\" y2=\"" + coordinate(y) +
           "\" stroke=\"#333\"/>\n<text x=\"" + coordinate(bar_x + bar_w + 7) + "\" y=\"" +
           coordinate(y + 4) + "\">" + number(t) + "</text>\n";
  }
  if (any_missing)
    svg += "<rect x=\"" + coordinate(bar_x) + "\" y=\"" + coordinate(top + bar_h + 12) +
           "\" width=\"" + coordinate(bar_w) + "\" height=\"10\" fill=\"" + missing_colour +
           "\" stroke=\"#333\"/>\n<text x=\"" + coordinate(bar_x + bar_w + 7) + "\" y=\"" +
           coordinate(top + bar_h + 21) + "\">NaN</text>\n";
  svg += "</g>\n";
  if (!map.colour_label.empty())
    svg += "<text transform=\"translate(" + coordinate(bar_x + bar_w + 7 + tick_width + 16) + "," +
           coordinate(top + bar_h / 2) + ") rotate(-90)\" text-anchor=\"middle\">" +
           escape(map.colour_label) + "</text>\n";
  return svg + "</svg>\n";
}

}  // namespace kenyon

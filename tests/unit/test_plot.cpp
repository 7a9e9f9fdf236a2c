#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "kenyon/core/error.hpp"
#include "kenyon/core/plot.hpp"

namespace kenyon {
namespace {

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(plot, svg_has_one_polyline_per_series_a_legend_and_escaped_text) {
  line_plot p;
  p.title = "a < b & c";
  p.x_label = "time (s)";
  p.y_label = "rate";
  p.series.push_back({"EN 0", {0, 1, 2}, {0, 1, 4}, {}, false});
  p.series.push_back({"EN <1>", {0, 1, 2}, {1, 1, 1}, {0.5, 0.5, 0.5}, true});
  p.bands.emplace_back(0.5, 1.5);
  p.band_label = "training";
  const auto svg = to_svg(p, 400, 300);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  EXPECT_EQ(count(svg, "<polyline"), 2);
  EXPECT_EQ(count(svg, "<circle"), 3);  // error-bar markers of the second series only
  EXPECT_NE(svg.find("a &lt; b &amp; c"), std::string::npos);
  EXPECT_NE(svg.find("EN &lt;1&gt;"), std::string::npos);
  EXPECT_EQ(svg.find("EN <1>"), std::string::npos);
  EXPECT_NE(svg.find(">training<"), std::string::npos);
  EXPECT_NE(svg.find("stroke-dasharray"), std::string::npos);
}

TEST(plot, points_map_into_the_plot_area) {
  line_plot p;
  p.fixed_range = true;  // [0, 1] x [0, 1]
  p.series.push_back({"s", {0, 1}, {0, 1}, {}, false});
  const auto svg = to_svg(p, 400, 300);
  // Plot area: x from 70 to 400 - 170 = 230, y from 40 to 300 - 55 = 245, y upwards.
  EXPECT_NE(svg.find("points=\"70,245 230,40 \""), std::string::npos) << svg;
}

TEST(plot, empty_and_flat_data_do_not_divide_by_zero) {
  line_plot p;
  EXPECT_EQ(to_svg(p).find("nan"), std::string::npos);
  p.series.push_back({"flat", {3, 3}, {2, 2}, {}, false});
  const auto svg = to_svg(p);
  EXPECT_EQ(svg.find("nan"), std::string::npos);
  EXPECT_EQ(svg.find("inf"), std::string::npos);
}

// The cell group: everything between its opening tag and the next </g>.
std::string cells(const std::string& svg) {
  const auto begin = svg.find("shape-rendering=\"crispEdges\">");
  EXPECT_NE(begin, std::string::npos);
  return svg.substr(begin, svg.find("</g>", begin) - begin);
}

// The fill of each cell rect, in document (row-major) order.
std::vector<std::string> fills(const std::string& svg) {
  const auto group = cells(svg);
  std::vector<std::string> out;
  for (auto at = group.find("<rect"); at != std::string::npos; at = group.find("<rect", at + 1)) {
    const auto fill = group.find("fill=\"", at) + 6;
    out.push_back(group.substr(fill, group.find('"', fill) - fill));
  }
  return out;
}

// The colour at the top of the colour bar: the extreme of the scale.
std::string scale_top(const std::string& svg) {
  const auto stop = svg.find("<stop offset=\"1\" stop-color=\"");
  EXPECT_NE(stop, std::string::npos);
  const auto at = svg.find("stop-color=\"", stop) + 12;
  return svg.substr(at, svg.find('"', at) - at);
}

bool is_grey(const std::string& colour) {
  return colour.size() == 7 && colour[0] == '#' && colour.substr(1, 2) == colour.substr(3, 2) &&
         colour.substr(1, 2) == colour.substr(5, 2) && colour != "#ffffff";
}

void expect_well_formed(const std::string& svg) {
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  ASSERT_GE(svg.size(), 7u);
  EXPECT_EQ(svg.substr(svg.size() - 7), "</svg>\n");
  EXPECT_EQ(count(svg, "<g ") + count(svg, "<g>"), count(svg, "</g>"));
  EXPECT_EQ(count(svg, "<text"), count(svg, "</text>"));
  EXPECT_EQ(svg.find("nan"), std::string::npos);
  EXPECT_EQ(svg.find("inf"), std::string::npos);
}

heatmap small_map() {
  heatmap m;
  m.title = "saliency <x> & \"y\"";
  m.x_label = "time step";
  m.y_label = "neuron";
  m.colour_label = "d out / d in";
  m.row_labels = {"PN <0>", "PN & 1"};
  m.column_labels = {"t0", "t1", "t2"};
  m.values = {-0.5, 0.0, 1.0, std::numeric_limits<double>::quiet_NaN(), 0.25, -1.0};
  return m;
}

TEST(plot_heatmap, svg_is_well_formed_with_one_rect_per_cell) {
  const auto svg = to_svg(small_map());
  expect_well_formed(svg);
  EXPECT_EQ(count(cells(svg), "<rect"), 6);
  EXPECT_EQ(fills(svg).size(), 6u);
  EXPECT_NE(svg.find(">t2<"), std::string::npos);
  EXPECT_NE(svg.find(">time step<"), std::string::npos);
  EXPECT_NE(svg.find("url(#colour-scale)"), std::string::npos);
  EXPECT_NE(svg.find(">NaN<"), std::string::npos);  // legend for the grey cells
}

TEST(plot_heatmap, text_is_escaped) {
  const auto svg = to_svg(small_map());
  EXPECT_NE(svg.find("saliency &lt;x&gt; &amp; &quot;y&quot;"), std::string::npos);
  EXPECT_NE(svg.find(">PN &lt;0&gt;<"), std::string::npos);
  EXPECT_NE(svg.find(">PN &amp; 1<"), std::string::npos);
  EXPECT_EQ(svg.find("PN <0>"), std::string::npos);
  EXPECT_EQ(svg.find("& 1"), std::string::npos);
}

TEST(plot_heatmap, diverging_scale_is_white_at_zero_and_extreme_at_the_largest_magnitude) {
  const auto svg = to_svg(small_map());
  const auto f = fills(svg);
  ASSERT_EQ(f.size(), 6u);
  EXPECT_EQ(f[1], "#ffffff");       // 0
  EXPECT_EQ(f[2], scale_top(svg));  // 1, the maximum
  EXPECT_NE(f[2], "#ffffff");
  EXPECT_TRUE(is_grey(f[3])) << f[3];  // NaN
  EXPECT_NE(f[5], f[2]);               // -1: the other end of the scale
  EXPECT_NE(f[0], f[5]);               // -0.5 is paler than -1
  EXPECT_NE(f[0], "#ffffff");
  // Ticks at both ends and at 0.
  EXPECT_NE(svg.find(">-1</text>"), std::string::npos);
  EXPECT_NE(svg.find(">0</text>"), std::string::npos);
  EXPECT_NE(svg.find(">1</text>"), std::string::npos);
}

TEST(plot_heatmap, one_signed_values_get_a_sequential_scale_from_white) {
  heatmap m;
  m.rows = 1;
  m.columns = 3;
  m.values = {2, 3, 4};
  const auto svg = to_svg(m);
  expect_well_formed(svg);
  const auto f = fills(svg);
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0], "#ffffff");  // minimum
  EXPECT_EQ(f[2], scale_top(svg));
  EXPECT_NE(f[1], f[0]);
  EXPECT_NE(f[1], f[2]);
  EXPECT_NE(svg.find(">2</text>"), std::string::npos);
  EXPECT_NE(svg.find(">4</text>"), std::string::npos);

  // Mixed signs with diverging off: the minimum is white, not 0.
  m.values = {-1, 0, 1};
  m.diverging = false;
  const auto sequential = to_svg(m);
  EXPECT_EQ(fills(sequential)[0], "#ffffff");
  EXPECT_NE(fills(sequential)[1], "#ffffff");
  EXPECT_EQ(fills(sequential)[2], scale_top(sequential));
}

TEST(plot_heatmap, flat_empty_and_non_finite_data_stay_finite) {
  heatmap m;
  m.rows = 2;
  m.columns = 2;
  m.values = {0, 0, 0, 0};
  expect_well_formed(to_svg(m));
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  m.values = {nan, nan, inf, -inf};
  const auto svg = to_svg(m);
  expect_well_formed(svg);
  EXPECT_TRUE(is_grey(fills(svg)[0]));
  heatmap empty;
  expect_well_formed(to_svg(empty));
  EXPECT_EQ(count(cells(to_svg(empty)), "<rect"), 0);
}

TEST(plot_heatmap, large_maps_stay_compact_deterministic_and_thin_out_row_labels) {
  heatmap m;
  m.rows = 500;
  m.columns = 10;
  for (std::size_t i = 0; i < m.rows * m.columns; ++i)
    m.values.push_back(std::sin(static_cast<double>(i)));
  const auto svg = to_svg(m);
  expect_well_formed(svg);
  EXPECT_EQ(count(cells(svg), "<rect"), 5000);
  EXPECT_LT(svg.size(), 300000u);
  EXPECT_EQ(svg, to_svg(m));
  const auto row_text = count(svg, "<text x=") - 10;  // less the column labels
  EXPECT_GE(row_text, 30);
  EXPECT_LE(row_text, 100);
  EXPECT_NE(svg.find(">0</text>"), std::string::npos);  // rows numbered when unlabelled

  // A given height is honoured.
  EXPECT_NE(to_svg(m, 600, 400).find("width=\"600\" height=\"400\""), std::string::npos);
}

TEST(plot_heatmap, shape_mismatches_throw) {
  heatmap m;
  m.rows = 2;
  m.columns = 3;
  m.values = {1, 2, 3, 4, 5};
  EXPECT_THROW(to_svg(m), error);
  m.values.push_back(6);
  EXPECT_NO_THROW(to_svg(m));
  m.row_labels = {"a", "b", "c"};
  EXPECT_THROW(to_svg(m), error);
  m.row_labels = {"a", "b"};
  m.column_labels = {"x"};
  EXPECT_THROW(to_svg(m), error);
  // The shape can come from the labels alone.
  heatmap labelled;
  labelled.row_labels = {"a", "b"};
  labelled.column_labels = {"x", "y", "z"};
  labelled.values = {1, 2, 3, 4, 5, 6};
  EXPECT_NO_THROW(to_svg(labelled));
  labelled.values.pop_back();
  EXPECT_THROW(to_svg(labelled), error);
}

}  // namespace
}  // namespace kenyon

#include <gtest/gtest.h>

#include <string>

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

}  // namespace
}  // namespace kenyon

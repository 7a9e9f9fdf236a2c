// Saliency and get_gradients against connectome_interpreter (manifest cases sal_default,
// sal_groups, get_gradients), within rtol 1e-4 / atol 1e-6.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "kenyon/core/error.hpp"
#include "kenyon/ratenet/attribution.hpp"
#include "reference_case.hpp"

namespace kenyon::ratenet {
namespace {

using test::allclose;
using test::reference_floats;

network default_network() {
  network_params p;
  p.num_layers = 6;
  return network(test::reference_weights(), test::reference_sensory(), p);
}

network grouped_network() {
  return network(test::reference_weights(), test::reference_sensory(), test::grouped_params());
}

// connectome_interpreter's neurons_of_interest {5: [200, 201], 3: [100]}, in every item.
const auto of_interest =
    target_activation::same_for_all({{5, {{200, 1.0}, {201, 1.0}}}, {3, {{100, 1.0}}}});

void expect_saliency(const network& net, const std::string& name) {
  const auto x3 = reference_floats("X3"), x2 = reference_floats("X2");
  const std::vector<std::int64_t> s3{3, 40, 6}, s2{1, 40, 6};
  EXPECT_EQ(allclose(saliency(net, {x3, s3}, of_interest), reference_floats(name + "_vanilla"),
                     1e-4, 1e-6),
            "");
  EXPECT_EQ(allclose(saliency(net, {x3, s3}, of_interest, attribution_method::input_x_gradient),
                     reference_floats(name + "_ixg"), 1e-4, 1e-6),
            "");
  EXPECT_EQ(allclose(saliency(net, {x3, s3}, of_interest, attribution_method::vanilla, true),
                     reference_floats(name + "_vanilla_norm"), 1e-4, 1e-6),
            "");
  EXPECT_EQ(allclose(saliency(net, {x2, s2}, of_interest), reference_floats(name + "_vanilla_2d"),
                     1e-4, 1e-6),
            "");
}

TEST(ratenet_attribution, saliency_matches_reference) {
  expect_saliency(default_network(), "sal_default");
}

TEST(ratenet_attribution, saliency_with_groups_matches_reference) {
  expect_saliency(grouped_network(), "sal_groups");
}

// The reference CSV as (labels, values), empty cells as NaN.
gradient_table read_reference_table(const std::string& name) {
  std::ifstream in(test::reference_dir() / (name + ".csv"));
  gradient_table t;
  std::string line;
  std::getline(in, line);
  std::stringstream header(line);
  std::string cell;
  std::getline(header, cell, ',');
  std::getline(header, cell, ',');
  while (std::getline(header, cell, ',')) t.layers.push_back(std::stoi(cell.substr(5)));
  while (std::getline(in, line)) {
    std::stringstream row(line + ",");
    std::getline(row, cell, ',');
    t.group.push_back(cell);
    std::getline(row, cell, ',');
    t.batch_name.push_back(cell);
    std::vector<double> v;
    for (std::size_t k = 0; k < t.layers.size(); ++k) {
      std::getline(row, cell, ',');
      v.push_back(cell.empty() ? std::nan("") : std::stod(cell));
    }
    t.values.push_back(v);
  }
  return t;
}

void expect_table(const gradient_table& got, const std::string& name) {
  const auto want = read_reference_table(name);
  ASSERT_EQ(got.layers, want.layers) << name;
  ASSERT_EQ(got.group, want.group) << name;
  ASSERT_EQ(got.batch_name, want.batch_name) << name;
  for (std::size_t r = 0; r < want.values.size(); ++r)
    for (std::size_t c = 0; c < want.layers.size(); ++c) {
      const double g = got.values[r][c], w = want.values[r][c];
      if (std::isnan(w)) {
        EXPECT_TRUE(std::isnan(g)) << name << " row " << r << " column " << c;
      } else {
        EXPECT_NEAR(g, w, 1e-6 + 1e-4 * std::abs(w)) << name << " row " << r << " column " << c;
      }
    }
  // And the CSV text parses back to the same table.
  EXPECT_NE(got.to_table().to_csv().find("group,batch_name,time_"), std::string::npos);
}

TEST(ratenet_attribution, gradients_by_group_match_reference) {
  const auto net = grouped_network();
  const auto x3 = reference_floats("X3");
  gradient_params p;
  p.monitor = {std::string("S0"), std::string("S1"), std::string("G0"), std::string("G2"),
               std::string("G3")};
  p.targets.add(std::nullopt, 5, net.members(std::string("G8")), 1);
  p.checkpoint_interval = 2;
  expect_table(get_gradients(net, {x3, {3, 40, 6}}, p), "gg_groups");

  gradient_params q;
  q.monitor = {std::string("S0"), std::string("G0"), std::string("G3")};
  q.targets.add(std::nullopt, 4, net.members(std::string("G8")), 1);
  q.targets.add(std::nullopt, 5, net.members(std::string("G9")), 1);
  q.monitor_layers = {0, 2, 3};
  q.normalize_per_layer = true;
  expect_table(get_gradients(net, {x3, {3, 40, 6}}, q), "gg_norm");
}

TEST(ratenet_attribution, gradients_by_neuron_match_reference) {
  const auto net = default_network();
  const auto x3 = reference_floats("X3");
  gradient_params p;
  p.monitor = {std::int64_t{0}, std::int64_t{5}, std::int64_t{50}, std::int64_t{100}};
  p.targets = target_activation::same_for_all({{5, {{200, 1}, {201, 1}}}});
  expect_table(get_gradients(net, {x3, {3, 40, 6}}, p), "gg_nogroups");
  p.method = attribution_method::input_x_gradient;
  p.monitor_layers = {0, 3};
  expect_table(get_gradients(net, {x3, {3, 40, 6}}, p), "gg_ixg");
}

// The original crashes here (input x gradient with groups); kenyon multiplies each group's
// summed gradient by the group's mean activity.
TEST(ratenet_attribution, input_x_gradient_with_groups_works) {
  const auto net = grouped_network();
  const auto x3 = reference_floats("X3");
  gradient_params p;
  p.monitor = {std::string("S0"), std::string("G0")};
  p.targets.add(std::nullopt, 5, net.members(std::string("G8")), 1);
  const auto plain = get_gradients(net, {x3, {3, 40, 6}}, p);
  p.method = attribution_method::input_x_gradient;
  const auto ixg = get_gradients(net, {x3, {3, 40, 6}}, p);
  const auto activity = net.forward({x3, {3, 40, 6}});
  const auto g0 = net.group_members("G0");
  double mean = 0;  // batch_0, layer 2
  for (auto i : g0) mean += activity[static_cast<std::size_t>(i * 6 + 2)];
  mean /= static_cast<double>(g0.size());
  // Row 0 is G0/batch_0 in both tables.
  ASSERT_EQ(ixg.group[0], "G0");
  EXPECT_NEAR(ixg.values[0][2], plain.values[0][2] * mean, 1e-9);
}

TEST(ratenet_attribution, unknown_items_are_named) {
  const auto net = grouped_network();
  const auto x3 = reference_floats("X3");
  gradient_params p;
  p.monitor = {std::string("nope")};
  p.targets = target_activation::same_for_all({{5, {{200, 1}}}});
  try {
    get_gradients(net, {x3, {3, 40, 6}}, p);
    FAIL();
  } catch (const unknown_name_error& e) {
    EXPECT_EQ(e.name(), "nope");
  }
  p.monitor = {std::string("G0")};
  p.targets = target_activation::same_for_all({{9, {{200, 1}}}});
  try {
    get_gradients(net, {x3, {3, 40, 6}}, p);
    FAIL();
  } catch (const item_error& e) {
    EXPECT_EQ(e.layer(), 9);
    EXPECT_EQ(e.neuron(), 200);
    EXPECT_NE(std::string(e.what()).find("layer outside 0..5"), std::string::npos) << e.what();
  }
  // A target in one batch item only: the mean runs over that item's entries alone, so the
  // other items' rows are zero and item 1's is the every-item gradient times the batch size.
  p.targets = target_activation::same_for_all({{5, {{200, 1}}}});
  const auto all_items = get_gradients(net, {x3, {3, 40, 6}}, p);
  p.targets = {{{1, 5, 200, 1.0}}, 1};
  const auto item_1 = get_gradients(net, {x3, {3, 40, 6}}, p);
  ASSERT_EQ(item_1.batch_name[1], "batch_1");
  for (std::size_t c = 0; c < item_1.layers.size(); ++c) {
    EXPECT_EQ(item_1.values[0][c], 0.0) << c;
    EXPECT_EQ(item_1.values[2][c], 0.0) << c;
    EXPECT_NEAR(item_1.values[1][c], 3 * all_items.values[1][c],
                1e-6 * (1 + std::abs(all_items.values[1][c])))
        << c;
  }
  EXPECT_THROW(saliency(net, {x3, {3, 40, 6}}, target_activation::same_for_all({{5, {{300, 1}}}})),
               error);
  // A neuron of interest in one batch item only: the other items get no gradient.
  const auto only_1 = saliency(net, {x3, {3, 40, 6}}, {{{1, 5, 200, 1.0}}, 3});
  const auto every =
      saliency(net, {x3, {3, 40, 6}}, target_activation::same_for_all({{5, {{200, 1}}}}));
  const std::size_t per_item = 40 * 6;
  for (std::size_t k = 0; k < per_item; ++k) {
    EXPECT_EQ(only_1[k], 0.0f);
    EXPECT_EQ(only_1[per_item + k], every[per_item + k]);
    EXPECT_EQ(only_1[2 * per_item + k], 0.0f);
  }
  EXPECT_THROW(saliency(net, {x3, {3, 40, 6}}, {{{3, 5, 200, 1.0}}, 3}), error);  // item 3
  EXPECT_THROW(parse_attribution_method("smoothgrad"), parameter_error);
}

}  // namespace
}  // namespace kenyon::ratenet

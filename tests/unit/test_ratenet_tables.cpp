// Path and activation tables against connectome_interpreter's outputs (case "helpers": the
// h_*.csv tables), the sparse group connectivity against a dense oracle, the CSV format,
// the neuroglancer state and the argument checks.
#include <gtest/gtest.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "kenyon/core/error.hpp"
#include "kenyon/core/files.hpp"
#include "kenyon/core/npy.hpp"
#include "kenyon/core/table.hpp"
#include "kenyon/ratenet/activation_summary.hpp"
#include "kenyon/ratenet/neuroglancer.hpp"
#include "kenyon/ratenet/path_tables.hpp"
#include "kenyon/sparse/csr.hpp"
#include "reference_case.hpp"
#include "seed.hpp"
#include "temp_dir.hpp"

namespace kenyon::ratenet {
namespace {

using kenyon::test::message_of;

namespace fs = std::filesystem;

// The outputs are float32 in the original and double here: a few float32 ulps apart.
constexpr double rtol = 1e-5, atol = 1e-7;

struct helpers_case {
  sparse::csr_matrix inprop = test::reference_inprop();
  std::vector<std::int64_t> sensory = test::reference_sensory();
  std::vector<std::string> group = test::reference_groups();
  npy_array input_npy = test::reference_npy("h_input_from_df");  // (2, 40, 6)
  npy_array output_npy = test::reference_npy("h_Y");             // (2, 300, 6)
  std::vector<float> input = input_npy.values<float>(), output = output_npy.values<float>();

  array_view<const float> input3() const { return {input, input_npy.shape}; }
  array_view<const float> output3() const { return {output, output_npy.shape}; }
  // Batch item 0 as a 2-D array.
  array_view<const float> input2() const {
    return {std::span<const float>(input).first(40 * 6), {40, 6}};
  }
  array_view<const float> output2() const {
    return {std::span<const float>(output).first(300 * 6), {300, 6}};
  }
};

const helpers_case& reference() {
  static const helpers_case c;
  return c;
}

bool parse_number(const std::string& s, double& v) {
  const auto res = std::from_chars(s.data(), s.data() + s.size(), v);
  return !s.empty() && res.ec == std::errc() && res.ptr == s.data() + s.size();
}

// Compares `got` with a reference CSV cell by cell, in order: the header exactly, numbers
// within rtol/atol (as numpy.allclose), everything else as text. Returns the first
// difference, or "" if none.
std::string compare_with_csv(const table& got, const std::string& name) {
  std::vector<std::vector<std::string>> ref;
  read_csv_records(test::reference_dir() / name,
                   [&](std::size_t, std::vector<std::string>& f) { ref.push_back(f); });
  if (ref.empty()) return "empty reference";
  if (got.columns != ref[0]) {
    std::string cols;
    for (const auto& c : got.columns) cols += c + ",";
    return "columns differ: got " + cols;
  }
  if (got.rows.size() + 1 != ref.size())
    return "rows differ: got " + std::to_string(got.rows.size()) + ", reference " +
           std::to_string(ref.size() - 1);
  for (std::size_t r = 0; r < got.rows.size(); ++r)
    for (std::size_t c = 0; c < got.columns.size(); ++c) {
      const auto text = format_cell(got.rows[r][c]);
      const auto& want = ref[r + 1][c];
      double a = 0, b = 0;
      const bool same = parse_number(text, a) && parse_number(want, b)
                            ? std::abs(a - b) <= atol + rtol * std::abs(b)
                            : text == want;
      if (!same)
        return "row " + std::to_string(r) + ", column " + got.columns[c] + ": got " + text +
               ", reference " + want;
    }
  return "";
}

// The reference path (layers 1..3 of h_activations_to_df, pre and post as integers), as
// the reference script hands it to get_activations_for_path.
table reference_path() {
  const auto a2d = read_table_csv(test::reference_dir() / "h_activations_to_df.csv");
  table path;
  path.columns = {"pre", "post", "weight", "layer"};
  for (const auto& row : a2d.rows)
    if (std::get<std::int64_t>(row[3]) <= 3) path.rows.push_back({row[0], row[1], row[2], row[3]});
  return path;
}

// ---------------------------------------------------------------- reference tables

TEST(ratenet_tables, activations_to_df_reproduces_the_reference) {
  const auto& c = reference();
  const auto got = activations_to_df(c.inprop, c.input2(), c.output2(), c.sensory,
                                     {.activation_threshold = 0.3, .connectivity_threshold = 0.05});
  EXPECT_EQ(compare_with_csv(got, "h_activations_to_df.csv"), "");
  EXPECT_TRUE(got.warnings.empty());
}

TEST(ratenet_tables, activations_to_df_batched_reproduces_the_reference) {
  const auto& c = reference();
  const auto got = activations_to_df_batched(
      c.inprop, c.input3(), c.output3(), c.sensory,
      {.inidx_mapping = c.group, .activation_threshold = 0.3, .connectivity_threshold = 0.01});
  EXPECT_EQ(compare_with_csv(got, "h_activations_to_df_batched.csv"), "");
}

TEST(ratenet_tables, get_activations_for_path_reproduces_the_reference) {
  const auto& c = reference();
  const auto got = get_activations_for_path(reference_path(), c.output2(), c.input2(), c.sensory);
  EXPECT_EQ(compare_with_csv(got, "h_get_activations_for_path.csv"), "");
}

TEST(ratenet_tables, activated_path_for_ngl_reproduces_the_reference) {
  const auto path = read_table_csv(test::reference_dir() / "h_get_activations_for_path.csv");
  EXPECT_EQ(compare_with_csv(activated_path_for_ngl(path), "h_activated_path_for_ngl.csv"), "");
}

TEST(ratenet_tables, get_neuron_activation_reproduces_the_reference) {
  const auto& c = reference();
  const std::vector<std::string> batches{"odourA", "odourB"};
  const std::vector<std::int64_t> neurons3{0, 1, 2, 100, 101, 200};
  EXPECT_EQ(compare_with_csv(get_neuron_activation(c.output3(), neurons3, batches, c.group),
                             "h_get_neuron_activation_3d.csv"),
            "");
  const std::vector<std::int64_t> neurons2{0, 1, 100, 101};
  EXPECT_EQ(compare_with_csv(get_neuron_activation(c.output2(), neurons2),
                             "h_get_neuron_activation_2d.csv"),
            "");
}

TEST(ratenet_tables, get_input_activation_reproduces_the_reference) {
  const auto& c = reference();
  EXPECT_EQ(compare_with_csv(get_input_activation(c.input3(), c.sensory, c.group,
                                                  {.activation_threshold = 0.1,
                                                   .batch_names = {"odourA", "odourB"}}),
                             "h_get_input_activation_3d.csv"),
            "");
  std::vector<std::int64_t> first15(15);
  std::iota(first15.begin(), first15.end(), std::int64_t{0});
  EXPECT_EQ(compare_with_csv(
                get_input_activation(c.input2(), c.sensory, c.group, {.selected_indices = first15}),
                "h_get_input_activation_2d.csv"),
            "");
}

std::vector<std::int64_t> column_map() {
  std::vector<std::int64_t> col(300);
  for (std::size_t i = 0; i < col.size(); ++i) col[i] = static_cast<std::int64_t>(i % 5);
  return col;
}

TEST(ratenet_tables, activity_by_column_reproduces_the_reference) {
  const auto& c = reference();
  const std::vector<std::string> selected{"G2", "S1"};
  EXPECT_EQ(compare_with_csv(activity_by_column(c.output2(), c.group, column_map(), selected),
                             "h_activity_by_column.csv"),
            "");
}

// The original fails here (KeyError 'group'); the fix adds time step 0 from the input.
TEST(ratenet_tables, activity_by_column_with_model_input_adds_time_step_zero) {
  const auto& c = reference();
  const std::vector<std::string> selected{"G2", "S1"};
  const auto plain = activity_by_column(c.output2(), c.group, column_map(), selected);
  // Batch item 1 (odourB) drives S1 with 1.0 at time 0.
  const array_view<const float> input{std::span<const float>(c.input).subspan(40 * 6, 40 * 6),
                                      {40, 6}};
  const array_view<const float> output{std::span<const float>(c.output).subspan(300 * 6, 300 * 6),
                                       {300, 6}};
  const auto with_input =
      activity_by_column(output, c.group, column_map(), selected, input, c.sensory);
  const auto without_input = activity_by_column(output, c.group, column_map(), selected);
  ASSERT_EQ(with_input.size(), without_input.size() + 5);  // S1's 5 columns; G2 has no input
  for (std::size_t r = 0; r < 5; ++r) {
    EXPECT_EQ(std::get<std::int64_t>(with_input.at(r, "time_step")), 0);
    EXPECT_EQ(std::get<std::string>(with_input.at(r, "cell_group")), "S1");
    EXPECT_EQ(std::get<std::string>(with_input.at(r, "time_point")), "time_0");
    EXPECT_DOUBLE_EQ(std::get<double>(with_input.at(r, "normalised_column")), r / 4.0);
    EXPECT_DOUBLE_EQ(std::get<double>(with_input.at(r, "activation")), 1.0);
  }
  for (std::size_t r = 0; r < without_input.size(); ++r)
    EXPECT_EQ(with_input.rows[r + 5], without_input.rows[r]) << "row " << r;
  EXPECT_EQ(plain.size(), without_input.size());
}

// ---------------------------------------------------------------- path table semantics

using edge_key = std::tuple<std::string, std::string, std::int64_t, std::int64_t>;

// (pre, post, layer, batch) -> weight.
std::map<edge_key, double> edges_of(const table& t) {
  std::map<edge_key, double> e;
  const bool batched = t.columns.size() == 7;
  for (const auto& row : t.rows)
    e[{std::get<std::string>(row[0]), std::get<std::string>(row[1]), std::get<std::int64_t>(row[3]),
       batched ? std::get<std::int64_t>(row[6]) : 0}] = std::get<double>(row[2]);
  return e;
}

// Both variants weigh a pair of groups over all of their neurons; they differ only in
// which rows survive the 1e-3 display threshold, which cannot matter once the
// connectivity threshold is at least 1e-3. (Row order differs: one sort per layer.)
TEST(ratenet_tables, low_ram_gives_the_same_edges_as_high_ram) {
  const auto& c = reference();
  path_table_options o{.activation_threshold = 0.3, .connectivity_threshold = 0.05};
  const auto high = activations_to_df(c.inprop, c.input2(), c.output2(), c.sensory, o);
  o.high_ram = false;
  const auto low = activations_to_df(c.inprop, c.input2(), c.output2(), c.sensory, o);
  EXPECT_EQ(edges_of(high), edges_of(low));

  path_table_options g{
      .inidx_mapping = c.group, .activation_threshold = 0.3, .connectivity_threshold = 0.01};
  const auto high_g = activations_to_df_batched(c.inprop, c.input3(), c.output3(), c.sensory, g);
  g.high_ram = false;
  const auto low_g = activations_to_df_batched(c.inprop, c.input3(), c.output3(), c.sensory, g);
  EXPECT_EQ(edges_of(high_g), edges_of(low_g));
}

// Dense oracle: a group weight is the sum over the pre group's neurons, averaged over the
// post group's neurons; with no activation threshold every neuron counts as active in
// every layer (the sensory ones too), so each layer holds every connected pair, except
// layer 1, whose presynaptic side is the input.
TEST(ratenet_tables, group_weights_match_a_dense_oracle) {
  const std::int64_t n = 60, ns = 8, layers = 4;
  std::mt19937_64 rng(kenyon::test::test_seed(7));
  std::uniform_real_distribution<float> u(0, 1);
  std::vector<float> dense(static_cast<std::size_t>(n * n), 0);
  std::vector<std::int64_t> row, col;
  std::vector<float> val;
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = ns; j < n; ++j)
      if (i != j && u(rng) < 0.15) {
        const float w = 0.05f + 0.3f * u(rng);
        dense[static_cast<std::size_t>(i * n + j)] = w;
        row.push_back(i);
        col.push_back(j);
        val.push_back(w);
      }
  const auto inprop = sparse::from_triplets(n, n, row, col, val);
  std::vector<std::string> group(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    std::string name(1, i < ns ? 's' : 'g');
    name.append(std::to_string(i < ns ? i / 4 : i % 7));
    group[static_cast<std::size_t>(i)] = std::move(name);
  }
  std::map<std::pair<std::string, std::string>, double> oracle;
  std::map<std::string, int> size;
  for (const auto& g : group) ++size[g];
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = 0; j < n; ++j)
      if (dense[static_cast<std::size_t>(i * n + j)] != 0)
        oracle[{group[static_cast<std::size_t>(i)], group[static_cast<std::size_t>(j)]}] +=
            dense[static_cast<std::size_t>(i * n + j)] / size[group[static_cast<std::size_t>(j)]];
  std::size_t expected_rows = 0;  // layer 1 starts from the input: sensory groups only
  for (const auto& [pair, w] : oracle)
    expected_rows += static_cast<std::size_t>(pair.first[0] == 's' ? layers : layers - 1);

  std::vector<float> input(static_cast<std::size_t>(ns * 2)),
      out(static_cast<std::size_t>(n * layers));
  for (auto& x : input) x = u(rng);
  for (auto& x : out) x = u(rng);
  std::vector<std::int64_t> sensory(static_cast<std::size_t>(ns));
  std::iota(sensory.begin(), sensory.end(), std::int64_t{0});
  for (bool high_ram : {true, false}) {
    const auto got = activations_to_df(inprop, {input, {ns, 2}}, {out, {n, layers}}, sensory,
                                       {.inidx_mapping = group, .high_ram = high_ram});
    EXPECT_EQ(got.size(), expected_rows);
    EXPECT_TRUE(got.warnings.empty());
    for (const auto& r : got.rows) {
      const auto& pre = std::get<std::string>(r[0]);
      const auto& post = std::get<std::string>(r[1]);
      if (std::get<std::int64_t>(r[3]) == 1) {
        EXPECT_EQ(pre[0], 's');
      }
      EXPECT_NEAR(std::get<double>(r[2]), (oracle[{pre, post}]), 1e-6) << pre << " -> " << post;
    }
  }
}

TEST(ratenet_tables, layers_without_edges_are_skipped_with_a_warning) {
  // 0 (sensory) -> 1 -> 2; neuron 2 is silent in the last layer.
  const std::vector<std::int64_t> row{0, 1}, col{1, 2};
  const std::vector<float> val{0.5f, 0.8f};
  const auto inprop = sparse::from_triplets(3, 3, row, col, val);
  const std::vector<float> input{1, 0};
  const std::vector<float> out{0,    0,    0,  //
                               0.9f, 0.9f, 0, 0, 0.9f, 0};
  const std::vector<std::int64_t> sensory{0};
  const auto got = activations_to_df(inprop, {input, {1, 2}}, {out, {3, 3}}, sensory,
                                     {.activation_threshold = 0.5});
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got.rows[0], (std::vector<cell>{std::string("0"), std::string("1"), 0.5,
                                            std::int64_t{1}, 1.0, double(0.9f)}));
  EXPECT_EQ(std::get<std::int64_t>(got.rows[1][3]), 2);
  ASSERT_EQ(got.warnings.size(), 1u);
  EXPECT_EQ(got.warnings[0], "No connections found in layer 3.");
  // Nothing active at all.
  EXPECT_NE(message_of<parameter_error>([&] {
              activations_to_df(inprop, {input, {1, 2}}, {out, {3, 3}}, sensory,
                                {.activation_threshold = 0.95});
            }).find("activation_threshold"),
            std::string::npos);
}

TEST(ratenet_tables, get_activations_for_path_shifts_layers_and_takes_groups) {
  const auto& c = reference();
  table path;
  path.columns = {"pre", "post", "layer"};
  path.rows = {{std::string("G3"), std::string("G0"), std::int64_t{1}},
               {std::string("S0"), std::string("G3"), std::int64_t{0}}};
  const auto got = get_activations_for_path(path, c.output2(), c.input2(), c.sensory, c.group, 1);
  ASSERT_EQ(got.size(), 2u);
  // Layer 0 + 1 = 1 comes first: S0's input at time 0 (1.0), G3's mean at layer 0.
  EXPECT_EQ(std::get<std::int64_t>(got.rows[0][2]), 0);
  EXPECT_DOUBLE_EQ(std::get<double>(got.at(0, "pre_activation")), 1.0);
  auto mean = [&](const std::string& g, std::int64_t l) {
    double s = 0;
    int k = 0;
    for (std::int64_t i = 0; i < 300; ++i)
      if (c.group[static_cast<std::size_t>(i)] == g) {
        s += c.output[static_cast<std::size_t>(i * 6 + l)];
        ++k;
      }
    return s / k;
  };
  EXPECT_NEAR(std::get<double>(got.at(0, "post_activation")), mean("G3", 0), 1e-12);
  EXPECT_NEAR(std::get<double>(got.at(1, "pre_activation")), mean("G3", 0), 1e-12);
  EXPECT_NEAR(std::get<double>(got.at(1, "post_activation")), mean("G0", 1), 1e-12);
  // A layer past the end.
  path.rows[0][2] = std::int64_t{6};
  EXPECT_NE(message_of<parameter_error>([&] {
              get_activations_for_path(path, c.output2(), c.input2(), c.sensory, c.group, 1);
            }).find("outside 1..6"),
            std::string::npos);
}

TEST(ratenet_tables, activated_path_for_ngl_maps_external_ids) {
  const auto path = read_table_csv(test::reference_dir() / "h_get_activations_for_path.csv");
  std::vector<std::int64_t> ids(300);
  for (std::size_t i = 0; i < ids.size(); ++i)
    ids[i] = 720575940600000000 + static_cast<std::int64_t>(i);
  const auto plain = activated_path_for_ngl(path);
  const auto mapped = activated_path_for_ngl(path, ids);
  ASSERT_EQ(plain.size(), mapped.size());
  for (std::size_t r = 0; r < plain.size(); ++r)
    EXPECT_EQ(std::get<std::int64_t>(mapped.rows[r][0]),
              720575940600000000 + std::get<std::int64_t>(plain.rows[r][0]));
  table grouped;
  grouped.columns = {"pre", "post", "layer", "pre_activation", "post_activation"};
  grouped.rows = {{std::string("G1"), std::string("G2"), std::int64_t{1}, 0.5, 0.5}};
  EXPECT_THROW(activated_path_for_ngl(grouped), parameter_error);
}

// ---------------------------------------------------------------- neuroglancer

TEST(ratenet_tables, ngl_state_has_one_segmentation_layer_per_layer) {
  table t;
  t.columns = {"neuron_id", "layer", "activation"};
  t.rows = {{std::int64_t{720575940612345678}, std::int64_t{1}, 1.0},
            {std::int64_t{5}, std::int64_t{2}, 0.0},
            {std::int64_t{6}, std::int64_t{2}, 0.5}};
  const auto state = ngl_state(t, {.source = "precomputed://gs://example", .color_saturation = 0});
  EXPECT_EQ(state["layout"], "3d");
  ASSERT_EQ(state["layers"].size(), 2u);
  const auto& l1 = state["layers"][0];
  EXPECT_EQ(l1["type"], "segmentation");
  EXPECT_EQ(l1["source"], "precomputed://gs://example");
  EXPECT_EQ(l1["name"], "layer 1");
  EXPECT_EQ(l1["segments"], nlohmann::json::array({"720575940612345678"}));
  EXPECT_EQ(l1["segmentColors"]["720575940612345678"], "#d62728");  // the largest activation
  EXPECT_EQ(l1["visible"], true);
  const auto& l2 = state["layers"][1];
  EXPECT_EQ(l2["segments"], nlohmann::json::array({"5", "6"}));
  EXPECT_EQ(l2["segmentColors"]["5"], "#ffffff");  // activation 0, no saturation offset
  EXPECT_EQ(l2["segmentColors"]["6"], "#eb9394");  // half way
  EXPECT_EQ(l2["visible"], false);
  const auto url = ngl_url(state, "https://ngl.example/");
  EXPECT_EQ(url.rfind("https://ngl.example/#!%7B%22layers%22", 0), 0u) << url;
  EXPECT_EQ(url.find('"'), std::string::npos);
  EXPECT_THROW(ngl_state(t, {.high_color = "red"}), parameter_error);
}

// ---------------------------------------------------------------- the table type

TEST(ratenet_tables, to_csv_writes_like_pandas) {
  table t;
  t.columns = {"name", "n", "x"};
  t.rows = {{std::string("a"), std::int64_t{-3}, 1.0},
            {std::string("b,c"), std::int64_t{0}, 0.25},
            {std::string("say \"hi\""), std::int64_t{7}, 1e-5},
            {std::string(""), std::int64_t{1}, 1.5e16},
            {std::string("z"), std::int64_t{2}, std::nan("")},
            {std::string("y"), std::int64_t{2}, -0.0},
            {std::string("w"), std::int64_t{2}, 0.1 + 0.2},
            {std::string("v"), std::int64_t{2}, 123456789012345.6},
            {std::string("u"), std::int64_t{2}, 0.0001}};
  EXPECT_EQ(t.to_csv(),
            "name,n,x\n"
            "a,-3,1.0\n"
            "\"b,c\",0,0.25\n"
            "\"say \"\"hi\"\"\",7,1e-05\n"
            ",1,1.5e+16\n"
            "z,2,\n"
            "y,2,-0.0\n"
            "w,2,0.30000000000000004\n"
            "v,2,123456789012345.6\n"
            "u,2,0.0001\n");
}

class ratenet_tables_files : public test::temporary_folder_test {};

TEST_F(ratenet_tables_files, read_table_csv_round_trips_and_infers_types) {
  table t;
  t.columns = {"pre", "post", "weight", "layer"};
  t.rows = {{std::string("S0"), std::string("3"), 0.1, std::int64_t{1}},
            {std::string("G1"), std::string("4"), std::nan(""), std::int64_t{2}}};
  const auto p = dir_ / "t.csv";
  std::ofstream(p) << t.to_csv();
  const auto back = read_table_csv(p);
  EXPECT_EQ(back.columns, t.columns);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back.rows[0][0], cell(std::string("S0")));
  EXPECT_EQ(back.rows[0][1], cell(std::int64_t{3}));  // digits only: integers, as pandas
  EXPECT_EQ(back.rows[0][2], cell(0.1));
  EXPECT_TRUE(std::isnan(std::get<double>(back.rows[1][2])));
  EXPECT_EQ(back.rows[1][3], cell(std::int64_t{2}));
  std::ofstream(dir_ / "bad.csv") << "a,b\n1\n";
  EXPECT_THROW(read_table_csv(dir_ / "bad.csv"), file_error);
  EXPECT_THROW(t.column("nope"), error);
}

// ---------------------------------------------------------------- argument checks

TEST(ratenet_tables, bad_arguments_name_the_argument) {
  const auto& c = reference();
  auto field_of = [](auto&& f) {
    try {
      f();
    } catch (const parameter_error& e) {
      return e.field();
    }
    return std::string("no error");
  };
  // Shapes.
  EXPECT_EQ(field_of([&] { activations_to_df(c.inprop, c.input3(), c.output2(), c.sensory); }),
            "model_input");
  EXPECT_EQ(field_of([&] {
              activations_to_df(c.inprop, c.input2(), {c.output, {300, 5}}, c.sensory);
            }),
            "out");
  EXPECT_EQ(field_of([&] {
              activations_to_df_batched(c.inprop, c.input3(),
                                        {std::span<const float>(c.output).first(1800), {1, 300, 6}},
                                        c.sensory);
            }),
            "out");
  // Indices.
  auto sensory = c.sensory;
  sensory[3] = 300;
  EXPECT_EQ(field_of([&] { activations_to_df(c.inprop, c.input2(), c.output2(), sensory); }),
            "sensory_indices");
  sensory[3] = 2;
  EXPECT_EQ(field_of([&] { activations_to_df(c.inprop, c.input2(), c.output2(), sensory); }),
            "sensory_indices");
  const std::vector<std::int64_t> bad_neuron{0, 300};
  EXPECT_EQ(field_of([&] { get_neuron_activation(c.output2(), bad_neuron); }), "neuron_indices");
  EXPECT_EQ(field_of([&] {
              const std::vector<std::string> one{"x"};
              get_neuron_activation(c.output3(), std::vector<std::int64_t>{0}, one);
            }),
            "batch_names");
  EXPECT_EQ(field_of([&] {
              get_input_activation(c.input2(), c.sensory, c.group, {.selected_indices = {100}});
            }),
            "selected_indices");
  const std::vector<std::string> short_groups(10, "G");
  EXPECT_EQ(field_of([&] {
              activations_to_df(c.inprop, c.input2(), c.output2(), c.sensory,
                                {.inidx_mapping = short_groups});
            }),
            "inidx_mapping");
  // NaN.
  auto out = c.output;
  out[17] = std::nanf("");
  EXPECT_EQ(field_of([&] {
              activations_to_df(c.inprop, c.input2(),
                                {std::span<const float>(out).first(1800), {300, 6}}, c.sensory);
            }),
            "out");
  EXPECT_EQ(field_of([&] {
              get_neuron_activation({out, {2, 300, 6}}, std::vector<std::int64_t>{0});
            }),
            "activations");
  // activity_by_column.
  const std::vector<std::string> unknown{"nope"};
  try {
    activity_by_column(c.output2(), c.group, column_map(), unknown);
    ADD_FAILURE() << "no error for an unknown group";
  } catch (const unknown_name_error& e) {
    EXPECT_EQ(e.name(), "nope");
    EXPECT_EQ(e.kind(), "group");
  }
  const std::vector<std::string> s1{"S1"};
  EXPECT_EQ(
      field_of([&] { activity_by_column(c.output2(), c.group, column_map(), s1, c.input2()); }),
      "sensory_indices");
}

}  // namespace
}  // namespace kenyon::ratenet

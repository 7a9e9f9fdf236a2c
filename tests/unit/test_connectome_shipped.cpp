// The shipped connectomes (data/connectomes): their counts against their READMEs, and the
// flyvis expansion against values worked out here from the JSON.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "kenyon/connectome/shipped.hpp"
#include "kenyon/core/error.hpp"
#include "temp_dir.hpp"

namespace kenyon::connectome {
namespace {

// Entry (pre, post) of a CSR matrix, or nullopt if absent.
std::optional<float> entry(const sparse::csr_matrix& m, std::int64_t pre, std::int64_t post) {
  const auto first = m.col.begin() + m.row_begin[static_cast<std::size_t>(pre)];
  const auto last = m.col.begin() + m.row_begin[static_cast<std::size_t>(pre) + 1];
  const auto it = std::lower_bound(first, last, static_cast<std::int32_t>(post));
  if (it == last || *it != post) return std::nullopt;
  return m.value[static_cast<std::size_t>(it - m.col.begin())];
}

std::vector<double> column_sums(const sparse::csr_matrix& m) {
  std::vector<double> sums(static_cast<std::size_t>(m.cols), 0.0);
  for (std::size_t k = 0; k < m.value.size(); ++k)
    sums[static_cast<std::size_t>(m.col[k])] += m.value[k];
  return sums;
}

std::int64_t count_type(const connectome& c, const std::string& type) {
  return std::count(c.neurons.type.begin(), c.neurons.type.end(), type);
}

std::int64_t count_class(const connectome& c, const std::string& cell_class) {
  return std::count(c.neurons.cell_class.begin(), c.neurons.cell_class.end(), cell_class);
}

// The neurons whose class is `cell_class`, ascending.
std::vector<std::int64_t> of_class(const connectome& c, const std::string& cell_class) {
  std::vector<std::int64_t> out;
  for (std::int64_t i = 0; i < c.size(); ++i)
    if (c.neurons.cell_class[static_cast<std::size_t>(i)] == cell_class) out.push_back(i);
  return out;
}

// The flyvis lattice column of (u, v): its position in the enumeration u = -e..e,
// v = max(-e, -e - u)..min(e, e - u).
std::int64_t column_of(int u, int v, int e) {
  std::int64_t column = 0;
  for (int uu = -e; uu <= e; ++uu)
    for (int vv = std::max(-e, -e - uu); vv <= std::min(e, e - uu); ++vv, ++column)
      if (uu == u && vv == v) return column;
  return -1;
}

// The cell of `type` in `column`.
std::int64_t cell(const connectome& c, const std::string& type, std::int64_t column) {
  for (std::int64_t i = 0; i < c.size(); ++i)
    if (c.neurons.type[static_cast<std::size_t>(i)] == type &&
        c.neurons.column[static_cast<std::size_t>(i)] == column)
      return i;
  return -1;
}

// load_options built field by field: its vector and map members have no default member
// initialisers, so designated initialisers would draw -Wmissing-field-initializers.
load_options at_least(double min_synapses, bool input_proportion = true) {
  load_options o;
  o.min_synapses = min_synapses;
  o.input_proportion = input_proportion;
  return o;
}
load_options counts_only() { return at_least(0, false); }
load_options in_neuropil(const std::string& neuropil) {
  load_options o;
  o.neuropils = {neuropil};
  return o;
}

std::filesystem::path flyvis_json() { return shipped_dir() / "flyvis" / "fib25-fib19_v2.2.json"; }

nlohmann::json flyvis_spec() {
  std::ifstream in(flyvis_json());
  return nlohmann::json::parse(in);
}

// Sets an environment variable for one scope and restores it afterwards.
class scoped_env {
 public:
  scoped_env(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~scoped_env() {
    if (old_)
      ::setenv(name_, old_->c_str(), 1);
    else
      ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(ShippedConnectome, NamesAndUnknownName) {
  EXPECT_EQ(shipped_names(), (std::vector<std::string>{"larva", "flyvis", "hemibrain-mb"}));
  try {
    load_shipped("hemibrain");
    FAIL() << "expected kenyon::error";
  } catch (const error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("hemibrain"), std::string::npos) << what;
    EXPECT_NE(what.find("larva"), std::string::npos) << what;
    EXPECT_NE(what.find("flyvis"), std::string::npos) << what;
  }
}

TEST(ShippedConnectome, DirectoryHoldsTheFiles) {
  EXPECT_TRUE(std::filesystem::is_regular_file(shipped_dir() / "larva" / "edges.csv.gz"));
  EXPECT_TRUE(std::filesystem::is_regular_file(shipped_dir() / "larva" / "neurons.csv.gz"));
  EXPECT_TRUE(std::filesystem::is_regular_file(flyvis_json()));
}

class ShippedConnectomeDir : public test::temporary_folder_test {};

TEST_F(ShippedConnectomeDir, EnvironmentOverridesAndMissingFilesAreFileErrors) {
  const scoped_env env("KENYON_CONNECTOME_DIR", dir_.string());
  EXPECT_EQ(shipped_dir(), dir_);
  EXPECT_THROW(load_shipped("larva"), file_error);
  EXPECT_THROW(load_shipped("flyvis"), file_error);
}

// Counts from data/connectomes/larva/README.md.
TEST(ShippedConnectome, Larva) {
  const auto c = load_shipped("larva");
  EXPECT_NO_THROW(c.validate());
  EXPECT_EQ(c.name, "larva");
  EXPECT_EQ(c.size(), 2952);
  EXPECT_EQ(c.inprop.nonzeros(), 110677);
  EXPECT_TRUE(c.edge_sign.empty());

  // Input proportions: every neuron with inputs receives exactly 1.
  const auto sums = column_sums(c.inprop);
  std::int64_t with_inputs = 0;
  for (double s : sums)
    if (s > 0) {
      ++with_inputs;
      EXPECT_NEAR(s, 1.0, 1e-5);
    }
  EXPECT_EQ(with_inputs, 2894);

  // Classes: the annotations' cell types, as the types were before the sensory neurons and
  // the PNs were typed by modality.
  ASSERT_TRUE(c.neurons.has_classes());
  EXPECT_EQ(count_class(c, "sensory"), 430);
  EXPECT_EQ(count_class(c, "PN"), 206);
  EXPECT_EQ(count_class(c, "PN-somato"), 152);
  EXPECT_EQ(count_class(c, "KC"), 144);
  EXPECT_EQ(count_class(c, "MBON"), 48);
  EXPECT_EQ(count_class(c, "LN"), 108);
  EXPECT_EQ(count_class(c, "ascending"), 46);
  EXPECT_EQ(count_class(c, "APL"), 2);
  EXPECT_EQ(std::set<std::string>(c.neurons.cell_class.begin(), c.neurons.cell_class.end()).size(),
            20u);
  EXPECT_EQ(count_type(c, "sensory"), 0);
  EXPECT_EQ(count_type(c, "PN"), 0);
  EXPECT_EQ(count_type(c, "KC"), 144);
  EXPECT_EQ(count_type(c, "MBON"), 0);  // typed by name: 24 left/right pairs
  for (const auto& t : c.types_of_class("MBON")) EXPECT_EQ(count_type(c, t), 2) << t;
  EXPECT_EQ(c.types_of_class("MBON").size(), 24u);
  EXPECT_EQ(count_type(c, "MBE2a"), 2);
  EXPECT_EQ(count_type(c, "MBIN"), 28);
  EXPECT_EQ(count_type(c, "LHN"), 202);
  EXPECT_EQ(count_type(c, "DN-VNC"), 182);
  EXPECT_EQ(count_type(c, "APL"), 2);
  EXPECT_EQ(count_type(c, "other"), 343);
  EXPECT_EQ(count_type(c, "unannotated"), 2);
  EXPECT_EQ(c.select("MBON").size(), 48u);
  EXPECT_EQ(c.sensory_indices().size(), 430u);
  for (std::int64_t i : c.sensory_indices()) EXPECT_EQ(c.neurons.cell_class[i], "sensory");

  // The types by modality, per class (the README's table).
  const std::map<std::string, std::map<std::string, std::int64_t>> by_modality = {
      {"sensory",
       {{"gustatory-external", 131},
        {"gustatory-pharyngeal", 107},
        {"gut", 85},
        {"ORN", 42},
        {"respiratory", 26},
        {"photoRh6", 19},
        {"photoRh5", 10},
        {"thermo-cold", 6},
        {"thermo-warm", 4}}},
      {"PN",
       {{"PN-gustatory", 84},
        {"PN-multimodal", 44},
        {"PN-olfactory", 42},
        {"PN-visual", 18},
        {"PN-gut", 8},
        {"PN-thermo", 8},
        {"PN-respiratory", 2}}},
      {"PN-somato",
       {{"PN-noci", 68},
        {"PN-mechano-Ch", 48},
        {"PN-proprio", 22},
        {"PN-somato-multimodal", 8},
        {"PN-mechano-II-III", 6}}}};
  for (const auto& [cell_class, types] : by_modality) {
    std::int64_t total = 0;
    for (const auto& [type, count] : types) {
      EXPECT_EQ(count_type(c, type), count) << type;
      total += count;
      for (auto i : c.select(type)) EXPECT_EQ(c.neurons.cell_class[i], cell_class) << type;
    }
    // The types cover their class, and the class's name selects all of it.
    EXPECT_EQ(total, count_class(c, cell_class)) << cell_class;
    EXPECT_EQ(c.types_of_class(cell_class).size(), types.size()) << cell_class;
    EXPECT_EQ(c.select(cell_class), of_class(c, cell_class)) << cell_class;
  }
  // Every other neuron's type is its class, but for the MBONs (typed by name, above).
  for (std::int64_t i = 0; i < c.size(); ++i) {
    if (!by_modality.contains(c.neurons.cell_class[i]) && c.neurons.cell_class[i] != "MBON") {
      EXPECT_EQ(c.neurons.type[i], c.neurons.cell_class[i]) << c.neurons.id[i];
    }
  }
  // The old selectors: sensory names the sensory neurons, PN the 206 PNs.
  EXPECT_EQ(c.select("sensory"), c.sensory_indices());
  EXPECT_EQ(c.select("PN").size(), 206u);
  EXPECT_TRUE(c.is_class("sensory"));
  EXPECT_FALSE(c.is_class("KC"));  // a type too: the type
  // Patterns reach the types before the classes: "PN-*" is every typed PN.
  EXPECT_EQ(c.select("PN-*").size(), 206u + 152u);
  EXPECT_EQ(std::count(c.neurons.side.begin(), c.neurons.side.end(), "left"), 1471);
  EXPECT_EQ(std::count(c.neurons.side.begin(), c.neurons.side.end(), "right"), 1479);

  // The two APLs (one per side) are the only inhibitory neurons.
  const auto index = c.id_to_index();
  for (std::int64_t apl : {15571194, 3234817}) {
    ASSERT_TRUE(index.count(apl));
    EXPECT_EQ(c.neurons.type[index.at(apl)], "APL");
    EXPECT_EQ(c.neurons.sign[index.at(apl)], -1);
  }
  EXPECT_EQ(std::count(c.neurons.sign.begin(), c.neurons.sign.end(), -1), 2);
}

// Counts from data/connectomes/hemibrain-mb/README.md.
TEST(ShippedConnectome, HemibrainMushroomBody) {
  const auto c = load_shipped("hemibrain-mb");
  EXPECT_NO_THROW(c.validate());
  EXPECT_EQ(c.name, "hemibrain-mb");
  EXPECT_EQ(c.size(), 2096);
  EXPECT_EQ(c.inprop.nonzeros(), 43784);
  EXPECT_EQ(c.sensory_indices().size(), 119u);
  for (std::int64_t i : c.sensory_indices())
    EXPECT_TRUE(c.neurons.type[i].ends_with("PN")) << c.neurons.type[i];
  EXPECT_EQ(c.select("KC*").size(), 1919u);
  EXPECT_EQ(c.select("MBON*").size(), 57u);
  // The classes, derived from the types: each selects what its pattern selects.
  ASSERT_TRUE(c.neurons.has_classes());
  EXPECT_EQ(c.select("uPN"), c.sensory_indices());
  EXPECT_EQ(c.select("KC"), c.select("KC*"));
  EXPECT_EQ(c.select("MBON"), c.select("MBON*"));
  EXPECT_EQ(count_class(c, "APL"), 1);
  EXPECT_EQ(c.types_of_class("uPN").size(), 61u);
  EXPECT_EQ(c.types_of_class("KC").size(), 14u);
  EXPECT_EQ(c.types_of_class("MBON").size(), 36u);
  EXPECT_EQ(c.select("APL").size(), 1u);
  EXPECT_EQ(c.neurons.sign[c.select("APL")[0]], -1);
  EXPECT_EQ(std::count(c.neurons.sign.begin(), c.neurons.sign.end(), -1), 1);
  // The 64-bit body ids come through (the APL's, from the source's apl_meta.csv).
  EXPECT_EQ(c.neurons.id[c.select("APL")[0]], 425790257);

  const auto counts = load_shipped("hemibrain-mb", counts_only());
  double synapses = 0;
  for (float v : counts.inprop.value) synapses += v;
  EXPECT_EQ(synapses, 593148);
  // A neuropil filter applies to the ROI column: every uPN -> KC synapse is in the calyx
  // (175,274, the source README's pn_kc count), and no other synapse from a uPN.
  load_options calyx;
  calyx.neuropils = {"CA(R)"};
  calyx.input_proportion = false;
  const auto ca = load_shipped("hemibrain-mb", calyx);
  double from_upns = 0;
  for (std::int64_t pre : ca.sensory_indices())
    for (auto k = ca.inprop.row_begin[pre]; k < ca.inprop.row_begin[pre + 1]; ++k)
      from_upns += ca.inprop.value[k];
  EXPECT_EQ(from_upns, 175274);
}

TEST(ShippedConnectome, LarvaPassesLoadOptionsThrough) {
  const auto counts = load_shipped("larva", counts_only());
  double synapses = 0;
  for (float v : counts.inprop.value) synapses += v;
  EXPECT_EQ(synapses, 352611);

  const auto strong_counts = load_shipped("larva", at_least(5, false));
  EXPECT_EQ(strong_counts.size(), 2952);
  EXPECT_LT(strong_counts.inprop.nonzeros(), 110677);
  for (float v : strong_counts.inprop.value) EXPECT_GE(v, 5.0f);

  // Weak connections still count in the totals, so the kept proportions are unchanged.
  const auto all = load_shipped("larva");
  const auto strong = load_shipped("larva", at_least(5));
  for (std::int64_t pre = 0; pre < strong.size(); ++pre)
    for (auto k = strong.inprop.row_begin[pre]; k < strong.inprop.row_begin[pre + 1]; ++k)
      ASSERT_EQ(entry(all.inprop, pre, strong.inprop.col[k]), strong.inprop.value[k]);
}

// flyvis: counts from data/connectomes/flyvis/README.md (and flyvis's own tables).
TEST(ShippedConnectome, Flyvis) {
  const auto c = load_shipped("flyvis");
  EXPECT_NO_THROW(c.validate());
  EXPECT_EQ(c.name, "flyvis");
  EXPECT_EQ(c.size(), 45669);
  EXPECT_EQ(c.inprop.nonzeros(), 1513231);
  EXPECT_EQ(c.edge_sign.size(), 1513231u);
  EXPECT_EQ(std::set<std::string>(c.neurons.type.begin(), c.neurons.type.end()).size(), 65u);
  // No classes (the README): the photoreceptor types are the input, R* selects them all.
  EXPECT_FALSE(c.neurons.has_classes());
  EXPECT_EQ(c.select("R*"), c.sensory_indices());
  EXPECT_EQ(std::set<std::int64_t>(c.neurons.column.begin(), c.neurons.column.end()), [] {
    std::set<std::int64_t> all;
    for (int i = 0; i < 721; ++i) all.insert(i);
    return all;
  }());
  EXPECT_EQ(count_type(c, "Lawf1"), 123);
  EXPECT_EQ(count_type(c, "Lawf2"), 123);
  EXPECT_EQ(count_type(c, "T4a"), 721);
  for (std::int64_t i = 0; i < c.size(); ++i) EXPECT_EQ(c.neurons.id[i], i);

  const auto sensory = c.sensory_indices();
  EXPECT_EQ(sensory.size(), 8u * 721u);
  for (auto i : sensory) {
    const auto& t = c.neurons.type[i];
    EXPECT_TRUE(t.size() == 2 && t[0] == 'R' && t[1] >= '1' && t[1] <= '8') << t;
  }

  for (double s : column_sums(c.inprop)) {
    if (s > 0) {
      EXPECT_NEAR(s, 1.0, 1e-5);
    }
  }
}

// Every connection's sign is its type pair's alpha; a cell's sign is the majority (by
// weight) of its outgoing signs.
TEST(ShippedConnectome, FlyvisSigns) {
  const auto c = load_shipped("flyvis");
  const auto spec = flyvis_spec();
  std::map<std::string, int> type_id;
  for (const auto& n : spec["nodes"]) type_id.emplace(n["name"].get<std::string>(), type_id.size());
  std::vector<int> cell_type(static_cast<std::size_t>(c.size()));
  for (std::size_t i = 0; i < cell_type.size(); ++i) cell_type[i] = type_id.at(c.neurons.type[i]);
  std::vector<int> alpha(type_id.size() * type_id.size(), 0);
  for (const auto& e : spec["edges"])
    alpha[type_id.at(e["src"].get<std::string>()) * type_id.size() +
          type_id.at(e["tar"].get<std::string>())] = e["alpha"].get<int>();

  std::set<std::string> mixed;
  for (std::int64_t pre = 0; pre < c.size(); ++pre) {
    double signed_sum = 0;
    for (auto k = c.inprop.row_begin[pre]; k < c.inprop.row_begin[pre + 1]; ++k) {
      const auto a = alpha[cell_type[pre] * type_id.size() + cell_type[c.inprop.col[k]]];
      ASSERT_EQ(c.edge_sign[k], a)
          << c.neurons.type[pre] << " -> " << c.neurons.type[c.inprop.col[k]];
      signed_sum += c.edge_sign[k] * c.inprop.value[k];
      if (c.edge_sign[k] != c.edge_sign[c.inprop.row_begin[pre]]) mixed.insert(c.neurons.type[pre]);
    }
    ASSERT_EQ(c.neurons.sign[pre], signed_sum < 0 ? -1 : 1) << pre;
  }
  EXPECT_EQ(mixed, (std::set<std::string>{"Am", "C2", "C3", "R8"}));

  // Hand-checked pairs: photoreceptors inhibit L1 (histamine), L2 excites L1.
  const auto centre = column_of(0, 0, 15);
  EXPECT_EQ(centre, 360);
  const auto l1 = cell(c, "L1", centre), r1 = cell(c, "R1", centre), l2 = cell(c, "L2", centre);
  const auto k_r1 = std::lower_bound(c.inprop.col.begin() + c.inprop.row_begin[r1],
                                     c.inprop.col.begin() + c.inprop.row_begin[r1 + 1], l1) -
                    c.inprop.col.begin();
  EXPECT_EQ(c.edge_sign[k_r1], -1);
  const auto k_l2 = std::lower_bound(c.inprop.col.begin() + c.inprop.row_begin[l2],
                                     c.inprop.col.begin() + c.inprop.row_begin[l2 + 1], l1) -
                    c.inprop.col.begin();
  EXPECT_EQ(c.edge_sign[k_l2], 1);
  // R1 -> L1 has 40 synapses and L2 -> L1 3, both at offset (0, 0).
  EXPECT_NEAR(*entry(c.inprop, r1, l1) / *entry(c.inprop, l2, l1), 40.0 / 3.0, 1e-4);
}

// The central L1 cell's inputs summed here from the JSON: with n_syn_fill = 0 each offset
// of an edge into L1 contributes if the source type has a cell at -offset.
TEST(ShippedConnectome, FlyvisInputProportionOfCentralL1) {
  const auto spec = flyvis_spec();
  std::map<std::string, std::pair<int, int>> stride;
  for (const auto& n : spec["nodes"])
    stride[n["name"].get<std::string>()] = {n["pattern"][1][0].get<int>(),
                                            n["pattern"][1][1].get<int>()};
  double total = 0;
  for (const auto& e : spec["edges"]) {
    if (e["tar"] != "L1") continue;
    const auto [su, sv] = stride.at(e["src"].get<std::string>());
    for (const auto& o : e["offsets"]) {
      const int du = o[0][0].get<int>(), dv = o[0][1].get<int>();
      if ((-du) % su == 0 && (-dv) % sv == 0) total += o[1].get<double>();
    }
  }
  ASSERT_GT(total, 40);

  const auto c = expand_flyvis(flyvis_json(), {.n_syn_fill = 0});
  EXPECT_EQ(c.inprop.nonzeros(), 1357269);
  EXPECT_NO_THROW(c.validate());
  const auto centre = column_of(0, 0, 15);
  const auto l1 = cell(c, "L1", centre), r1 = cell(c, "R1", centre);
  ASSERT_TRUE(entry(c.inprop, r1, l1));
  EXPECT_NEAR(*entry(c.inprop, r1, l1), 40.0 / total, 1e-6);

  // Raw counts instead of proportions, and a threshold that keeps only strong edges.
  const auto counts = expand_flyvis(flyvis_json(), {.n_syn_fill = 0}, counts_only());
  EXPECT_EQ(*entry(counts.inprop, r1, l1), 40.0f);
  const auto strong = expand_flyvis(flyvis_json(), {.n_syn_fill = 0}, at_least(30));
  EXPECT_LT(strong.inprop.nonzeros(), 1357269);
  EXPECT_EQ(entry(strong.inprop, r1, l1), entry(c.inprop, r1, l1));
}

TEST(ShippedConnectome, FlyvisSmallerExtents) {
  const auto one = expand_flyvis(flyvis_json(), {.extent = 1});
  EXPECT_EQ(std::set<std::int64_t>(one.neurons.column.begin(), one.neurons.column.end()).size(),
            7u);
  EXPECT_EQ(one.size(), 63 * 7 + 2);  // Lawf1 and Lawf2 only in the central column
  EXPECT_EQ(one.inprop.nonzeros(), 8174);
  EXPECT_NO_THROW(one.validate());

  const auto zero = expand_flyvis(flyvis_json(), {.extent = 0});
  EXPECT_EQ(zero.size(), 65);
  EXPECT_NO_THROW(zero.validate());
}

TEST(ShippedConnectome, FlyvisOptionsValidate) {
  EXPECT_NO_THROW(flyvis_options{}.validate());
  auto field_of = [](const flyvis_options& o) {
    try {
      o.validate();
    } catch (const parameter_error& e) {
      return e.field();
    }
    return std::string();
  };
  EXPECT_EQ(field_of({.extent = -1}), "extent");
  EXPECT_EQ(field_of({.n_syn_fill = -1}), "n_syn_fill");
  EXPECT_EQ(field_of({.n_syn_fill = std::numeric_limits<double>::quiet_NaN()}), "n_syn_fill");
  EXPECT_EQ(field_of({.n_syn_fill = std::numeric_limits<double>::infinity()}), "n_syn_fill");
  EXPECT_THROW(expand_flyvis(flyvis_json(), {.extent = -2}), parameter_error);
  EXPECT_THROW(expand_flyvis(flyvis_json(), {}, in_neuropil("ME")), parameter_error);
}

using ShippedFlyvisExpansion = test::temporary_folder_test;

// A made-up template exercising the three patterns and the hull fill, on extent 2
// (19 columns).
TEST_F(ShippedFlyvisExpansion, PatternsAndHullFill) {
  const auto json = write("small.json", R"({
    "nodes": [{"name": "A", "pattern": ["stride", [1, 1]]},
              {"name": "B", "pattern": ["tile", 2]},
              {"name": "C", "pattern": ["single", null]}],
    "edges": [{"src": "A", "tar": "A", "alpha": -1,
               "offsets": [[[-1, -1], 2], [[1, -1], 2], [[1, 1], 2], [[-1, 1], 2]]},
              {"src": "A", "tar": "B", "alpha": 1, "offsets": [[[0, 0], 2], [[1, 0], 1]]},
              {"src": "B", "tar": "C", "alpha": -1, "offsets": [[[0, 0], 4]]},
              {"src": "C", "tar": "A", "alpha": 1, "offsets": [[[0, 0], 1], [[1, 0], 3]]}],
    "input_units": ["A"]})");
  const auto c = expand_flyvis(json, {.extent = 2, .n_syn_fill = 0.5}, counts_only());
  EXPECT_NO_THROW(c.validate());
  // A on all 19 columns; B where u and v are even (7); C once, in the centre.
  EXPECT_EQ(count_type(c, "A"), 19);
  EXPECT_EQ(count_type(c, "B"), 7);
  EXPECT_EQ(count_type(c, "C"), 1);
  EXPECT_EQ(c.neurons.column[cell(c, "C", column_of(0, 0, 2))], 9);
  EXPECT_EQ(c.sensory_indices().size(), 19u);
  EXPECT_EQ(c.inprop.nonzeros(), 123);

  // The square's inside is filled: its centre and, by matplotlib's boundary rule, the
  // midpoints of the left, right and top sides but not of the bottom one.
  const auto a0 = cell(c, "A", column_of(0, 0, 2));
  auto a_at = [&](int u, int v) { return cell(c, "A", column_of(u, v, 2)); };
  EXPECT_EQ(entry(c.inprop, a0, a_at(1, 1)), 2.0f);
  EXPECT_EQ(entry(c.inprop, a0, a0), 0.5f);
  EXPECT_EQ(entry(c.inprop, a0, a_at(-1, 0)), 0.5f);
  EXPECT_EQ(entry(c.inprop, a0, a_at(1, 0)), 0.5f);
  EXPECT_EQ(entry(c.inprop, a0, a_at(0, 1)), 0.5f);
  EXPECT_FALSE(entry(c.inprop, a0, a_at(0, -1)));
  // Targets off the lattice are dropped: from A at (2, 0) only the offsets (-1, -1),
  // (-1, 1), (-1, 0), (0, 0) to A and (0, 0) to B stay inside extent 2.
  const auto a20 = a_at(2, 0);
  EXPECT_EQ(c.inprop.row_begin[a20 + 1] - c.inprop.row_begin[a20], 5);

  const auto c_cell = cell(c, "C", 9), b0 = cell(c, "B", 9);
  EXPECT_EQ(entry(c.inprop, b0, c_cell), 4.0f);
  EXPECT_EQ(entry(c.inprop, c_cell, a_at(1, 0)), 3.0f);
  EXPECT_EQ(entry(c.inprop, a_at(-1, 0), b0), 1.0f);
  EXPECT_EQ(c.neurons.sign[a0], -1);  // A's A -> A connections outweigh its A -> B ones

  EXPECT_EQ(expand_flyvis(json, {.extent = 2, .n_syn_fill = 0}).inprop.nonzeros(), 62);
}

TEST_F(ShippedFlyvisExpansion, MalformedFilesAreFileErrors) {
  EXPECT_THROW(expand_flyvis(dir_ / "absent.json"), file_error);
  EXPECT_THROW(expand_flyvis(write("broken.json", "{\"nodes\": [")), file_error);
  EXPECT_THROW(expand_flyvis(write("no_edges.json", R"({"nodes": []})")), file_error);
  EXPECT_THROW(expand_flyvis(write("unknown_type.json", R"({
      "nodes": [{"name": "A", "pattern": ["stride", [1, 1]]}],
      "edges": [{"src": "A", "tar": "Z", "alpha": 1, "offsets": [[[0, 0], 1]]}]})")),
               file_error);
  EXPECT_THROW(expand_flyvis(write("bad_alpha.json", R"({
      "nodes": [{"name": "A", "pattern": ["stride", [1, 1]]}],
      "edges": [{"src": "A", "tar": "A", "alpha": 0.5, "offsets": [[[0, 0], 1]]}]})")),
               file_error);
  EXPECT_THROW(expand_flyvis(write("bad_pattern.json", R"({
      "nodes": [{"name": "A", "pattern": ["hex", 3]}], "edges": []})")),
               file_error);
}

}  // namespace
}  // namespace kenyon::connectome

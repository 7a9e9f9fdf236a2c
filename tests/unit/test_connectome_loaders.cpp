// Connectome loaders on the hand-made fixtures of tests/data/connectomes/fixtures: neuron
// order, types, signs, sensory flags and input proportions worked out by hand, and the
// messages of bad input (file, line and column); and connectome::load, which picks the
// loader.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "kenyon/connectome/loaders.hpp"
#include "kenyon/connectome/shipped.hpp"
#include "kenyon/connectome/source.hpp"
#include "kenyon/core/error.hpp"
#include "kenyon/core/files.hpp"
#include "kenyon/core/table.hpp"
#include "messages.hpp"
#include "temp_dir.hpp"

namespace kenyon::connectome {
namespace {

using kenyon::test::message_of;

namespace fs = std::filesystem;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ids = std::vector<std::int64_t>;

const fs::path fixtures = fs::path(KENYON_TEST_DATA_DIR) / "connectomes" / "fixtures";

// The Codex fixture's root ids: A and B differ in the last digit only, which a double
// cannot tell apart.
constexpr std::int64_t A = 720575940624000000, B = 720575940624000001, C = 720575940611111111,
                       D = 720575940699999999, E = 720575940600000005;

// One expected entry of inprop, by external ids.
struct entry {
  std::int64_t pre, post;
  float value;
};

// inprop holds exactly `expected` (each value to float rounding).
void expect_inprop(const connectome& c, const std::vector<entry>& expected) {
  const auto index = c.id_to_index();
  ASSERT_EQ(c.inprop.nonzeros(), static_cast<std::int64_t>(expected.size()));
  for (const auto& e : expected) {
    SCOPED_TRACE(std::to_string(e.pre) + " -> " + std::to_string(e.post));
    const auto row = static_cast<std::size_t>(index.at(e.pre));
    const auto col = static_cast<std::int32_t>(index.at(e.post));
    float found = std::numeric_limits<float>::quiet_NaN();
    for (auto k = c.inprop.row_begin[row]; k < c.inprop.row_begin[row + 1]; ++k)
      if (c.inprop.col[static_cast<std::size_t>(k)] == col)
        found = c.inprop.value[static_cast<std::size_t>(k)];
    EXPECT_FLOAT_EQ(found, e.value);
  }
}

void expect_same(const connectome& a, const connectome& b) {
  EXPECT_EQ(a.neurons.id, b.neurons.id);
  EXPECT_EQ(a.neurons.type, b.neurons.type);
  EXPECT_EQ(a.neurons.sign, b.neurons.sign);
  EXPECT_EQ(a.neurons.sensory, b.neurons.sensory);
  EXPECT_EQ(a.neurons.side, b.neurons.side);
  EXPECT_EQ(a.inprop.row_begin, b.inprop.row_begin);
  EXPECT_EQ(a.inprop.col, b.inprop.col);
  EXPECT_EQ(a.inprop.value, b.inprop.value);
}

// edges.csv by hand (synapses summed over neuropils):
//   into 30: 10 (3), 20 (1)           -> 0.75, 0.25
//   into 40: 10 (2+3), 30 (1), 50 (1+1) -> 0.625, 0.125, 0.25
//   into 50: 40 (6), 30 (2)           -> 0.75, 0.25
//   into 20: 50 (3)                   -> 1
// Transmitters, weighted by synapses: 10, 20, 40 ACH; 30 GABA; 50 ACH 3 against GLUT 1+1.
const std::vector<entry> edges_inprop = {{10, 30, 0.75f},  {20, 30, 0.25f}, {10, 40, 0.625f},
                                         {30, 40, 0.125f}, {50, 40, 0.25f}, {40, 50, 0.75f},
                                         {30, 50, 0.25f},  {50, 20, 1.0f}};

TEST(connectome_loaders, edge_list_alone_has_its_ids_ascending_and_signs_by_majority) {
  const auto c = load_edge_list(fixtures / "edges.csv", std::nullopt);
  EXPECT_EQ(c.name, "edges.csv");
  EXPECT_EQ(c.neurons.id, (ids{10, 20, 30, 40, 50}));
  EXPECT_THAT(c.neurons.type, ElementsAre("10", "20", "30", "40", "50"));
  // 50's rows are GLUT twice (2 synapses) and ACH once (3): synapses count, not rows.
  EXPECT_THAT(c.neurons.sign, ElementsAre(1, 1, -1, 1, 1));
  EXPECT_THAT(c.neurons.sensory, ElementsAre(0, 0, 0, 0, 0));
  expect_inprop(c, edges_inprop);
}

TEST(connectome_loaders, edge_list_with_neuron_table_keeps_its_order_types_and_signs) {
  const auto c = load_edge_list(fixtures / "edges.csv", fixtures / "neurons.csv");
  EXPECT_EQ(c.neurons.id, (ids{40, 10, 20, 30, 50, 60}));
  EXPECT_THAT(c.neurons.type,
              ElementsAre("PN, uniglomerular", "ORN_a", "ORN_b", "LN", "50", "MBON"));
  // 40, 20: from their edges (ACH); 10, 30: the table; 50: the table's glutamate wins over
  // its edges' ACH majority; 60: no synapses, the default.
  EXPECT_THAT(c.neurons.sign, ElementsAre(1, 1, 1, -1, -1, 1));
  EXPECT_THAT(c.neurons.sensory, ElementsAre(0, 1, 1, 0, 0, 0));
  EXPECT_THAT(c.neurons.side, ElementsAre("left", "left", "right", "center", "", "right"));
  EXPECT_EQ(c.sensory_indices(), (ids{1, 2}));
  expect_inprop(c, edges_inprop);

  const auto d =
      load_edge_list(fixtures / "edges.csv", fixtures / "neurons.csv", {.default_sign = -1});
  EXPECT_THAT(d.neurons.sign, ElementsAre(1, 1, 1, -1, -1, -1));
}

TEST(connectome_loaders, dropped_pairs_still_count_in_the_denominator) {
  const auto c = load_edge_list(fixtures / "edges.csv", std::nullopt, {.min_synapses = 2});
  // 20 -> 30 (1) and 30 -> 40 (1) go; 50 -> 40 stays: 1 + 1 over two neuropils.
  expect_inprop(c, {{10, 30, 0.75f},
                    {10, 40, 0.625f},
                    {50, 40, 0.25f},
                    {40, 50, 0.75f},
                    {30, 50, 0.25f},
                    {50, 20, 1.0f}});
}

TEST(connectome_loaders, neuropil_filter_keeps_only_listed_neuropils_in_any_case) {
  const auto c =
      load_edge_list(fixtures / "edges.csv", std::nullopt, {.neuropils = {"al_l", "MB_CA_L"}});
  // into 40: 10 (2), 30 (1), 50 (1); 50 -> 20 is in AL_R only.
  expect_inprop(c, {{10, 30, 0.75f},
                    {20, 30, 0.25f},
                    {10, 40, 0.5f},
                    {30, 40, 0.25f},
                    {50, 40, 0.25f},
                    {40, 50, 0.75f},
                    {30, 50, 0.25f}});
  // A transmitter belongs to the neuron: 50's AL_R synapses still vote.
  EXPECT_EQ(c.neurons.sign[4], 1);
  EXPECT_THROW(load_edge_list(fixtures / "edges.csv", std::nullopt, {.neuropils = {"LH_R"}}),
               parameter_error);
}

TEST(connectome_loaders, raw_counts_without_input_proportions) {
  const auto c = load_edge_list(fixtures / "edges.csv", std::nullopt, {.input_proportion = false});
  expect_inprop(c, {{10, 30, 3},
                    {20, 30, 1},
                    {10, 40, 5},
                    {30, 40, 1},
                    {50, 40, 2},
                    {40, 50, 6},
                    {30, 50, 2},
                    {50, 20, 3}});
}

TEST(connectome_loaders, transmitter_signs_and_overrides) {
  const load_options defaults;
  for (const char* inhibitory : {"GABA", "gaba", "GLUT", "Glutamate"})
    EXPECT_EQ(sign_of_transmitter(inhibitory, defaults), -1) << inhibitory;
  for (const char* excitatory : {"ACH", "acetylcholine", "DA", "SER", "OCT", "histamine"})
    EXPECT_EQ(sign_of_transmitter(excitatory, defaults), 1) << excitatory;
  EXPECT_EQ(sign_of_transmitter("", {.default_sign = -1}), -1);
  EXPECT_EQ(sign_of_transmitter("glut", {.transmitter_sign = {{"GLUT", 1}}}), 1);

  // The table's "glutamate" (50) and ACH, in the table (10) or by edge majority (40).
  const auto c = load_edge_list(fixtures / "edges.csv", fixtures / "neurons.csv",
                                {.transmitter_sign = {{"Glutamate", 1}, {"ach", -1}}});
  EXPECT_THAT(c.neurons.sign, ElementsAre(-1, -1, -1, -1, 1, 1));

  EXPECT_THROW(load_options{.min_synapses = -1}.validate(), parameter_error);
  EXPECT_THROW(load_options{.min_synapses = std::nan("")}.validate(), parameter_error);
  EXPECT_THROW(load_options{.default_sign = 0}.validate(), parameter_error);
  try {
    load_options{.transmitter_sign = {{"DA", 0}}}.validate();
    ADD_FAILURE() << "no parameter_error";
  } catch (const parameter_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("'DA'"));
  }
}

TEST(connectome_loaders, neuron_table_alone) {
  const auto t = read_neuron_table(fixtures / "neurons.csv");
  EXPECT_EQ(t.id, (ids{40, 10, 20, 30, 50, 60}));
  EXPECT_THAT(t.sign, ElementsAre(1, 1, 1, -1, -1, 1));  // only the table's transmitters
  EXPECT_THAT(t.sensory, ElementsAre(0, 1, 1, 0, 0, 0));
}

TEST(connectome_loaders, codex_with_classification_and_neurons_tables) {
  const auto c = load_codex(fixtures / "codex_connections.csv",
                            fixtures / "codex_classification.csv", fixtures / "codex_neurons.csv");
  EXPECT_EQ(c.neurons.id, (ids{A, B, C, D, E}));  // exact 64-bit ids
  // cell_type, else hemibrain_type, else class, else the id.
  EXPECT_THAT(c.neurons.type,
              ElementsAre("ORN_DA1", "DA1_lPN", "ALLN", "720575940699999999", "AN_1"));
  // super_class sensory (A) or flow afferent (E, ascending).
  EXPECT_THAT(c.neurons.sensory, ElementsAre(1, 0, 0, 0, 1));
  EXPECT_THAT(c.neurons.side, ElementsAre("right", "right", "right", "left", "center"));
  // D has no nt_type in the neurons table: its one outgoing row is GLUT.
  EXPECT_THAT(c.neurons.sign, ElementsAre(1, 1, -1, -1, 1));
  expect_inprop(c, {{A, B, 0.75f}, {C, B, 0.25f}, {B, D, 0.5f}, {C, D, 0.5f}, {D, A, 1.0f}});
  // The class column gives the classes; "olfactory" is a class only, ALLN a type too.
  EXPECT_THAT(c.neurons.cell_class, ElementsAre("olfactory", "ALPN", "ALLN", "", ""));
  EXPECT_EQ(c.select("olfactory"), (ids{0}));
  EXPECT_EQ(c.select("ALPN"), (ids{1}));
}

TEST(connectome_loaders, codex_gzipped_equals_plain) {
  const auto plain = load_codex(fixtures / "codex_connections.csv",
                                fixtures / "codex_classification.csv", std::nullopt);
  const auto gz = load_codex(fixtures / "codex_connections.csv.gz",
                             fixtures / "codex_classification.csv", std::nullopt);
  expect_same(plain, gz);
  EXPECT_EQ(gz.name, "codex_connections.csv.gz");
}

TEST(connectome_loaders, codex_without_classification) {
  // Neurons: the ids of the connections, ascending; types the neurons table's groups (its
  // extra neuron 720575940600000009 has no connections and is left out).
  const auto c =
      load_codex(fixtures / "codex_connections.csv", std::nullopt, fixtures / "codex_neurons.csv");
  EXPECT_EQ(c.neurons.id, (ids{C, A, B, D}));
  EXPECT_THAT(c.neurons.type, ElementsAre("AL_R.LN", "AL_R.ORN", "AL_R.PN", "LH_R.LHN"));
  EXPECT_THAT(c.neurons.sign, ElementsAre(-1, 1, 1, -1));
  expect_inprop(c, {{A, B, 0.75f}, {C, B, 0.25f}, {B, D, 0.5f}, {C, D, 0.5f}, {D, A, 1.0f}});

  const auto bare = load_codex(fixtures / "codex_connections.csv.gz", std::nullopt, std::nullopt);
  EXPECT_EQ(bare.neurons.id, (ids{C, A, B, D}));
  EXPECT_THAT(bare.neurons.type, ElementsAre("720575940611111111", "720575940624000000",
                                             "720575940624000001", "720575940699999999"));
  EXPECT_THAT(bare.neurons.sign, ElementsAre(-1, 1, 1, -1));
}

TEST(connectome_loaders, neuprint_adjacency) {
  const auto c =
      load_neuprint(fixtures / "neuprint_adjacency.csv", fixtures / "neuprint_neurons.csv");
  EXPECT_EQ(c.neurons.id, (ids{1001, 2002, 3003}));
  EXPECT_THAT(c.neurons.type, ElementsAre("KCg-m", "MBON01(y5B'2a)_R", "3003"));
  EXPECT_THAT(c.neurons.sign, ElementsAre(1, 1, 1));
  // into 2002: 1001 (MB(R) 3 + CA(R) 4), 3003 (1).
  expect_inprop(c, {{1001, 2002, 0.875f}, {3003, 2002, 0.125f}, {2002, 3003, 1.0f}});

  const auto mb = load_neuprint(fixtures / "neuprint_adjacency.csv",
                                fixtures / "neuprint_neurons.csv", {.neuropils = {"MB(R)"}});
  expect_inprop(mb, {{1001, 2002, 0.75f}, {3003, 2002, 0.25f}});
}

TEST(connectome_loaders, npz_in_csr_csc_and_coo) {
  for (const char* file : {"matrix_csr.npz", "matrix_csc.npz", "matrix_coo.npz"}) {
    SCOPED_TRACE(file);
    const auto c = load_npz(fixtures / file, fixtures / "npz_metadata.csv");
    // Neurons in the order of the idx column, not of the metadata rows.
    EXPECT_EQ(c.neurons.id, (ids{720575940600000000, 720575940600000001, 720575940600000002}));
    EXPECT_THAT(c.neurons.type, ElementsAre("ORN", "LN", "PN"));
    EXPECT_THAT(c.neurons.sign, ElementsAre(1, -1, 1));
    EXPECT_THAT(c.neurons.sensory, ElementsAre(1, 0, 0));
    EXPECT_THAT(c.neurons.side, ElementsAre("left", "left", "right"));
    // super_class is the class, reordered with the rest.
    EXPECT_THAT(c.neurons.cell_class, ElementsAre("sensory", "central", "central"));
    EXPECT_EQ(c.select("central"), (ids{1, 2}));
    const auto o = 720575940600000000;
    expect_inprop(c, {{o, o + 1, 0.75f},
                      {o + 1, o, 0.5f},
                      {o + 1, o + 2, 1.0f},
                      {o + 2, o, 0.5f},
                      {o + 2, o + 1, 0.25f}});
  }
  EXPECT_THROW(
      load_npz(fixtures / "matrix_csr.npz", fixtures / "npz_metadata.csv", {.neuropils = {"AL_R"}}),
      parameter_error);
}

class connectome_loaders_files : public test::temporary_folder_test {
 protected:
  std::string edges_error(const std::string& text, const std::optional<fs::path>& neurons = {}) {
    const auto p = write("edges.csv", text);
    return message_of<file_error>([&] { load_edge_list(p, neurons); });
  }
};

TEST_F(connectome_loaders_files, class_column_selects_every_neuron_of_a_class) {
  const auto edges = write("e.csv", "pre,post,syn_count\n1,3,2\n2,3,1\n3,4,1\n4,5,1\n5,6,1\n");
  // Types below classes, as in the larva: a class name selects the class, a name that is
  // both (KC) means the type, a neuron without a class (6) is in none.
  const auto neurons = write("n.csv",
                             "id,type,class,sensory\n1,ORN,sensory,1\n2,photoRh5,sensory,1\n"
                             "3,PN-olfactory,PN,0\n4,KC,KC,0\n5,KC-g,KC,0\n6,MBON,,0\n");
  const auto c = load_edge_list(edges, neurons);
  ASSERT_TRUE(c.neurons.has_classes());
  EXPECT_THAT(c.neurons.cell_class, ElementsAre("sensory", "sensory", "PN", "KC", "KC", ""));
  EXPECT_EQ(c.select("sensory"), (ids{0, 1}));
  EXPECT_EQ(c.select("ORN"), (ids{0}));
  EXPECT_EQ(c.select("PN"), (ids{2}));
  EXPECT_EQ(c.select("KC"), (ids{3}));        // the type, not the class
  EXPECT_EQ(c.select("KC*"), (ids{3, 4}));    // a pattern over the types
  EXPECT_EQ(c.select("sens*"), (ids{0, 1}));  // no type matches: over the classes
  EXPECT_TRUE(c.is_class("sensory"));
  EXPECT_FALSE(c.is_class("KC"));
  EXPECT_FALSE(c.is_class(""));
  EXPECT_THAT(c.types_of_class("sensory"), ElementsAre("ORN", "photoRh5"));
  EXPECT_THROW(c.select(""), unknown_name_error);  // "" is no class, though 6 has none
  // An unknown name is still an unknown_name_error, and the message names similar classes.
  try {
    c.select("PNs");
    ADD_FAILURE() << "PNs selected something";
  } catch (const unknown_name_error& e) {
    EXPECT_EQ(e.name(), "PNs");
    EXPECT_EQ(e.kind(), "neuron, cell type or class");
    EXPECT_THAT(e.what(), HasSubstr("similar classes: PN"));
  }
  EXPECT_THAT(
      message_of<unknown_name_error>([&] { c.select("zzz"); }),
      HasSubstr("(6 types, e.g. KC, KC-g, MBON, ORN, PN-olfactory, photoRh5; 2 classes, e.g. "
                "PN, sensory)"));

  // The same table without the class column: no classes, and the old message.
  const auto plain = load_edge_list(
      edges, write("m.csv",
                   "id,type,sensory\n1,ORN,1\n2,photoRh5,1\n3,PN-olfactory,0\n4,KC,0\n"
                   "5,KC-g,0\n6,MBON,0\n"));
  EXPECT_FALSE(plain.neurons.has_classes());
  EXPECT_EQ(plain.select("ORN"), (ids{0}));
  try {
    plain.select("sensory");
    ADD_FAILURE() << "sensory selected something without classes";
  } catch (const unknown_name_error& e) {
    EXPECT_EQ(e.kind(), "neuron or cell type");
  }
}

TEST_F(connectome_loaders_files, sign_column_votes_like_transmitters) {
  // Other column names, in another case; 1's synapses: -1 (3) against +1 (2); 3 has none.
  const auto p = write("e.csv", "Source,Target,Weight,Sign\n1,2,2,+1\n1,3,3,-1\n2,3,1,1\n3,1,4,\n");
  const auto c = load_edge_list(p, std::nullopt);
  EXPECT_THAT(c.neurons.sign, ElementsAre(-1, 1, 1));
  expect_inprop(c, {{1, 2, 1.0f}, {1, 3, 0.75f}, {2, 3, 0.25f}, {3, 1, 1.0f}});
}

TEST_F(connectome_loaders_files, missing_column_names_the_accepted_names) {
  const auto msg = edges_error("pre,post,nt\n1,2,ACH\n");
  EXPECT_THAT(msg, AllOf(HasSubstr("edges.csv:1:"), HasSubstr("synapse count"),
                         HasSubstr("weight, syn_count, count, synapses, total")));
  EXPECT_THAT(
      message_of<file_error>([&] { read_neuron_table(write("n.csv", "name,type\nx,KC\n")); }),
      AllOf(HasSubstr("n.csv:1:"), HasSubstr("id, root_id, bodyId")));
  EXPECT_THAT(message_of<file_error>([&] {
                load_edge_list(write("e.csv", "pre,post,weight\n1,2,3\n"), std::nullopt,
                               {.neuropils = {"AL_L"}});
              }),
              AllOf(HasSubstr("e.csv:1:"), HasSubstr("neuropil, roi")));
  EXPECT_THAT(edges_error(""), AllOf(HasSubstr("edges.csv"), HasSubstr("no header")));
}

TEST_F(connectome_loaders_files, bad_counts_name_file_line_and_column) {
  const std::string head = "pre,post,syn_count\n1,2,3\n";
  EXPECT_THAT(edges_error(head + "\n2,1,abc\n"),
              HasSubstr("edges.csv:4: column 'syn_count': 'abc' is not a number"));
  EXPECT_THAT(edges_error(head + "2,1,inf\n"),
              HasSubstr("edges.csv:3: column 'syn_count': 'inf' is not finite"));
  EXPECT_THAT(edges_error(head + "2,1,nan\n"),
              HasSubstr("edges.csv:3: column 'syn_count': 'nan' is not finite"));
  EXPECT_THAT(edges_error(head + "2,1,-2\n"),
              HasSubstr("edges.csv:3: column 'syn_count': '-2' is negative"));
  EXPECT_THAT(edges_error(head + "2,1,\n"), HasSubstr("edges.csv:3: column 'syn_count': no value"));
  EXPECT_THAT(edges_error(head + "2,x1,4\n"),
              HasSubstr("edges.csv:3: column 'post': 'x1' is not an integer id"));
  // The row and column are fields of the error too, not only words in its message.
  try {
    load_edge_list(write("edges.csv", head + "2,1,4\n3,1,oops\n"), std::nullopt);
    ADD_FAILURE() << "no error";
  } catch (const kenyon::file_error& e) {
    EXPECT_EQ(e.row(), 4u);
    EXPECT_EQ(e.column(), "syn_count");
    EXPECT_NE(e.path().find("edges.csv"), std::string::npos);
  }
  EXPECT_THAT(edges_error("pre,post,weight,sign\n1,2,3,2\n"),
              HasSubstr("edges.csv:2: column 'sign': '2' is not a sign (+1 or -1)"));
}

TEST_F(connectome_loaders_files, wrong_field_counts) {
  EXPECT_THAT(edges_error("pre,post,syn_count,nt\n1,2,3,ACH\n1,2,3\n"),
              HasSubstr("edges.csv:3: 3 fields where the header has 4: no value for column 'nt'"));
  EXPECT_THAT(edges_error("pre,post,syn_count\r\n1,2,3,4\r\n"),
              HasSubstr("edges.csv:2: 4 fields where the header has 3: a field after the last "
                        "column 'syn_count'"));
}

TEST_F(connectome_loaders_files, neuron_table_problems) {
  const auto neurons =
      write("neurons.csv", "id,type,sign,sensory\n10,A,1,0\n20,B,-1,1\n10,C,+1,0\n");
  EXPECT_THAT(message_of<file_error>([&] { read_neuron_table(neurons); }),
              HasSubstr("neurons.csv:4: column 'id': id 10 appears again (first on line 2)"));
  EXPECT_THAT(
      message_of<file_error>([&] { read_neuron_table(write("s.csv", "id,sensory\n1,maybe\n")); }),
      HasSubstr("s.csv:2: column 'sensory': 'maybe' is not true or false"));

  const auto good = write("good.csv", "id,type,sign\n10,A,+1\n20,B,-1\n");
  EXPECT_THAT(read_neuron_table(good).sign, ElementsAre(1, -1));
  EXPECT_THAT(edges_error("pre,post,weight\n10,20,1\n20,99,1\n", good),
              AllOf(HasSubstr("edges.csv:3: column 'post': id 99 is not in the neuron table"),
                    HasSubstr("good.csv")));
  EXPECT_THAT(message_of<file_error>([&] {
                load_codex(write("conn.csv", "pre_root_id,post_root_id,syn_count\n10,30,1\n"), good,
                           std::nullopt);
              }),
              HasSubstr("conn.csv:2: column 'post_root_id': id 30 is not in the neuron table"));
}

TEST_F(connectome_loaders_files, unreadable_gzip_files) {
  // A gzip header followed by a deflate block of the reserved type 3.
  const auto corrupt =
      write("corrupt.csv.gz", std::string("\x1f\x8b\x08\0\0\0\0\0\0\x03\xff\xff", 12));
  EXPECT_THAT(message_of<file_error>([&] { load_edge_list(corrupt, std::nullopt); }),
              AllOf(HasSubstr("corrupt.csv.gz"), HasSubstr("not a readable gzip file")));

  std::ifstream in(fixtures / "codex_connections.csv.gz", std::ios::binary);
  const std::string whole{std::istreambuf_iterator<char>(in), {}};
  const auto cut = write("cut.csv.gz", whole.substr(0, whole.size() / 2));
  EXPECT_THAT(message_of<file_error>([&] { load_codex(cut, std::nullopt, std::nullopt); }),
              AllOf(HasSubstr("cut.csv.gz"), HasSubstr("not a readable gzip file")));
  // Only the 8-byte trailer (checksum and length) missing.
  const auto no_trailer = write("trailer.csv.gz", whole.substr(0, whole.size() - 8));
  EXPECT_THAT(message_of<file_error>([&] { load_codex(no_trailer, std::nullopt, std::nullopt); }),
              HasSubstr("not a readable gzip file"));

  EXPECT_THAT(message_of<file_error>([&] { load_edge_list(dir_ / "missing.csv", std::nullopt); }),
              AllOf(HasSubstr("missing.csv"), HasSubstr("cannot open")));
}

TEST_F(connectome_loaders_files, broken_npz_archives) {
  const auto metadata = fixtures / "npz_metadata.csv";
  EXPECT_THAT(
      message_of<file_error>([&] { load_npz(fixtures / "bad_missing_indptr.npz", metadata); }),
      AllOf(HasSubstr("bad_missing_indptr.npz"), HasSubstr("'indptr'"), HasSubstr("csr matrix")));
  EXPECT_THAT(
      message_of<file_error>([&] { load_npz(fixtures / "bad_shapes.npz", metadata); }),
      AllOf(HasSubstr("bad_shapes.npz"), HasSubstr("indices.npy: 4 values, but data.npy has 5")));
  EXPECT_THAT(
      message_of<file_error>([&] { load_npz(write("text.npz", "not a zip file"), metadata); }),
      AllOf(HasSubstr("text.npz"), HasSubstr("not a readable .npz")));
  std::ifstream in(fixtures / "matrix_csr.npz", std::ios::binary);
  const std::string whole{std::istreambuf_iterator<char>(in), {}};
  EXPECT_THAT(message_of<file_error>([&] {
                load_npz(write("cut.npz", whole.substr(0, whole.size() - 30)), metadata);
              }),
              HasSubstr("cut.npz"));
}

// Found by fuzz/fuzz_npz: a member's stated (uncompressed) size was allocated and cleared up
// front, so a corrupt size of 4 GB took gigabytes and tens of seconds before failing. Every
// member of the stored (uncompressed) csc fixture claims 4 GB here: a file_error, at once.
TEST_F(connectome_loaders_files, npz_member_sizes_are_not_trusted) {
  std::ifstream in(fixtures / "matrix_csc.npz", std::ios::binary);
  std::string zip{std::istreambuf_iterator<char>(in), {}};
  auto patch = [&](const std::string& signature, std::size_t offset) {
    for (auto at = zip.find(signature); at != std::string::npos; at = zip.find(signature, at + 1))
      zip.replace(at + offset, 4, "\xf0\xff\xff\xff");
  };
  patch(std::string("PK\x03\x04", 4), 22);  // local file headers: uncompressed size
  patch(std::string("PK\x01\x02", 4), 24);  // central directory: uncompressed size
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_THAT(message_of<file_error>(
                  [&] { load_npz(write("huge.npz", zip), fixtures / "npz_metadata.csv"); }),
              HasSubstr("huge.npz"));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
}

// Found by fuzz/fuzz_npz: the matrix was built before its shape was compared with the
// metadata, so 5 coo entries in a stated 300000000 x 3 shape allocated 2.4 GB of row pointers
// first. The shape is now checked first: a file_error at once.
TEST_F(connectome_loaders_files, npz_shape_is_checked_before_the_matrix_is_built) {
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_THAT(message_of<file_error>([&] {
                load_npz(fixtures / "bad_huge_shape.npz", fixtures / "npz_metadata.csv");
              }),
              AllOf(HasSubstr("3 neuron rows"), HasSubstr("is 300000000 x 3")));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
}

TEST_F(connectome_loaders_files, npz_metadata_must_match_the_matrix) {
  const auto npz = fixtures / "matrix_csr.npz";
  const auto short_table = write("meta.csv", "idx,root_id\n0,5\n1,6\n");
  EXPECT_THAT(message_of<file_error>([&] { load_npz(npz, short_table); }),
              AllOf(HasSubstr("meta.csv"), HasSubstr("2 neuron rows"), HasSubstr("3 x 3")));
  EXPECT_THAT(message_of<file_error>(
                  [&] { load_npz(npz, write("m.csv", "idx,root_id\n0,5\n3,6\n1,7\n")); }),
              HasSubstr("m.csv:3: column 'idx': index 3 is outside the matrix (0 to 2)"));
  EXPECT_THAT(message_of<file_error>(
                  [&] { load_npz(npz, write("d.csv", "idx,root_id\n0,5\n1,6\n0,7\n")); }),
              HasSubstr("d.csv:4: column 'idx': index 0 appears again (first on line 2)"));
  // Without an index column the rows are the matrix order.
  const auto c = load_npz(npz, write("plain.csv", "root_id,type\n5,X\n6,Y\n7,Z\n"));
  EXPECT_EQ(c.neurons.id, (ids{5, 6, 7}));
}

TEST_F(connectome_loaders_files, csv_reader_spans_chunks_and_keeps_line_numbers) {
  // Over 1 MiB, so that lines cross the reader's chunk boundary; a BOM, CRLF endings and
  // blank lines (counted, not reported).
  std::string text = "\xEF\xBB\xBFpre,post,name\r\n";
  const int rows = 60000;
  for (int i = 0; i < rows; ++i)
    text += std::to_string(i) + "," + std::to_string(2 * i) + ",\"neuron, number " +
            std::to_string(i) + "\"\r\n" + (i % 1000 == 0 ? "\n" : "");
  ASSERT_GT(text.size(), std::size_t{1} << 20);
  const auto p = write("big.csv", text);
  int seen = 0;
  std::size_t last_line = 0;
  read_csv_records(p, [&](std::size_t line, std::vector<std::string>& f) {
    ASSERT_EQ(f.size(), 3u);
    if (line == 1) {
      EXPECT_EQ(f[0], "pre");
      return;
    }
    EXPECT_EQ(f[0], std::to_string(seen));
    EXPECT_EQ(f[2], "neuron, number " + std::to_string(seen));
    ++seen;
    last_line = line;
  });
  EXPECT_EQ(seen, rows);
  EXPECT_EQ(last_line, static_cast<std::size_t>(1 + rows + rows / 1000));
}

// ---------------------------------------------------------------- connectome::load
// The one entry point of the command line: every format is picked from the file's name and
// header and gives what its own loader gives.

source from(const fs::path& file, std::optional<fs::path> neurons = {},
            std::optional<fs::path> classification = {}) {
  source s;
  s.connectome = file.string();
  s.neurons = std::move(neurons);
  s.classification = std::move(classification);
  return s;
}

TEST(connectome_source, DetectsEveryFormat) {
  expect_same(load(from(fixtures / "edges.csv", fixtures / "neurons.csv")),
              load_edge_list(fixtures / "edges.csv", fixtures / "neurons.csv"));
  // Codex by its pre_root_id header, gzipped or not.
  const auto codex =
      load_codex(fixtures / "codex_connections.csv", fixtures / "codex_classification.csv",
                 fixtures / "codex_neurons.csv");
  expect_same(load(from(fixtures / "codex_connections.csv.gz", fixtures / "codex_neurons.csv",
                        fixtures / "codex_classification.csv")),
              codex);
  // neuPrint by its bodyId_pre header.
  expect_same(
      load(from(fixtures / "neuprint_adjacency.csv", fixtures / "neuprint_neurons.csv")),
      load_neuprint(fixtures / "neuprint_adjacency.csv", fixtures / "neuprint_neurons.csv"));
  // .npz by its name, with the metadata table as --neurons.
  expect_same(load(from(fixtures / "matrix_csr.npz", fixtures / "npz_metadata.csv")),
              load_npz(fixtures / "matrix_csr.npz", fixtures / "npz_metadata.csv"));
  // A shipped name, and the flyvis template by its .json name.
  EXPECT_EQ(load(from("hemibrain-mb")).size(), 2096);
  source flyvis_json = from(shipped_dir() / "flyvis" / "fib25-fib19_v2.2.json");
  EXPECT_EQ(load(flyvis_json).size(), 45669);
}

TEST(connectome_source, AnExplicitFormatOverridesDetection) {
  auto s = from(fixtures / "neuprint_adjacency.csv", fixtures / "neuprint_neurons.csv");
  s.format = parse_source_format("edge-list");  // the same columns: pre/post aliases
  expect_same(load(s), load_edge_list(fixtures / "neuprint_adjacency.csv",
                                      fixtures / "neuprint_neurons.csv"));
  s.format = parse_source_format("npz");
  EXPECT_THROW(load(s), file_error);  // a CSV is not a zip archive
  EXPECT_THAT(message_of<parameter_error>([] { parse_source_format("xlsx"); }), HasSubstr("codex"));
}

TEST(connectome_source, MissingFilesAndMetadataAreNamed) {
  EXPECT_THAT(message_of<file_error>([] { load(from("no_such_file.csv")); }),
              HasSubstr("no_such_file.csv"));
  EXPECT_THAT(message_of<file_error>([] { load(from("larvae")); }), HasSubstr("larva"));
  EXPECT_THAT(message_of<file_error>([] { load(from(fixtures / "matrix_csr.npz")); }),
              HasSubstr("metadata"));
}

TEST(connectome_source, LoadOptionsPassThrough) {
  auto s = from(fixtures / "codex_connections.csv", fixtures / "codex_neurons.csv",
                fixtures / "codex_classification.csv");
  s.options.input_proportion = false;
  s.options.min_synapses = 2;
  load_options o;
  o.input_proportion = false;
  o.min_synapses = 2;
  expect_same(load(s),
              load_codex(fixtures / "codex_connections.csv", fixtures / "codex_classification.csv",
                         fixtures / "codex_neurons.csv", o));
  s.options.default_sign = 0;
  EXPECT_THROW(load(s), parameter_error);
}

}  // namespace
}  // namespace kenyon::connectome

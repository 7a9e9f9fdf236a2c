// connectome::load, the one entry point of the command line: every format is picked from
// the file's name and header and gives what its own loader gives.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "kenyon/connectome/loaders.hpp"
#include "kenyon/connectome/shipped.hpp"
#include "kenyon/connectome/source.hpp"
#include "kenyon/core/error.hpp"
#include "messages.hpp"

namespace kenyon::connectome {
namespace {

namespace fs = std::filesystem;
using testing::HasSubstr;

const fs::path fixtures = fs::path(KENYON_TEST_DATA_DIR) / "connectomes" / "fixtures";

void expect_same(const connectome& a, const connectome& b) {
  EXPECT_EQ(a.neurons.id, b.neurons.id);
  EXPECT_EQ(a.neurons.type, b.neurons.type);
  EXPECT_EQ(a.neurons.sign, b.neurons.sign);
  EXPECT_EQ(a.neurons.sensory, b.neurons.sensory);
  EXPECT_EQ(a.inprop.row_begin, b.inprop.row_begin);
  EXPECT_EQ(a.inprop.col, b.inprop.col);
  EXPECT_EQ(a.inprop.value, b.inprop.value);
}

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
  EXPECT_THAT(test::message_of<parameter_error>([] { parse_source_format("xlsx"); }),
              HasSubstr("codex"));
}

TEST(connectome_source, MissingFilesAndMetadataAreNamed) {
  EXPECT_THAT(test::message_of<file_error>([] { load(from("no_such_file.csv")); }),
              HasSubstr("no_such_file.csv"));
  EXPECT_THAT(test::message_of<file_error>([] { load(from("larvae")); }), HasSubstr("larva"));
  EXPECT_THAT(test::message_of<file_error>([] { load(from(fixtures / "matrix_csr.npz")); }),
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

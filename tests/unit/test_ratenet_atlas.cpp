// The atlas (ratenet/atlas.hpp): one activation maximisation per target set, B sets at a
// time through a work queue. A set's result must be the same bit for bit whatever the batch
// size, the order of the queue and the thread count; every set's loss must fall; entries
// survive their byte form; target files and sets are checked.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "kenyon/core/error.hpp"
#include "kenyon/ratenet/atlas.hpp"
#include "kenyon/ratenet/results.hpp"
#include "seed.hpp"
#include "temp_dir.hpp"
#include "thread_count.hpp"

namespace kenyon::ratenet {
namespace {

namespace fs = std::filesystem;

// n neurons of `types` cell types ("T0" ..), the first `sensory` of type "S<k>", random
// input proportions (each neuron's inputs sum to 1), a tenth of the neurons inhibitory.
model random_model(std::int64_t n, int types, std::int64_t sensory, unsigned seed, int layers) {
  std::mt19937 gen(seed);
  connectome::connectome c;
  c.name = "random";
  for (std::int64_t i = 0; i < n; ++i) {
    const bool s = i < sensory;
    const auto type = s ? "S" + std::to_string(i % 4) : "T" + std::to_string(i % types);
    c.neurons.add(1000 + i, type, i % 10 == 9 ? -1 : 1, s);
  }
  std::vector<std::int64_t> pre, post;
  std::vector<float> value;
  std::uniform_int_distribution<std::int64_t> any(0, n - 1);
  std::uniform_real_distribution<float> weight(0.1f, 1.0f);
  for (std::int64_t j = sensory; j < n; ++j)
    for (int k = 0; k < 8; ++k) {
      pre.push_back(any(gen));
      post.push_back(j);
      value.push_back(weight(gen));
    }
  // Input proportions: divide by each post neuron's total.
  std::vector<double> total(static_cast<std::size_t>(n), 0);
  for (std::size_t k = 0; k < post.size(); ++k)
    total[static_cast<std::size_t>(post[k])] += value[k];
  for (std::size_t k = 0; k < post.size(); ++k)
    value[k] = static_cast<float>(value[k] / total[static_cast<std::size_t>(post[k])]);
  c.inprop = sparse::from_triplets(n, n, pre, post, value);
  model_spec spec;
  spec.network.num_layers = layers;
  return make_model(std::move(c), spec);
}

struct queue_run {
  std::vector<atlas_entry> entries;  // by index
  bool finished = false;
};

// Optimises every target set of `targets`, taking them in `order`.
queue_run run_queue(const model& m, const std::vector<atlas_target>& targets, atlas_params params,
                    std::vector<std::size_t> order) {
  queue_run r;
  std::size_t next = 0;
  r.finished = optimise_atlas(m.net, m.conn.neurons.type, targets, params,
                              {.next = [&]() -> std::optional<std::size_t> {
                                 if (next == order.size()) return std::nullopt;
                                 return order[next++];
                               },
                               .done = [&](atlas_entry e) { r.entries.push_back(std::move(e)); },
                               .poll = {},
                               .stop = {}});
  std::sort(r.entries.begin(), r.entries.end(),
            [](const auto& a, const auto& b) { return a.index < b.index; });
  return r;
}

// Equal bit for bit (NaN included), field by field.
void expect_same(const atlas_entry& a, const atlas_entry& b) {
  SCOPED_TRACE("target set " + a.name);
  EXPECT_EQ(a.index, b.index);
  EXPECT_EQ(std::bit_cast<std::uint64_t>(a.loss_start), std::bit_cast<std::uint64_t>(b.loss_start));
  EXPECT_EQ(std::bit_cast<std::uint64_t>(a.loss_end), std::bit_cast<std::uint64_t>(b.loss_end));
  EXPECT_EQ(a.iterations, b.iterations);
  EXPECT_EQ(a.stopped_early, b.stopped_early);
  EXPECT_EQ(a.sensory_types, b.sensory_types);
  EXPECT_EQ(a.intermediate_types, b.intermediate_types);
  ASSERT_EQ(a.input.size(), b.input.size());
  EXPECT_EQ(std::memcmp(a.input.data(), b.input.data(), a.input.size() * sizeof(float)), 0);
}

TEST(ratenet_atlas, a_target_sets_result_does_not_depend_on_batch_order_or_threads) {
  test::thread_count_guard guard;
  const auto seed = test::test_seed(4101);
  const auto m = random_model(600, 14, 60, static_cast<unsigned>(seed), 4);
  auto targets = atlas_targets_matching(m.conn, "T*", 3, 1.0);
  ASSERT_EQ(targets.size(), 14u);
  // Different target layers too, so that sets finish at different times.
  for (std::size_t k = 0; k < targets.size(); k += 3) targets[k].layer = 2;
  atlas_params p;
  p.optimise.num_iterations = 30;
  p.optimise.in_reg = p.optimise.out_reg = l1_plus_l2_mean;
  p.optimise.seed = seed;
  p.optimise.stopping_threshold = 6e-3;  // some stop early, some do not
  std::vector<std::size_t> order(targets.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  omp_set_num_threads(1);
  p.batch = 1;
  const auto reference = run_queue(m, targets, p, order);
  ASSERT_TRUE(reference.finished);
  ASSERT_EQ(reference.entries.size(), targets.size());
  int early = 0;
  for (const auto& e : reference.entries) early += e.stopped_early;
  EXPECT_GT(early, 0);
  EXPECT_LT(early, static_cast<int>(targets.size()));
  auto reversed = order;
  std::reverse(reversed.begin(), reversed.end());
  for (const int threads : {1, 2})
    for (const std::int64_t batch : {3, 8, 32})
      for (const auto* o : {&order, &reversed}) {
        SCOPED_TRACE("threads " + std::to_string(threads) + ", batch " + std::to_string(batch) +
                     (o == &order ? ", in order" : ", reversed"));
        omp_set_num_threads(threads);
        p.batch = batch;
        const auto r = run_queue(m, targets, p, *o);
        ASSERT_EQ(r.entries.size(), reference.entries.size());
        for (std::size_t k = 0; k < r.entries.size(); ++k)
          expect_same(r.entries[k], reference.entries[k]);
      }
}

TEST(ratenet_atlas, every_larva_mbon_loss_falls) {
  model_spec spec;
  spec.source.connectome = "larva";
  spec.network.num_layers = 6;
  const auto m = load_model(spec);
  // MBON is a class: its 24 types (left/right pairs), or its 48 neurons one by one.
  EXPECT_EQ(atlas_targets_matching(m.conn, "MBON", 5, 1.0, true).size(), 48u);
  const auto targets = atlas_targets_matching(m.conn, "MBON", 5, 1.0);
  ASSERT_EQ(targets.size(), 24u);
  for (const auto& t : targets) EXPECT_EQ(t.neurons.size(), 2u) << t.name;
  atlas_options o;
  o.targets = targets;
  o.params.batch = 16;
  o.params.optimise.num_iterations = 40;
  o.params.optimise.in_reg = o.params.optimise.out_reg = l1_plus_l2_mean;
  const auto r = run_atlas(m, o);
  ASSERT_EQ(r.entries.size(), 24u);
  for (const auto& e : r.entries) {
    EXPECT_LT(e.loss_end, e.loss_start) << e.name;
    EXPECT_FALSE(e.non_finite) << e.name;
    EXPECT_EQ(e.input.size(), static_cast<std::size_t>(m.net.num_sensory() * 6));
    EXPECT_FALSE(e.sensory_types.empty());
    for (const float v : e.input) EXPECT_TRUE(v >= -1 && v <= 1);
  }
  EXPECT_EQ(r.rows.size(), 24u);
  EXPECT_EQ(r.details["target_sets"], 24);
  EXPECT_EQ(r.details["loss_decreased"], 24);
  const auto files = r.files();
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].first, "atlas.csv");
  EXPECT_EQ(files[1].first, "inputs.npy");
}

TEST(ratenet_atlas, zero_iterations_evaluate_the_start_and_a_stop_ends_the_run) {
  const auto m = random_model(200, 5, 20, 3, 3);
  const auto targets = atlas_targets_matching(m.conn, "T1", 2, 0.5);
  atlas_params p;
  p.optimise.num_iterations = 0;
  const auto r = run_queue(m, targets, p, {0});
  ASSERT_EQ(r.entries.size(), 1u);
  EXPECT_EQ(r.entries[0].iterations, 0);
  EXPECT_EQ(r.entries[0].loss_start, r.entries[0].loss_end);
  p.optimise.num_iterations = 10;
  int polls = 0;
  std::vector<atlas_entry> done;
  const bool finished =
      optimise_atlas(m.net, m.conn.neurons.type, targets, p,
                     {.next = [n = 0]() mutable -> std::optional<std::size_t> {
                        if (n++ == 0) return 0;
                        return std::nullopt;
                      },
                      .done = [&](atlas_entry e) { done.push_back(std::move(e)); },
                      .poll = [&] { ++polls; },
                      .stop = [&] { return polls >= 3; }});
  EXPECT_FALSE(finished);
  EXPECT_TRUE(done.empty());
}

TEST(ratenet_atlas, entries_survive_their_bytes_and_bad_bytes_are_named) {
  atlas_entry e;
  e.index = 7;
  e.name = "MBON-a1";
  e.neurons = 2;
  e.layer = 4;
  e.value = 0.5;
  e.loss_start = 0.25;
  e.loss_end = std::nan("");
  e.iterations = 12;
  e.stopped_early = true;
  e.sensory_types = {{"ORN", 0.5}, {"AN", -0.125}};
  e.intermediate_types = {{"PN", 0.75}};
  e.non_finite =
      non_finite_report{.where = "atlas", .quantity = "state", .layer = 2, .value = 1.0 / 0.0};
  e.input = {0.1f, -1.0f, 0.0f, 1.0f};
  const auto back = atlas_entry_from_bytes(to_bytes(e), "x");
  expect_same(back, e);
  EXPECT_EQ(back.name, e.name);
  ASSERT_TRUE(back.non_finite);
  EXPECT_EQ(back.non_finite->message(), e.non_finite->message());
  auto bytes = to_bytes(e);
  try {
    atlas_entry_from_bytes(bytes.substr(0, bytes.size() - 3), "parts/7.entry");
    FAIL() << "a truncated entry was accepted";
  } catch (const file_error& x) {
    EXPECT_EQ(x.path(), "parts/7.entry");
    EXPECT_NE(std::string(x.what()).find("bytes follow"), std::string::npos) << x.what();
  }
  EXPECT_THROW(atlas_entry_from_bytes("{\"index\": 1}\n", "y"), file_error);
  EXPECT_THROW(atlas_entry_from_bytes("no newline", "y"), file_error);
}

class ratenet_atlas_files : public test::temporary_folder_test {};

TEST_F(ratenet_atlas_files, target_files_and_sets_are_checked) {
  const auto m = random_model(200, 5, 20, 3, 3);
  const auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return dir_ / name;
  };
  const auto good = read_atlas_targets(
      write("good.csv", "target,layer,value,name\nT1,1,0.5,first\n1025 1030;1035,,,\nS*,2,,\n"),
      m.conn, 2, 1.0);
  ASSERT_EQ(good.size(), 3u);
  EXPECT_EQ(good[0].name, "first");
  EXPECT_EQ(good[0].layer, 1);
  EXPECT_EQ(good[0].value, 0.5);
  EXPECT_EQ(good[1].neurons, (std::vector<std::int64_t>{25, 30, 35}));
  EXPECT_EQ(good[1].layer, 2);
  EXPECT_EQ(good[1].name, "1025 1030;1035");
  EXPECT_EQ(good[2].neurons.size(), 20u);
  const auto fails = [&](const std::string& text, const std::string& fragment) {
    try {
      read_atlas_targets(write("bad.csv", text), m.conn, 2, 1.0);
      ADD_FAILURE() << "accepted: " << text;
    } catch (const file_error& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  fails("", "empty");
  fails("target,layer\n", "no target sets");
  fails("name,layer\nx,1\n", "no 'target' column");
  fails("target,layer\nNOPE,1\n", "NOPE");
  fails("target,layer\nT1,-1\n", "layer");
  fails("target,value\nT1,nan\n", "finite");
  fails("target,layer\nT1,1,3\n", "expected 2 fields");
  EXPECT_THROW(atlas_targets_matching(m.conn, "MBON*", 1, 1.0), unknown_name_error);
  auto t = good;
  t[0].layer = 3;  // layers 0..2
  EXPECT_THROW(check_atlas_targets(t, m.net), parameter_error);
  EXPECT_THROW(check_atlas_targets({}, m.net), parameter_error);
  atlas_params p;
  p.batch = 0;
  EXPECT_THROW(p.validate(), parameter_error);
}

}  // namespace
}  // namespace kenyon::ratenet

// `kenyon moth sweep` spread over MPI ranks (mpirun -np 2) and sliced by --shard: the same
// JSON (timings apart) and the same files as one plain process.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "cli_run.hpp"
#include "kenyon/core/error.hpp"
#include "kenyon/dist/work_queue.hpp"
#include "require.hpp"

#ifndef KENYON_MPIEXEC
#define KENYON_MPIEXEC ""
#endif

namespace {

namespace fs = std::filesystem;
using kenyon::test::quote;
using kenyon::test::read_text;
using nlohmann::json;

using kenyon::test::mnist_dir;
using kenyon::test::without_timings;

std::set<std::string> run_files(const fs::path& out) {
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(out / "runs"))
    if (e.path().filename().string().starts_with("train")) names.insert(e.path().filename());
  return names;
}

class sweep_dist_test : public kenyon::test::cli_fixture {
 protected:
  void SetUp() override {
    cli_fixture::SetUp();
    KENYON_REQUIRE(!kenyon::test::cli_path.empty() && fs::exists(kenyon::test::cli_path),
                   "kenyon CLI not built");
    KENYON_REQUIRE(fs::exists(mnist_dir / "train-labels-idx1-ubyte"), "MNIST not in " << mnist_dir);
  }
  // Three sample counts x two seeds: six runs of different lengths.
  static std::string sweep(const fs::path& out, const std::string& extra = "") {
    return "moth sweep --train-per-class 1,3,2 --seeds 2 --val-per-class 3 --json --data-dir " +
           quote(mnist_dir.string()) + " --out " + quote(out.string()) + " " + extra;
  }
  // Checks that `b` holds what `a` holds: results.json (timings apart), the table, the
  // figure and every run's file.
  void expect_same_outputs(const fs::path& a, const fs::path& b) {
    EXPECT_EQ(without_timings(json::parse(read_text(a / "results.json"))),
              without_timings(json::parse(read_text(b / "results.json"))));
    for (const char* f : {"accuracy.csv", "accuracy.svg"})
      EXPECT_EQ(read_text(a / f), read_text(b / f)) << f;
    const auto names = run_files(a);
    EXPECT_EQ(names.size(), 6u);
    EXPECT_EQ(names, run_files(b));
    for (const auto& n : names)
      EXPECT_EQ(read_text(a / "runs" / n), read_text(b / "runs" / n)) << n;
  }
};

const std::string mpi_env =
    "OMP_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 "
    "OMPI_MCA_rmaps_base_oversubscribe=1";

TEST_F(sweep_dist_test, mpirun_gives_what_one_process_gives) {
  if (!kenyon::dist::built_with_mpi() || std::string(KENYON_MPIEXEC).empty())
    GTEST_SKIP() << "kenyon built without MPI";
  const auto plain = run(sweep(dir_ / "plain", "--threads 2"));
  ASSERT_EQ(plain.code, 0) << plain.err;
  for (int ranks : {1, 2}) {
    const auto out = dir_ / ("np" + std::to_string(ranks));
    // mpirun runs `kenyon` as the command; cli_fixture::run puts the env in front.
    const auto r = run(sweep(out, "--threads 1"),
                       mpi_env + " " + quote(KENYON_MPIEXEC) + " -np " + std::to_string(ranks));
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(without_timings(json::parse(r.out)), without_timings(json::parse(plain.out)))
        << "stdout: rank 0's JSON alone";
    expect_same_outputs(dir_ / "plain", out);
  }
}

TEST_F(sweep_dist_test, shards_run_their_slices_and_join_by_resume) {
  const auto plain = run(sweep(dir_ / "plain", "--threads 2"));
  ASSERT_EQ(plain.code, 0) << plain.err;
  const auto a = run(sweep(dir_ / "a", "--shard 0/2")), b = run(sweep(dir_ / "b", "--shard 1/2"));
  ASSERT_EQ(a.code, 0) << a.err;
  ASSERT_EQ(b.code, 0) << b.err;
  // Run (row r, seed s) is unit 2r + s: shard 0 has every seed 0, shard 1 every seed 1.
  EXPECT_EQ(run_files(dir_ / "a"),
            (std::set<std::string>{"train1_seed0.json", "train3_seed0.json", "train2_seed0.json"}));
  EXPECT_EQ(run_files(dir_ / "b"),
            (std::set<std::string>{"train1_seed1.json", "train3_seed1.json", "train2_seed1.json"}));
  EXPECT_EQ(json::parse(a.out)["runs_done"], 3);
  EXPECT_EQ(json::parse(a.out)["shard"], "0/2");
  EXPECT_FALSE(fs::exists(dir_ / "a" / "results.json")) << "a slice is not the sweep";
  EXPECT_NE(a.err.find("--resume"), std::string::npos) << a.err;
  for (const auto& n : run_files(dir_ / "b"))
    fs::copy_file(dir_ / "b" / "runs" / n, dir_ / "a" / "runs" / n);
  const auto joined = run(sweep(dir_ / "a", "--resume"));
  ASSERT_EQ(joined.code, 0) << joined.err;
  EXPECT_NE(joined.err.find("resuming: 6 runs done"), std::string::npos) << joined.err;
  EXPECT_EQ(without_timings(json::parse(joined.out)), without_timings(json::parse(plain.out)));
  expect_same_outputs(dir_ / "plain", dir_ / "a");
}

TEST_F(sweep_dist_test, bad_shards_are_refused) {
  for (const char* bad : {"3/2", "-1/2", "1/0", "a/b", "1/2/3", "1", "/2", "0/", "2/2"}) {
    const auto r = run(sweep(dir_ / "bad", "--shard=" + quote(bad)));
    EXPECT_EQ(r.code, 2) << bad;
    EXPECT_EQ(r.err, std::string("kenyon: error: --shard: '") + bad +
                         "': expected i/n with 0 <= i < n, e.g. 0/4\n");
    EXPECT_FALSE(fs::exists(dir_ / "bad")) << bad;
  }
  const auto no_out =
      run("moth sweep --train-per-class 1 --seeds 2 --val-per-class 3 --shard 0/2 --data-dir " +
          quote(mnist_dir.string()));
  EXPECT_EQ(no_out.code, 2);
  EXPECT_NE(no_out.err.find("--shard: needs --out"), std::string::npos) << no_out.err;
}

TEST(shard, parse_and_ownership) {
  using kenyon::dist::shard;
  const auto s = shard::parse("1/3");
  EXPECT_EQ(s.index, 1);
  EXPECT_EQ(s.count, 3);
  EXPECT_EQ(s.text(), "1/3");
  EXPECT_FALSE(s.owns(0));
  EXPECT_TRUE(s.owns(1));
  EXPECT_TRUE(s.owns(4));
  EXPECT_TRUE(shard{}.owns(7));
  for (const char* bad : {"3/2", "-1/2", "1/0", "a/b", "1/2/3", "", "1/", " 1/2", "+1/2"}) {
    try {
      shard::parse(bad, "--slice");
      ADD_FAILURE() << bad;
    } catch (const kenyon::parameter_error& e) {
      EXPECT_EQ(e.field(), "--slice") << bad;
    }
  }
}

// Without mpirun: one rank, a local queue, collect called by submit.
TEST(work_queue, one_rank_is_a_local_queue) {
  const auto w = kenyon::dist::init_world();
  EXPECT_EQ(w.rank, 0);
  EXPECT_EQ(w.size, 1);
  std::vector<std::pair<std::size_t, std::string>> got;
  kenyon::dist::work_queue q(
      w, {5, 2, 9}, [&](std::size_t u, std::string r) { got.emplace_back(u, std::move(r)); });
  std::vector<std::size_t> order;
  while (const auto u = q.next()) {
    order.push_back(*u);
    q.submit(*u, "r" + std::to_string(*u));
    EXPECT_EQ(got.back().first, *u) << "collected at once";
  }
  q.finish();
  EXPECT_EQ(order, (std::vector<std::size_t>{5, 2, 9}));
  EXPECT_EQ(got.size(), 3u);
  EXPECT_FALSE(q.stopped());
}

}  // namespace

// The work queue across MPI ranks: run by ctest under `mpirun -np 3` (and -np 1, and
// without mpirun). Every rank runs every test, in the same order, since each queue is built
// by all ranks together; rank 0 checks what it collected. Units take different times (a
// sleep from their index), and some results are megabytes, sent as large messages.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "kenyon/dist/work_queue.hpp"

namespace {

using kenyon::dist::work_queue;
using kenyon::dist::world;

world the_world;

// "rank seq unit" then a filler whose length and bytes depend on the unit alone.
std::string result_of(int rank, int seq, std::size_t unit) {
  std::string r =
      std::to_string(rank) + " " + std::to_string(seq) + " " + std::to_string(unit) + " ";
  const std::size_t filler = unit % 7 == 3 ? 3'000'000 + unit : (unit * 977) % 5000;
  r.append(filler, static_cast<char>('a' + unit % 26));
  return r;
}

void work_for(std::size_t unit) {
  std::this_thread::sleep_for(std::chrono::microseconds((unit * 7919) % 6000));
}

struct collected {
  std::size_t unit;
  int rank, seq;
  bool intact;
};

collected parse(std::size_t unit, const std::string& r) {
  collected c{unit, -1, -1, false};
  std::size_t u = 0;
  int consumed = 0;
  if (std::sscanf(r.c_str(), "%d %d %zu %n", &c.rank, &c.seq, &u, &consumed) >= 3)
    c.intact = u == unit && r == result_of(c.rank, c.seq, unit);
  return c;
}

// Rank 0's checks: every unit of `units` exactly once, intact, and each rank's results in
// the order it submitted them (seq 0, 1, 2, ...), its units in list order.
void check_collected(const std::vector<std::size_t>& units, const std::vector<collected>& got) {
  std::map<std::size_t, int> times;
  for (const auto& c : got) {
    ++times[c.unit];
    EXPECT_TRUE(c.intact) << "unit " << c.unit;
  }
  EXPECT_EQ(got.size(), units.size());
  for (std::size_t u : units) EXPECT_EQ(times[u], 1) << "unit " << u;
  std::map<int, std::vector<const collected*>> by_rank;
  for (const auto& c : got) by_rank[c.rank].push_back(&c);
  for (const auto& [rank, list] : by_rank) {
    EXPECT_GE(rank, 0);
    EXPECT_LT(rank, the_world.size);
    for (std::size_t k = 0; k < list.size(); ++k) {
      EXPECT_EQ(list[k]->seq, static_cast<int>(k)) << "rank " << rank << " out of order";
      if (k > 0) {
        const auto at = [&](std::size_t u) { return std::find(units.begin(), units.end(), u); };
        EXPECT_LT(at(list[k - 1]->unit), at(list[k]->unit)) << "rank " << rank;
      }
    }
  }
}

// The plain loop: next, work, submit, poll.
std::vector<collected> run_loop(const std::vector<std::size_t>& units) {
  std::vector<collected> got;
  work_queue q(the_world, units, [&](std::size_t u, std::string r) { got.push_back(parse(u, r)); });
  int seq = 0;
  while (const auto u = q.next()) {
    work_for(*u);
    q.submit(*u, result_of(the_world.rank, seq++, *u));
    q.poll();
  }
  q.finish();
  EXPECT_FALSE(q.stopped());
  if (the_world.rank != 0) {
    EXPECT_TRUE(got.empty()) << "collect runs on rank 0 only";
  }
  return got;
}

std::vector<std::size_t> shuffled_units(std::size_t n) {
  std::vector<std::size_t> units(n);
  for (std::size_t k = 0; k < n; ++k) units[k] = (k * 37 + 11) % n + 100;  // not sorted
  return units;
}

TEST(work_queue, every_unit_once_in_submit_order) {
  const auto units = shuffled_units(60);
  const auto got = run_loop(units);
  if (the_world.rank == 0) {
    check_collected(units, got);
    std::map<int, int> per_rank;
    for (const auto& c : got) ++per_rank[c.rank];
    EXPECT_EQ(static_cast<int>(per_rank.size()), the_world.size) << "every rank works";
  }
}

TEST(work_queue, more_ranks_than_units) {
  for (std::size_t n : {0u, 1u, 2u}) {
    const auto units = shuffled_units(n);
    const auto got = run_loop(units);
    if (the_world.rank == 0) check_collected(units, got);
  }
}

TEST(work_queue, run_units_on_threads) {
  const auto units = shuffled_units(40);
  std::vector<collected> got;
  work_queue q(the_world, units, [&](std::size_t u, std::string r) { got.push_back(parse(u, r)); });
  // Sequence numbers from the order of submission are not known inside work(); the rank
  // and unit are, so check those and exactly-once here.
  const auto ran = kenyon::dist::run_units(q, 2, [](std::size_t u) {
    work_for(u);
    return result_of(the_world.rank, 0, u);
  });
  EXPECT_LE(ran, units.size());
  if (the_world.rank == 0) {
    EXPECT_EQ(got.size(), units.size());
    std::map<std::size_t, int> times;
    for (const auto& c : got) {
      ++times[c.unit];
      EXPECT_TRUE(c.intact) << "unit " << c.unit;
    }
    for (std::size_t u : units) EXPECT_EQ(times[u], 1) << "unit " << u;
  }
}

// A rank that stops after one unit: rank 0 hands out no more, and every rank returns.
TEST(work_queue, a_stopping_rank_stops_the_handing_out) {
  const auto units = shuffled_units(200);
  std::vector<collected> got;
  work_queue q(the_world, units, [&](std::size_t u, std::string r) { got.push_back(parse(u, r)); });
  const int stopper = the_world.size - 1;
  int seq = 0;
  while (const auto u = q.next()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    q.submit(*u, result_of(the_world.rank, seq++, *u));
    if (the_world.rank == stopper) q.stop();
  }
  q.finish();
  if (the_world.rank == 0 || the_world.rank == stopper) {
    EXPECT_TRUE(q.stopped());
  }
  if (the_world.rank == 0) {
    EXPECT_LT(got.size(), units.size());
    std::map<std::size_t, int> times;
    for (const auto& c : got) EXPECT_EQ(++times[c.unit], 1) << "unit " << c.unit;
  }
}

// Work that throws: run_units lets the other units finish, finishes the queue and rethrows
// on the rank whose work threw.
TEST(work_queue, run_units_rethrows_after_finishing) {
  const auto units = shuffled_units(12);
  work_queue q(the_world, units, [](std::size_t, std::string) {});
  std::atomic<bool> threw{false};
  bool caught = false;
  try {
    kenyon::dist::run_units(q, 2, [&](std::size_t u) -> std::string {
      if (u % 5 == 0) {
        threw = true;
        throw std::runtime_error("unit");
      }
      return "x";
    });
  } catch (const std::runtime_error&) {
    caught = true;
  }
  EXPECT_EQ(caught, threw.load());
}

}  // namespace

int main(int argc, char** argv) {
  the_world = kenyon::dist::init_world();
  ::testing::InitGoogleTest(&argc, argv);
  // Only rank 0 prints GoogleTest's report; the others print their failures alone.
  if (the_world.rank != 0) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
  }
  std::printf("rank %d of %d (MPI %s)\n", the_world.rank, the_world.size,
              kenyon::dist::built_with_mpi() ? "built in" : "not built");
  const int failed = RUN_ALL_TESTS();
  if (failed) std::fprintf(stderr, "rank %d: tests failed\n", the_world.rank);
  return failed;
}

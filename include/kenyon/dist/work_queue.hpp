#pragma once
// Spreading independent work units over MPI ranks (mpirun -np R kenyon ...) or over the
// tasks of a job array (--shard i/n). A unit is an index and a result is bytes: dist knows
// nothing of models. kenyon builds without MPI; then every world has one rank.
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kenyon::dist {

// This process's place among the MPI ranks: rank 0 of 1 without MPI or when not started by mpirun.
struct world {
  int rank = 0, size = 1;
};

bool built_with_mpi();

// Initialises MPI once if kenyon was built with it and the process was started by an MPI
// launcher (mpirun sets OMPI_COMM_WORLD_SIZE, PMI_SIZE or PMIX_RANK); MPI_THREAD_FUNNELED:
// only the calling thread talks MPI, OpenMP threads do the work. MPI is finalised at exit.
// Otherwise {0, 1}. Safe to call more than once. With a world of size 1 nothing below sends
// any message.
world init_world();

// After an error on this rank under mpirun (a world of more than one rank): ends every rank
// with `exit_code` (MPI_Abort), since the others may be waiting for this one forever.
// Does nothing without MPI or with one rank.
void abort_world(int exit_code);

// One slice of a list of units, for job arrays: "i/n" owns units u with u % n == i.
struct shard {
  int index = 0, count = 1;
  // Throws parameter_error naming `option` for anything but "i/n" with 0 <= i < n
  // (e.g. "3/2", "-1/2", "1/0", "a/b", "1/2/3").
  static shard parse(std::string_view text, std::string_view option = "--shard");
  bool owns(std::size_t unit) const {
    return unit % static_cast<std::size_t>(count) == static_cast<std::size_t>(index);
  }
  std::string text() const;  // "i/n"
};

// Dynamic distribution of work units over the ranks of `w`. Rank 0 keeps the list and hands
// units out in list order as ranks ask; rank 0 works too. Every other rank keeps one request
// ahead (asks for its next unit when it takes one), so that it rarely waits. A finished
// unit's result (bytes) goes to rank 0, where `collect(unit, result)` is called (from rank
// 0's thread inside next/submit/poll/finish), in the order each rank submitted. Without MPI
// or with one rank it is a plain local queue and submit calls collect directly.
//
// Every rank of `w` constructs its queues in the same order (each queue talks on its own
// duplicate of MPI_COMM_WORLD, so that one queue's messages never reach another). All
// calls come from the thread that called init_world.
class work_queue {
 public:
  work_queue(world w, std::vector<std::size_t> units,
             std::function<void(std::size_t unit, std::string result)> collect);
  ~work_queue();
  work_queue(const work_queue&) = delete;
  work_queue& operator=(const work_queue&) = delete;

  std::optional<std::size_t> next();  // this rank's next unit; nothing when all are handed out
  void submit(std::size_t unit, std::string result);  // this rank finished `unit`
  // Rank 0: answer requests and collect results that arrived (call it often, e.g. every
  // iteration); others: nothing.
  void poll();
  // After this rank's last submit: other ranks tell rank 0 and return; rank 0 serves until
  // every rank has finished and every result is collected. A rank stopping early
  // (SIGINT/SIGTERM) calls stop() and then finish(); rank 0 then hands out no more units.
  void finish();
  // This rank takes no more units (next() returns nothing). On rank 0 no rank gets any
  // more; another rank tells rank 0 so in finish(), and rank 0 stops handing out then.
  void stop();
  // Rank 0: whether any rank stopped early (stop(), or finish() before next() ran dry), so
  // that some units may not have been done. Others: whether this rank did.
  bool stopped() const;

  const world& where() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// Runs this rank's share of `queue` on `threads` OpenMP threads (0: all cores) and finishes
// the queue: work(unit) runs on a worker thread and returns the unit's result; the calling
// thread (the one that talks MPI) fetches units for idle threads, submits results and
// polls, sleeping in between, so it takes no core of its own. `stop` (optional) is asked
// between units: true lets the running units finish and takes no more (queue.stop()). The
// first exception from `work` stops the queue the same way and is rethrown after finish().
// Returns the number of units this rank ran.
std::size_t run_units(work_queue& queue, int threads,
                      const std::function<std::string(std::size_t unit)>& work,
                      const std::function<bool()>& stop = {});

}  // namespace kenyon::dist

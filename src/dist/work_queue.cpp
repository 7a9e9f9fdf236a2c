#include "kenyon/dist/work_queue.hpp"

#include <omp.h>

#include <charconv>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <exception>
#include <list>
#include <mutex>
#include <thread>
#include <utility>

#include "kenyon/core/error.hpp"

#ifndef KENYON_WITH_MPI
#define KENYON_WITH_MPI 0
#endif
#if KENYON_WITH_MPI
// The C API only: not the deprecated C++ bindings (and their warnings).
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>
#endif
#if defined(__SANITIZE_ADDRESS__)
#define KENYON_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KENYON_ASAN 1
#endif
#endif
#if KENYON_WITH_MPI && defined(KENYON_ASAN)
#include <sanitizer/lsan_interface.h>
#endif

namespace kenyon::dist {

bool built_with_mpi() { return KENYON_WITH_MPI != 0; }

#if KENYON_WITH_MPI
namespace {

world the_world;
bool mpi_started = false;

// Launchers set these; a kenyon started by hand does not initialise MPI at all (a singleton
// MPI_Init can be slow and needs no ranks).
bool started_by_launcher() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "PMI_RANK"})
    if (std::getenv(name)) return true;
  return false;
}

void finalize_at_exit() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized) return;
#if defined(KENYON_ASAN)
  // MPI_Finalize unloads OpenMPI's plugins, and what only they pointed to would then look
  // leaked to LeakSanitizer's check at exit (with stacks in modules it can no longer name
  // or suppress): check now, while they are loaded. The check at exit is then skipped.
  __lsan_do_leak_check();
#endif
  MPI_Finalize();
}

bool mpi_live() {
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  return initialized && !finalized;
}

}  // namespace

world init_world() {
  if (mpi_started) return the_world;
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) {
    if (!started_by_launcher()) return the_world;
    int provided = 0;
    {
#if defined(KENYON_ASAN)
      // MPI_Init opens OpenMPI's plugins and closes those it does not select, leaving what
      // they allocated unreachable in modules that LeakSanitizer can then no longer name:
      // what this thread allocates here is OpenMPI's, not kenyon's, and not checked.
      __lsan::ScopedDisabler openmpi_allocations;
#endif
      MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
    }
    if (provided < MPI_THREAD_FUNNELED)
      throw error("the MPI library offers no MPI_THREAD_FUNNELED support, which kenyon needs");
    std::atexit(finalize_at_exit);
  }
  MPI_Comm_rank(MPI_COMM_WORLD, &the_world.rank);
  MPI_Comm_size(MPI_COMM_WORLD, &the_world.size);
  mpi_started = true;
  return the_world;
}

void abort_world(int exit_code) {
  if (mpi_started && the_world.size > 1 && mpi_live()) MPI_Abort(MPI_COMM_WORLD, exit_code);
}
#else
world init_world() { return {}; }
void abort_world(int) {}
#endif

// ---- shard -------------------------------------------------------------------------

shard shard::parse(std::string_view text, std::string_view option) {
  auto fail = [&] {
    return parameter_error(std::string(option),
                           "'" + std::string(text) + "': expected i/n with 0 <= i < n, e.g. 0/4");
  };
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) throw fail();
  auto number = [&](std::string_view part) {
    int value = 0;
    const auto [at, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (part.empty() || ec != std::errc() || at != part.data() + part.size()) throw fail();
    return value;
  };
  shard s;
  s.index = number(text.substr(0, slash));
  s.count = number(text.substr(slash + 1));
  if (s.count < 1 || s.index < 0 || s.index >= s.count) throw fail();
  return s;
}

std::string shard::text() const { return std::to_string(index) + "/" + std::to_string(count); }

// ---- work_queue --------------------------------------------------------------------

namespace {

// Sleeps that grow from 20 us to 1 ms while nothing happens: waiting costs no core, and a
// busy exchange is answered within microseconds.
class backoff {
 public:
  void reset() { wait_ = std::chrono::microseconds(20); }
  void sleep() {
    std::this_thread::sleep_for(wait_);
    wait_ = std::min(wait_ * 2, std::chrono::microseconds(1000));
  }

 private:
  std::chrono::microseconds wait_{20};
};

#if KENYON_WITH_MPI
enum tag : int { tag_request = 1, tag_unit = 2, tag_result = 3, tag_done = 4 };
constexpr std::uint64_t no_unit = UINT64_MAX;

void put_u64(std::string& buffer, std::size_t at, std::uint64_t value) {
  std::memcpy(buffer.data() + at, &value, sizeof value);
}
std::uint64_t get_u64(const char* at) {
  std::uint64_t value;
  std::memcpy(&value, at, sizeof value);
  return value;
}
#endif

}  // namespace

struct work_queue::impl {
  world w;
  std::vector<std::size_t> units;
  std::size_t next_index = 0;
  std::function<void(std::size_t, std::string)> collect;
  bool stopped = false;      // this rank takes no more units
  bool dry = false;          // next() has answered "nothing"
  bool any_stopped = false;  // rank 0: some rank stopped early
  bool finished = false;

#if KENYON_WITH_MPI
  MPI_Comm comm = MPI_COMM_NULL;
  // Sends in flight, with the bytes they read (a list: nodes never move).
  struct send {
    MPI_Request request;
    std::string bytes;
  };
  std::list<send> sends;
  // Another rank: the request it keeps ahead and the answer's receive.
  bool request_out = false;
  MPI_Request unit_receive = MPI_REQUEST_NULL;
  std::uint64_t unit_answer = no_unit;
  std::uint64_t submitted = 0;
  // Rank 0: per rank, results collected, results announced by its "done", finished.
  std::vector<std::uint64_t> collected, announced;
  std::vector<char> done;

  bool distributed() const { return w.size > 1; }

  void post(std::string bytes, int destination, int t) {
    if (bytes.size() > static_cast<std::size_t>(INT_MAX))
      throw error("a work unit's result of " + std::to_string(bytes.size()) +
                  " bytes is too large for one MPI message (at most 2 GiB)");
    auto& s = sends.emplace_back(send{MPI_REQUEST_NULL, std::move(bytes)});
    MPI_Isend(s.bytes.data(), static_cast<int>(s.bytes.size()), MPI_BYTE, destination, t, comm,
              &s.request);
  }

  // Forgets the sends that completed.
  void reap() {
    for (auto it = sends.begin(); it != sends.end();) {
      int complete = 0;
      MPI_Test(&it->request, &complete, MPI_STATUS_IGNORE);
      it = complete ? sends.erase(it) : std::next(it);
    }
  }

  void wait_sends() {
    backoff pause;
    for (reap(); !sends.empty(); reap()) pause.sleep();
  }

  // Another rank: asks rank 0 for a unit, the answer landing in unit_answer.
  void ask() {
    MPI_Irecv(&unit_answer, sizeof unit_answer, MPI_BYTE, 0, tag_unit, comm, &unit_receive);
    post({}, 0, tag_request);
    request_out = true;
  }

  std::uint64_t await_answer() {
    backoff pause;
    for (int complete = 0;;) {
      MPI_Test(&unit_receive, &complete, MPI_STATUS_IGNORE);
      if (complete) break;
      reap();
      pause.sleep();
    }
    request_out = false;
    return unit_answer;
  }

  // Rank 0: handles every message that has arrived; true if there was one.
  bool serve() {
    bool any = false;
    while (true) {
      int flag = 0;
      MPI_Status status;
      MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, comm, &flag, &status);
      if (!flag) break;
      any = true;
      const int from = status.MPI_SOURCE;
      int count = 0;
      MPI_Get_count(&status, MPI_BYTE, &count);
      std::string bytes(static_cast<std::size_t>(count), '\0');
      MPI_Recv(bytes.data(), count, MPI_BYTE, from, status.MPI_TAG, comm, MPI_STATUS_IGNORE);
      switch (status.MPI_TAG) {
        case tag_request: {
          std::string answer(sizeof(std::uint64_t), '\0');
          const bool give = !stopped && !any_stopped && next_index < units.size();
          put_u64(answer, 0, give ? units[next_index++] : no_unit);
          post(std::move(answer), from, tag_unit);
          break;
        }
        case tag_result:
          if (bytes.size() < sizeof(std::uint64_t))
            throw internal_error("work_queue: a result message without its unit");
          ++collected[from];
          collect(get_u64(bytes.data()), bytes.substr(sizeof(std::uint64_t)));
          break;
        case tag_done:
          if (bytes.size() != 2 * sizeof(std::uint64_t))
            throw internal_error("work_queue: a malformed done message");
          announced[from] = get_u64(bytes.data());
          if (get_u64(bytes.data() + sizeof(std::uint64_t))) any_stopped = true;
          done[from] = 1;
          break;
        default:
          throw internal_error("work_queue: a message with unknown tag " +
                               std::to_string(status.MPI_TAG));
      }
    }
    reap();
    return any;
  }

  bool everyone_done() const {
    for (int r = 1; r < w.size; ++r)
      if (!done[r] || collected[r] != announced[r]) return false;
    return true;
  }
#else
  bool distributed() const { return false; }
#endif
};

work_queue::work_queue(world w, std::vector<std::size_t> units,
                       std::function<void(std::size_t unit, std::string result)> collect)
    : impl_(std::make_unique<impl>()) {
  if (w.size < 1 || w.rank < 0 || w.rank >= w.size)
    throw internal_error("work_queue: rank " + std::to_string(w.rank) + " of " +
                         std::to_string(w.size));
  impl_->w = w;
  impl_->units = std::move(units);
  impl_->collect = std::move(collect);
#if KENYON_WITH_MPI
  if (impl_->distributed()) {
    if (!mpi_started) throw internal_error("work_queue: a world of several ranks without MPI");
    MPI_Comm_dup(MPI_COMM_WORLD, &impl_->comm);
    if (w.rank == 0) {
      impl_->collected.assign(w.size, 0);
      impl_->announced.assign(w.size, 0);
      impl_->done.assign(w.size, 0);
    }
  }
#else
  if (w.size > 1) throw internal_error("work_queue: a world of several ranks without MPI");
#endif
}

work_queue::~work_queue() {
#if KENYON_WITH_MPI
  // Left unfinished (an exception): drop what is in flight; abort_world ends the others.
  if (impl_->comm != MPI_COMM_NULL && mpi_live()) {
    if (impl_->unit_receive != MPI_REQUEST_NULL) {
      MPI_Cancel(&impl_->unit_receive);
      MPI_Request_free(&impl_->unit_receive);
    }
    for (auto& s : impl_->sends)
      if (s.request != MPI_REQUEST_NULL) MPI_Request_free(&s.request);
    MPI_Comm_free(&impl_->comm);
  }
#endif
}

std::optional<std::size_t> work_queue::next() {
  auto& q = *impl_;
  if (q.stopped || q.dry) return std::nullopt;
#if KENYON_WITH_MPI
  if (q.distributed() && q.w.rank != 0) {
    if (!q.request_out) q.ask();
    const auto unit = q.await_answer();
    if (unit == no_unit) {
      q.dry = true;
      return std::nullopt;
    }
    q.ask();  // one request ahead
    return static_cast<std::size_t>(unit);
  }
  if (q.distributed()) {
    q.serve();
    if (q.any_stopped) return std::nullopt;
  }
#endif
  if (q.next_index < q.units.size()) return q.units[q.next_index++];
  q.dry = true;
  return std::nullopt;
}

void work_queue::submit(std::size_t unit, std::string result) {
  auto& q = *impl_;
  if (q.finished) throw internal_error("work_queue: submit after finish");
#if KENYON_WITH_MPI
  if (q.distributed() && q.w.rank != 0) {
    std::string bytes(sizeof(std::uint64_t), '\0');
    put_u64(bytes, 0, unit);
    bytes += result;
    q.post(std::move(bytes), 0, tag_result);
    ++q.submitted;
    q.reap();
    return;
  }
#endif
  q.collect(unit, std::move(result));
#if KENYON_WITH_MPI
  if (q.distributed()) q.serve();
#endif
}

void work_queue::poll() {
#if KENYON_WITH_MPI
  auto& q = *impl_;
  if (!q.distributed() || q.finished) return;
  if (q.w.rank == 0)
    q.serve();
  else
    q.reap();
#endif
}

void work_queue::stop() { impl_->stopped = true; }

bool work_queue::stopped() const { return impl_->stopped || impl_->any_stopped; }

const world& work_queue::where() const { return impl_->w; }

void work_queue::finish() {
  auto& q = *impl_;
  if (q.finished) return;
  // Finishing before the list ran dry is stopping early.
  if (!q.dry) q.stopped = true;
#if KENYON_WITH_MPI
  if (q.distributed() && q.w.rank != 0) {
    if (q.request_out) q.await_answer();  // a unit it will not run, if any
    std::string bytes(2 * sizeof(std::uint64_t), '\0');
    put_u64(bytes, 0, q.submitted);
    put_u64(bytes, sizeof(std::uint64_t), q.stopped ? 1 : 0);
    q.post(std::move(bytes), 0, tag_done);
    q.wait_sends();
  } else if (q.distributed()) {
    backoff pause;
    while (true) {
      if (q.serve()) pause.reset();
      if (q.everyone_done()) break;
      pause.sleep();
    }
    q.wait_sends();
  }
#endif
  q.finished = true;
}

// ---- run_units ---------------------------------------------------------------------

std::size_t run_units(work_queue& queue, int threads,
                      const std::function<std::string(std::size_t unit)>& work,
                      const std::function<bool()>& stop) {
  const int workers = threads > 0 ? threads : omp_get_max_threads();
  std::mutex mutex;
  std::condition_variable work_ready, result_ready;
  std::deque<std::size_t> ready;
  std::deque<std::pair<std::size_t, std::string>> outbox;
  bool no_more = false;
  int active = 0;
  std::size_t ran = 0;
  std::exception_ptr failure;

  // Thread 0 is the one that called this (the initial thread, which talks MPI); threads
  // 1..workers run units. A team of one (OpenMP refused more) does both in turn.
  auto funnel = [&] {
    std::unique_lock lock(mutex);
    while (true) {
      auto results = std::move(outbox);
      outbox.clear();
      lock.unlock();
      for (auto& [unit, result] : results) queue.submit(unit, std::move(result));
      queue.poll();
      const bool stopping = stop && stop();
      lock.lock();
      if ((stopping || failure) && !no_more) {
        no_more = true;
        ready.clear();
        queue.stop();
      }
      while (!no_more && static_cast<int>(ready.size()) + active < workers) {
        lock.unlock();
        const auto unit = queue.next();
        lock.lock();
        if (unit)
          ready.push_back(*unit);
        else
          no_more = true;
        work_ready.notify_one();
      }
      if (no_more) work_ready.notify_all();
      if (no_more && ready.empty() && active == 0 && outbox.empty()) break;
      result_ready.wait_for(lock, std::chrono::milliseconds(1), [&] { return !outbox.empty(); });
    }
  };
  auto worker = [&] {
    std::unique_lock lock(mutex);
    while (true) {
      work_ready.wait(lock, [&] { return !ready.empty() || no_more; });
      if (ready.empty()) return;
      const auto unit = ready.front();
      ready.pop_front();
      ++active;
      lock.unlock();
      std::optional<std::string> result;
      try {
        result = work(unit);
      } catch (...) {
        lock.lock();
        if (!failure) failure = std::current_exception();
        lock.unlock();
      }
      lock.lock();
      --active;
      if (result) {
        outbox.emplace_back(unit, std::move(*result));
        ++ran;
      }
      result_ready.notify_one();
    }
  };
  auto alone = [&] {
    while (!(stop && stop())) {
      const auto unit = queue.next();
      if (!unit) return;
      queue.submit(*unit, work(*unit));
      ++ran;
    }
    queue.stop();
  };

  bool single = false;
#pragma omp parallel num_threads(workers + 1)
  {
    if (omp_get_num_threads() < 2) {
      single = true;
    } else if (omp_get_thread_num() == 0) {
      try {
        funnel();
      } catch (...) {
        std::lock_guard lock(mutex);
        if (!failure) failure = std::current_exception();
        // Let the workers go: nothing more comes.
        no_more = true;
        ready.clear();
        work_ready.notify_all();
      }
    } else {
      worker();
    }
  }
  if (single) {
    try {
      alone();
    } catch (...) {
      failure = std::current_exception();
      queue.stop();
    }
  }
  queue.finish();
  if (failure) std::rethrow_exception(failure);
  return ran;
}

}  // namespace kenyon::dist

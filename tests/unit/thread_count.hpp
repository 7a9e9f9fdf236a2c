#pragma once
// Restores the OpenMP thread count a test changes.
#include <omp.h>

namespace kenyon::test {

class thread_count_guard {
 public:
  thread_count_guard() : saved_(omp_get_max_threads()) {}
  ~thread_count_guard() { omp_set_num_threads(saved_); }
  thread_count_guard(const thread_count_guard&) = delete;
  thread_count_guard& operator=(const thread_count_guard&) = delete;

 private:
  int saved_;
};

}  // namespace kenyon::test

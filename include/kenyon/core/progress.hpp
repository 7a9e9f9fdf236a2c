#pragma once
// A progress bar on stderr, drawn only when stderr is a terminal: scripts and CI logs
// see nothing of it. Safe to advance from several threads.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace kenyon {

class progress_bar {
 public:
  progress_bar(std::string label, std::uint64_t total);
  // Forces the bar on or off regardless of the terminal (tests and --quiet).
  progress_bar(std::string label, std::uint64_t total, bool enabled);
  ~progress_bar();
  progress_bar(const progress_bar&) = delete;
  progress_bar& operator=(const progress_bar&) = delete;

  void advance(std::uint64_t n = 1);
  bool enabled() const { return enabled_; }

 private:
  void draw(std::uint64_t done, bool final);

  std::string label_;
  std::uint64_t total_;
  bool enabled_;
  std::atomic<std::uint64_t> done_{0};
  std::mutex draw_mutex_;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace kenyon

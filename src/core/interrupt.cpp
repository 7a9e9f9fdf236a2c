#include "kenyon/core/interrupt.hpp"

#include <atomic>
#include <csignal>

namespace kenyon {
namespace {

std::atomic<int> caught{0};
static_assert(std::atomic<int>::is_always_lock_free, "used from a signal handler");

void set_action(void (*handler)(int)) {
  struct sigaction action = {};
  action.sa_handler = handler;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

void on_signal(int signal) {
  int none = 0;
  caught.compare_exchange_strong(none, signal);
  set_action(SIG_DFL);  // async-signal-safe; a second signal terminates
}

}  // namespace

void catch_stop_signals() { set_action(on_signal); }

int stop_signal() { return caught.load(std::memory_order_relaxed); }

}  // namespace kenyon

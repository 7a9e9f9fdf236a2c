#include "kenyon/core/interrupt.hpp"

#include <atomic>

namespace kenyon {
namespace {

std::atomic<int> recorded{0};
static_assert(std::atomic<int>::is_always_lock_free, "used from a signal handler");
std::atomic<bool> scope_active{false};

void set_action(int signal, void (*handler)(int)) {
  struct sigaction action = {};
  action.sa_handler = handler;
  sigemptyset(&action.sa_mask);
  sigaction(signal, &action, nullptr);
}

void record_signal(int signal) {
  int none = 0;
  recorded.compare_exchange_strong(none, signal);
}

void on_signal(int signal) {
  record_signal(signal);
  set_action(SIGINT, SIG_DFL);  // async-signal-safe; a second signal terminates
  set_action(SIGTERM, SIG_DFL);
}

}  // namespace

void catch_stop_signals() {
  set_action(SIGINT, on_signal);
  set_action(SIGTERM, on_signal);
}

int stop_signal() { return recorded.load(std::memory_order_relaxed); }

sigint_scope::sigint_scope() {
  if (sigaction(SIGINT, nullptr, &previous_) != 0 || previous_.sa_handler == SIG_IGN) return;
  if (scope_active.exchange(true)) return;
  active_ = true;
  recorded.store(0);
  set_action(SIGINT, record_signal);
}

sigint_scope::~sigint_scope() {
  if (!active_) return;
  sigaction(SIGINT, &previous_, nullptr);
  recorded.store(0);
  scope_active.store(false);
}

}  // namespace kenyon

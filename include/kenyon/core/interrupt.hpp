#pragma once
// Stop requests from SIGINT and SIGTERM, in one place. Long loops (a sweep's runs, the
// iterations of activation maximisation, training epochs) poll stop_requested() between
// units of work, return what finished, and the command line saves it for --resume.
#include <csignal>

namespace kenyon {

// Installs handlers for SIGINT and SIGTERM that only record the signal. The first signal
// also restores the default actions, so that a second one ends the process at once.
void catch_stop_signals();

// The signal caught since catch_stop_signals or the newest sigint_scope (SIGINT or
// SIGTERM), or 0.
int stop_signal();

inline bool stop_requested() { return stop_signal() != 0; }

// For kenyon inside another program (the Python module, whose own handler would only run
// once the C++ call returned): while it lives, SIGINT is recorded as a stop request and
// the previous handler is put back, and the request forgotten, at its end. Catches nothing where
// SIGINT was ignored or a scope is already active.
class sigint_scope {
 public:
  sigint_scope();
  ~sigint_scope();
  sigint_scope(const sigint_scope&) = delete;
  sigint_scope& operator=(const sigint_scope&) = delete;

  bool caught() const { return active_ && stop_requested(); }

 private:
  struct sigaction previous_ = {};
  bool active_ = false;
};

}  // namespace kenyon

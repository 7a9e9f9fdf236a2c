#pragma once
// Stop requests from SIGINT and SIGTERM, in one place. Long loops (a sweep's runs, the
// iterations of activation maximisation, training epochs) poll stop_requested() between
// units of work, return what finished, and the command line saves it for --resume.
namespace kenyon {

// Installs handlers for SIGINT and SIGTERM that only record the signal. The first signal
// also restores the default actions, so that a second one ends the process at once.
void catch_stop_signals();

// The signal caught since catch_stop_signals (SIGINT or SIGTERM), or 0.
int stop_signal();

inline bool stop_requested() { return stop_signal() != 0; }

}  // namespace kenyon

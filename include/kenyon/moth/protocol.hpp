#pragma once
// The experiment's time line (spec mothnet.md section 4): baseline digits, training digits
// with octopamine and Hebbian windows, validation digits, on a grid of dt.
#include <cstdint>
#include <vector>

namespace kenyon::moth {

enum class phase { baseline, training, validation };

struct presentation {
  std::int64_t onset_step = 0;  // grid index of the onset
  double onset = 0;             // s
  int cls = 0;                  // digit class (and the EN it trains)
  int digit = 0;                // index into that class's feature vectors
  phase kind = phase::baseline;
};

// Where a smoothed pulse is nonzero: steps [begin, begin + weight.size()).
struct pulse {
  std::int64_t begin = 0;
  std::vector<float> weight;
};

// The time line's constants (s), as pymoth's ExpParams.
struct protocol_params {
  double t_start = -30;        // s
  double dt = 0.02;            // s
  double first_onset = 30;     // s, first baseline digit
  double digit_spacing = 3;    // s, within a class block
  double class_gap = 10;       // s, from a class block's last onset to the next class's first
  double after_baseline = 25;  // s, last baseline onset to the first training onset
  double train_spacing = 5;    // s
  double after_train = 25;     // s, last training onset to the first validation onset
  double after_validation = 10;
  double stimulus_duration = 0.22;  // s
  double stimulus_magnitude = 20;
  double smoothing = 0.12;      // s, Hamming window length
  double octo_duration = 1;     // s
  double hebbian_begin = 0.25;  // fraction of the stimulus duration
  double hebbian_end = 0.75;
  // Noise calibration windows (open intervals, s) and the steady-state window.
  double calib1_begin = -25, calib1_end = -15;
  double calib2_begin = -10, calib2_end = -5;
  double steady_begin = 0, steady_end = 28;
  double response_half_window = 1;  // s, EN peak taken within onset +- this
};

// A built time line: presentations, stimulus pulses, octopamine and Hebbian windows per
// grid step.
struct protocol {
  protocol_params params;
  std::int64_t steps = 0;                   // grid points; the simulation makes steps - 1 updates
  std::vector<presentation> presentations;  // in time order
  std::vector<pulse> stimulus;              // one per presentation: stimulus magnitude
  std::vector<float> octopamine;            // per step, smoothed
  std::vector<std::uint8_t> hebbian;        // per step: plasticity on
  double time(std::int64_t step) const { return params.t_start + step * params.dt; }
  // The first grid index whose time is > t (or >= t).
  std::int64_t first_step_after(double t) const;
  std::int64_t first_step_from(double t) const;
};

// Builds the time line. `baseline` and `validation` hold, per class, the digit indices
// shown in the baseline and validation blocks; `training` is the sequence of
// (class, digit) training presentations in order.
protocol make_protocol(const std::vector<std::vector<int>>& baseline,
                       const std::vector<std::pair<int, int>>& training,
                       const std::vector<std::vector<int>>& validation,
                       const protocol_params& params = {});

}  // namespace kenyon::moth

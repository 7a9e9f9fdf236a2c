#include "kenyon/moth/protocol.hpp"

#include <cmath>
#include <numbers>

#include "kenyon/core/error.hpp"

namespace kenyon::moth {
namespace {

// Grid times are compared with a tolerance far below dt, so that times that lie on the
// grid in exact arithmetic (all of the protocol's) are treated exactly.
constexpr double grid_tolerance = 1e-7;

// numpy.hamming(n), normalised to sum 1.
std::vector<double> hamming(int n) {
  std::vector<double> w(n, 1.0);
  if (n > 1)
    for (int i = 0; i < n; ++i) w[i] = 0.54 - 0.46 * std::cos(2 * std::numbers::pi * i / (n - 1));
  double sum = 0;
  for (double x : w) sum += x;
  for (double& x : w) x /= sum;
  return w;
}

// A box of `height` on steps [first, last] smoothed like numpy.convolve(x, w, 'same').
pulse smooth_box(std::int64_t first, std::int64_t last, double height,
                 const std::vector<double>& window) {
  const auto m = static_cast<std::int64_t>(window.size());
  const std::int64_t shift = (m - 1) / 2;  // 'same' keeps full[i + shift]
  pulse out;
  out.begin = first - shift;
  for (std::int64_t i = out.begin; i <= last + (m - 1) - shift; ++i) {
    double v = 0;
    for (std::int64_t j = 0; j < m; ++j) {
      const std::int64_t src = i + shift - j;
      if (src >= first && src <= last) v += height * window[j];
    }
    out.weight.push_back(static_cast<float>(v));
  }
  return out;
}

}  // namespace

std::int64_t protocol::first_step_after(double t) const {
  return static_cast<std::int64_t>(std::floor((t - params.t_start) / params.dt + grid_tolerance)) +
         1;
}

std::int64_t protocol::first_step_from(double t) const {
  return static_cast<std::int64_t>(std::ceil((t - params.t_start) / params.dt - grid_tolerance));
}

protocol make_protocol(const std::vector<std::vector<int>>& baseline,
                       const std::vector<std::pair<int, int>>& training,
                       const std::vector<std::vector<int>>& validation,
                       const protocol_params& params) {
  if (baseline.size() != validation.size())
    throw internal_error("make_protocol: baseline and validation class counts differ");
  protocol proto;
  proto.params = params;
  const auto& p = params;

  double t = p.first_onset;
  auto add_block = [&](const std::vector<std::vector<int>>& digits, phase kind) {
    for (std::size_t c = 0; c < digits.size(); ++c) {
      for (std::size_t k = 0; k < digits[c].size(); ++k) {
        proto.presentations.push_back({0, t, static_cast<int>(c), digits[c][k], kind});
        t += k + 1 < digits[c].size() ? p.digit_spacing : 0.0;
      }
      if (c + 1 < digits.size()) t += p.class_gap;
    }
  };
  add_block(baseline, phase::baseline);
  t += p.after_baseline;
  for (std::size_t k = 0; k < training.size(); ++k) {
    proto.presentations.push_back({0, t, training[k].first, training[k].second, phase::training});
    t += k + 1 < training.size() ? p.train_spacing : 0.0;
  }
  t += p.after_train;
  add_block(validation, phase::validation);
  const double stop = t + p.after_validation;
  proto.steps = proto.first_step_from(stop);

  const auto window = hamming(static_cast<int>(std::lround(p.smoothing / p.dt)));
  proto.octopamine.assign(proto.steps, 0.0f);
  proto.hebbian.assign(proto.steps, 0);
  for (auto& pres : proto.presentations) {
    pres.onset_step = proto.first_step_from(pres.onset);
    // The stimulus is on at grid points strictly inside (onset, onset + duration).
    const auto first = proto.first_step_after(pres.onset);
    const auto last = proto.first_step_from(pres.onset + p.stimulus_duration) - 1;
    proto.stimulus.push_back(smooth_box(first, last, p.stimulus_magnitude, window));
    if (pres.kind != phase::training) continue;
    const auto octo = smooth_box(
        pres.onset_step, proto.first_step_from(pres.onset + p.octo_duration) - 1, 1.0, window);
    for (std::size_t i = 0; i < octo.weight.size(); ++i) {
      const auto step = octo.begin + static_cast<std::int64_t>(i);
      if (step >= 0 && step < proto.steps) proto.octopamine[step] += octo.weight[i];
    }
    const auto heb_first =
        proto.first_step_from(pres.onset + p.hebbian_begin * p.stimulus_duration);
    const auto heb_last =
        proto.first_step_after(pres.onset + p.hebbian_end * p.stimulus_duration) - 1;
    for (auto step = heb_first; step <= heb_last && step < proto.steps; ++step)
      proto.hebbian[step] = 1;
  }
  return proto;
}

}  // namespace kenyon::moth

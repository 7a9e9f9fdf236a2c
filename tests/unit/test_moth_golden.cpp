// A golden test: MothNet's readout traces on tiny synthetic features at a fixed seed,
// summarised by a few pinned numbers, so that any change to the numbers (the SDE step, the
// noise streams, plasticity, the connectivity draws) is seen. The tolerance allows only
// rounding (FMA contraction differs between CPUs); a deliberate change of the numerics
// must update the pins and say why.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "kenyon/data/preprocess.hpp"
#include "kenyon/moth/experiment.hpp"

namespace {

using namespace kenyon;

// 10 classes x 6 digits x 16 features, a fixed smooth pattern per class plus a per-digit
// wobble: no file and no random generator involved.
data::feature_set synthetic_features() {
  data::feature_set f;
  f.num_classes = 10;
  f.per_class = 6;
  f.num_features = 16;
  f.values.resize(static_cast<std::size_t>(10 * 6 * 16));
  for (int c = 0; c < 10; ++c)
    for (int i = 0; i < 6; ++i)
      for (int k = 0; k < 16; ++k)
        f.values[static_cast<std::size_t>((c * 6 + i) * 16 + k)] = static_cast<float>(
            0.2 * (1 + std::sin(0.9 * c * (k + 1) + 0.05 * i)) * (1 + 0.1 * std::cos(i + k)));
  return f;
}

struct trace_summary {
  double mean = 0, rms = 0, peak = 0, last = 0;
};

trace_summary summarise(const std::vector<float>& trace, int readouts) {
  trace_summary s;
  for (float v : trace) {
    s.mean += v;
    s.rms += static_cast<double>(v) * v;
    s.peak = std::max(s.peak, static_cast<double>(v));
  }
  s.mean /= static_cast<double>(trace.size());
  s.rms = std::sqrt(s.rms / static_cast<double>(trace.size()));
  for (int e = 0; e < readouts; ++e) s.last += trace[trace.size() - readouts + e];
  return s;
}

TEST(moth_golden, readout_traces_at_a_fixed_seed) {
  moth::experiment_params p;
  p.train_per_class = 2;
  p.val_per_class = 2;
  p.seed = 2026;
  p.baseline_pool_begin = 0, p.baseline_pool_end = 2;
  p.train_pool_begin = 2, p.train_pool_end = 4;
  p.val_pool_begin = 4, p.val_pool_end = 6;
  moth::run_options options;
  options.keep_trace = true;
  const auto r = moth::run_experiment(synthetic_features(), p, options);
  const auto s = summarise(r.en_trace, r.num_readouts);
  std::printf("[ golden   ] steps %lld mean %.9g rms %.9g peak %.9g last %.9g accuracy %.9g\n",
              static_cast<long long>(r.steps), s.mean, s.rms, s.peak, s.last, r.accuracy);
  EXPECT_EQ(r.steps, 22750);
  EXPECT_NEAR(s.mean, 0.188405259, 1e-5 * 0.188405259);
  EXPECT_NEAR(s.rms, 1.20356674, 1e-5 * 1.20356674);
  EXPECT_NEAR(s.peak, 60.9282684, 1e-5 * 60.9282684);
  // The readouts have decayed to near zero by the end: a looser relative tolerance.
  EXPECT_NEAR(s.last, 0.000902061765, 1e-4 * 0.000902061765);
  EXPECT_DOUBLE_EQ(r.accuracy, 100);
}

}  // namespace

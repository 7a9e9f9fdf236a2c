// The experiment's time line (make_protocol, experiment_steps) and the digit draw
// (draw_digits) against spec mothnet.md sections 1.7-1.8 and 4.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <numbers>
#include <set>
#include <utility>
#include <vector>

#include "kenyon/moth/experiment.hpp"
#include "kenyon/moth/params.hpp"
#include "kenyon/moth/protocol.hpp"

namespace kenyon::moth {
namespace {

using blocks = std::vector<std::vector<int>>;
using sequence = std::vector<std::pair<int, int>>;

// V digits per class with recognisable indices: class c's k-th digit is offset + 100c + k.
blocks make_block(int v, int offset) {
  blocks b(10);
  for (int c = 0; c < 10; ++c)
    for (int k = 0; k < v; ++k) b[c].push_back(offset + 100 * c + k);
  return b;
}

// n training presentations cycling through the classes in a scrambled order.
sequence make_training(int n) {
  sequence s;
  for (int k = 0; k < n; ++k) s.emplace_back((7 * k + 3) % 10, 5000 + k);
  return s;
}

// Grid points of a run: the total simulated time 60V + 235 + 5n seconds over dt = 0.02,
// in exact integer arithmetic.
std::int64_t expected_steps(int v, int n) { return (60LL * v + 235 + 5LL * n) * 50; }

// Grid index of time t (on the grid): (t + 30) / 0.02.
std::int64_t step_of(double t) { return std::llround((t + 30) / 0.02); }

// numpy.hamming(6) / sum, from hamming(n) = 0.54 - 0.46 cos(2 pi n / 5).
std::vector<double> window6() {
  std::vector<double> w;
  for (int n = 0; n < 6; ++n) w.push_back(0.54 - 0.46 * std::cos(2 * std::numbers::pi * n / 5));
  double sum = 0;
  for (double x : w) sum += x;
  for (double& x : w) x /= sum;
  return w;
}

// numpy.convolve(x, w, 'same') of a box of `height` on `len` consecutive points: 'same'
// keeps full[i + (6 - 1) / 2] = full[i + 2], so output m (m = 0 at two points before the box)
// is height * sum of w[j] over the j with 0 <= m - j < len. len + 5 values.
std::vector<double> smoothed_box(int len, double height) {
  const auto w = window6();
  std::vector<double> out;
  for (int m = 0; m < len + 5; ++m) {
    double v = 0;
    for (int j = 0; j < 6; ++j)
      if (m - j >= 0 && m - j < len) v += w[j];
    out.push_back(height * v);
  }
  return out;
}

TEST(protocol, grid_size_matches_the_spec_totals) {
  // Spec section 4: V = 15, tr = 1 -> 1185 s, 59,250 grid points; tr = 10 -> 81,750;
  // tr = 20 -> 106,750 (n = 10 tr presentations).
  EXPECT_EQ(expected_steps(15, 10), 59250);
  EXPECT_EQ(expected_steps(15, 100), 81750);
  EXPECT_EQ(expected_steps(15, 200), 106750);
  for (int v : {2, 15}) {
    for (int n : {1, 10, 30, 100, 200}) {
      const protocol p = make_protocol(make_block(v, 0), make_training(n), make_block(v, 1000));
      EXPECT_EQ(p.steps, expected_steps(v, n)) << "V " << v << " n " << n;
      EXPECT_EQ(p.octopamine.size(), static_cast<std::size_t>(p.steps));
      EXPECT_EQ(p.hebbian.size(), static_cast<std::size_t>(p.steps));
      EXPECT_DOUBLE_EQ(p.time(0), -30.0);
      // The grid ends one dt before sim_stop = last validation onset + 10.
      EXPECT_NEAR(p.time(p.steps - 1), p.presentations.back().onset + 10 - 0.02, 1e-9);
    }
  }
}

TEST(protocol, experiment_steps_agrees) {
  experiment_params e;
  for (int tr : {1, 3, 10, 20}) {
    e.train_per_class = tr;
    e.sniffs = 1;
    EXPECT_EQ(experiment_steps(e, 10), expected_steps(15, 10 * tr)) << "tr " << tr;
    e.sniffs = 2;  // each extra presentation adds 5 s
    EXPECT_EQ(experiment_steps(e, 10), expected_steps(15, 20 * tr)) << "tr " << tr;
  }
  EXPECT_EQ(experiment_steps(experiment_params{.train_per_class = 1}, 10), 59250);
  EXPECT_EQ(experiment_steps(experiment_params{.train_per_class = 20}, 10), 106750);
  e = {};
  e.val_per_class = 4;
  e.train_per_class = 2;
  EXPECT_EQ(experiment_steps(e, 10), expected_steps(4, 20));
}

TEST(protocol, onsets_baseline_training_validation) {
  const int v = 15, n = 30;
  const auto base = make_block(v, 0), val = make_block(v, 1000);
  const auto train = make_training(n);
  const protocol p = make_protocol(base, train, val);
  ASSERT_EQ(p.presentations.size(), static_cast<std::size_t>(20 * v + n));

  // Baseline: class c's k-th digit at s_c + 3k, s_0 = 30, s_{c+1} = s_c + 3(V - 1) + 10.
  std::size_t i = 0;
  double s = 30;
  for (int c = 0; c < 10; ++c, s += 3 * (v - 1) + 10) {
    for (int k = 0; k < v; ++k, ++i) {
      const auto& q = p.presentations[i];
      EXPECT_EQ(q.kind, phase::baseline);
      EXPECT_EQ(q.cls, c);
      EXPECT_EQ(q.digit, base[c][k]);
      EXPECT_NEAR(q.onset, s + 3 * k, 1e-9) << "baseline " << i;
      EXPECT_EQ(q.onset_step, step_of(s + 3 * k));
    }
  }
  EXPECT_NEAR(p.presentations[0].onset, 30, 1e-9);
  EXPECT_NEAR(p.presentations[1].onset, 33, 1e-9);
  EXPECT_NEAR(p.presentations[v].onset, 30 + 3 * (v - 1) + 10, 1e-9);  // class gap of 10
  EXPECT_NEAR(p.presentations[10 * v - 1].onset, 30 * v + 90, 1e-9);   // 540
  EXPECT_NEAR(p.presentations[10 * v - 1].onset, 540, 1e-9);

  // Training: every 5 s from last baseline onset + 25 = 565, in the given order.
  for (int k = 0; k < n; ++k, ++i) {
    const auto& q = p.presentations[i];
    EXPECT_EQ(q.kind, phase::training);
    EXPECT_EQ(q.cls, train[k].first);
    EXPECT_EQ(q.digit, train[k].second);
    EXPECT_NEAR(q.onset, 565 + 5 * k, 1e-9);
    EXPECT_EQ(q.onset_step, step_of(565 + 5 * k));
  }

  // Validation: the baseline layout, starting at last training onset + 25.
  const double end_of_train = 565 + 5 * (n - 1) + 25;
  s = end_of_train;
  for (int c = 0; c < 10; ++c, s += 3 * (v - 1) + 10) {
    for (int k = 0; k < v; ++k, ++i) {
      const auto& q = p.presentations[i];
      EXPECT_EQ(q.kind, phase::validation);
      EXPECT_EQ(q.cls, c);
      EXPECT_EQ(q.digit, val[c][k]);
      EXPECT_NEAR(q.onset, s + 3 * k, 1e-9) << "validation " << i;
      EXPECT_EQ(q.onset_step, step_of(s + 3 * k));
    }
  }
  EXPECT_NEAR(p.presentations.back().onset, end_of_train + 30 * v + 60, 1e-9);
  for (std::size_t j = 1; j < p.presentations.size(); ++j)
    EXPECT_LT(p.presentations[j - 1].onset, p.presentations[j].onset);
}

TEST(protocol, stimulus_pulses_are_smoothed_boxes) {
  const protocol p = make_protocol(make_block(15, 0), make_training(10), make_block(15, 1000));
  ASSERT_EQ(p.stimulus.size(), p.presentations.size());

  // The raw box: 20 on grid points strictly inside (onset, onset + 0.22), i.e. onset + 0.02
  // ... onset + 0.20: 10 points. Smoothed 'same' with the normalised length-6 Hamming
  // window: 15 nonzero values starting two points before the box, i.e. at onset - 0.02.
  const auto expected = smoothed_box(10, 20);
  ASSERT_EQ(expected.size(), 15u);
  // Spot values: hamming(6) = 0.08, 0.39785, 0.91215, 0.91215, 0.39785, 0.08 (sum 2.78).
  EXPECT_NEAR(expected[0], 20 * 0.08 / 2.78, 1e-12);
  EXPECT_NEAR(expected[1], 20 * (0.08 + 0.39785) / 2.78, 1e-4);
  EXPECT_NEAR(expected[3], 20 * (0.08 + 0.39785 + 0.91215 + 0.91215) / 2.78, 1e-4);
  EXPECT_NEAR(expected[5], 20, 1e-12);
  EXPECT_NEAR(expected[14], 20 * 0.08 / 2.78, 1e-12);
  double expected_sum = 0;
  for (double x : expected) expected_sum += x;
  EXPECT_NEAR(expected_sum, 20 * 10, 1e-9);

  for (std::size_t i = 0; i < p.presentations.size(); ++i) {
    const auto& pulse = p.stimulus[i];
    const auto onset = p.presentations[i].onset_step;
    EXPECT_EQ(pulse.begin, onset - 1) << "presentation " << i;  // box starts at onset + 1
    ASSERT_EQ(pulse.weight.size(), 15u) << "presentation " << i;
    double sum = 0;
    for (std::size_t m = 0; m < 15; ++m) {
      EXPECT_NEAR(pulse.weight[m], expected[m], 1e-5) << "presentation " << i << " m " << m;
      EXPECT_GT(pulse.weight[m], 0.0f);
      sum += pulse.weight[m];
    }
    EXPECT_NEAR(sum, 200, 1e-4);
  }
}

TEST(protocol, octopamine_only_around_training_onsets) {
  const int n = 12;
  const protocol p = make_protocol(make_block(15, 0), make_training(n), make_block(15, 1000));
  // o = 1 on [onset, onset + 1 s): 50 grid points; smoothed: nonzero on
  // [onset - 2, onset + 52], 1.0 on the plateau [onset + 3, onset + 47], edges the partial
  // sums of the window.
  const auto expected = smoothed_box(50, 1.0);
  ASSERT_EQ(expected.size(), 55u);
  std::vector<char> covered(p.steps, 0);
  int trained = 0;
  for (const auto& q : p.presentations) {
    if (q.kind != phase::training) continue;
    ++trained;
    double sum = 0;
    for (int m = 0; m < 55; ++m) {
      const auto step = q.onset_step - 2 + m;
      covered[step] = 1;
      EXPECT_NEAR(p.octopamine[step], expected[m], 1e-6) << "onset " << q.onset << " m " << m;
      EXPECT_GT(p.octopamine[step], 0.0f);
      sum += p.octopamine[step];
      if (m >= 5 && m <= 49) {
        EXPECT_NEAR(p.octopamine[step], 1.0f, 1e-6);  // the plateau
      } else {
        EXPECT_LT(p.octopamine[step], 1.0f - 1e-3);  // smoothed edges
      }
    }
    EXPECT_NEAR(sum, 50, 1e-4);
  }
  EXPECT_EQ(trained, n);
  for (std::int64_t s = 0; s < p.steps; ++s) {
    if (!covered[s]) {
      ASSERT_EQ(p.octopamine[s], 0.0f) << "step " << s << " t " << p.time(s);
    }
  }
}

TEST(protocol, hebbian_windows_six_steps_per_training_presentation) {
  const int n = 20;
  const protocol p = make_protocol(make_block(15, 0), make_training(n), make_block(15, 1000));
  // Plasticity on grid times T with onset + 0.055 <= T <= onset + 0.165 (25%-75% of the
  // 0.22 s stimulus): onset + 0.06, 0.08, ..., 0.16.
  std::vector<char> expected(p.steps, 0);
  for (const auto& q : p.presentations) {
    if (q.kind != phase::training) continue;
    for (int k = 3; k <= 8; ++k) expected[q.onset_step + k] = 1;
    EXPECT_NEAR(p.time(q.onset_step + 3), q.onset + 0.06, 1e-9);
    EXPECT_NEAR(p.time(q.onset_step + 8), q.onset + 0.16, 1e-9);
  }
  std::int64_t on = 0;
  for (std::int64_t s = 0; s < p.steps; ++s) {
    ASSERT_EQ(p.hebbian[s] != 0, expected[s] != 0) << "step " << s << " t " << p.time(s);
    on += p.hebbian[s] != 0;
  }
  EXPECT_EQ(on, 6 * n);
}

TEST(protocol, step_lookup_on_and_off_the_grid) {
  const protocol p = make_protocol(make_block(2, 0), make_training(1), make_block(2, 1000));
  EXPECT_EQ(p.first_step_from(30), step_of(30));
  EXPECT_EQ(p.first_step_after(30), step_of(30) + 1);
  EXPECT_EQ(p.first_step_from(30.01), step_of(30) + 1);
  EXPECT_EQ(p.first_step_after(30.01), step_of(30) + 1);
  // 0.22 is not exactly representable in binary: onset + 0.22 must still count as on the grid.
  EXPECT_EQ(p.first_step_from(565 + 0.22), step_of(565) + 11);
}

// ---- draw_digits -----------------------------------------------------------------------

void expect_within(const std::vector<int>& v, int begin, int end, const char* what) {
  for (int d : v) {
    EXPECT_GE(d, begin) << what;
    EXPECT_LT(d, end) << what;
  }
}

TEST(draw_digits, pools_sizes_and_no_duplicates_in_fixed_mode) {
  for (std::uint64_t seed : {0, 1, 2, 99}) {
    experiment_params e;
    e.seed = seed;
    e.train_per_class = 20;
    const digit_draw d = draw_digits(e, 10);
    ASSERT_EQ(d.baseline.size(), 10u);
    ASSERT_EQ(d.train.size(), 10u);
    ASSERT_EQ(d.validation.size(), 10u);
    for (int c = 0; c < 10; ++c) {
      ASSERT_EQ(d.baseline[c].size(), 15u);
      ASSERT_EQ(d.train[c].size(), 20u);
      ASSERT_EQ(d.validation[c].size(), 15u);
      expect_within(d.baseline[c], 0, 100, "baseline");
      expect_within(d.train[c], 100, 300, "train");
      expect_within(d.validation[c], 300, 400, "validation");
      for (const auto* v : {&d.baseline[c], &d.train[c], &d.validation[c]})
        EXPECT_EQ(std::set<int>(v->begin(), v->end()).size(), v->size())
            << "duplicate in class " << c << " seed " << seed;
    }
  }
  // The whole pool can be drawn without replacement: 100 distinct validation digits.
  experiment_params all;
  all.val_per_class = 100;
  all.train_per_class = 200;
  const digit_draw d = draw_digits(all, 10);
  for (int c = 0; c < 10; ++c) {
    EXPECT_EQ(std::set<int>(d.validation[c].begin(), d.validation[c].end()).size(), 100u);
    EXPECT_EQ(std::set<int>(d.train[c].begin(), d.train[c].end()).size(), 200u);
  }
}

TEST(draw_digits, pymoth_mode_draws_with_replacement_within_the_pools) {
  // 15 from 100 with replacement repeats a digit with probability 0.67 per class, so 4 seeds
  // x 10 classes without a repeat would be a 1e-19 event.
  int repeats = 0;
  for (std::uint64_t seed : {0, 1, 2, 3}) {
    experiment_params e;
    e.seed = seed;
    e.compat = compat_mode::pymoth;
    const digit_draw d = draw_digits(e, 10);
    for (int c = 0; c < 10; ++c) {
      expect_within(d.baseline[c], 0, 100, "baseline");
      expect_within(d.train[c], 100, 300, "train");
      expect_within(d.validation[c], 300, 400, "validation");
      repeats += std::set<int>(d.validation[c].begin(), d.validation[c].end()).size() < 15;
    }
  }
  EXPECT_GT(repeats, 0);
}

TEST(draw_digits, training_sequence_tiles_one_shuffled_order_per_sniff) {
  for (auto mode : {compat_mode::fixed, compat_mode::pymoth}) {
    experiment_params e;
    e.seed = 5;
    e.train_per_class = 7;
    e.sniffs = 3;
    e.compat = mode;
    const digit_draw d = draw_digits(e, 10);
    const std::size_t per_sniff = 10 * 7;
    ASSERT_EQ(d.training_sequence.size(), per_sniff * 3);
    std::map<int, int> count;
    for (auto [c, digit] : d.training_sequence) ++count[c];
    for (int c = 0; c < 10; ++c) EXPECT_EQ(count[c], 7 * 3) << "class " << c;
    // Sniff 1 shows each class's training digits, in the order drawn; sniffs 2 and 3 repeat
    // sniff 1 exactly (same classes, same digits, same order).
    std::vector<std::vector<int>> shown(10);
    for (std::size_t k = 0; k < per_sniff; ++k)
      shown[d.training_sequence[k].first].push_back(d.training_sequence[k].second);
    for (int c = 0; c < 10; ++c) EXPECT_EQ(shown[c], d.train[c]) << "class " << c;
    for (std::size_t k = per_sniff; k < d.training_sequence.size(); ++k)
      EXPECT_EQ(d.training_sequence[k], d.training_sequence[k % per_sniff]) << "k " << k;
    // The class order is shuffled, not blocked by class.
    bool sorted = true;
    for (std::size_t k = 1; k < per_sniff; ++k)
      sorted = sorted && d.training_sequence[k - 1].first <= d.training_sequence[k].first;
    EXPECT_FALSE(sorted);
  }
}

TEST(draw_digits, same_seed_same_draw) {
  experiment_params e;
  e.seed = 11;
  e.train_per_class = 5;
  e.sniffs = 2;
  const digit_draw a = draw_digits(e, 10), b = draw_digits(e, 10);
  EXPECT_EQ(a.baseline, b.baseline);
  EXPECT_EQ(a.train, b.train);
  EXPECT_EQ(a.validation, b.validation);
  EXPECT_EQ(a.training_sequence, b.training_sequence);
  e.seed = 12;
  const digit_draw c = draw_digits(e, 10);
  EXPECT_NE(a.baseline, c.baseline);
  EXPECT_NE(a.train, c.train);
  EXPECT_NE(a.validation, c.validation);
  EXPECT_NE(a.training_sequence, c.training_sequence);
}

}  // namespace
}  // namespace kenyon::moth

#include "kenyon/moth/simulate.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <numeric>
#include <utility>

#include <Eigen/Dense>

#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
#include <immintrin.h>
#endif

#include "kenyon/core/error.hpp"
#include "kenyon/core/progress.hpp"
#include "kenyon/core/rng.hpp"
#include "kenyon/core/sde.hpp"
#include "kenyon/moth/plasticity.hpp"
#include "kenyon/moth/readout.hpp"
#include "p2k_kernel.hpp"

namespace kenyon::moth {
namespace {

// Per-neuron running sums over an open time window, for the noise calibration.
struct window_mean {
  std::int64_t first = 0, last = -1;  // steps, inclusive
  std::vector<double> sum;
  std::int64_t count = 0;
  void add_if_inside(std::int64_t step, const std::vector<float>& state) {
    if (step < first || step > last) return;
    if (sum.empty()) sum.assign(state.size(), 0.0);
    for (std::size_t i = 0; i < state.size(); ++i) sum[i] += state[i];
    ++count;
  }
  std::vector<float> mean() const {
    std::vector<float> m(sum.size(), 0.0f);
    if (count == 0) return m;
    for (std::size_t i = 0; i < sum.size(); ++i) m[i] = static_cast<float>(sum[i] / count);
    return m;
  }
};

// z such that a Gaussian exceeds mean + z sd with probability `fraction`:
// sqrt(2) erfinv(1 - 2 fraction), found by bisection on erfc (std has no erfinv).
double upper_quantile(double fraction) {
  double lo = -10, hi = 10;
  for (int i = 0; i < 200; ++i) {
    const double mid = 0.5 * (lo + hi);
    (0.5 * std::erfc(mid / std::sqrt(2.0)) > fraction ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

// y[0..rows) = A x for a column-major A (leading dimension `ld`), with the `rows` outputs
// held in registers while the columns stream past.
template <int rows>
void column_major_product(const float* a, int ld, int cols, const float* x, float* y) {
#if defined(__AVX512F__)
  static_assert(rows % 16 == 0);
  __m512 acc[rows / 16];
  for (auto& v : acc) v = _mm512_setzero_ps();
  for (int j = 0; j < cols; ++j) {
    const __m512 xj = _mm512_set1_ps(x[j]);
    const float* col = a + static_cast<std::size_t>(j) * ld;
    for (int v = 0; v < rows / 16; ++v)
      acc[v] = _mm512_fmadd_ps(_mm512_loadu_ps(col + 16 * v), xj, acc[v]);
  }
  for (int v = 0; v < rows / 16; ++v) _mm512_storeu_ps(y + 16 * v, acc[v]);
#elif defined(__AVX2__) && defined(__FMA__)
  // The portable loop's fused multiply-adds, in registers.
  static_assert(rows % 8 == 0);
  __m256 acc[rows / 8];
  for (auto& v : acc) v = _mm256_setzero_ps();
  for (int j = 0; j < cols; ++j) {
    const __m256 xj = _mm256_set1_ps(x[j]);
    const float* col = a + static_cast<std::size_t>(j) * ld;
    for (int v = 0; v < rows / 8; ++v)
      acc[v] = _mm256_fmadd_ps(_mm256_loadu_ps(col + 8 * v), xj, acc[v]);
  }
  for (int v = 0; v < rows / 8; ++v) _mm256_storeu_ps(y + 8 * v, acc[v]);
#else
  float acc[rows] = {};
  for (int j = 0; j < cols; ++j) {
    const float* col = a + static_cast<std::size_t>(j) * ld;
#pragma omp simd
    for (int r = 0; r < rows; ++r) acc[r] += col[r] * x[j];
  }
  std::copy(acc, acc + rows, y);
#endif
}

// Adds K2E(k, :) K[k] over the active (positive) Kenyon cells and returns how many there
// are. With ~5% active, blocks of 16 cells are tested at once and mostly skipped.
int readout_input(const float* K, int nk, const float* k2e, int ne, float* e_in) {
  std::fill(e_in, e_in + ne, 0.0f);
  int active = 0;
  auto add = [&](int k) {
    const float* w = k2e + static_cast<std::size_t>(k) * ne;
    for (int e = 0; e < ne; ++e) e_in[e] += w[e] * K[k];
    ++active;
  };
#if defined(__AVX512F__)
  for (int k0 = 0; k0 < nk; k0 += 16) {
    const __mmask16 valid = nk - k0 >= 16 ? __mmask16(0xffff) : __mmask16((1u << (nk - k0)) - 1);
    auto positive = static_cast<unsigned>(_mm512_mask_cmp_ps_mask(
        valid, _mm512_maskz_loadu_ps(valid, K + k0), _mm512_setzero_ps(), _CMP_GT_OQ));
    for (; positive; positive &= positive - 1) add(k0 + std::countr_zero(positive));
  }
#else
  for (int k = 0; k < nk; ++k)
    if (K[k] > 0) add(k);
#endif
  return active;
}

// The first rate of the populations that is not a finite number, at time step `step`.
std::optional<non_finite_report> check_rates(
    std::int64_t step,
    std::initializer_list<std::pair<const char*, const std::vector<float>*>> populations) {
  for (const auto& [name, rates] : populations) {
    const auto at = first_non_finite(*rates);
    if (at < 0) continue;
    return non_finite_report{.where = "moth simulation",
                             .quantity = "rate",
                             .step = step,
                             .neuron = at,
                             .cell_type = name,
                             .value = (*rates)[static_cast<std::size_t>(at)]};
  }
  return std::nullopt;
}

// One Euler-Maruyama step of the whole moth (spec section 5) from a state, with the
// weights as they are: the antennal lobe from the previous step's rates (a synchronous
// update), the mushroom body behind its global damper, the readout. `next` receives the
// new rates; the caller applies plasticity between the old and new rates, then commits.
class stepper {
 public:
  struct rates {
    std::vector<float> P, L, R, K, E;
  };

  stepper(const network& moth, const model_params& params)
      : moth_(moth),
        ng_(moth.num_glomeruli),
        nk_(moth.num_kenyon),
        ne_(moth.num_readouts),
        dt_(static_cast<float>(params.dt)),
        tau_(static_cast<float>(params.tau)),
        sqrt_dt_(std::sqrt(dt_)),
        half_range_(static_cast<float>(params.sigmoid_range / 2)),
        slope_(static_cast<float>(params.sigmoid_slope)),
        neg_discount_(static_cast<float>(params.octo_neg_discount)),
        z_plain_(upper_quantile(params.sparsity)),
        z_octo_(upper_quantile(params.octo_sparsity)),
        lateral_rows_((3 * ng_ + chunk - 1) / chunk * chunk),
        p2k(moth.p2k) {
    // Receptor r is driven by feature r_feature[r]; the stimulus drive is scaled by each
    // receptor's spontaneous rate relative to the mean.
    r_feature_.resize(static_cast<std::size_t>(ng_));
    for (int j = 0; j < ng_; ++j) r_feature_[moth.feature_to_r[j]] = j;
    double spont_mean = 0;
    for (float r : moth.r_spont) spont_mean += r;
    spont_mean /= ng_;
    r_drive_scale_.resize(static_cast<std::size_t>(ng_));
    for (int g = 0; g < ng_; ++g)
      r_drive_scale_[g] = moth.f2r_gain * static_cast<float>(moth.r_spont[g] / spont_mean);
    // Lateral inhibition as one column-major matrix (L->R, L->P, L->L stacked), its rows
    // padded to whole chunks that stay in registers while the columns stream past.
    lateral_cols_.assign(static_cast<std::size_t>(lateral_rows_) * ng_, 0.0f);
    for (int row = 0; row < 3 * ng_; ++row)
      for (int j = 0; j < ng_; ++j)
        lateral_cols_[static_cast<std::size_t>(j) * lateral_rows_ + row] =
            moth.lateral[static_cast<std::size_t>(row) * ng_ + j];
    next = make_rates();
    lateral_in_.resize(static_cast<std::size_t>(lateral_rows_));
    drive_.assign(static_cast<std::size_t>(ng_), 0.0f);
    k_input_.resize(nk_);
    e_in_.resize(static_cast<std::size_t>(ne_));
  }

  // The starting state: P = L = K = 1, R = spontaneous rate, E = 0, no noise yet (spec
  // section 2).
  moth_state initial() const {
    moth_state s;
    s.P.assign(ng_, 1.0f);
    s.L.assign(ng_, 1.0f);
    s.R = moth_.r_spont;
    s.K.assign(nk_, 1.0f);
    s.E.assign(ne_, 0.0f);
    s.noise_r.assign(ng_, 0.0f);
    s.noise_p.assign(ng_, 0.0f);
    s.noise_l.assign(ng_, 0.0f);
    return s;
  }

  // The stimulus drive: `digit` (its features) at magnitude `magnitude`, or none.
  void set_drive(const float* digit, float magnitude) { fill_drive(digit, magnitude, drive_); }
  void fill_drive(const float* digit, float magnitude, std::vector<float>& drive) const {
    drive.resize(static_cast<std::size_t>(ng_));
    if (!digit || magnitude == 0) {
      std::fill(drive.begin(), drive.end(), 0.0f);
      return;
    }
    for (int g = 0; g < ng_; ++g) drive[g] = magnitude * digit[r_feature_[g]] * r_drive_scale_[g];
  }

  // Computes `next` from s under octopamine o with the standard normal draws z_r, z_p, z_l
  // (ignored while the noise is off); returns the number of active Kenyon cells of s.
  int compute(const moth_state& s, float o, const float* z_r, const float* z_p, const float* z_l) {
    antennal_lobe(s, drive_.data(), o, z_r, z_p, z_l, next);
    p2k.multiply(s.P.data(), k_input_.data());
    return mushroom_body(s, o, next);
  }

  // The new R, P and L of `next`.
  void antennal_lobe(const moth_state& s, const float* drive, float o, const float* z_r,
                     const float* z_p, const float* z_l, rates& next) {
    const float dt = dt_, tau = tau_, sqrt_dt = sqrt_dt_, slope = slope_, half_range = half_range_,
                neg_discount = neg_discount_;
    // The pseudo-sigmoid: a clipped line (spec 5.1).
    const auto sig = [=](float x) { return std::clamp(slope * x, -half_range, half_range); };
    const auto& moth = moth_;
    for (int r0 = 0; r0 < lateral_rows_; r0 += chunk)
      column_major_product<chunk>(lateral_cols_.data() + r0, lateral_rows_, ng_, s.L.data(),
                                  lateral_in_.data() + r0);
    const float* l2r_in = lateral_in_.data();
    const float* l2p_in = l2r_in + ng_;
    const float* l2l_in = l2p_in + ng_;
    const float *P = s.P.data(), *L = s.L.data(), *R = s.R.data();
    const float *noise_p = s.noise_p.data(), *noise_l = s.noise_l.data(),
                *noise_r = s.noise_r.data();
    float *P_new = next.P.data(), *L_new = next.L.data(), *R_new = next.R.data();
#pragma omp simd
    for (int g = 0; g < ng_; ++g) {
      // Octopamine lifts responses to excitation and discounts inhibition.
      const float in_p = -std::max(0.0f, 1 - o * moth.octo2p[g] * neg_discount) * l2p_in[g] +
                         moth.r2p[g] * R[g] * (1 + o * moth.octo2p[g]);
      const float in_l = -std::max(0.0f, 1 - o * moth.octo2l[g] * neg_discount) * l2l_in[g] +
                         moth.r2l[g] * R[g] * (1 + o * moth.octo2l[g]);
      const float in_r = -std::max(0.0f, 1 - o * moth.octo2r[g] * neg_discount) * l2r_in[g] +
                         drive[g] * (1 + o * moth.octo2r[g]) + moth.r_spont[g];
      P_new[g] =
          std::max(0.0f, euler_maruyama(P[g], tau, sig(in_p), noise_p[g], z_p[g], dt, sqrt_dt));
      L_new[g] =
          std::max(0.0f, euler_maruyama(L[g], tau, sig(in_l), noise_l[g], z_l[g], dt, sqrt_dt));
      R_new[g] =
          std::max(0.0f, euler_maruyama(R[g], tau, sig(in_r), noise_r[g], z_r[g], dt, sqrt_dt));
    }
  }

  // The new K and E of `next`, from s and the P->K input of s's P in k_input (nk values);
  // returns the number of active Kenyon cells of s.
  int mushroom_body(const moth_state& s, float o, rates& next) {
    const float dt = dt_, tau = tau_, slope = slope_, half_range = half_range_;
    // A global damper that lets about the top `sparsity` fraction through, assuming
    // Gaussian inputs. Two vectorised passes: the sd is small next to the mean, so the
    // one-pass E[x^2] - E[x]^2 would lose digits.
    const auto& k_in = k_input_;
    const float k_mean = k_in.sum() / static_cast<float>(nk_);
    const double k_sd = std::sqrt(static_cast<double>((k_in - k_mean).square().sum()) / nk_);
    const double z = (1 - o) * z_plain_ + o * z_octo_;
    const float damper = static_cast<float>(std::max(k_mean + z * k_sd, 1.2 * s.min_damper));
    {
      using array = Eigen::Map<Eigen::ArrayXf>;
      using const_array = Eigen::Map<const Eigen::ArrayXf>;
      const const_array k_old(s.K.data(), nk_);
      array k_new(next.K.data(), nk_);
      k_new =
          (k_old + dt * (-tau * k_old + (slope * (k_in - damper)).min(half_range).max(-half_range)))
              .max(0.0f);
    }

    // Readout: a leaky sum of the previous step's Kenyon cells (no sigmoid, no noise).
    const int active = readout_input(s.K.data(), nk_, moth_.k2e.data(), ne_, e_in_.data());
    for (int e = 0; e < ne_; ++e) next.E[e] = s.E[e] + dt * (-tau * s.E[e] + e_in_[e]);
    return active;
  }

  // The P->K input of one state, for mushroom_body: column `i` of a batched product.
  void set_k_input(const float* batched, int batch, int i) {
    for (int k = 0; k < nk_; ++k) k_input_[k] = batched[static_cast<std::size_t>(k) * batch + i];
  }

  rates make_rates() const {
    return {std::vector<float>(ng_), std::vector<float>(ng_), std::vector<float>(ng_),
            std::vector<float>(nk_), std::vector<float>(ne_)};
  }
  int num_kenyon() const { return nk_; }

  void commit(moth_state& s) { commit(s, next); }
  static void commit(moth_state& s, rates& next) {
    s.P.swap(next.P);
    s.L.swap(next.L);
    s.R.swap(next.R);
    s.K.swap(next.K);
    s.E.swap(next.E);
  }

  rates next;

 private:
  static constexpr int chunk = 128;
  const network& moth_;
  int ng_, nk_, ne_;
  float dt_, tau_, sqrt_dt_, half_range_, slope_, neg_discount_;
  double z_plain_, z_octo_;
  int lateral_rows_;
  std::vector<int> r_feature_;
  std::vector<float> r_drive_scale_, lateral_cols_, lateral_in_, drive_, e_in_;
  // Eigen-owned, hence always aligned the same way: Eigen's vectorised sums start with
  // scalar steps up to the first aligned element, so on a Map of heap memory their last
  // bits would depend on where the allocator put the vector.
  Eigen::ArrayXf k_input_;

 public:
  detail::p2k_kernel p2k;  // P->K as the steps use it (plastic during training)
};

}  // namespace

simulation_result simulate(network moth, const protocol& proto, const data::feature_set& features,
                           const model_params& params, const simulation_options& options) {
  return simulate(std::move(moth), proto, data::view_of(features), params, options);
}

simulation_result simulate(network moth, const protocol& proto, const data::feature_view& features,
                           const model_params& params, const simulation_options& options) {
  params.validate();
  if (features.values == nullptr && features.num_classes * features.per_class > 0)
    throw parameter_error("features", "a feature view without values");
  const int ng = moth.num_glomeruli, nk = moth.num_kenyon, ne = moth.num_readouts;
  if (features.num_features != ng)
    throw parameter_error("features", "the moth has " + std::to_string(ng) +
                                          " glomeruli but the digits have " +
                                          std::to_string(features.num_features) + " features");
  for (const auto& p : proto.presentations)
    if (p.cls < 0 || p.cls >= ne || p.cls >= features.num_classes || p.digit < 0 ||
        p.digit >= features.per_class)
      throw parameter_error("protocol", "presentation of class " + std::to_string(p.cls) +
                                            ", digit " + std::to_string(p.digit) +
                                            " is outside the feature set");

  const float heb_pk = static_cast<float>(1 / (params.heb_tau_pk * params.goal));
  const float p2k_max = static_cast<float>(params.p2k_max);
  const k2e_learning k2e_rule = {
      static_cast<float>(1 / (params.heb_tau_ke * params.goal)),
      static_cast<float>(params.dt / (params.die_back_tau_ke * params.goal)),
      static_cast<float>(params.k2e_max)};

  stepper step(moth, params);
  moth_state state = step.initial();
  state.min_damper = 10;  // until the steady-state P rates are known
  std::vector<float> heb_gain(nk);
  // Noise stays zero until the first calibration: the originals' noise is scaled by
  // mean spontaneous rates that start at 0, so no noise is drawn before then.
  std::vector<float> z_r(ng, 0.0f), z_p(ng, 0.0f), z_l(ng, 0.0f);

  const auto& pp = proto.params;
  auto window = [&](double begin, double end) {
    window_mean w;
    w.first = proto.first_step_after(begin);
    w.last = proto.first_step_from(end) - 1;
    return w;
  };
  window_mean calib1[3] = {window(pp.calib1_begin, pp.calib1_end),
                           window(pp.calib1_begin, pp.calib1_end),
                           window(pp.calib1_begin, pp.calib1_end)};
  window_mean calib2[3] = {window(pp.calib2_begin, pp.calib2_end),
                           window(pp.calib2_begin, pp.calib2_end),
                           window(pp.calib2_begin, pp.calib2_end)};
  window_mean steady = window(pp.steady_begin, pp.steady_end);
  const std::int64_t calib1_at = proto.first_step_after(pp.calib1_end);
  const std::int64_t calib2_at = proto.first_step_after(pp.calib2_end);
  const std::int64_t steady_at = proto.first_step_after(pp.steady_end);
  const std::int64_t reset_at =
      options.reset_at_33s ? proto.first_step_from(pp.steady_end + 5) : -1;

  simulation_result result;
  result.steps = proto.steps;
  result.num_readouts = ne;
  result.en.assign(static_cast<std::size_t>(proto.steps) * ne, 0.0f);
  std::copy(state.E.begin(), state.E.end(), result.en.begin());
  std::int64_t active_sum = 0;
  std::size_t next_pres = 0;  // first presentation whose stimulus has not ended

  for (std::int64_t i = 0; i + 1 < proto.steps; ++i) {
    if (i == calib1_at || i == calib2_at) {
      // Noise proportional to each neuron's mean spontaneous rate (spec 5.4).
      const auto* w = i == calib1_at ? calib1 : calib2;
      const auto m_r = w[0].mean(), m_p = w[1].mean(), m_l = w[2].mean();
      for (int g = 0; g < ng; ++g) {
        state.noise_r[g] = moth.noise_r[g] * m_r[g];
        state.noise_p[g] = moth.noise_p[g] * m_p[g];
        state.noise_l[g] = moth.noise_l[g] * m_l[g];
      }
      state.noise_on = true;
    }
    if (i == steady_at) {
      // Minimum KC damping: 1.2 x the second-largest spontaneous K input, so that the
      // mushroom body is silent without a stimulus.
      const auto p_bar = steady.mean();
      const auto& w = moth.p2k;
      std::vector<double> spont_k(nk, 0.0);
      for (int k = 0; k < nk; ++k)
        for (auto n = w.row_begin[k]; n < w.row_begin[k + 1]; ++n)
          spont_k[k] += double(w.value[n]) * p_bar[w.col[n]];
      std::nth_element(spont_k.begin(), spont_k.end() - 2, spont_k.end());
      state.min_damper = spont_k[nk - 2];
    }
    if (i == reset_at) {
      std::fill(state.P.begin(), state.P.end(), 0.0f);
      std::fill(state.L.begin(), state.L.end(), 0.0f);
      std::fill(state.R.begin(), state.R.end(), 0.0f);
      std::fill(state.K.begin(), state.K.end(), 0.0f);
    }

    // The stimulus of this step, if any (presentations never overlap).
    while (next_pres < proto.stimulus.size() &&
           proto.stimulus[next_pres].begin +
                   static_cast<std::int64_t>(proto.stimulus[next_pres].weight.size()) <=
               i)
      ++next_pres;
    int stim_class = -1;
    float stim_mag = 0;
    if (next_pres < proto.stimulus.size() && proto.stimulus[next_pres].begin <= i)
      stim_mag = proto.stimulus[next_pres].weight[i - proto.stimulus[next_pres].begin];
    const float* digit = nullptr;
    if (stim_mag != 0) {
      const auto& pres = proto.presentations[next_pres];
      stim_class = pres.cls;
      digit = features.digit(pres.cls, pres.digit);
    }
    step.set_drive(digit, stim_mag);
    if (state.noise_on) {
      fill_normals(options.seed, streams::noise_r, i, z_r.data(), ng);
      fill_normals(options.seed, streams::noise_p, i, z_p.data(), ng);
      fill_normals(options.seed, streams::noise_l, i, z_l.data(), ng);
    }
    active_sum += step.compute(state, proto.octopamine[i], z_r.data(), z_p.data(), z_l.data());

    // Hebbian plasticity, only inside the windows of training presentations (spec 5.5).
    if (proto.hebbian[i]) {
      for (int k = 0; k < nk; ++k) heb_gain[k] = heb_pk * step.next.K[k];
      step.p2k.hebbian(heb_gain.data(), state.P.data(), p2k_max);
      // Only the presented class's EN learns.
      if (stim_class >= 0)
        k2e_hebbian_step(moth.k2e.data(), ne, nk, stim_class, step.next.E[stim_class],
                         state.K.data(), k2e_rule);
    }
    step.commit(state);
    std::copy(state.E.begin(), state.E.end(), result.en.begin() + (i + 1) * ne);

    const std::int64_t s = i + 1;
    // In pipeline order, so that the population named is where the failure started.
    result.non_finite = check_rates(s, {{"receptor neurons (R)", &state.R},
                                        {"projection neurons (P)", &state.P},
                                        {"lateral neurons (L)", &state.L},
                                        {"Kenyon cells (K)", &state.K},
                                        {"readout neurons (E)", &state.E}});
    if (result.non_finite) break;
    for (auto* w : {calib1, calib2}) {
      w[0].add_if_inside(s, state.R);
      w[1].add_if_inside(s, state.P);
      w[2].add_if_inside(s, state.L);
    }
    steady.add_if_inside(s, state.P);
    if (options.progress && s % 1000 == 0) options.progress->advance(1);
  }
  result.mean_active_kenyon =
      static_cast<double>(active_sum) / nk / std::max<std::int64_t>(1, proto.steps - 1);
  step.p2k.store(moth.p2k);
  result.final_state = std::move(state);
  result.trained = std::move(moth);
  return result;
}

frozen_responses read_frozen(const network& moth, const moth_state& from,
                             const model_params& params, const protocol_params& timeline,
                             const data::labelled_features& digits, std::uint64_t seed, int batch) {
  params.validate();
  if (batch < 1) throw parameter_error("batch", "must be >= 1, got " + std::to_string(batch));
  const int ng = moth.num_glomeruli, ne = moth.num_readouts;
  if (digits.num_features != ng)
    throw parameter_error("digits", "the moth has " + std::to_string(ng) +
                                        " glomeruli but the digits have " +
                                        std::to_string(digits.num_features) + " features");
  if (from.P.size() != static_cast<std::size_t>(ng) ||
      from.K.size() != static_cast<std::size_t>(moth.num_kenyon) ||
      from.E.size() != static_cast<std::size_t>(ne))
    throw parameter_error("from", "a state of another moth");
  // One validation digit's time line: its stimulus pulse and the response window
  // (onset - half, onset + half) of collect_responses, whose first step is where a digit
  // starts from the settled state.
  protocol_params pp = timeline;
  pp.dt = params.dt;
  const protocol one = make_protocol({{}}, {}, {{0}}, pp);
  const auto& at = one.presentations.front();
  const double half = pp.response_half_window;
  const auto first = std::max<std::int64_t>(0, one.first_step_after(at.onset - half));
  const auto last = std::min(one.steps, one.first_step_from(at.onset + half)) - 1;
  const auto& pulse = one.stimulus.front();

  frozen_responses out;
  const auto count = static_cast<std::int64_t>(digits.size());
  out.responses.peak = Eigen::MatrixXd::Zero(count, ne);
  out.responses.labels = digits.labels;
  out.responses.digits.resize(digits.size());
  std::iota(out.responses.digits.begin(), out.responses.digits.end(), 0);
  std::vector<std::optional<non_finite_report>> failed(digits.size());
  const std::int64_t chunks = (count + batch - 1) / batch;
#pragma omp parallel
  {
    stepper step(moth, params);
    const int nk = step.num_kenyon();
    std::vector<moth_state> state(static_cast<std::size_t>(batch));
    std::vector<stepper::rates> next(static_cast<std::size_t>(batch), step.make_rates());
    std::vector<std::vector<float>> drive(static_cast<std::size_t>(batch));
    std::vector<std::vector<float>> peak(static_cast<std::size_t>(batch));
    std::vector<float> z_r(ng, 0.0f), z_p(ng, 0.0f), z_l(ng, 0.0f);
    std::vector<float> p_in(static_cast<std::size_t>(ng) * batch),
        k_in(static_cast<std::size_t>(nk) * batch);
#pragma omp for schedule(dynamic, 1)
    for (std::int64_t c = 0; c < chunks; ++c) {
      // Digits d0 .. d0 + n - 1 side by side: their P->K products as one batched product,
      // the rest one digit at a time (the same arithmetic as the single step).
      const auto d0 = c * batch;
      const int n = static_cast<int>(std::min<std::int64_t>(batch, count - d0));
      for (int j = 0; j < n; ++j) {
        state[j] = from;
        peak[j] = from.E;
      }
      for (auto i = first; i < last; ++i) {
        const auto k = i - pulse.begin;
        const float magnitude =
            k >= 0 && k < static_cast<std::int64_t>(pulse.weight.size()) ? pulse.weight[k] : 0.0f;
        for (int j = 0; j < n; ++j) {
          const auto d = static_cast<std::size_t>(d0 + j);
          step.fill_drive(digits.digit(d), magnitude, drive[j]);
          if (from.noise_on) {
            const auto key = (static_cast<std::uint64_t>(digits.image_index[d]) << 32) |
                             static_cast<std::uint64_t>(i - first);
            fill_normals(seed, streams::frozen_noise_r, key, z_r.data(), ng);
            fill_normals(seed, streams::frozen_noise_p, key, z_p.data(), ng);
            fill_normals(seed, streams::frozen_noise_l, key, z_l.data(), ng);
          }
          step.antennal_lobe(state[j], drive[j].data(), 0.0f, z_r.data(), z_p.data(), z_l.data(),
                             next[j]);
          for (int g = 0; g < ng; ++g) p_in[static_cast<std::size_t>(g) * n + j] = state[j].P[g];
        }
        step.p2k.multiply_batch(p_in.data(), n, k_in.data());
        for (int j = 0; j < n; ++j) {
          auto& bad = failed[static_cast<std::size_t>(d0 + j)];
          step.set_k_input(k_in.data(), n, j);
          step.mushroom_body(state[j], 0.0f, next[j]);
          stepper::commit(state[j], next[j]);
          if (bad) continue;  // its rates only go on so that the batch keeps its shape
          bad = check_rates(i + 1 - first, {{"receptor neurons (R)", &state[j].R},
                                            {"projection neurons (P)", &state[j].P},
                                            {"lateral neurons (L)", &state[j].L},
                                            {"Kenyon cells (K)", &state[j].K},
                                            {"readout neurons (E)", &state[j].E}});
          if (bad) {
            bad->where = "moth test digit " + std::to_string(d0 + j);
            continue;
          }
          for (int e = 0; e < ne; ++e) peak[j][e] = std::max(peak[j][e], state[j].E[e]);
        }
      }
      for (int j = 0; j < n; ++j)
        for (int e = 0; e < ne; ++e) out.responses.peak(d0 + j, e) = peak[j][e];
    }
  }
  for (auto& f : failed)
    if (f) {
      out.non_finite = std::move(f);
      break;
    }
  return out;
}

}  // namespace kenyon::moth

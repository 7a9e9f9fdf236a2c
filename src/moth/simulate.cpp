#include "kenyon/moth/simulate.hpp"

#include <algorithm>
#include <cmath>

#include "kenyon/core/error.hpp"
#include "kenyon/core/progress.hpp"
#include "kenyon/core/rng.hpp"

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

inline float clip(float x, float half_range) { return std::clamp(x, -half_range, half_range); }

}  // namespace

simulation_result simulate(network moth, const protocol& proto, const data::feature_set& features,
                           const model_params& params, const simulation_options& options) {
  params.validate();
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

  const float dt = static_cast<float>(params.dt);
  const float tau = static_cast<float>(params.tau);
  const float sqrt_dt = std::sqrt(dt);
  const float half_range = static_cast<float>(params.sigmoid_range / 2);
  const float slope = static_cast<float>(params.sigmoid_slope);
  const float neg_discount = static_cast<float>(params.octo_neg_discount);
  const double z_plain = upper_quantile(params.sparsity);
  const double z_octo = upper_quantile(params.octo_sparsity);
  const float heb_pk = static_cast<float>(1 / (params.heb_tau_pk * params.goal));
  const float heb_ke = static_cast<float>(1 / (params.heb_tau_ke * params.goal));
  const float die_back = static_cast<float>(params.dt / (params.die_back_tau_ke * params.goal));
  const float p2k_max = static_cast<float>(params.p2k_max);
  const float k2e_max = static_cast<float>(params.k2e_max);
  const auto sig = [&](float x) { return clip(slope * x, half_range); };

  // Receptor r is driven by feature r_feature[r]; stimulus drive is scaled by each
  // receptor's spontaneous rate relative to the mean.
  std::vector<int> r_feature(ng);
  for (int j = 0; j < ng; ++j) r_feature[moth.feature_to_r[j]] = j;
  double spont_mean = 0;
  for (float r : moth.r_spont) spont_mean += r;
  spont_mean /= ng;
  std::vector<float> r_drive_scale(ng);
  for (int g = 0; g < ng; ++g)
    r_drive_scale[g] = moth.f2r_gain * static_cast<float>(moth.r_spont[g] / spont_mean);

  // State: P = L = K = 1, R = spontaneous rate, E = 0 (spec section 2).
  std::vector<float> P(ng, 1.0f), L(ng, 1.0f), R(moth.r_spont), K(nk, 1.0f), E(ne, 0.0f);
  std::vector<float> P_new(ng), L_new(ng), R_new(ng), K_new(nk), E_new(ne);
  std::vector<float> lateral_in(3 * static_cast<std::size_t>(ng));
  std::vector<float> k_input(nk), z_r(ng), z_p(ng), z_l(ng), e_in(ne);
  std::vector<float> spont_r(ng, 0.0f), spont_p(ng, 0.0f), spont_l(ng, 0.0f);
  std::vector<int> active, active_new;  // Kenyon cells with a positive rate
  active.reserve(nk);
  active_new.reserve(nk);
  for (int k = 0; k < nk; ++k) active.push_back(k);
  const std::vector<float> p2k_initial = moth.p2k.value;

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
  double min_damper = 10;  // until the steady-state P rates are known
  bool noise_on = false;

  simulation_result result;
  result.steps = proto.steps;
  result.num_readouts = ne;
  result.en.assign(static_cast<std::size_t>(proto.steps) * ne, 0.0f);
  std::copy(E.begin(), E.end(), result.en.begin());
  double active_sum = 0;

  std::size_t next_pres = 0;  // first presentation whose stimulus has not ended
  const auto& p2k_row = moth.p2k.row_begin;
  const auto& p2k_col = moth.p2k.col;
  auto& p2k_val = moth.p2k.value;

  for (std::int64_t i = 0; i + 1 < proto.steps; ++i) {
    if (i == calib1_at || i == calib2_at) {
      auto* w = i == calib1_at ? calib1 : calib2;
      spont_r = w[0].mean();
      spont_p = w[1].mean();
      spont_l = w[2].mean();
      noise_on = true;
    }
    if (i == steady_at) {
      // Minimum KC damping: 1.2 x the second-largest spontaneous K input, so that the
      // mushroom body is silent without a stimulus.
      const auto p_bar = steady.mean();
      std::vector<double> spont_k(nk, 0.0);
      for (int k = 0; k < nk; ++k)
        for (auto n = p2k_row[k]; n < p2k_row[k + 1]; ++n)
          spont_k[k] += double(p2k_initial[n]) * p_bar[p2k_col[n]];
      std::nth_element(spont_k.begin(), spont_k.end() - 2, spont_k.end());
      min_damper = spont_k[nk - 2];
    }
    if (i == reset_at) {
      std::fill(P.begin(), P.end(), 0.0f);
      std::fill(L.begin(), L.end(), 0.0f);
      std::fill(R.begin(), R.end(), 0.0f);
      std::fill(K.begin(), K.end(), 0.0f);
      active.clear();
    }

    // The stimulus of this step, if any (presentations never overlap).
    while (next_pres < proto.stimulus.size() &&
           proto.stimulus[next_pres].begin +
                   static_cast<std::int64_t>(proto.stimulus[next_pres].weight.size()) <=
               i)
      ++next_pres;
    int stim_class = -1;
    float stim_mag = 0;
    const float* stim = nullptr;
    if (next_pres < proto.stimulus.size() && proto.stimulus[next_pres].begin <= i) {
      const auto& pres = proto.presentations[next_pres];
      stim_mag = proto.stimulus[next_pres].weight[i - proto.stimulus[next_pres].begin];
      if (stim_mag != 0) {
        stim_class = pres.cls;
        stim = features.digit(pres.cls, pres.digit);
      }
    }
    const float o = proto.octopamine[i];

    // Antennal lobe: lateral inhibition from the previous step's L.
    for (int b = 0; b < 3 * ng; ++b) {
      const float* row = moth.lateral.data() + static_cast<std::size_t>(b) * ng;
      float s = 0;
      for (int j = 0; j < ng; ++j) s += row[j] * L[j];
      lateral_in[b] = s;
    }
    const float* l2r_in = lateral_in.data();
    const float* l2p_in = l2r_in + ng;
    const float* l2l_in = l2p_in + ng;
    if (noise_on) {
      fill_normals(options.seed, streams::noise_r, i, z_r.data(), ng);
      fill_normals(options.seed, streams::noise_p, i, z_p.data(), ng);
      fill_normals(options.seed, streams::noise_l, i, z_l.data(), ng);
    }
    for (int g = 0; g < ng; ++g) {
      const float in_p = -std::max(0.0f, 1 - o * moth.octo2p[g] * neg_discount) * l2p_in[g] +
                         moth.r2p[g] * R[g] * (1 + o * moth.octo2p[g]);
      const float in_l = -std::max(0.0f, 1 - o * moth.octo2l[g] * neg_discount) * l2l_in[g] +
                         moth.r2l[g] * R[g] * (1 + o * moth.octo2l[g]);
      const float drive = stim ? stim_mag * stim[r_feature[g]] * r_drive_scale[g] : 0.0f;
      const float in_r = -std::max(0.0f, 1 - o * moth.octo2r[g] * neg_discount) * l2r_in[g] +
                         drive * (1 + o * moth.octo2r[g]) + moth.r_spont[g];
      P_new[g] = P[g] + dt * (-tau * P[g] + sig(in_p));
      L_new[g] = L[g] + dt * (-tau * L[g] + sig(in_l));
      R_new[g] = R[g] + dt * (-tau * R[g] + sig(in_r));
      if (noise_on) {
        P_new[g] += sqrt_dt * moth.noise_p[g] * spont_p[g] * z_p[g];
        L_new[g] += sqrt_dt * moth.noise_l[g] * spont_l[g] * z_l[g];
        R_new[g] += sqrt_dt * moth.noise_r[g] * spont_r[g] * z_r[g];
      }
    }

    // Mushroom body: P->K input, then a global damper that lets about the top
    // `sparsity` fraction through (assuming Gaussian inputs).
    double sum = 0, sum_sq = 0;
    for (int k = 0; k < nk; ++k) {
      float s = 0;
      for (auto n = p2k_row[k]; n < p2k_row[k + 1]; ++n) s += p2k_val[n] * P[p2k_col[n]];
      k_input[k] = s;
      sum += s;
      sum_sq += double(s) * s;
    }
    const double mean = sum / nk;
    const double sd = std::sqrt(std::max(0.0, sum_sq / nk - mean * mean));
    const double z = (1 - o) * z_plain + o * z_octo;
    const float damper = static_cast<float>(std::max(mean + z * sd, 1.2 * min_damper));
    for (int k = 0; k < nk; ++k) K_new[k] = K[k] + dt * (-tau * K[k] + sig(k_input[k] - damper));

    // Readout: a plain leaky sum of the active Kenyon cells (no sigmoid, no noise).
    std::fill(e_in.begin(), e_in.end(), 0.0f);
    for (int k : active) {
      const float* w = moth.k2e.data() + static_cast<std::size_t>(k) * ne;
      for (int e = 0; e < ne; ++e) e_in[e] += w[e] * K[k];
    }
    for (int e = 0; e < ne; ++e) E_new[e] = E[e] + dt * (-tau * E[e] + e_in[e]);

    // Hebbian plasticity, only inside the windows of training presentations.
    if (proto.hebbian[i]) {
      for (int k = 0; k < nk; ++k) {
        if (K_new[k] <= 0) continue;
        const float gain = heb_pk * K_new[k];
        for (auto n = p2k_row[k]; n < p2k_row[k + 1]; ++n)
          p2k_val[n] = std::clamp(p2k_val[n] + gain * P[p2k_col[n]], 0.0f, p2k_max);
      }
      if (stim_class >= 0) {
        // Only the presented class's EN learns; its synapses from silent KCs die back.
        const float growth = heb_ke * E_new[stim_class];
        for (int k = 0; k < nk; ++k) {
          float& w = moth.k2e[static_cast<std::size_t>(k) * ne + stim_class];
          const float dw = growth * K[k];
          if (dw == 0) w -= (w + 2) * die_back;
          w = std::clamp(w + dw, 0.0f, k2e_max);
        }
      }
    }

    // Commit the step: rates are rectified.
    for (int g = 0; g < ng; ++g) {
      P[g] = std::max(0.0f, P_new[g]);
      L[g] = std::max(0.0f, L_new[g]);
      R[g] = std::max(0.0f, R_new[g]);
    }
    active_new.clear();
    for (int k = 0; k < nk; ++k) {
      K[k] = std::max(0.0f, K_new[k]);
      if (K[k] > 0) active_new.push_back(k);
    }
    active.swap(active_new);
    active_sum += static_cast<double>(active.size()) / nk;
    E.swap(E_new);
    std::copy(E.begin(), E.end(), result.en.begin() + (i + 1) * ne);

    const std::int64_t s = i + 1;
    for (auto* w : {calib1, calib2}) {
      w[0].add_if_inside(s, R);
      w[1].add_if_inside(s, P);
      w[2].add_if_inside(s, L);
    }
    steady.add_if_inside(s, P);
    if (options.progress && s % 1000 == 0) options.progress->advance(1);
  }
  result.mean_active_kenyon = active_sum / std::max<std::int64_t>(1, proto.steps - 1);
  result.trained = std::move(moth);
  return result;
}

}  // namespace kenyon::moth

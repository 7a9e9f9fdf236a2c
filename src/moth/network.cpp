#include "kenyon/moth/network.hpp"

#include <algorithm>
#include <numeric>
#include <random>

#include "kenyon/core/error.hpp"
#include "kenyon/core/rng.hpp"

namespace kenyon::moth {
namespace {

// Gamma with shape mu/std and scale mu/shape: pymoth's parametrisation (spec section 9,
// item 11), whose std is not the `std` asked for. We reproduce the numbers, not the intent.
std::gamma_distribution<double> pymoth_gamma(double mu, double std) {
  const double shape = mu / std;
  return std::gamma_distribution<double>(shape, mu / shape);
}

}  // namespace

network make_network(const model_params& params, int num_glomeruli, std::uint64_t seed) {
  params.validate();
  if (num_glomeruli < 2 || num_glomeruli > 65535)
    throw parameter_error("num_features",
                          "expected 2 to 65535 features, got " + std::to_string(num_glomeruli));
  const int ng = num_glomeruli;
  const int nk = params.kenyon_per_glomerulus * ng;
  const int ne = params.num_readouts;
  rng_stream gen(seed, streams::connectivity);
  std::normal_distribution<double> normal;
  auto positive = [](double x) { return static_cast<float>(std::max(0.0, x)); };

  network net;
  net.num_glomeruli = ng;
  net.num_kenyon = nk;
  net.num_readouts = ne;

  // Features to receptors: a random permutation with a uniform gain.
  net.feature_to_r.resize(ng);
  std::iota(net.feature_to_r.begin(), net.feature_to_r.end(), 0);
  std::shuffle(net.feature_to_r.begin(), net.feature_to_r.end(), gen);
  net.f2r_gain = static_cast<float>(params.f2r_total / ng);

  auto spont = pymoth_gamma(params.spont_r_mu, params.spont_r_std);
  net.r_spont.resize(ng);
  for (auto& r : net.r_spont) r = static_cast<float>(spont(gen));

  net.r2p.resize(ng);
  net.r2l.resize(ng);
  for (int g = 0; g < ng; ++g) {
    net.r2p[g] = positive((params.r2p_mult + params.std_factor * params.r2p_mult * normal(gen)) *
                          params.r2g_mu);
    net.r2l[g] = positive((params.r2l_mult + params.std_factor * params.r2l_mult * normal(gen)) *
                          params.r2g_mu);
  }

  // Glomerulus-to-glomerulus inhibition: dense positive weights, zero diagonal, then about
  // (1 - l2g_fraction) of the off-diagonal links removed.
  std::vector<double> l2g(static_cast<std::size_t>(ng) * ng);
  int zeros = 0;
  for (int i = 0; i < ng; ++i)
    for (int j = 0; j < ng; ++j) {
      const double w = i == j ? 0.0 : std::max(0.0, params.l2g_mu + params.l2g_std * normal(gen));
      l2g[static_cast<std::size_t>(i) * ng + j] = w;
      zeros += i != j && w == 0;
    }
  const double off_diagonal = static_cast<double>(ng) * (ng - 1);
  const double to_kill = std::floor((1 - params.l2g_fraction) * off_diagonal - zeros);
  const double kill_probability = std::max(0.0, to_kill / (off_diagonal - zeros));
  for (auto& w : l2g)
    if (w > 0 && gen.uniform() < kill_probability) w = 0;
  for (int i = 0; i < ng; ++i) {
    const double gaba = params.gaba_sens_mu + params.gaba_sens_std * normal(gen);
    for (int j = 0; j < ng; ++j) l2g[static_cast<std::size_t>(i) * ng + j] *= gaba;
  }

  // pymoth writes k/nG*fr where MATLAB has k/(nG*fr) (spec section 9, item 2).
  auto lateral_mult = [&](double numerator) {
    return params.pymoth_lateral ? numerator / ng * params.l2g_fraction
                                 : numerator / (ng * params.l2g_fraction);
  };
  net.lateral.resize(3 * l2g.size());
  const double mults[3] = {lateral_mult(params.l2r_numerator), lateral_mult(params.l2p_numerator),
                           lateral_mult(params.l2p_numerator)};
  for (int block = 0; block < 3; ++block) {
    // The L->R multiplier's std is 0.1 x mult in the originals, the others std_factor x mult.
    const double std = (block == 0 ? 0.1 : params.std_factor) * mults[block];
    for (std::size_t e = 0; e < l2g.size(); ++e)
      net.lateral[block * l2g.size() + e] =
          positive(mults[block] + std * normal(gen)) * static_cast<float>(l2g[e]);
  }

  // P->K: each synapse exists with probability p_per_k / nG; weights clipped to [0, max].
  const double p_connect = static_cast<double>(params.p_per_k) / ng;
  std::vector<std::vector<std::pair<std::uint16_t, float>>> rows(nk);
  for (auto& row : rows)
    for (int p = 0; p < ng; ++p) {
      const bool connected = gen.uniform() < p_connect;
      const double w = params.p2k_mu + params.p2k_std * normal(gen);
      if (connected && w > 0)
        row.emplace_back(static_cast<std::uint16_t>(p),
                         static_cast<float>(std::min(w, params.p2k_max)));
    }
  // Kenyon cells are interchangeable: order them by in-degree so that the simulation's
  // sliced P->K kernel needs little padding.
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto& a, const auto& b) { return a.size() > b.size(); });
  auto& p2k = net.p2k;
  p2k.rows = nk;
  p2k.cols = ng;
  p2k.row_begin.assign(1, 0);
  for (const auto& row : rows) {
    for (auto [p, w] : row) {
      p2k.col.push_back(p);
      p2k.value.push_back(w);
    }
    p2k.row_begin.push_back(static_cast<std::int32_t>(p2k.value.size()));
  }

  net.k2e.assign(static_cast<std::size_t>(nk) * ne, static_cast<float>(params.k2e_mu));

  // Octopamine gains (deterministic with the default zero spread).
  net.octo2r.assign(ng, static_cast<float>(params.octo2g * params.octo2r_mult));
  net.octo2p.assign(ng, static_cast<float>(params.octo2g * params.octo2p_mult));
  net.octo2l.assign(ng, static_cast<float>(params.octo2g * params.octo2l_mult));

  // Noise multipliers; values above 15 are silenced for R and P as in the originals.
  auto draw_noise = [&](std::vector<float>& v, bool cap) {
    v.assign(ng, 0.0f);
    if (params.noise == 0) return;  // a noise-free moth
    auto noise = pymoth_gamma(params.noise, params.noise_std);
    for (auto& x : v) {
      const double s = noise(gen);
      x = static_cast<float>(cap && s > 15 ? 0.0 : s);
    }
  };
  draw_noise(net.noise_r, true);
  draw_noise(net.noise_p, true);
  draw_noise(net.noise_l, false);
  return net;
}

}  // namespace kenyon::moth

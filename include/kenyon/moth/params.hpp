#pragma once
// MothNet's parameters (spec mothnet.md section 2), as plain structs with defaults and a
// validate() that names the offending field. "Rates" called tau are decay rates (1/s).
#include <cstdint>
#include <string>
#include <string_view>

namespace kenyon::moth {

// Which of the original codes' choices to follow where pymoth and the MATLAB original
// differ (spec section 9). `fixed` follows MATLAB and repairs pymoth's defects;
// `pymoth` reproduces pymoth's choices for side-by-side comparison.
enum class compat_mode { fixed, pymoth };
compat_mode parse_compat_mode(std::string_view name);  // "fixed" or "pymoth"
std::string to_string(compat_mode mode);

// The moth's model: population sizes, rates, connection statistics, sparsity targets,
// learning rates and octopamine gains; defaults are pymoth's (spec section 2).
struct model_params {
  int kenyon_per_glomerulus = 30;  // nK = 30 nG
  int num_readouts = 10;           // nE, one per class
  double dt = 0.02;                // s, Euler-Maruyama step
  double tau = 7;                  // 1/s, decay rate of every population
  double sigmoid_range = 10.5;     // C: the pseudo-sigmoid clips to [-C/2, C/2]
  double sigmoid_slope = 1;        // effective slope at 0
  double std_factor = 0.1;         // relative std of the R->P/L and L->* gains
  double f2r_total = 100;          // feature->R gain = f2r_total / nG
  double r2g_mu = 5;
  double r2p_mult = 4;
  double r2l_mult = 0.75;
  double spont_r_mu = 0.1;  // R spontaneous drive: Gamma(mu/std, mu/(mu/std)), as pymoth
  double spont_r_std = 0.005;
  double l2g_fraction = 0.8;  // fraction of glomerulus pairs with lateral inhibition
  double l2g_mu = 5;
  double l2g_std = 0.5;
  double gaba_sens_mu = 0.6;  // per-glomerulus GABA sensitivity
  double gaba_sens_std = 0.12;
  double l2r_numerator = 6;      // L->R multiplier = 6 / (nG * l2g_fraction) (MATLAB)
  double l2p_numerator = 2;      // L->P and L->L multipliers = 2 / (nG * l2g_fraction)
  bool pymoth_lateral = false;   // pymoth's mistranslation 6 / nG * l2g_fraction (0.64x)
  double sparsity = 0.05;        // fraction of Kenyon cells active without octopamine
  double octo_sparsity = 0.075;  // ... and with octopamine
  int p_per_k = 10;              // mean P inputs per Kenyon cell
  double p2k_mu = 2.2;           // = 44 / (p_per_k * 2)
  double p2k_std = 1.1;
  double p2k_max = 5.5;  // Hebbian ceiling, mu + 3 std
  double k2e_mu = 3;
  double k2e_max = 60;
  double goal = 15;  // learning-speed scale: the Hebbian time scales below are in units of it
  double heb_tau_ke = 0.02;      // x goal: K->E growth divisor (per step, no dt)
  double die_back_tau_ke = 0.5;  // x goal: K->E die-back time (s)
  double heb_tau_pk = 5000;      // x goal: P->K growth divisor
  double octo_neg_discount = 0.5;
  double octo2g = 1.5;
  double octo2r_mult = 2;    // octo2R = 3
  double octo2l_mult = 1.6;  // octo2L = 2.4
  double octo2p_mult = 0;
  double noise = 1;  // per-neuron noise multipliers ~ Gamma(1/noise_std, noise_std)
  double noise_std = 0.3;
  void validate() const;
};

// One experiment: how many digits, which seed, which conventions.
struct experiment_params {
  int train_per_class = 10;  // training digits per class
  int sniffs = 1;            // presentations of each training digit
  int val_per_class = 15;    // validation digits per class (and baseline digits per class)
  std::uint64_t seed = 0;    // every random draw of the run derives from it
  compat_mode compat = compat_mode::fixed;
  // Digit pools within each class's first 1000 images (spec section 1.7).
  int baseline_pool_begin = 0, baseline_pool_end = 100;
  int train_pool_begin = 100, train_pool_end = 300;
  int val_pool_begin = 300, val_pool_end = 400;
  // Throws parameter_error naming the field; `per_class` is the number of feature
  // vectors available per class.
  void validate(int per_class) const;
};

}  // namespace kenyon::moth

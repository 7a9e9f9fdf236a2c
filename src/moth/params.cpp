#include "kenyon/moth/params.hpp"

#include <cmath>

#include "kenyon/core/error.hpp"

namespace kenyon::moth {
namespace {

void require(bool ok, const char* field, const std::string& expected) {
  if (!ok) throw parameter_error(field, "expected " + expected);
}

void require_positive(double value, const char* field) {
  require(std::isfinite(value) && value > 0, field,
          "a positive number, got " + std::to_string(value));
}

void require_non_negative(double value, const char* field) {
  require(std::isfinite(value) && value >= 0, field,
          "a non-negative number, got " + std::to_string(value));
}

void require_fraction(double value, const char* field) {
  require(value > 0 && value < 0.5, field, "a fraction in (0, 0.5), got " + std::to_string(value));
}

}  // namespace

compat_mode parse_compat_mode(std::string_view name) {
  if (name == "fixed") return compat_mode::fixed;
  if (name == "pymoth") return compat_mode::pymoth;
  throw parameter_error("compat", "expected 'fixed' or 'pymoth', got '" + std::string(name) + "'");
}

std::string to_string(compat_mode mode) { return mode == compat_mode::pymoth ? "pymoth" : "fixed"; }

void model_params::validate() const {
  require(kenyon_per_glomerulus >= 1, "kenyon_per_glomerulus", "at least 1");
  require(num_readouts >= 2, "num_readouts", "at least 2");
  require_positive(dt, "dt");
  require_positive(tau, "tau");
  require(dt * tau < 1, "dt", "dt * tau < 1 for a stable Euler step");
  for (auto [v, name] : {std::pair{sigmoid_range, "sigmoid_range"},
                         {sigmoid_slope, "sigmoid_slope"},
                         {f2r_total, "f2r_total"},
                         {spont_r_mu, "spont_r_mu"},
                         {spont_r_std, "spont_r_std"},
                         {goal, "goal"},
                         {heb_tau_ke, "heb_tau_ke"},
                         {die_back_tau_ke, "die_back_tau_ke"},
                         {heb_tau_pk, "heb_tau_pk"},
                         {p2k_max, "p2k_max"},
                         {k2e_max, "k2e_max"},
                         {noise_std, "noise_std"}})
    require_positive(v, name);
  for (auto [v, name] : {std::pair{std_factor, "std_factor"},
                         {r2g_mu, "r2g_mu"},
                         {r2p_mult, "r2p_mult"},
                         {r2l_mult, "r2l_mult"},
                         {l2g_mu, "l2g_mu"},
                         {l2g_std, "l2g_std"},
                         {gaba_sens_mu, "gaba_sens_mu"},
                         {gaba_sens_std, "gaba_sens_std"},
                         {l2r_numerator, "l2r_numerator"},
                         {l2p_numerator, "l2p_numerator"},
                         {p2k_mu, "p2k_mu"},
                         {p2k_std, "p2k_std"},
                         {k2e_mu, "k2e_mu"},
                         {octo_neg_discount, "octo_neg_discount"},
                         {octo2g, "octo2g"},
                         {octo2r_mult, "octo2r_mult"},
                         {octo2l_mult, "octo2l_mult"},
                         {octo2p_mult, "octo2p_mult"},
                         {noise, "noise"}})
    require_non_negative(v, name);
  require(l2g_fraction > 0 && l2g_fraction <= 1, "l2g_fraction", "a fraction in (0, 1]");
  require_fraction(sparsity, "sparsity");
  require_fraction(octo_sparsity, "octo_sparsity");
  require(p_per_k >= 1, "p_per_k", "at least 1");
}

void experiment_params::validate(int per_class) const {
  auto pool = [&](int begin, int end, const char* name) {
    require(0 <= begin && begin < end && end <= per_class, name,
            "a digit pool within the " + std::to_string(per_class) + " digits of each class");
  };
  pool(baseline_pool_begin, baseline_pool_end, "baseline_pool");
  pool(train_pool_begin, train_pool_end, "train_pool");
  pool(val_pool_begin, val_pool_end, "val_pool");
  const int train_pool = train_pool_end - train_pool_begin;
  const int val_pool =
      std::min(val_pool_end - val_pool_begin, baseline_pool_end - baseline_pool_begin);
  require(train_per_class >= 1 && train_per_class <= train_pool, "train-per-class",
          "1 to " + std::to_string(train_pool) + " (the training pool of each class), got " +
              std::to_string(train_per_class));
  require(val_per_class >= 2 && val_per_class <= val_pool, "val-per-class",
          "2 to " + std::to_string(val_pool) + " (the validation pool of each class), got " +
              std::to_string(val_per_class));
  require(sniffs >= 1 && sniffs <= 100, "sniffs", "1 to 100, got " + std::to_string(sniffs));
}

}  // namespace kenyon::moth

#pragma once
// The moth's firing-rate SDEs, integrated with Euler-Maruyama (spec mothnet.md section 5),
// with octopamine-gated Hebbian plasticity of P->K and K->E during training.
#include <cstdint>
#include <optional>
#include <vector>

#include "kenyon/core/numeric_status.hpp"
#include "kenyon/data/preprocess.hpp"
#include "kenyon/moth/network.hpp"
#include "kenyon/moth/params.hpp"
#include "kenyon/moth/protocol.hpp"

namespace kenyon {
class progress_bar;
}

namespace kenyon::moth {

struct simulation_options {
  std::uint64_t seed = 0;  // noise is keyed on (seed, population, neuron, step)
  // pymoth and MATLAB read a never-written column at the first step with t >= 33 s, which
  // zeroes R, P, L and K for one step (spec 5.4). Off by default; on in pymoth mode.
  bool reset_at_33s = false;
  progress_bar* progress = nullptr;  // advanced by one per 1000 steps when given
};

// The moth's rates and noise amplitudes at one step: where a frozen moth starts reading
// digits from.
struct moth_state {
  std::vector<float> P, L, R, K, E;
  std::vector<float> noise_r, noise_p, noise_l;  // per glomerulus, set by the calibrations
  double min_damper = 10;                        // the Kenyon cells' minimum damping
  bool noise_on = false;
};

struct simulation_result {
  std::int64_t steps = 0;
  int num_readouts = 0;
  std::vector<float> en;          // steps x nE, the readout time courses
  network trained;                // the moth after plasticity
  moth_state final_state;         // after the last step (or the step that failed)
  double mean_active_kenyon = 0;  // mean fraction of Kenyon cells active per step
  // The first rate that was not a finite number (step = the time step whose state held it,
  // cell_type = the population, e.g. "readout neurons (E)"); the simulation stopped there
  // and the later readout values are 0.
  std::optional<non_finite_report> non_finite;
  float en_at(std::int64_t step, int e) const {
    return en[static_cast<std::size_t>(step) * num_readouts + e];
  }
};

// Runs the whole protocol on one moth. `features` supplies the digits the protocol names.
// Every step's rates are checked; a NaN or infinity stops the run (result.non_finite).
simulation_result simulate(network moth, const protocol& proto, const data::feature_set& features,
                           const model_params& params, const simulation_options& options = {});

// The same on features read in place (not copied), e.g. a numpy array bound from Python.
simulation_result simulate(network moth, const protocol& proto, const data::feature_view& features,
                           const model_params& params, const simulation_options& options = {});

}  // namespace kenyon::moth

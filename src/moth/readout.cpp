#include "kenyon/moth/readout.hpp"

#include <algorithm>

namespace kenyon::moth {

en_responses collect_responses(const simulation_result& sim, const protocol& proto, phase kind) {
  std::vector<const presentation*> chosen;
  for (const auto& p : proto.presentations)
    if (p.kind == kind) chosen.push_back(&p);
  en_responses out;
  out.peak.resize(static_cast<Eigen::Index>(chosen.size()), sim.num_readouts);
  const double half = proto.params.response_half_window;
  for (std::size_t d = 0; d < chosen.size(); ++d) {
    const auto& p = *chosen[d];
    // Grid points strictly inside (onset - half, onset + half).
    const auto first = std::max<std::int64_t>(0, proto.first_step_after(p.onset - half));
    const auto last = std::min(sim.steps, proto.first_step_from(p.onset + half)) - 1;
    for (int e = 0; e < sim.num_readouts; ++e) {
      float peak = sim.en_at(first, e);
      for (auto s = first + 1; s <= last; ++s) peak = std::max(peak, sim.en_at(s, e));
      out.peak(static_cast<Eigen::Index>(d), e) = peak;
    }
    out.labels.push_back(p.cls);
    out.digits.push_back(p.digit);
  }
  return out;
}

}  // namespace kenyon::moth

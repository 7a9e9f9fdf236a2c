#pragma once
// What a run costs the machine, for the summaries results report (ratenet/results.hpp,
// kenyon bench).

namespace kenyon {

// Peak resident memory of this process so far, in MB.
double peak_rss_mb();

}  // namespace kenyon

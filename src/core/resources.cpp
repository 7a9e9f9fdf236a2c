#include "kenyon/core/resources.hpp"

#include <sys/resource.h>

namespace kenyon {

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

}  // namespace kenyon

#pragma once
// Tests that need something the set-up provides (the MNIST download, Debian's
// Fashion-MNIST, the built CLI) skip without it when run by hand, and fail when
// KENYON_REQUIRE_DATA is set, as `make test` and CI set it: there a missing data set means
// the set-up is broken, and a skipped test must not pass for a run that checked nothing.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string_view>

namespace kenyon::test {
inline bool require_data() {
  const char* v = std::getenv("KENYON_REQUIRE_DATA");
  return v && *v && std::string_view(v) != "0";
}
}  // namespace kenyon::test

// In a TEST body (returns from it): skip, or fail under KENYON_REQUIRE_DATA, unless `have`.
#define KENYON_REQUIRE(have, what)                                         \
  do {                                                                     \
    if (!(have)) {                                                         \
      if (kenyon::test::require_data())                                    \
        GTEST_FAIL() << what << " (required: KENYON_REQUIRE_DATA is set)"; \
      else                                                                 \
        GTEST_SKIP() << what;                                              \
    }                                                                      \
  } while (0)

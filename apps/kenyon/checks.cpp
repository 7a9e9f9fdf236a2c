// Option checks that several commands share.
#include <unistd.h>

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <string>
#include <system_error>

#include "commands.hpp"
#include "kenyon/core/error.hpp"

namespace kenyon::cli {

std::size_t test_count(const std::string& text) {
  if (text == "all") return 0;
  std::size_t count = 0;
  const auto* last = text.data() + text.size();
  const auto [at, ec] = std::from_chars(text.data(), last, count);
  if (ec != std::errc() || at != last || count == 0)
    throw parameter_error("--test", "'" + text + "': expected a number of digits >= 1 or all");
  return count;
}

const CLI::Validator& seed_value() {
  static const CLI::Validator check(
      [](std::string& value) {
        std::uint64_t seed = 0;
        const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seed);
        return ec == std::errc() && end == value.data() + value.size()
                   ? std::string()
                   : "expected an integer from 0 to 18446744073709551615, got " + value;
      },
      "SEED", "seed");
  return check;
}

void check_fits_in_memory(std::int64_t batch, std::int64_t neurons, std::int64_t layers) {
  const double bytes =
      4.0 * static_cast<double>(batch) * static_cast<double>(neurons) * static_cast<double>(layers);
  const double memory =
      static_cast<double>(sysconf(_SC_PHYS_PAGES)) * static_cast<double>(sysconf(_SC_PAGESIZE));
  if (memory <= 0 || bytes <= memory) return;
  char what[200];
  std::snprintf(what, sizeof what,
                "%lld items x %lld neurons x %lld layers of activations need %.3g GB, more "
                "than this machine's %.3g GB; lower --batch or --layers",
                static_cast<long long>(batch), static_cast<long long>(neurons),
                static_cast<long long>(layers), bytes / 1e9, memory / 1e9);
  throw parameter_error("--batch", what);
}

}  // namespace kenyon::cli

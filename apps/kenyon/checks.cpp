// Option checks that several commands share.
#include <charconv>
#include <cstdint>
#include <string>
#include <system_error>

#include "commands.hpp"

namespace kenyon::cli {

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

}  // namespace kenyon::cli

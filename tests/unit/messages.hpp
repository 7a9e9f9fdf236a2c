#pragma once
// Checking what an error says: the tests assert that messages name the file, row, column
// or argument at fault.
#include <gtest/gtest.h>

#include <exception>
#include <string>

namespace kenyon::test {

// The message of the `exception` that f() throws; a test failure (and "") if f() throws
// nothing or an exception of another type.
template <class exception, class function>
std::string message_of(function&& f) {
  try {
    f();
  } catch (const exception& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "an exception of another type: " << e.what();
    return {};
  }
  ADD_FAILURE() << "no exception";
  return {};
}

}  // namespace kenyon::test

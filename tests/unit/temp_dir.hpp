#pragma once
// A fresh temporary folder for each test, named after the test and the process so that
// parallel test runs never share one, and removed afterwards.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

namespace kenyon::test {

class temporary_folder_test : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    // Parametrised tests' names hold '/', which must not make nested folders.
    std::string name = std::string(info->test_suite_name()) + "_" + info->name();
    std::replace(name.begin(), name.end(), '/', '_');
    dir_ = std::filesystem::temp_directory_path() /
           ("kenyon_" + name + "_" + std::to_string(getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  // Writes `contents` byte for byte to a file in the folder and returns its path.
  std::filesystem::path write(const std::string& name, const std::string& contents) const {
    const auto path = dir_ / name;
    std::ofstream(path, std::ios::binary)
        .write(contents.data(), static_cast<std::streamsize>(contents.size()));
    return path;
  }

  std::filesystem::path dir_;
};

}  // namespace kenyon::test

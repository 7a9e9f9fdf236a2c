#pragma once
// Small MothNet inputs shared by the tests that simulate without MNIST.
#include <random>
#include <utility>
#include <vector>

#include "kenyon/data/preprocess.hpp"
#include "kenyon/moth/protocol.hpp"

namespace kenyon::test {

// Ten classes of four synthetic digits, 85 non-negative features summing to 6 each, like
// the preprocessed MNIST digits.
inline data::feature_set synthetic_moth_features(std::uint32_t seed) {
  data::feature_set f;
  f.num_classes = 10;
  f.per_class = 4;
  f.num_features = 85;
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> u(0, 1);
  f.values.resize(10 * 4 * 85);
  for (int d = 0; d < 40; ++d) {
    float sum = 0;
    for (int j = 0; j < 85; ++j) sum += f.values[d * 85 + j] = u(gen) < 0.3f ? u(gen) : 0.0f;
    for (int j = 0; j < 85; ++j) f.values[d * 85 + j] *= 6 / sum;
  }
  return f;
}

// A short experiment over those digits: digit 0 of each class before training, digit 1 or
// 2 trained, digit 3 after.
inline moth::protocol short_moth_protocol() {
  std::vector<std::vector<int>> baseline(10, {0}), validation(10, {3});
  std::vector<std::pair<int, int>> training;
  for (int c = 0; c < 10; ++c) training.emplace_back(c, 1 + c % 2);
  return moth::make_protocol(baseline, training, validation);
}

}  // namespace kenyon::test

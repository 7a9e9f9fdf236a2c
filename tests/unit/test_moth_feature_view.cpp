#include <gtest/gtest.h>

#include <random>

#include "kenyon/core/error.hpp"
#include "kenyon/data/preprocess.hpp"
#include "kenyon/moth/network.hpp"
#include "kenyon/moth/protocol.hpp"
#include "kenyon/moth/simulate.hpp"
#include "moth_fixtures.hpp"
#include "seed.hpp"

namespace kenyon::moth {
namespace {

TEST(moth_feature_view, simulates_exactly_as_the_owning_set) {
  const auto features = kenyon::test::synthetic_moth_features(kenyon::test::test_seed(7));
  const model_params params;
  const auto moth = make_network(params, 85, 3);
  const auto proto = kenyon::test::short_moth_protocol();
  simulation_options options;
  options.seed = 5;
  const auto owned = simulate(moth, proto, features, params, options);
  // A view of another buffer with the same values: read in place, same result.
  const std::vector<float> elsewhere = features.values;
  const data::feature_view view{10, 4, 85, elsewhere.data()};
  const auto viewed = simulate(moth, proto, view, params, options);
  ASSERT_EQ(owned.en.size(), viewed.en.size());
  EXPECT_EQ(owned.en, viewed.en);
  EXPECT_EQ(owned.trained.k2e, viewed.trained.k2e);
  EXPECT_EQ(owned.trained.p2k.value, viewed.trained.p2k.value);
  // The digits matter: other values give other time courses.
  std::vector<float> other = features.values;
  for (auto& x : other) x *= 0.5f;
  const auto changed =
      simulate(moth, proto, data::feature_view{10, 4, 85, other.data()}, params, options);
  EXPECT_NE(owned.en, changed.en);
}

TEST(moth_feature_view, refuses_views_that_do_not_fit) {
  const auto features = kenyon::test::synthetic_moth_features(kenyon::test::test_seed(7));
  const model_params params;
  const auto moth = make_network(params, 85, 3);
  const auto proto = kenyon::test::short_moth_protocol();
  // Too few digits for the protocol, too few features for the moth, no values at all.
  EXPECT_THROW(simulate(moth, proto, data::feature_view{10, 2, 85, features.values.data()}, params),
               parameter_error);
  EXPECT_THROW(simulate(moth, proto, data::feature_view{10, 4, 80, features.values.data()}, params),
               parameter_error);
  EXPECT_THROW(simulate(moth, proto, data::feature_view{10, 4, 85, nullptr}, params),
               parameter_error);
}

}  // namespace
}  // namespace kenyon::moth

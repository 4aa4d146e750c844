// Unit tests for common/workload.hpp: the synthetic per-item workload.
#include "common/workload.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>

namespace parlab {
namespace {

TEST(Burn, IsDeterministicAndDependsOnItsArguments) {
  EXPECT_EQ(burn(100, 1), burn(100, 1));
  EXPECT_NE(burn(100, 1), burn(100, 2));
  EXPECT_NE(burn(100, 1), burn(101, 1));
}

TEST(Burn, CalibrationIsPositive) { EXPECT_GT(burn_units_per_microsecond(), 0.0); }

TEST(LinearCosts, GrowFromOneToTheMaximum) {
  const auto costs = linear_costs(1'000, 500);
  ASSERT_EQ(costs.size(), 1'000U);
  EXPECT_EQ(costs.front(), 1U);
  EXPECT_EQ(costs.back(), 500U);
  EXPECT_TRUE(std::is_sorted(costs.begin(), costs.end()));
  // The second half holds about three quarters of the work: why static halves reach ~0.67.
  const auto half = total_units({costs.begin() + 500, costs.end()});
  const double share = static_cast<double>(half) / static_cast<double>(total_units(costs));
  EXPECT_NEAR(share, 0.75, 0.01);
}

TEST(HeavyTailedCosts, HaveTheRequestedMedianAndARareHeavyTail) {
  auto costs = heavy_tailed_costs(100'001, 100, 7);
  EXPECT_EQ(costs, heavy_tailed_costs(100'001, 100, 7));
  std::nth_element(costs.begin(), costs.begin() + 50'000, costs.end());
  EXPECT_NEAR(static_cast<double>(costs[50'000]), 100.0, 5.0);
  const auto largest = *std::max_element(costs.begin(), costs.end());
  EXPECT_GT(largest, 10'000U) << "a Pareto(1.5) tail reaches 100x the median in 1e5 draws";
  EXPECT_LE(largest, 100'000U) << "costs are capped at 1000x the median";
  EXPECT_THROW(heavy_tailed_costs(1, 0, 1), std::invalid_argument);
}

}  // namespace
}  // namespace parlab

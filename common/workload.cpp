// A calibrated synthetic per-item workload (see workload.hpp). Part of common/.
#include "common/workload.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <random>
#include <stdexcept>

namespace parlab {

std::uint64_t burn(std::uint64_t units, std::uint64_t salt) {
  // One unit is 16 rounds of a multiply-xorshift mix; each round depends on the previous one,
  // so the chain runs at the multiplier's latency and cannot be vectorised.
  std::uint64_t x = salt ^ 0x9E3779B97F4A7C15ULL;
  for (std::uint64_t unit = 0; unit < units; ++unit) {
    for (int round = 0; round < 16; ++round) {
      x ^= x >> 29;
      x *= 0xBF58476D1CE4E5B9ULL;
    }
  }
  return x;
}

double burn_units_per_microsecond() {
  static const double rate = [] {
    using clock = std::chrono::steady_clock;
    constexpr std::uint64_t kUnits = 20'000;
    std::vector<double> rates;
    volatile std::uint64_t sink = 0;
    for (int pass = 0; pass < 7; ++pass) {
      const auto start = clock::now();
      sink = sink + burn(kUnits, static_cast<std::uint64_t>(pass));
      const std::chrono::duration<double, std::micro> took = clock::now() - start;
      rates.push_back(static_cast<double>(kUnits) / std::max(took.count(), 1e-3));
    }
    std::nth_element(rates.begin(), rates.begin() + 3, rates.end());
    return rates[3];
  }();
  return rate;
}

std::vector<std::uint32_t> linear_costs(std::size_t n, std::uint32_t max_units) {
  std::vector<std::uint32_t> costs(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double fraction = n > 1 ? static_cast<double>(i) / static_cast<double>(n - 1) : 1.0;
    costs[i] =
        1 + static_cast<std::uint32_t>(std::lround(fraction * (max_units > 0 ? max_units - 1 : 0)));
  }
  return costs;
}

std::vector<std::uint32_t> heavy_tailed_costs(std::size_t n, std::uint32_t median_units,
                                              std::uint64_t seed) {
  if (median_units == 0) {
    throw std::invalid_argument("heavy_tailed_costs: median_units must be at least 1");
  }
  constexpr double kShape = 1.5;
  // A Pareto(x_min, kShape) variable has median x_min * 2^(1/kShape).
  const double x_min = median_units / std::pow(2.0, 1.0 / kShape);
  const double cap = 1000.0 * median_units;
  std::mt19937_64 generator(seed);
  std::vector<std::uint32_t> costs(n);
  for (auto& cost : costs) {
    // Inverse transform sampling from a uniform in (0, 1]; the 53-bit construction is portable.
    const double u = (static_cast<double>(generator() >> 11) + 1.0) * 0x1.0p-53;
    const double value = std::min(cap, x_min / std::pow(u, 1.0 / kShape));
    cost = std::max<std::uint32_t>(1, static_cast<std::uint32_t>(value));
  }
  return costs;
}

std::uint64_t total_units(const std::vector<std::uint32_t>& costs) {
  return std::accumulate(costs.begin(), costs.end(), std::uint64_t{0});
}

}  // namespace parlab

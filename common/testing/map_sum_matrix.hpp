// The correctness matrix every map_sum of labs 1-4 must pass: many sizes n, thread counts k
// (including k > n), seed data and random data. Test-only; part of common/testing.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <numeric>
#include <span>
#include <vector>

#include "common/data.hpp"

namespace parlab::testing {

/// Sizes that catch the usual chunking bugs: empty, single, fewer than k, odd, and the seed's.
inline const std::vector<std::size_t> matrix_sizes = {0,   1,     2,       3,        7,
                                                      100, 1'000, 999'999, 1'000'000};

/// Checks `map_sum(std::span<const int32_t>, k, f)` against a sequential loop for every n in
/// matrix_sizes and k in 1..8 plus k = n + 1. `stage` names the code under test in messages.
template <class MapSum>
void expect_map_sum_matrix(const char* stage, MapSum map_sum) {
  const auto doubled = [](std::int32_t x) { return 2 * std::int64_t{x}; };
  for (const std::size_t n : matrix_sizes) {
    const std::vector<std::int32_t> seed = seed_data(n);
    const std::vector<std::int32_t> random = random_data(n, /*seed=*/n + 17);
    const std::int64_t random_expected =
        std::accumulate(random.begin(), random.end(), std::int64_t{0},
                        [&](std::int64_t sum, std::int32_t x) { return sum + doubled(x); });
    std::vector<std::size_t> thread_counts = {1, 2, 3, 4, 5, 6, 7, 8};
    if (n + 1 > 8) {
      thread_counts.push_back(n + 1 <= 64 ? n + 1 : 16);
    }
    for (const std::size_t k : thread_counts) {
      const std::int64_t got_seed = map_sum(std::span<const std::int32_t>(seed), k, doubled);
      EXPECT_EQ(got_seed, seed_sum_doubled(n))
          << stage << ": the sum of 2*x over 0.." << n << "-1 with k = " << k << " threads.\n"
          << "Rule: every element is mapped and summed exactly once, whatever n and k are "
             "(k > n means n threads, n = 0 means 0).";
      const std::int64_t got_random = map_sum(std::span<const std::int32_t>(random), k, doubled);
      EXPECT_EQ(got_random, random_expected)
          << stage << ": the sum of 2*x over " << n << " random ints in [-1000, 1000] (seed "
          << n + 17 << ") with k = " << k << " threads.";
    }
  }
}

}  // namespace parlab::testing

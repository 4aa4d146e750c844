// The map_sum contract: what every map_sum of labs 1-4 promises, whatever runs the chunks (new
// threads, a pool, a work-stealing scheduler). Written once here, checked from each lab's tests,
// one TEST per rule with the same name in every lab. Test-only; part of common/testing.
//
// Each check takes the stage's name (for messages) and `map_sum`, a callable
// `map_sum(std::span<const T> data, std::size_t k, F f)` that runs the lab's map_sum, e.g.
//   [&](auto data, std::size_t k, auto f) { return map_sum(pool, data, k, f); }
//
//   rule                                   TEST name in every lab
//   k = 0 is rejected with a clear message  RejectsZeroKWithAClearMessage
//   integer sums are 64-bit                 SumsTheSeedsMillionIntegersWithoutOverflow
//   every n and k, seed and random data     MatchesTheSequentialSumForEverySizeAndK
//   the sum has f's result type             SumsFloatingPointResults
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <numeric>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/data.hpp"

namespace parlab::testing {

/// Sizes that catch the usual chunking bugs: empty, single, fewer than k, odd, and the seed's.
inline const std::vector<std::size_t> matrix_sizes = {0,   1,     2,       3,        7,
                                                      100, 1'000, 999'999, 1'000'000};

/// Rule: k = 0 cannot cover any input, so it is a caller error: std::invalid_argument whose
/// what() says why, for empty input too (k is checked before anything else).
template <class MapSum>
void expect_rejects_zero_k(const std::string& stage, MapSum map_sum) {
  const auto doubled = [](std::int32_t x) { return 2 * std::int64_t{x}; };
  for (const std::size_t n : {0, 10}) {
    const std::vector<std::int32_t> data = seed_data(n);
    try {
      (void)map_sum(std::span<const std::int32_t>(data), 0, doubled);
      ADD_FAILURE() << stage << " with k = 0 on " << n << " elements returned normally.\n"
                    << "Rule: k = 0 cannot cover any input, so it is a caller error (even for "
                       "empty input): throw std::invalid_argument saying why.";
    } catch (const std::invalid_argument& error) {
      EXPECT_GT(std::string(error.what()).size(), 10U)
          << stage << " with k = 0 on " << n << " elements threw std::invalid_argument with "
          << "what() = \"" << error.what() << "\".\n"
          << "Rule: the message says why k = 0 is rejected, so that the caller can fix the call.";
    }
  }
}

/// Rule: integer results are summed in 64 bits (map_sum_result_t), even when f returns int:
/// 2*x over the seed's million integers is 999,999,000,000, more than 32 bits hold.
template <class MapSum>
void expect_sums_the_seeds_million_without_overflow(const std::string& stage, MapSum map_sum) {
  const std::vector<std::int32_t> data = seed_data(1'000'000);
  const auto doubled = [](std::int32_t x) { return 2 * std::int64_t{x}; };
  const auto doubled32 = [](std::int32_t x) { return 2 * x; };  // int results, like the blog's i32
  EXPECT_EQ(map_sum(std::span<const std::int32_t>(data), 4, doubled), 999'999'000'000LL)
      << stage << ": the sum of 2*x for x in 0..999,999 with k = 4.\n"
      << "Rule: integer results are accumulated in 64 bits (map_sum_result_t); the sum, "
         "999,999,000,000, is more than a 32-bit integer holds.";
  EXPECT_EQ(map_sum(std::span<const std::int32_t>(data), 4, doubled32), 999'999'000'000LL)
      << stage << ": the same sum with an f that returns int.\n"
      << "Rule: integer results are accumulated in 64 bits (map_sum_result_t), whatever integer "
         "type f returns.";
}

/// Rule: every element is mapped and summed exactly once, whatever n and k are. Checks the sum
/// against a sequential loop for every n in matrix_sizes and k in 1..8 plus k > n, on the
/// seed's data and on random data.
template <class MapSum>
void expect_map_sum_matrix(const std::string& stage, MapSum map_sum) {
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
          << stage << ": the sum of 2*x over 0.." << n << "-1 with k = " << k << ".\n"
          << "Rule: every element is mapped and summed exactly once, whatever n and k are "
             "(k > n means at most n non-empty chunks, n = 0 means a sum of 0).";
      const std::int64_t got_random = map_sum(std::span<const std::int32_t>(random), k, doubled);
      EXPECT_EQ(got_random, random_expected)
          << stage << ": the sum of 2*x over " << n << " random ints in [-1000, 1000] (seed "
          << n + 17 << ") with k = " << k << ".\n"
          << "Rule: every element is mapped and summed exactly once, whatever n and k are.";
    }
  }
}

/// Rule: the sum has f's result type: double results are summed as double, not truncated to an
/// integer on the way.
template <class MapSum>
void expect_sums_floating_point_results(const std::string& stage, MapSum map_sum) {
  const std::vector<double> data = {0.5, 1.25, 2.0, -0.75};
  const auto twice = [](double x) { return x * 2; };
  for (const std::size_t k : {1, 2, 3}) {
    EXPECT_DOUBLE_EQ(map_sum(std::span<const double>(data), k, twice), 6.0)
        << stage << ": the sum of 2*x over {0.5, 1.25, 2.0, -0.75} with k = " << k << ".\n"
        << "Rule: the sum has f's result type (map_sum_result_t): double results are added as "
           "double, never truncated to an integer.";
  }
}

}  // namespace parlab::testing

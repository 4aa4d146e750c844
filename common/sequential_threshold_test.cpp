// Unit tests for common/sequential_threshold.hpp: the crossover's arithmetic on known medians,
// and what the measurement calls (never how long anything took).
#include "common/sequential_threshold.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <stdexcept>
#include <thread>
#include <vector>

namespace parlab {
namespace {

TEST(SequentialThreshold, IsWhereTheParallelAndTheLoopTimesMeet) {
  // c = 10,000 ns at every size, t = 1 ns per element, 2 workers: c·P / ((P − 1)·t) = 20,000.
  const std::vector<CrossoverSample> samples = {
      {1'000, 10'000.0 + 500.0, 1'000.0},
      {2'000, 10'000.0 + 1'000.0, 2'000.0},
      {4'000, 10'000.0 + 2'000.0, 4'000.0},
  };
  EXPECT_EQ(crossover_threshold(samples, 2), 20'000U)
      << "a fixed cost of 10 us and 1 ns per element on 2 workers: parallel (10 us + n/2 ns) "
         "and the loop (n ns) meet at n = 20,000";
  EXPECT_EQ(crossover_threshold(samples, 4), 14'000U)
      << "the same medians on 4 workers: c = 10,500 (a median of parallel − loop / 4), so the "
         "crossover is 10,500 · 4 / 3 = 14,000";
}

TEST(SequentialThreshold, TakesTheMedianCostSoThatOneSlowSizeDoesNotMoveIt) {
  const std::vector<CrossoverSample> samples = {
      {1'000, 5'500.0, 1'000.0}, {2'000, 900'000.0, 2'000.0}, {4'000, 7'000.0, 4'000.0}};
  EXPECT_EQ(crossover_threshold(samples, 2), 10'000U)
      << "costs 5,000, 899,000, 5,000: median 5,000";
}

TEST(SequentialThreshold, SendsEveryInputToTheLoopWithOneWorker) {
  const std::vector<CrossoverSample> samples = {{1'000, 2'000.0, 1'000.0}};
  EXPECT_EQ(crossover_threshold(samples, 1), kEveryInputInline)
      << "one worker cannot share the loop's work: going parallel only adds its cost";
  int calls = 0;
  const auto count = [&calls](std::size_t) { ++calls; };
  EXPECT_EQ(measure_sequential_threshold(1, 16, 3, 3, count, count), kEveryInputInline);
  EXPECT_EQ(calls, 0) << "with one worker there is nothing to measure";
}

TEST(SequentialThreshold, TimesBothContendersAtEverySizeAlternately) {
  std::vector<std::size_t> parallel_sizes;
  std::vector<std::size_t> order;
  const auto parallel = [&](std::size_t n) {
    parallel_sizes.push_back(n);
    order.push_back(0);
  };
  const auto loop = [&](std::size_t) { order.push_back(1); };
  (void)measure_sequential_threshold(2, 16, 3, 5, parallel, loop);
  // One untimed round and five timed ones at 16, 32 and 64 elements.
  std::vector<std::size_t> expected;
  for (const std::size_t n : {16U, 32U, 64U}) {
    expected.insert(expected.end(), 6, n);
  }
  EXPECT_EQ(parallel_sizes, expected) << "rule: every size, doubling, rounds + 1 times each";
  for (std::size_t i = 0; i < order.size(); ++i) {
    EXPECT_EQ(order[i], i % 2) << "rule: the two contenders alternate, parallel first";
  }
}

TEST(SequentialThreshold, SendsEveryInputToTheLoopWhenAContenderThrows) {
  const auto throws = [](std::size_t) { throw std::runtime_error("no scheduler"); };
  const auto loop = [](std::size_t) {};
  EXPECT_EQ(measure_sequential_threshold(2, 16, 2, 3, throws, loop), kEveryInputInline)
      << "a parallel run that cannot start must not take the caller down: every input inline";
}

TEST(DefaultThreshold, MeasuresOnceOnFirstUseWhateverTheNumberOfThreads) {
  DefaultThreshold threshold;
  std::atomic<int> measurements{0};
  const auto measure = [&measurements]() noexcept {
    measurements.fetch_add(1);
    return std::size_t{1'234};
  };
  std::vector<std::thread> readers;
  std::atomic<int> wrong{0};
  for (int i = 0; i < 4; ++i) {
    readers.emplace_back([&] {
      if (threshold.get(measure) != 1'234) {
        wrong.fetch_add(1);
      }
    });
  }
  for (auto& reader : readers) {
    reader.join();
  }
  EXPECT_EQ(wrong.load(), 0) << "every reader gets the one measurement";
  EXPECT_EQ(measurements.load(), 1) << "rule: the threshold is measured once per process";
}

TEST(DefaultThreshold, KeepsASetValueOverTheMeasurement) {
  DefaultThreshold threshold;
  int measurements = 0;
  const auto measure = [&measurements]() noexcept {
    ++measurements;
    return std::size_t{1'234};
  };
  threshold.set(10);
  EXPECT_EQ(threshold.get(measure), 10U);
  EXPECT_EQ(measurements, 0) << "a value set before the first use leaves nothing to measure";
  threshold.set(std::numeric_limits<std::size_t>::max());
  EXPECT_EQ(threshold.get(measure), kEveryInputInline)
      << "the largest value means every input inline, not \"measure again\"";
  EXPECT_EQ(measurements, 0);
}

TEST(SequentialThreshold, TimesTheSeedsSumInCacheSizedInputs) {
  std::vector<std::size_t> sizes;
  const auto parallel_sum = [&sizes](std::span<const std::int32_t> input) {
    sizes.push_back(input.size());
    std::int64_t total = 0;
    for (const std::int32_t x : input) {
      total += 2 * std::int64_t{x};
    }
    return total;
  };
  (void)measure_seed_sequential_threshold(2, parallel_sum);
  ASSERT_FALSE(sizes.empty());
  EXPECT_EQ(sizes.front(), 4'096U) << "the smallest size: 4 Ki elements";
  EXPECT_EQ(*std::max_element(sizes.begin(), sizes.end()), 131'072U)
      << "the largest size: 128 Ki int32 (512 KiB), still in cache";
  EXPECT_EQ(sizes.size(), 6U * 10U) << "six sizes, one untimed and nine timed rounds each";
}

}  // namespace
}  // namespace parlab

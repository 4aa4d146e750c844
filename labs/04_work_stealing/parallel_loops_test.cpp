// Lab 4, part D (work stealing): the graded tests for parallel_loops.hpp (parallel_for,
// parallel_reduce, map_sum). Do not edit: the grader checks this file against the release's copy.
// Angle brackets on purpose: a quoted include would find the starter beside this file even
// when the solution flavour is being built; <> searches only the flavour's include path.
#include <parallel_loops.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <numeric>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/data.hpp"
#include "common/testing/bounded.hpp"
#include "common/testing/map_sum_contract.hpp"

namespace parlab::steal {
namespace {

using namespace std::chrono_literals;
using parlab::testing::eventually;
using parlab::testing::finish_within;

TEST(ParallelFor, VisitsEveryIndexExactlyOnce) {
  finish_within(60s, "parallel_for over many sizes and grains", [] {
    Scheduler scheduler(2);
    for (const std::size_t n : {0U, 1U, 2U, 7U, 1000U, 100'000U}) {
      for (const std::size_t grain : {std::size_t{1}, std::size_t{7}, std::size_t{1000}, n + 10}) {
        const std::size_t first = 5;  // a range that does not start at 0
        auto visits = std::make_unique<std::atomic<int>[]>(n + first);
        parallel_for(scheduler, first, first + n, grain,
                     [&](std::size_t i) { visits[i].fetch_add(1, std::memory_order_relaxed); });
        std::size_t wrong = 0;
        for (std::size_t i = 0; i < n + first; ++i) {
          const int expected = i >= first ? 1 : 0;
          wrong += visits[i].load(std::memory_order_relaxed) != expected ? 1 : 0;
        }
        EXPECT_EQ(wrong, 0U) << "parallel_for(" << first << ", " << first + n << ", grain " << grain
                             << "): indices visited a wrong number of times.\nRule: "
                             << "f(i) runs exactly once for each i in [first, last), never "
                                "outside it.";
      }
    }
  });
}

TEST(ParallelFor, RejectsAZeroGrain) {
  finish_within(20s, "parallel_for with grain 0", [] {
    Scheduler scheduler(1);
    EXPECT_THROW(parallel_for(scheduler, 0, 10, 0, [](std::size_t) {}), std::invalid_argument)
        << "grain 0 would halve forever; it must throw std::invalid_argument";
    EXPECT_THROW(
        (void)parallel_reduce(scheduler, 0, 10, 0, 0, std::plus<>(), [](std::size_t) { return 1; }),
        std::invalid_argument);
  });
}

TEST(ParallelFor, NestsInsideItselfWithoutDeadlock) {
  finish_within(60s, "parallel_for inside parallel_for", [] {
    Scheduler scheduler(2);
    constexpr std::size_t kOuter = 64;
    constexpr std::size_t kInner = 2'000;
    std::vector<std::atomic<std::size_t>> sums(kOuter);
    parallel_for(scheduler, 0, kOuter, 1, [&](std::size_t i) {
      parallel_for(scheduler, 0, kInner, 16,
                   [&](std::size_t j) { sums[i].fetch_add(j, std::memory_order_relaxed); });
    });
    for (std::size_t i = 0; i < kOuter; ++i) {
      EXPECT_EQ(sums[i].load(), kInner * (kInner - 1) / 2)
          << "inner loop " << i << " did not visit every index once";
    }
  });
}

TEST(ParallelFor, SpreadsWorkOverTheWorkers) {
  // Item 0 cannot finish until item 1 has started elsewhere: only stealing can make that happen.
  finish_within(60s, "parallel_for whose items wait for each other", [] {
    Scheduler scheduler(2);
    std::atomic<bool> second_started{false};
    bool first_saw_second = true;
    parallel_for(scheduler, 0, 2, 1, [&](std::size_t i) {
      if (i == 0) {
        first_saw_second =
            eventually(20s, [&] { return second_started.load(std::memory_order_acquire); });
      } else {
        second_started.store(true, std::memory_order_release);
      }
    });
    EXPECT_TRUE(first_saw_second)
        << "item 1 never started while item 0 was running.\nRule: with grain 1 the two items are "
           "two jobs, and the idle worker steals one.";
  });
}

TEST(ParallelFor, RunsAPieceOfAtMostGrainIndicesAsOneLoop) {
  // 64 indices with grain 64 are one piece: one loop on one worker, in index order. Index 0
  // waits (up to 2 s) for any other index to start elsewhere, which only a split could allow.
  finish_within(60s, "parallel_for whose range fits in one grain", [] {
    Scheduler scheduler(2);
    std::mutex mutex;
    std::vector<std::pair<std::size_t, std::thread::id>> order;  // (index, thread) as they ran
    std::atomic<bool> another_started{false};
    parallel_for(scheduler, 0, 64, 64, [&](std::size_t i) {
      if (i == 0) {
        (void)eventually(2s, [&] { return another_started.load(); });
      } else {
        another_started.store(true);
      }
      const std::scoped_lock lock(mutex);
      order.emplace_back(i, std::this_thread::get_id());
    });
    ASSERT_EQ(order.size(), 64U);
    for (std::size_t k = 0; k < order.size(); ++k) {
      EXPECT_EQ(order[k].first, k)
          << "parallel_for(0, 64, grain 64) ran index " << order[k].first << " as the " << k
          << "th call, expected index " << k << " (one loop, in order).\nRule: a piece of at most "
          << "grain indices is not split: it runs as one sequential loop on one thread.";
      EXPECT_EQ(order[k].second, order[0].second)
          << "index " << order[k].first << " ran on another thread than index 0.\nRule: a piece "
          << "of at most grain indices is not split: it runs as one sequential loop on one thread.";
      if (order[k].first != k || order[k].second != order[0].second) {
        break;
      }
    }
  });
}

TEST(ParallelFor, PropagatesAnExceptionFromTheBody) {
  finish_within(60s, "parallel_for with a throwing body", [] {
    Scheduler scheduler(2);
    EXPECT_THROW(parallel_for(scheduler, 0, 10'000, 10,
                              [](std::size_t i) {
                                if (i == 7'777) {
                                  throw std::runtime_error("item 7777");
                                }
                              }),
                 std::runtime_error);
    std::atomic<std::size_t> count{0};
    parallel_for(scheduler, 0, 1'000, 10,
                 [&](std::size_t) { count.fetch_add(1, std::memory_order_relaxed); });
    EXPECT_EQ(count.load(), 1'000U) << "the scheduler keeps working after an exception";
  });
}

TEST(ParallelFor, WorksFromEightOutsideThreadsAtOnce) {
  finish_within(120s, "parallel_for from 8 outside threads", [] {
    Scheduler scheduler(2);
    std::vector<std::size_t> results(8);
    std::vector<std::thread> callers;
    for (std::size_t t = 0; t < 8; ++t) {
      callers.emplace_back([&, t] {
        try {
          std::atomic<std::size_t> sum{0};
          for (int round = 0; round < 10; ++round) {
            parallel_for(scheduler, 0, 1'000, 8,
                         [&](std::size_t i) { sum.fetch_add(i, std::memory_order_relaxed); });
          }
          results[t] = sum.load();
        } catch (...) {
          results[t] = 0;  // reported below; an exception escaping a thread would terminate
        }
      });
    }
    for (auto& caller : callers) {
      caller.join();
    }
    for (std::size_t t = 0; t < 8; ++t) {
      EXPECT_EQ(results[t], 10U * 999U * 1000U / 2U) << "outside caller " << t;
    }
  });
}

TEST(ParallelReduce, CombinesInIndexOrder) {
  finish_within(60s, "parallel_reduce with a non-commutative reduce", [] {
    Scheduler scheduler(2);
    // String concatenation is associative but not commutative: any reordering shows.
    std::string expected;
    for (std::size_t i = 0; i < 500; ++i) {
      expected += static_cast<char>('a' + i % 26);
    }
    for (const std::size_t grain : {1U, 3U, 64U, 1000U}) {
      const std::string got = parallel_reduce(
          scheduler, 0, 500, grain, std::string(),
          [](std::string left, const std::string& right) { return left + right; },
          [](std::size_t i) { return std::string(1, static_cast<char>('a' + i % 26)); });
      EXPECT_EQ(got, expected) << "grain " << grain
                               << ": reduce must combine results left before right.\nRule: "
                                  "parallel_reduce needs associativity, not commutativity.";
    }
  });
}

TEST(ParallelReduce, FoldsPiecesOfAtMostGrainIndicesSequentially) {
  // Each index costs one reduce (folding it into its piece's accumulator) and each split one
  // more (combining the halves): n + pieces - 1 calls. Halving stops at grain, so a piece holds
  // more than grain / 2 indices, and at most n / ceil(grain / 2) pieces exist.
  finish_within(60s, "parallel_reduce counting its reduce calls", [] {
    Scheduler scheduler(2);
    for (const auto& [n, grain] : {std::pair<std::size_t, std::size_t>{1'000, 1'000},
                                   {1'000, 5'000},
                                   {1'000, 100},
                                   {10'000, 7}}) {
      std::atomic<std::size_t> calls{0};
      const std::size_t sum = parallel_reduce(
          scheduler, 0, n, grain, std::size_t{0},
          [&](std::size_t left, std::size_t right) {
            calls.fetch_add(1, std::memory_order_relaxed);
            return left + right;
          },
          [](std::size_t i) { return i; });
      EXPECT_EQ(sum, n * (n - 1) / 2);
      const std::size_t max_pieces = grain >= n ? 1 : n / ((grain + 1) / 2);
      EXPECT_LE(calls.load(), n + max_pieces - 1)
          << "parallel_reduce over " << n << " indices with grain " << grain << " called reduce "
          << calls.load() << " times; expected at most " << n + max_pieces - 1 << " (" << n
          << " folds, at most " << max_pieces - 1 << " combines of halves).\nRule: a piece of at "
          << "most grain indices is not split: it is folded sequentially, one reduce per index.";
    }
  });
}

TEST(ParallelReduce, ReturnsTheIdentityForAnEmptyRange) {
  finish_within(20s, "parallel_reduce over an empty range", [] {
    Scheduler scheduler(1);
    EXPECT_EQ(
        parallel_reduce(scheduler, 10, 10, 4, 99, std::plus<>(), [](std::size_t) { return 1; }), 99)
        << "an empty range reduces to the identity";
  });
}

// A reversed range (first > last) holds no index, as [first, last) says. Computing its length
// as last - first in std::size_t wraps to nearly 2^64 instead. The first check uses the largest
// grain, so that such a loop fails at its first call instead of running for ages; the second
// the grain a caller would pass.
TEST(ParallelFor, TreatsAReversedRangeAsEmpty) {
  finish_within(
      20s, "parallel_for over a reversed range", [] {
        Scheduler scheduler(2);
        for (const std::size_t grain : {std::numeric_limits<std::size_t>::max(), std::size_t{4}}) {
          std::atomic<std::size_t> calls{0};
          std::optional<std::size_t> first_index;
          EXPECT_NO_THROW(parallel_for(scheduler, 10, 3, grain, [&](std::size_t i) {
            if (calls.fetch_add(1) == 0) {
              first_index = i;
            }
            throw std::runtime_error("f was called for a reversed range");
          }));
          ASSERT_EQ(calls.load(), 0U)
              << "parallel_for(scheduler, 10, 3, " << grain
              << ", f) called f, first with i = " << first_index.value_or(0)
              << ".\nRule: [first, last) with first > last is empty, like first == last: check "
                 "first >= last before computing last - first, which wraps around in std::size_t.";
        }
      });
}

TEST(ParallelReduce, ReturnsTheIdentityForAReversedRange) {
  finish_within(20s, "parallel_reduce over a reversed range", [] {
    Scheduler scheduler(2);
    for (const std::size_t grain : {std::numeric_limits<std::size_t>::max(), std::size_t{4}}) {
      std::atomic<std::size_t> calls{0};
      int result = -1;
      EXPECT_NO_THROW(result = parallel_reduce(
                          scheduler, 10, 3, grain, 99, std::plus<>(), [&](std::size_t) -> int {
                            calls.fetch_add(1);
                            throw std::runtime_error("map was called for a reversed range");
                          }));
      ASSERT_EQ(calls.load(), 0U)
          << "parallel_reduce(scheduler, 10, 3, " << grain
          << ", ...) called map.\nRule: [first, "
             "last) with first > last is empty and reduces to the identity; check first >= last "
             "before computing last - first, which wraps around in std::size_t.";
      EXPECT_EQ(result, 99) << "a reversed range reduces to the identity";
    }
  });
}

TEST(ParallelReduce, PropagatesAnExceptionFromMap) {
  finish_within(60s, "parallel_reduce with a throwing map", [] {
    Scheduler scheduler(2);
    EXPECT_THROW((void)parallel_reduce(scheduler, 0, 10'000, 10, 0, std::plus<>(),
                                       [](std::size_t i) {
                                         if (i == 5'000) {
                                           throw std::runtime_error("map");
                                         }
                                         return 1;
                                       }),
                 std::runtime_error);
  });
}

// ---- The map_sum contract of labs 1-4 (common/testing/map_sum_contract.hpp) ---------------

// Runs one check of the contract on map_sum over a Scheduler(2), within `limit`.
template <class Check>
void on_a_scheduler_of_two(std::chrono::seconds limit, const char* what, Check check) {
  finish_within(limit, what, [&] {
    Scheduler scheduler(2);
    check("steal::map_sum on Scheduler(2)", [&scheduler](auto data, std::size_t k, auto f) {
      return map_sum(scheduler, data, k, f);
    });
  });
}

TEST(MapSum, RejectsZeroKWithAClearMessage) {
  on_a_scheduler_of_two(20s, "map_sum with k = 0", [](const char* stage, auto call) {
    parlab::testing::expect_rejects_zero_k(stage, call);
  });
}

TEST(MapSum, SumsTheSeedsMillionIntegersWithoutOverflow) {
  on_a_scheduler_of_two(
      60s, "map_sum of the seed's million integers", [](const char* stage, auto call) {
        parlab::testing::expect_sums_the_seeds_million_without_overflow(stage, call);
      });
}

TEST(MapSum, MatchesTheSequentialSumForEverySizeAndK) {
  on_a_scheduler_of_two(120s, "the map_sum correctness matrix", [](const char* stage, auto call) {
    parlab::testing::expect_map_sum_matrix(stage, call);
  });
}

TEST(MapSum, SumsFloatingPointResults) {
  on_a_scheduler_of_two(20s, "map_sum over doubles", [](const char* stage, auto call) {
    parlab::testing::expect_sums_floating_point_results(stage, call);
  });
}

}  // namespace
}  // namespace parlab::steal

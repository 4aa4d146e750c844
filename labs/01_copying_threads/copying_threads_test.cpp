// Lab 1 (copying threads): the graded tests for copying_threads.hpp. Do not edit: the grader
// checks this file against the release's copy.
// Angle brackets on purpose: a quoted include would find the starter beside this file even
// when the solution flavour is being built; <> searches only the flavour's include path.
#include <copying_threads.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/data.hpp"
#include "common/instrument.hpp"
#include "common/testing/map_sum_contract.hpp"
#include "common/testing/thread_census.hpp"
#include "common/testing/thread_per_chunk_rules.hpp"
#include "common/workload.hpp"

namespace parlab::copying {
namespace {

// map_sum as the shared rule checks (common/testing) call it.
const auto call_map_sum = [](auto data, std::size_t k, auto f) { return map_sum(data, k, f); };

// ---- The map_sum contract of labs 1-4 (common/testing/map_sum_contract.hpp) ---------------

TEST(CopyingThreads, RejectsZeroKWithAClearMessage) {
  parlab::testing::expect_rejects_zero_k("copying::map_sum", call_map_sum);
}

TEST(CopyingThreads, SumsTheSeedsMillionIntegersWithoutOverflow) {
  parlab::testing::expect_sums_the_seeds_million_without_overflow("copying::map_sum", call_map_sum);
}

TEST(CopyingThreads, MatchesTheSequentialSumForEverySizeAndK) {
  parlab::testing::expect_map_sum_matrix("copying::map_sum", call_map_sum);
}

TEST(CopyingThreads, SumsFloatingPointResults) {
  parlab::testing::expect_sums_floating_point_results("copying::map_sum", call_map_sum);
}

// ---- Lab 1's own rules: a new thread and a copy per chunk ----------------------------------

TEST(CopyingThreads, ReturnsZeroAndStartsNoThreadForEmptyInput) {
  parlab::testing::expect_empty_input_starts_no_thread(call_map_sum);
}

TEST(CopyingThreads, UsesOneNewThreadPerChunkNeverTheCaller) {
  parlab::testing::expect_one_new_thread_per_chunk("lab 1", call_map_sum);
}

TEST(CopyingThreads, UsesOnlyNThreadsWhenKExceedsN) {
  parlab::testing::expect_only_n_threads_when_k_exceeds_n(call_map_sum);
}

/// A sum type that records every kernel thread on which one is created or added to: a thread
/// that map_sum starts runs at least its chunk's `Sum local{}`, even for an empty chunk, so
/// the census sees threads that never call f.
parlab::testing::ThreadCensus* sum_census = nullptr;

struct CensusSum {
  std::int64_t value = 0;
  CensusSum() { note(); }
  explicit CensusSum(std::int64_t v) : value(v) { note(); }
  CensusSum& operator+=(const CensusSum& other) {
    note();
    value += other.value;
    return *this;
  }
  // A member, not a friend: only the reference's std::accumulate uses it, and clang flags an
  // unused friend in the starter's build.
  CensusSum operator+(const CensusSum& other) const {
    CensusSum sum = *this;
    sum.value += other.value;
    return sum;
  }
  static void note() {
    if (sum_census != nullptr) {
      sum_census->record();
    }
  }
};

TEST(CopyingThreads, StartsNoThreadForAnEmptyChunk) {
  const auto data = seed_data(3);
  parlab::testing::ThreadCensus census;
  sum_census = &census;
  const CensusSum sum =
      map_sum(data, 8, [](std::int32_t x) { return CensusSum{2 * std::int64_t{x}}; });
  sum_census = nullptr;
  EXPECT_EQ(sum.value, 6);
  const std::size_t workers = census.distinct_count() - (census.saw_this_thread() ? 1 : 0);
  EXPECT_LE(workers, 3U)
      << "k = 8 threads for n = 3 elements: expected at most 3 worker threads, but " << workers
      << " threads (other than the caller) created or added to a sum.\nThe threads beyond the "
         "third had an empty chunk: they never call f, so only their empty sums show them.\n"
         "Rule: never start a thread that has nothing to do (min(k, n) threads).";
}

TEST(CopyingThreads, CopiesEveryElementExactlyOnce) {
  const auto values = seed_data(10'001);
  CopyCounts counts;
  const auto data = make_copy_counted(std::span<const std::int32_t>(values), counts);
  for (std::size_t k : {1, 3, 4}) {
    counts.copies = 0;
    const auto sum = map_sum(
        data, k, [](const CopyCounted<std::int32_t>& x) { return 2 * std::int64_t{x.value()}; });
    EXPECT_EQ(sum, seed_sum_doubled(10'001));
    EXPECT_EQ(counts.copies.load(), 10'001U)
        << "with k = " << k << ", n = 10,001 elements were copied " << counts.copies.load()
        << " times.\nRule: lab 1 gives each thread its own copy of its chunk: exactly one copy per "
           "element. More means a chunk was copied again on its way into the thread (capture or "
           "pass the vector by move).";
  }
}

TEST(CopyingThreads, GivesEachThreadOneContiguousChunkOfNearlyEqualSize) {
  const auto data = seed_data(1'003);
  std::mutex mutex;
  std::map<std::thread::id, std::vector<std::int32_t>> seen;  // values each thread mapped
  (void)map_sum(data, 4, [&](std::int32_t x) {
    const std::scoped_lock lock(mutex);
    seen[std::this_thread::get_id()].push_back(x);
    return std::int64_t{x};
  });
  ASSERT_EQ(seen.size(), 4U) << "expected 4 worker threads for k = 4";
  std::vector<std::pair<std::int32_t, std::size_t>> chunks;  // (first value, size)
  for (auto& [id, values] : seen) {
    std::sort(values.begin(), values.end());
    for (std::size_t i = 1; i < values.size(); ++i) {
      ASSERT_EQ(values[i], values[i - 1] + 1)
          << "a thread mapped " << values[i - 1] << " and " << values[i] << " but not what lies "
          << "between.\nRule: each thread gets one contiguous chunk.";
    }
    chunks.emplace_back(values.front(), values.size());
  }
  std::sort(chunks.begin(), chunks.end());
  for (const auto& [first, size] : chunks) {
    EXPECT_TRUE(size == 250 || size == 251)
        << "the chunk starting at " << first << " has " << size << " elements; 1003 elements in 4 "
        << "chunks should be 251, 251, 251, 250.\nRule: chunk sizes differ by at most one "
           "(parlab::even_chunk computes them).";
  }
}

/// Small n and k, where a chunk size rounded up runs out of elements before it runs out of
/// threads (n = 7, k = 6: ceil(7 / 6) = 2 gives 2, 2, 2, 1, four threads). Each thread's chunk,
/// in order, must be even_chunk's: min(k, n) threads, sizes differing by at most one.
TEST(CopyingThreads, StartsEvenChunkSizedThreadsForSmallNAndK) {
  for (const auto& [n, k] : {std::pair<std::size_t, std::size_t>{7, 6}, {10, 4}, {9, 8}, {5, 3}}) {
    const auto data = seed_data(n);
    std::mutex mutex;
    std::map<std::thread::id, std::vector<std::int32_t>> seen;  // values each thread mapped
    (void)map_sum(data, k, [&](std::int32_t x) {
      const std::scoped_lock lock(mutex);
      seen[std::this_thread::get_id()].push_back(x);
      return std::int64_t{x};
    });
    std::vector<std::pair<std::size_t, std::size_t>> chunks;  // (first index, size), per thread
    for (auto& [id, values] : seen) {
      std::sort(values.begin(), values.end());
      chunks.emplace_back(static_cast<std::size_t>(values.front()), values.size());
    }
    std::sort(chunks.begin(), chunks.end());
    std::vector<std::pair<std::size_t, std::size_t>> expected;
    const std::size_t threads = std::min(k, n);
    for (std::size_t i = 0; i < threads; ++i) {
      const ChunkRange range = even_chunk(n, threads, i);
      expected.emplace_back(range.begin, range.size());
    }
    const auto sizes = [](const std::vector<std::pair<std::size_t, std::size_t>>& list) {
      std::string text;
      for (const auto& [first, size] : list) {
        text += (text.empty() ? "" : ", ") + std::to_string(size);
      }
      return text;
    };
    EXPECT_EQ(chunks, expected)
        << "n = " << n << ", k = " << k << ": expected " << threads
        << " threads with chunks of sizes " << sizes(expected) << " (in order), but f ran on "
        << chunks.size() << " threads with chunks of sizes " << sizes(chunks)
        << ".\nRule: min(k, n) threads, chunk sizes differing by at most one, the longer ones "
           "first (parlab::even_chunk computes them); a chunk size rounded up (ceil(n / k)) "
           "runs out of elements before it runs out of threads.";
  }
}

TEST(CopyingThreads, CarriesAWorkersExceptionToTheCaller) {
  parlab::testing::expect_workers_exception_reaches_caller(call_map_sum);
}

TEST(CopyingThreads, JoinsEveryThreadBeforeRethrowing) {
  const auto data = seed_data(400);
  std::atomic<int> running{0};
  std::atomic<int> finished_elements{0};
  try {
    (void)map_sum(data, 4, [&](std::int32_t x) -> std::int64_t {
      running.fetch_add(1);
      if (x == 0) {
        running.fetch_sub(1);
        throw std::runtime_error("first chunk fails at once");
      }
      burn(2'000);  // the other chunks are still busy when chunk 0 fails
      finished_elements.fetch_add(1);
      running.fetch_sub(1);
      return x;
    });
    ADD_FAILURE() << "the exception from f did not reach the caller";
  } catch (const std::runtime_error&) {
    EXPECT_EQ(running.load(), 0)
        << "when the exception reached the caller, " << running.load()
        << " calls of f were still running.\nRule: join every thread before rethrowing.";
    EXPECT_EQ(finished_elements.load(), 300)
        << "the three chunks that did not throw should all have been mapped before map_sum "
           "returned.";
  }
}

}  // namespace
}  // namespace parlab::copying

// Lab 5 (parallel algorithms): the graded tests for parallel_sort.hpp. Do not edit: the grader
// checks this file against the release's copy.
// Angle brackets on purpose: a quoted include would find the starter beside this file even
// when the solution flavour is being built; <> searches only the flavour's include path.
#include <parallel_sort.hpp>
#include <scheduler.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/instrument.hpp"
#include "common/testing/bounded.hpp"

namespace parlab::par {
namespace {

using namespace std::chrono_literals;
using steal::Scheduler;

constexpr auto kLimit = 30'000ms;  // generous: a deadlock, not slowness, is what this catches
constexpr std::uint64_t kSeed = 20'260'506;

Scheduler& scheduler_with(std::size_t workers) {
  static std::unique_ptr<Scheduler> schedulers[4];
  if (!schedulers[workers]) {
    schedulers[workers] = std::make_unique<Scheduler>(workers);
  }
  return *schedulers[workers];
}

std::vector<std::int64_t> random_int64(std::size_t n, std::uint64_t seed, std::int64_t low,
                                       std::int64_t high) {
  std::mt19937_64 generator(seed);
  std::uniform_int_distribution<std::int64_t> value(low, high);
  std::vector<std::int64_t> data(n);
  for (auto& x : data) {
    x = value(generator);
  }
  return data;
}

/// Where two vectors first differ, for messages.
template <class T>
std::string first_difference(const std::vector<T>& got, const std::vector<T>& expected) {
  const auto at = std::mismatch(got.begin(), got.end(), expected.begin(), expected.end());
  return "first difference at position " + std::to_string(at.first - got.begin()) + " of " +
         std::to_string(got.size());
}

TEST(ParallelSort, MatchesStdSortOnRandomInputs) {
  std::mt19937_64 generator(kSeed);
  std::vector<std::size_t> sizes = {
      0, 1, 2, 3, kSortSequentialThreshold, kSortSequentialThreshold + 1, 300'000};
  std::uniform_real_distribution<double> log_size(0.0, 5.5);
  for (int i = 0; i < 5; ++i) {
    sizes.push_back(static_cast<std::size_t>(std::pow(10.0, log_size(generator))));
  }
  for (const std::size_t n : sizes) {
    const std::uint64_t seed = generator();
    const std::size_t workers = 1 + generator() % 3;
    const std::int64_t range = generator() % 2 == 0 ? 10 : INT64_C(1) << 62;  // duplicates, or few
    SCOPED_TRACE("seed " + std::to_string(seed) + ", n " + std::to_string(n) + ", workers " +
                 std::to_string(workers) + ", values in +-" + std::to_string(range));
    std::vector<std::int64_t> data = random_int64(n, seed, -range, range);
    std::vector<std::int64_t> expected = data;
    std::sort(expected.begin(), expected.end());
    parlab::testing::finish_within(kLimit, "parallel_sort",
                                   [&] { parallel_sort(scheduler_with(workers), data); });
    EXPECT_TRUE(data == expected) << "parallel_sort differs from std::sort: "
                                  << first_difference(data, expected);
  }
}

TEST(ParallelSort, MatchesStdSortOnSortedReversedAndAllEqualInputs) {
  for (const std::size_t n : {std::size_t{100'003}, kSortSequentialThreshold + 7}) {
    std::vector<std::int64_t> ascending(n);
    for (std::size_t i = 0; i < n; ++i) {
      ascending[i] = static_cast<std::int64_t>(i) - 500;
    }
    std::vector<std::int64_t> descending(ascending.rbegin(), ascending.rend());
    std::vector<std::int64_t> equal(n, 42);
    std::vector<std::int64_t> sawtooth(n);  // sorted runs of 1000: merges of unequal runs
    for (std::size_t i = 0; i < n; ++i) {
      sawtooth[i] = static_cast<std::int64_t>(i % 1'000);
    }
    for (auto* data : {&ascending, &descending, &equal, &sawtooth}) {
      const char* name = data == &ascending    ? "already sorted"
                         : data == &descending ? "reversed"
                         : data == &equal      ? "all equal"
                                               : "sawtooth";
      SCOPED_TRACE(std::string(name) + ", n " + std::to_string(n));
      std::vector<std::int64_t> expected = *data;
      std::sort(expected.begin(), expected.end());
      parlab::testing::finish_within(kLimit, "parallel_sort",
                                     [&] { parallel_sort(scheduler_with(2), *data); });
      EXPECT_TRUE(*data == expected) << "parallel_sort of a " << name << " input differs from "
                                     << "std::sort: " << first_difference(*data, expected);
    }
  }
}

TEST(ParallelSort, SortsWithACustomComparator) {
  std::vector<std::int64_t> numbers = random_int64(50'000, kSeed + 1, -1'000'000, 1'000'000);
  std::vector<std::int64_t> expected_numbers = numbers;
  std::sort(expected_numbers.begin(), expected_numbers.end(), std::greater<>());
  std::vector<std::string> words(30'000);
  std::mt19937_64 generator(kSeed + 2);
  for (auto& word : words) {
    word = std::to_string(generator() % 100'000);  // compared as text: "10" < "9"
  }
  std::vector<std::string> expected_words = words;
  std::sort(expected_words.begin(), expected_words.end());
  parlab::testing::finish_within(kLimit, "parallel_sort with comparators", [&] {
    parallel_sort(scheduler_with(3), numbers, std::greater<>());
    parallel_sort(scheduler_with(3), words);
  });
  EXPECT_TRUE(numbers == expected_numbers)
      << "parallel_sort(..., std::greater<>()) must sort in descending order: "
      << first_difference(numbers, expected_numbers);
  EXPECT_TRUE(words == expected_words)
      << "parallel_sort of std::string: " << first_difference(words, expected_words);
}

TEST(ParallelStableSort, KeepsEqualElementsInTheirInputOrder) {
  // (key, position) pairs compared by key only: few keys, so most elements have equals.
  std::mt19937_64 generator(kSeed + 3);
  for (const std::size_t n : {std::size_t{5}, std::size_t{200'001}}) {
    SCOPED_TRACE("n " + std::to_string(n));
    std::vector<std::pair<int, std::size_t>> data(n);
    for (std::size_t i = 0; i < n; ++i) {
      data[i] = {static_cast<int>(generator() % 16), i};
    }
    const auto by_key = [](const auto& a, const auto& b) { return a.first < b.first; };
    auto expected = data;
    std::stable_sort(expected.begin(), expected.end(), by_key);
    parlab::testing::finish_within(kLimit, "parallel_stable_sort",
                                   [&] { parallel_stable_sort(scheduler_with(3), data, by_key); });
    EXPECT_TRUE(data == expected)
        << "parallel_stable_sort differs from std::stable_sort: "
        << first_difference(data, expected)
        << ".\nRule: of equal keys, the element earlier in the input stays earlier (leaves sort "
           "stably; a merge takes the left run's element on a tie).";
  }
}

TEST(ParallelSort, SortsLargeInputsOnMoreThanOneThread) {
  // Each thread's first comparison waits (bounded) until a second thread has compared too: a
  // sort that never forks fails here; one that forks passes, because the idle worker steals.
  std::vector<std::int64_t> data = random_int64(100'000, kSeed + 4, -1'000'000, 1'000'000);
  ThreadRecorder recorder;
  std::atomic<bool> second_thread_seen{false};
  std::atomic<bool> gave_up{false};
  parlab::testing::finish_within(kLimit, "parallel_sort on 2 workers", [&] {
    parallel_sort(scheduler_with(2), data, [&](std::int64_t a, std::int64_t b) {
      // Once it has given up, the sort goes on without waiting: one failure, not one per call.
      if (!second_thread_seen.load(std::memory_order_relaxed) &&
          !gave_up.load(std::memory_order_relaxed)) {
        recorder.record();
        if (parlab::testing::eventually(10'000ms, [&] { return recorder.distinct_count() >= 2; })) {
          second_thread_seen.store(true, std::memory_order_relaxed);
        } else {
          gave_up.store(true, std::memory_order_relaxed);
        }
      }
      return a < b;
    });
  });
  EXPECT_TRUE(std::is_sorted(data.begin(), data.end()));
  EXPECT_FALSE(gave_up.load())
      << "100,000 elements were compared on one thread only for 10 s while a second worker was "
         "idle.\nRule: parallel_sort sorts the two halves with join(), so another worker can take "
         "one.";
}

// The merge, forced onto two threads. Each element remembers which half of the input it came
// from; a comparison between the two halves is one of the final merge's (the halves are sorted
// apart, so nothing else compares them). A thread that has made 256 such comparisons (past any
// binary search that splits the merge, a few dozen at most) waits (bounded) until a second
// thread has made one: a merge that splits with join() lets the idle worker take a part; one
// std::merge over the whole input runs on one thread only.
struct Tagged {
  std::int64_t value = 0;
  std::uint32_t origin = 0;  // position in the input
};

TEST(ParallelSort, MergesTheSortedHalvesOnMoreThanOneThread) {
  constexpr std::size_t n = 100'000;
  const std::vector<std::int64_t> values = random_int64(n, kSeed + 11, -1'000'000, 1'000'000);
  std::vector<Tagged> data(n);
  for (std::size_t i = 0; i < n; ++i) {
    data[i] = {values[i], static_cast<std::uint32_t>(i)};
  }
  ThreadRecorder merging;  // threads that have compared across the halves
  std::atomic<bool> second_thread_seen{false};
  std::atomic<bool> gave_up{false};
  std::atomic<std::size_t> cross{0};
  static std::atomic<std::uint64_t> runs{0};  // tells this call's counts from a repeat's
  const std::uint64_t this_run = runs.fetch_add(1) + 1;
  parlab::testing::finish_within(kLimit, "parallel_sort's merge on 2 workers", [&] {
    parallel_sort(scheduler_with(2), data, [&](const Tagged& a, const Tagged& b) {
      if ((a.origin < n / 2) != (b.origin < n / 2) && !second_thread_seen.load() &&
          !gave_up.load()) {
        // seq_cst: a test's flags, where the simplest reasoning wins.
        merging.record();
        thread_local std::size_t mine = 0;  // this thread's comparisons across, in this call
        thread_local std::uint64_t run = 0;
        if (run != this_run) {
          run = this_run;
          mine = 0;
        }
        cross.fetch_add(1);
        if (++mine == 256) {
          if (parlab::testing::eventually(10'000ms,
                                          [&] { return merging.distinct_count() >= 2; })) {
            second_thread_seen.store(true);
          } else {
            gave_up.store(true);
          }
        }
      }
      return a.value < b.value;
    });
  });
  EXPECT_TRUE(std::is_sorted(data.begin(), data.end(),
                             [](const Tagged& a, const Tagged& b) { return a.value < b.value; }));
  EXPECT_FALSE(gave_up.load())
      << "the final merge of 100,000 elements ran on one thread for 10 s (" << cross.load()
      << " comparisons across the two sorted halves, all on one thread) while a second worker "
         "was idle.\nRule: parallel_sort merges in parallel too: the merge splits the longer "
         "run at its middle, finds where that element falls in the other run (binary search), "
         "and merges the two parts with join(); one std::merge over the whole input leaves the "
         "other workers idle for the last and longest step.";
  EXPECT_GE(merging.distinct_count(), 2U)
      << "comparisons across the halves ran on " << merging.distinct_count() << " thread(s)";
}

// The threshold, at exactly its value: kSortSequentialThreshold elements are "at most" the
// threshold, so they sort inline on the caller, never on a worker of the scheduler (where run()
// would put even the caller, as worker 0). One element more may go parallel.
TEST(ParallelSort, SortsAnInputOfExactlyTheThresholdInline) {
  for (const bool stable : {false, true}) {
    SCOPED_TRACE(stable ? "parallel_stable_sort" : "parallel_sort");
    std::vector<std::int64_t> data =
        random_int64(kSortSequentialThreshold, kSeed + 12, -1'000'000, 1'000'000);
    std::atomic<std::size_t> on_a_worker{0};
    std::atomic<std::size_t> elsewhere{0};
    parlab::testing::finish_within(kLimit, "a sort of exactly the threshold", [&] {
      const auto caller = std::this_thread::get_id();
      auto less = [&](std::int64_t a, std::int64_t b) {
        if (Scheduler::current() != nullptr) {
          on_a_worker.fetch_add(1, std::memory_order_relaxed);
        } else if (std::this_thread::get_id() != caller) {
          elsewhere.fetch_add(1, std::memory_order_relaxed);
        }
        return a < b;
      };
      if (stable) {
        parallel_stable_sort(scheduler_with(2), data, less);
      } else {
        parallel_sort(scheduler_with(2), data, less);
      }
    });
    EXPECT_TRUE(std::is_sorted(data.begin(), data.end()));
    EXPECT_EQ(on_a_worker.load() + elsewhere.load(), 0U)
        << kSortSequentialThreshold << " elements (exactly kSortSequentialThreshold) made "
        << on_a_worker.load() << " comparisons on a worker of the scheduler and "
        << elsewhere.load() << " on other threads.\nRule: inputs of at most "
        << "kSortSequentialThreshold elements are sorted inline on the caller with std::sort (or "
           "std::stable_sort): the threshold itself is included (n <= threshold, not n < "
           "threshold).";
  }
}

TEST(ParallelSort, SortsSmallInputsInlineOnTheCaller) {
  std::vector<std::int64_t> data = random_int64(1'000, kSeed + 5, -1'000, 1'000);
  ThreadRecorder recorder;
  parlab::testing::finish_within(kLimit, "a small parallel_sort", [&] {
    const auto caller = std::this_thread::get_id();
    parallel_sort(scheduler_with(2), data, [&](std::int64_t a, std::int64_t b) {
      recorder.record();
      return a < b;
    });
    EXPECT_EQ(recorder.distinct_count(), 1U)
        << "1,000 elements (below kSortSequentialThreshold = " << kSortSequentialThreshold
        << ") were compared on " << recorder.distinct_count() << " threads.\nRule: small inputs "
        << "are sorted inline with std::sort, because forking costs more than it saves.";
    EXPECT_TRUE(recorder.saw(caller)) << "the small sort did not run on the calling thread";
  });
  EXPECT_TRUE(std::is_sorted(data.begin(), data.end()));
}

TEST(ParallelSort, WorksNestedInsideJoin) {
  std::vector<std::int64_t> left = random_int64(60'000, kSeed + 6, -5'000, 5'000);
  std::vector<std::int64_t> right = random_int64(70'001, kSeed + 7, -5'000, 5'000);
  parlab::testing::finish_within(kLimit, "parallel_sort inside join", [&] {
    scheduler_with(2).join([&] { parallel_sort(left); }, [&] { parallel_sort(right); });
  });
  EXPECT_TRUE(std::is_sorted(left.begin(), left.end())) << "parallel_sort inside join's first side";
  EXPECT_TRUE(std::is_sorted(right.begin(), right.end()))
      << "parallel_sort inside join's second side";
}

TEST(ParallelSort, CarriesAComparatorExceptionToTheCaller) {
  std::vector<std::int64_t> data = random_int64(100'000, kSeed + 8, -1'000'000, 1'000'000);
  std::atomic<int> comparisons{0};
  parlab::testing::finish_within(kLimit, "a comparator that throws", [&] {
    try {
      parallel_sort(scheduler_with(2), data, [&](std::int64_t a, std::int64_t b) {
        // relaxed: a counter; the throw only has to happen once, somewhere in the middle.
        if (comparisons.fetch_add(1, std::memory_order_relaxed) == 500'000) {
          throw std::runtime_error("comparator failed");
        }
        return a < b;
      });
      ADD_FAILURE() << "parallel_sort returned although the comparator threw";
    } catch (const std::runtime_error& error) {
      EXPECT_EQ(std::string(error.what()), "comparator failed")
          << "the caller must receive the comparator's own exception";
    }
    std::vector<std::int64_t> again = random_int64(50'000, kSeed + 9, -10, 10);
    parallel_sort(scheduler_with(2), again);
    EXPECT_TRUE(std::is_sorted(again.begin(), again.end()))
        << "the scheduler must keep working after an exception";
  });
}

// parallel_sort(there, ...) called by the only worker of `home`, with a comparator that once
// asks `home` something (a call back into the scheduler whose worker waits for the sort). That
// worker must keep running `home`'s jobs while it waits (lab 4's cross-scheduler rule), or the
// call back waits for the worker that waits for it.
TEST(ParallelSort, SortsOnAnotherSchedulerFromAWorkerItsComparatorCallsBackInto) {
  std::vector<std::int64_t> data = random_int64(100'000, kSeed + 10, -1'000'000, 1'000'000);
  std::vector<std::int64_t> expected = data;
  std::sort(expected.begin(), expected.end());
  parlab::testing::finish_within(
      kLimit,
      "home.run(parallel_sort(there, data, comparator calling home.run once)) with 1 worker in "
      "home and 2 in there (rule: a worker waiting for another scheduler keeps running its own "
      "scheduler's jobs)",
      [&] {
        Scheduler home(1);
        Scheduler there(2);
        std::atomic<bool> called_back{false};
        std::atomic<int> calls_back_elsewhere{0};
        home.run([&] {
          parallel_sort(there, data, [&](std::int64_t a, std::int64_t b) {
            // relaxed: only which comparison calls back is decided here; nothing is published.
            if (!called_back.load(std::memory_order_relaxed) &&
                !called_back.exchange(true, std::memory_order_relaxed)) {
              home.run([&] {
                if (Scheduler::current() != &home) {
                  calls_back_elsewhere.fetch_add(1);
                }
              });
            }
            return a < b;
          });
        });
        EXPECT_TRUE(called_back.load()) << "the comparator was called";
        EXPECT_EQ(calls_back_elsewhere.load(), 0) << "home.run(f) runs f on home's worker";
      });
  EXPECT_TRUE(data == expected) << "parallel_sort on another scheduler must sort like std::sort: "
                                << first_difference(data, expected);
}

}  // namespace
}  // namespace parlab::par

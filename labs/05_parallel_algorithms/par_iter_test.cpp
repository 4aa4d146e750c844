// Lab 5 (parallel algorithms): the graded tests for par_iter.hpp. Do not edit: the grader checks
// this file against the release's copy.
// Angle brackets on purpose: a quoted include would find the starter beside this file even
// when the solution flavour is being built; <> searches only the flavour's include path.
#include <par_iter.hpp>
#include <scheduler.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <numeric>
#include <optional>
#include <random>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "common/data.hpp"
#include "common/instrument.hpp"
#include "common/testing/bounded.hpp"
#include "common/workload.hpp"

namespace parlab::par {
namespace {

using namespace std::chrono_literals;
using steal::Scheduler;

constexpr auto kLimit = 30'000ms;  // generous: a deadlock, not slowness, is what this catches

/// Schedulers shared by the tests of this file, made on first use: 1, 2 and 3 workers.
Scheduler& scheduler_with(std::size_t workers) {
  static std::unique_ptr<Scheduler> schedulers[4];
  if (!schedulers[workers]) {
    schedulers[workers] = std::make_unique<Scheduler>(workers);
  }
  return *schedulers[workers];
}

/// One randomly drawn test input and the tuning it runs with, printed on failure.
struct Case {
  std::uint64_t seed = 0;
  std::size_t n = 0;
  std::size_t workers = 2;
  std::size_t threshold = 0;
  std::size_t min_len = 1;
  std::size_t max_len = std::numeric_limits<std::size_t>::max();

  [[nodiscard]] std::string describe() const {
    std::ostringstream text;
    text << "case: seed " << seed << ", n " << n << ", workers " << workers
         << ", with_sequential_threshold(" << threshold << "), with_min_len(" << min_len << ")";
    if (max_len != std::numeric_limits<std::size_t>::max()) {
      text << ", with_max_len(" << max_len << ")";
    }
    return text.str();
  }
  /// The pipeline source tuned as this case says.
  template <class Pipeline>
  [[nodiscard]] Pipeline tune(const Pipeline& pipeline) const {
    return pipeline.with_sequential_threshold(threshold)
        .with_min_len(min_len)
        .with_max_len(max_len)
        .on(scheduler_with(workers));
  }
};

/// Edge sizes (empty, one, odd, a threshold's neighbours, the seed's million) and random sizes
/// up to 10^6, log-uniform so that small ones are common. Most cases lower the sequential
/// threshold to 0 so that the parallel path is what is checked at every size.
std::vector<Case> random_cases(std::uint64_t seed) {
  std::mt19937_64 generator(seed);
  std::vector<std::size_t> sizes = {0, 1, 2, 3, 17, 1'000, 1'000'000};
  std::uniform_real_distribution<double> log_size(0.0, 6.0);
  for (int i = 0; i < 6; ++i) {
    sizes.push_back(static_cast<std::size_t>(std::pow(10.0, log_size(generator))));
  }
  std::vector<Case> cases;
  for (const std::size_t n : sizes) {
    Case c;
    c.seed = generator();
    c.n = n;
    c.workers = 1 + generator() % 3;
    c.threshold = generator() % 4 == 0 ? default_sequential_threshold() : 0;
    const std::size_t min_lens[] = {1, 3, 1'000};
    c.min_len = min_lens[generator() % 3];
    if (generator() % 2 == 0) {
      c.max_len = std::max<std::size_t>(1, n / 64);  // many pieces: combining order matters
    }
    cases.push_back(c);
  }
  return cases;
}

constexpr std::uint64_t kSeed = 20'260'505;

/// How many pieces `pipeline` (over par_range(0, n)) cuts its input into, counted without luck:
/// a reduce calls its op once per element (folding it into its piece) and once per join of two
/// pieces, so n + pieces - 1 times in all.
template <class Pipeline>
std::size_t pieces_of(const Pipeline& pipeline, std::size_t n) {
  std::atomic<std::size_t> calls{0};
  std::size_t total = 0;
  parlab::testing::finish_within(kLimit, "a reduce that counts its op's calls", [&] {
    total = pipeline.reduce(std::size_t{0}, [&calls](std::size_t a, auto b) {
      calls.fetch_add(1, std::memory_order_relaxed);
      return a + static_cast<std::size_t>(b);
    });
  });
  EXPECT_EQ(total, n * (n - 1) / 2) << "the sum of 0 .. n - 1";
  EXPECT_GE(calls.load() + 1, n) << "reduce must call its op at least once per element";
  return calls.load() + 1 - n;
}

TEST(ParIter, SumsTheSeedsMillionDoubledIntegersLikeTheBlogsOneLiner) {
  const auto data = seed_data(1'000'000);
  parlab::testing::finish_within(kLimit, "par_iter(data).map(doubled).sum()", [&] {
    const std::int64_t total =
        par_iter(data).map([](std::int32_t x) { return 2 * std::int64_t{x}; }).sum();
    EXPECT_EQ(total, 999'999'000'000LL)
        << "the sum of 2*x for x in 0..999,999 is 999,999,000,000.\n"
        << "Rule: par_iter(data).map(f).sum() computes what the sequential loop computes.";
    const std::int64_t total32 = par_iter(data).map([](std::int32_t x) { return 2 * x; }).sum();
    EXPECT_EQ(total32, 999'999'000'000LL)
        << "map returns int here; sum() must still accumulate in 64 bits (parlab::sum_type_t).";
  });
}

TEST(ParIter, MapAndSumMatchTheSequentialLoopOnRandomInputs) {
  for (const Case& c : random_cases(kSeed + 1)) {
    SCOPED_TRACE(c.describe());
    const auto data = random_data(c.n, c.seed, -1'000'000, 1'000'000);
    std::int64_t expected = 0;
    for (const std::int32_t x : data) {
      expected += 3 * std::int64_t{x} - 1;
    }
    parlab::testing::finish_within(kLimit, c.describe(), [&] {
      const std::int64_t got =
          c.tune(par_iter(data)).map([](std::int32_t x) { return 3 * std::int64_t{x} - 1; }).sum();
      EXPECT_EQ(got, expected) << "map(3x - 1).sum() differs from the sequential loop.\n"
                               << "Rule: every element is mapped and summed exactly once.";
      EXPECT_EQ(c.tune(par_iter(data)).sum(),
                std::accumulate(data.begin(), data.end(), std::int64_t{0}))
          << "sum() of the raw elements differs from std::accumulate.";
    });
  }
}

TEST(ParIter, CallsMapsFunctionOncePerElement) {
  // Below the threshold (a plain loop on the caller) and far above it (split over 2 workers).
  for (const auto& [size, sequential_threshold] :
       {std::pair<std::size_t, std::size_t>{1'000, 100'000}, {200'000, 1'000}}) {
    const std::size_t n = size;  // plain copies: clang 14 cannot capture structured bindings
    const std::size_t threshold = sequential_threshold;
    const auto data = seed_data(n);
    std::atomic<std::size_t> calls{0};
    std::int64_t total = 0;
    parlab::testing::finish_within(kLimit, "par_iter(data).map(counted).sum()", [&] {
      total = par_iter(data)
                  .with_sequential_threshold(threshold)
                  .on(scheduler_with(2))
                  .map([&calls](std::int32_t x) {
                    calls.fetch_add(1, std::memory_order_relaxed);
                    return 2 * std::int64_t{x};
                  })
                  .sum();
    });
    EXPECT_EQ(total, seed_sum_doubled(n));
    EXPECT_EQ(calls.load(), n)
        << "par_iter over " << n << " elements (sequential threshold " << threshold
        << ") called map's function " << calls.load() << " times.\nRule: map(f) calls f exactly "
        << "once per element; f may be costly, or count, or have other effects.";
  }
}

TEST(ParIter, ReduceMatchesTheSequentialFoldOnRandomInputs) {
  for (const Case& c : random_cases(kSeed + 2)) {
    SCOPED_TRACE(c.describe());
    const auto data = random_data(c.n, c.seed);
    // xor-mix is associative with identity 0; max is associative with identity lowest().
    std::uint64_t expected_xor = 0;
    std::int32_t expected_max = std::numeric_limits<std::int32_t>::lowest();
    for (const std::int32_t x : data) {
      expected_xor ^= static_cast<std::uint64_t>(x) * 0x9E3779B97F4A7C15ULL;
      expected_max = std::max(expected_max, x);
    }
    parlab::testing::finish_within(kLimit, c.describe(), [&] {
      const std::uint64_t got_xor =
          c.tune(par_iter(data))
              .map([](std::int32_t x) {
                return static_cast<std::uint64_t>(x) * 0x9E3779B97F4A7C15ULL;
              })
              .reduce(std::uint64_t{0}, [](std::uint64_t a, std::uint64_t b) { return a ^ b; });
      EXPECT_EQ(got_xor, expected_xor) << "reduce(0, xor) differs from the sequential fold.";
      const std::int32_t got_max =
          c.tune(par_iter(data))
              .reduce(std::numeric_limits<std::int32_t>::lowest(),
                      [](std::int32_t a, std::int32_t b) { return std::max(a, b); });
      EXPECT_EQ(got_max, expected_max)
          << "reduce(lowest, max) differs from the sequential fold; an empty input must give "
             "the identity.";
    });
  }
}

TEST(ParIter, FilterAndCountMatchTheSequentialLoopOnRandomInputs) {
  for (const Case& c : random_cases(kSeed + 3)) {
    SCOPED_TRACE(c.describe());
    const auto data = random_data(c.n, c.seed);
    const auto is_multiple_of_3 = [](std::int32_t x) { return x % 3 == 0; };
    const auto expected_count =
        static_cast<std::size_t>(std::count_if(data.begin(), data.end(), is_multiple_of_3));
    std::int64_t expected_sum = 0;
    for (const std::int32_t x : data) {
      if (x % 3 == 0) {
        expected_sum += std::int64_t{x} * x;
      }
    }
    parlab::testing::finish_within(kLimit, c.describe(), [&] {
      EXPECT_EQ(c.tune(par_iter(data)).count(), c.n)
          << "count() of an unfiltered input is its size.";
      EXPECT_EQ(c.tune(par_iter(data)).filter(is_multiple_of_3).count(), expected_count)
          << "filter(x % 3 == 0).count() differs from std::count_if.";
      const std::int64_t got_sum = c.tune(par_iter(data))
                                       .filter(is_multiple_of_3)
                                       .map([](std::int32_t x) { return std::int64_t{x} * x; })
                                       .sum();
      EXPECT_EQ(got_sum, expected_sum)
          << "filter(x % 3 == 0).map(x * x).sum() differs from the sequential loop.\n"
          << "Rule: a filtered-out item reaches no later stage.";
    });
  }
}

TEST(ParIter, MinAndMaxFindTheSameElementAsStdMinAndMaxElement) {
  for (const Case& c : random_cases(kSeed + 4)) {
    SCOPED_TRACE(c.describe());
    // Few distinct values, so that the smallest and the largest occur many times: the position
    // that enumerate() carries shows WHICH of the equal elements was chosen.
    const auto data = random_data(c.n, c.seed, -50, 50);
    const auto by_value = [](const auto& a, const auto& b) { return a.second < b.second; };
    parlab::testing::finish_within(kLimit, c.describe(), [&] {
      const auto got_min = c.tune(par_iter(data)).enumerate().min(by_value);
      const auto got_max = c.tune(par_iter(data)).enumerate().max(by_value);
      if (data.empty()) {
        EXPECT_FALSE(got_min.has_value()) << "min() of no items is std::nullopt";
        EXPECT_FALSE(got_max.has_value()) << "max() of no items is std::nullopt";
        return;
      }
      const auto min_at =
          static_cast<std::size_t>(std::min_element(data.begin(), data.end()) - data.begin());
      const auto max_at =
          static_cast<std::size_t>(std::max_element(data.begin(), data.end()) - data.begin());
      ASSERT_TRUE(got_min.has_value() && got_max.has_value()) << "min()/max() of a non-empty input";
      EXPECT_EQ(got_min->first, min_at)
          << "min() chose the smallest value " << got_min->second << " at position "
          << got_min->first << ", std::min_element at " << min_at
          << ".\nRule: of equal smallest items, the first wins.";
      EXPECT_EQ(got_max->first, max_at)
          << "max() chose the largest value " << got_max->second << " at position "
          << got_max->first << ", std::max_element at " << max_at
          << ".\nRule: of equal largest items, the first wins.";
      EXPECT_EQ(c.tune(par_iter(data)).min(), std::optional<std::int32_t>(data[min_at]));
      EXPECT_EQ(c.tune(par_iter(data)).max(), std::optional<std::int32_t>(data[max_at]));
    });
  }
}

TEST(ParIter, AnyAndAllMatchStdAnyOfAndAllOf) {
  for (const Case& c : random_cases(kSeed + 5)) {
    SCOPED_TRACE(c.describe());
    const auto data = random_data(c.n, c.seed);
    parlab::testing::finish_within(kLimit, c.describe(), [&] {
      for (const std::int32_t limit : {-1'001, -999, 0, 999, 1'000}) {
        const auto above = [limit](std::int32_t x) { return x > limit; };
        EXPECT_EQ(c.tune(par_iter(data)).any(above), std::any_of(data.begin(), data.end(), above))
            << "any(x > " << limit << ") differs from std::any_of";
        EXPECT_EQ(c.tune(par_iter(data)).all(above), std::all_of(data.begin(), data.end(), above))
            << "all(x > " << limit << ") differs from std::all_of (all() of nothing is true)";
      }
    });
  }
}

TEST(ParIter, ForEachVisitsEveryElementExactlyOnce) {
  for (const Case& c : random_cases(kSeed + 6)) {
    SCOPED_TRACE(c.describe());
    std::vector<std::int32_t> data = random_data(c.n, c.seed);
    std::vector<std::int32_t> expected = data;
    for (auto& x : expected) {
      x = 2 * x + 1;
    }
    parlab::testing::finish_within(kLimit, c.describe(), [&] {
      // Through a mutable range, items are references: for_each updates the input in place.
      c.tune(par_iter(data)).for_each([](std::int32_t& x) { x = 2 * x + 1; });
    });
    EXPECT_TRUE(data == expected)
        << "after for_each(x = 2x + 1) some element was updated zero times or twice.\n"
        << "Rule: for_each calls f exactly once per item.";
  }
}

TEST(ParIter, EnumeratePairsEveryElementWithItsPosition) {
  for (const Case& c : random_cases(kSeed + 7)) {
    SCOPED_TRACE(c.describe());
    const auto data = random_data(c.n, c.seed);
    std::int64_t expected = 0;
    for (std::size_t i = 0; i < data.size(); ++i) {
      expected += static_cast<std::int64_t>(i % 7) * data[i];
    }
    parlab::testing::finish_within(kLimit, c.describe(), [&] {
      const std::int64_t got = c.tune(par_iter(data))
                                   .enumerate()
                                   .map([](const auto& pair) {
                                     return static_cast<std::int64_t>(pair.first % 7) * pair.second;
                                   })
                                   .sum();
      EXPECT_EQ(got, expected) << "enumerate() paired some element with the wrong position.\n"
                               << "Rule: the k-th element of the source comes with position k.";
    });
  }
}

TEST(ParIter, ParRangeCoversExactlyTheIntegersFromFirstToLast) {
  for (const Case& c : random_cases(kSeed + 8)) {
    SCOPED_TRACE(c.describe());
    const auto first = static_cast<std::int64_t>(c.seed % 2'001) - 1'000;
    const auto last = first + static_cast<std::int64_t>(c.n);
    std::int64_t expected = 0;
    for (std::int64_t i = first; i < last; ++i) {
      expected += i * (i % 5);
    }
    parlab::testing::finish_within(kLimit, c.describe(), [&] {
      const std::int64_t got =
          c.tune(par_range(first, last)).map([](std::int64_t i) { return i * (i % 5); }).sum();
      EXPECT_EQ(got, expected) << "par_range(" << first << ", " << last
                               << ") visited the wrong integers";
      EXPECT_EQ(c.tune(par_range(last, first)).count(), 0U)
          << "par_range(last, first) with last > first is empty";
    });
  }
  EXPECT_EQ(par_range(std::numeric_limits<std::int32_t>::max() - 2,
                      std::numeric_limits<std::int32_t>::max())
                .map([](std::int32_t x) { return std::int64_t{x}; })
                .sum(),
            2 * std::int64_t{std::numeric_limits<std::int32_t>::max()} - 3)
      << "par_range near the top of int32_t must not overflow";
}

// A range wider than half its type: par_range(int8_t{-100}, int8_t{100}) holds 200 integers,
// more than int8_t's largest value. A length held in I wraps to a negative number (and then to
// nearly 2^64 as a std::size_t). Every item is checked against [first, last), so a wrapped length
// fails at the first integer out of range instead of running for ages.
template <class I>
void expect_par_range_counts(I first, I last, std::size_t threshold) {
  const auto width = static_cast<std::size_t>(std::int64_t{last} - std::int64_t{first});
  std::int64_t expected = 0;
  for (std::int64_t i = first; i < last; ++i) {
    expected += i;
  }
  parlab::testing::finish_within(kLimit, "par_range over a wide range", [&] {
    std::size_t counted = 0;
    std::int64_t sum = 0;
    EXPECT_NO_THROW({
      const auto checked =
          par_range(first, last)
              .with_sequential_threshold(threshold)
              .on(scheduler_with(2))
              .map([first, last](I i) {
                if (i < first || i >= last) {
                  throw std::out_of_range("par_range produced " + std::to_string(std::int64_t{i}));
                }
                return std::int64_t{i};
              });
      counted = checked.count();
      sum = checked.sum();
    }) << "par_range produced an integer outside [first, last)";
    EXPECT_EQ(counted, width)
        << "par_range(" << std::int64_t{first} << ", " << std::int64_t{last} << ") of a "
        << sizeof(I) * 8 << "-bit type, with_sequential_threshold(" << threshold << ")"
        << ".\nRule: par_range(first, last) holds last - first integers even when that is more "
           "than I's largest value: compute the length in an unsigned type as wide as "
           "std::size_t, never in I.";
    EXPECT_EQ(sum, expected) << "par_range(" << std::int64_t{first} << ", " << std::int64_t{last}
                             << ") visited the wrong integers";
  });
}

TEST(ParIter, ParRangeCountsARangeWiderThanHalfItsType) {
  for (const std::size_t threshold : {std::size_t{0}, std::numeric_limits<std::size_t>::max()}) {
    expect_par_range_counts(std::int8_t{-100}, std::int8_t{100}, threshold);
    expect_par_range_counts(std::int8_t{-128}, std::int8_t{127}, threshold);
    expect_par_range_counts(std::int16_t{-30'000}, std::int16_t{30'000}, threshold);
  }
}

TEST(ParIter, CollectKeepsTheInputOrder) {
  for (const Case& c : random_cases(kSeed + 9)) {
    SCOPED_TRACE(c.describe());
    const auto data = random_data(c.n, c.seed);
    std::vector<std::int64_t> expected_mapped;
    std::vector<std::int32_t> expected_filtered;
    for (const std::int32_t x : data) {
      expected_mapped.push_back(std::int64_t{x} * 3);
      if (x % 2 != 0) {
        expected_filtered.push_back(x);
      }
    }
    parlab::testing::finish_within(kLimit, c.describe(), [&] {
      const std::vector<std::int64_t> mapped =
          c.tune(par_iter(data)).map([](std::int32_t x) { return std::int64_t{x} * 3; }).collect();
      EXPECT_TRUE(mapped == expected_mapped)
          << "map(3x).collect() is not the sequential result (" << mapped.size()
          << " items, expected " << expected_mapped.size()
          << ").\nRule: collect() keeps input order.";
      const std::vector<std::int32_t> filtered =
          c.tune(par_iter(data)).filter([](std::int32_t x) { return x % 2 != 0; }).collect();
      EXPECT_TRUE(filtered == expected_filtered)
          << "filter(odd).collect() is not the sequential result (" << filtered.size()
          << " items, expected " << expected_filtered.size()
          << ").\nRule: collect() keeps input order.";
    });
  }
}

TEST(ParIter, ReduceKeepsTheOrderOfStringConcatenation) {
  std::mt19937_64 generator(kSeed + 10);
  for (const std::size_t n : {0UL, 1UL, 5UL, 999UL, 20'000UL}) {
    const std::uint64_t seed = generator();
    SCOPED_TRACE("seed " + std::to_string(seed) + ", n " + std::to_string(n));
    std::mt19937_64 words_generator(seed);
    std::vector<std::string> words(n);
    for (auto& word : words) {
      word =
          std::string(1 + words_generator() % 3, static_cast<char>('a' + words_generator() % 26));
    }
    const std::string expected = std::accumulate(words.begin(), words.end(), std::string());
    parlab::testing::finish_within(kLimit, "string concatenation", [&] {
      for (const std::size_t max_len : {1UL, 7UL, 1'000UL}) {
        const std::string got =
            par_iter(words)
                .with_sequential_threshold(0)
                .with_max_len(max_len)
                .on(scheduler_with(3))
                .reduce(std::string(), [](std::string left, const std::string& right) {
                  left += right;
                  return left;
                });
        EXPECT_TRUE(got == expected)
            << "with_max_len(" << max_len << "): concatenating " << n
            << " words in parallel gave a different string (first difference at "
            << (std::mismatch(got.begin(), got.end(), expected.begin(), expected.end()).first -
                got.begin())
            << ").\nRule: reduce combines pieces left to right; concatenation is associative but "
               "not commutative, so swapping two pieces shows.";
      }
    });
  }
}

/// A 2x2 matrix of integers modulo a prime: associative, not commutative multiplication.
struct Matrix {
  static constexpr std::uint64_t kPrime = 1'000'000'007;
  std::uint64_t a = 1, b = 0, c = 0, d = 1;
  friend bool operator==(const Matrix&, const Matrix&) = default;
  friend Matrix operator*(const Matrix& x, const Matrix& y) {
    return {(x.a * y.a + x.b * y.c) % kPrime, (x.a * y.b + x.b * y.d) % kPrime,
            (x.c * y.a + x.d * y.c) % kPrime, (x.c * y.b + x.d * y.d) % kPrime};
  }
};

TEST(ParIter, ReduceKeepsTheOrderOfMatrixProducts) {
  for (const Case& c : random_cases(kSeed + 11)) {
    const std::size_t n = std::min<std::size_t>(c.n, 200'000);
    SCOPED_TRACE(c.describe() + " (n capped at " + std::to_string(n) + ")");
    std::mt19937_64 generator(c.seed);
    std::vector<Matrix> matrices(n);
    for (auto& m : matrices) {
      m = {generator() % 1'000, generator() % 1'000, generator() % 1'000, generator() % 1'000};
    }
    Matrix expected;
    for (const Matrix& m : matrices) {
      expected = expected * m;
    }
    parlab::testing::finish_within(kLimit, c.describe(), [&] {
      const Matrix got =
          c.tune(par_iter(matrices)).reduce(Matrix{}, [](const Matrix& x, const Matrix& y) {
            return x * y;
          });
      EXPECT_TRUE(got == expected)
          << "the parallel product of " << n << " 2x2 matrices differs from the sequential one.\n"
          << "Rule: reduce needs associativity only; it must never swap operands.";
    });
  }
}

TEST(ParIter, CarriesAnExceptionFromMapToTheCaller) {
  const auto data = seed_data(100'000);
  const auto throw_at_77777 = [](std::int32_t x) -> std::int64_t {
    if (x == 77'777) {
      throw std::runtime_error("map failed at 77777");
    }
    return x;
  };
  parlab::testing::finish_within(kLimit, "a map that throws", [&] {
    for (const std::size_t threshold : {std::size_t{0}, std::size_t{1'000'000}}) {
      SCOPED_TRACE("with_sequential_threshold(" + std::to_string(threshold) + ")");
      try {
        (void)par_iter(data)
            .with_sequential_threshold(threshold)
            .on(scheduler_with(2))
            .map(throw_at_77777)
            .sum();
        ADD_FAILURE() << "sum() returned although map threw at element 77777";
      } catch (const std::runtime_error& error) {
        EXPECT_EQ(std::string(error.what()), "map failed at 77777")
            << "the caller must receive map's own exception";
      }
    }
    EXPECT_EQ(par_iter(data).with_sequential_threshold(0).on(scheduler_with(2)).count(),
              data.size())
        << "the scheduler must keep working after an exception";
  });
}

TEST(ParIter, CarriesAnExceptionFromFilterToTheCaller) {
  const auto data = seed_data(100'000);
  parlab::testing::finish_within(kLimit, "a filter that throws", [&] {
    try {
      (void)par_iter(data)
          .with_sequential_threshold(0)
          .on(scheduler_with(3))
          .filter([](std::int32_t x) {
            if (x == 99'999) {
              throw std::out_of_range("filter failed at the last element");
            }
            return x % 2 == 0;
          })
          .collect();
      ADD_FAILURE() << "collect() returned although filter threw at element 99999";
    } catch (const std::out_of_range& error) {
      EXPECT_EQ(std::string(error.what()), "filter failed at the last element");
    }
  });
}

TEST(ParIter, WorksNestedInsideJoinAndInsideItself) {
  Scheduler& scheduler = scheduler_with(2);
  const auto data = seed_data(200'000);
  parlab::testing::finish_within(kLimit, "par_iter nested in join and in par_iter", [&] {
    // Inside a task: no on(), so the pipelines run on the calling worker's scheduler.
    auto [left, right] = scheduler.join(
        [&] {
          return par_iter(data)
              .with_sequential_threshold(0)
              .map([](std::int32_t x) { return 2 * std::int64_t{x}; })
              .sum();
        },
        [&] {
          return par_iter(data)
              .with_sequential_threshold(0)
              .filter([](std::int32_t x) { return x % 2 == 0; })
              .count();
        });
    EXPECT_EQ(left, seed_sum_doubled(200'000)) << "par_iter inside join's first side";
    EXPECT_EQ(right, 100'000U) << "par_iter inside join's second side";
    // A pipeline whose map runs another pipeline: the inner ones run on the same workers.
    const std::int64_t nested = par_range(0, 300)
                                    .with_sequential_threshold(0)
                                    .on(scheduler)
                                    .map([](int i) {
                                      return par_range(0, i)
                                          .with_sequential_threshold(0)
                                          .map([](int j) { return std::int64_t{j}; })
                                          .sum();
                                    })
                                    .sum();
    std::int64_t expected = 0;
    for (std::int64_t i = 0; i < 300; ++i) {
      expected += i * (i - 1) / 2;
    }
    EXPECT_EQ(nested, expected) << "par_range inside par_range's map";
  });
}

/// Where a pipeline's items were mapped: inline on the calling thread, outside every pool (the
/// sequential fallback), or inside the scheduler (on its workers; a scheduler may also let the
/// calling thread take part as one of them, so "which thread" cannot tell the two apart, but
/// Scheduler::current() can).
class WhereItRan {
 public:
  template <class F>
  auto wrap(F f) {
    return [this, f = std::move(f)](auto&&... args) -> decltype(auto) {
      (Scheduler::current() == nullptr ? inline_ : on_scheduler_).store(true);
      return f(std::forward<decltype(args)>(args)...);
    };
  }
  [[nodiscard]] bool only_inline() const { return inline_.load() && !on_scheduler_.load(); }
  [[nodiscard]] bool only_on_scheduler() const { return on_scheduler_.load() && !inline_.load(); }

 private:
  std::atomic<bool> inline_{false};
  std::atomic<bool> on_scheduler_{false};
};

TEST(ParIter, RunsSmallInputsInlineOnTheCallingThread) {
  const auto data = seed_data(1'000);
  ASSERT_LE(data.size(), default_sequential_threshold())
      << "this test assumes that 1,000 elements are below the default threshold";
  parlab::testing::finish_within(kLimit, "a small input", [&] {
    ThreadRecorder recorder;
    WhereItRan where;
    const std::int64_t total =
        par_iter(data)
            .on(scheduler_with(2))
            .map(where.wrap(recorder.wrap([](std::int32_t x) { return 2 * std::int64_t{x}; })))
            .sum();
    EXPECT_EQ(total, seed_sum_doubled(1'000));
    EXPECT_TRUE(where.only_inline())
        << "1,000 elements (below the sequential threshold of " << default_sequential_threshold()
        << ") were mapped inside the scheduler.\nRule: below the threshold the consumer is a plain "
           "loop on the caller: no fork, no wait.";
    EXPECT_EQ(recorder.distinct_count(), 1U)
        << "1,000 elements (below the sequential threshold of " << default_sequential_threshold()
        << ") were mapped on " << recorder.distinct_count() << " threads.\n"
        << "Rule: below the threshold the consumer is a plain loop on the caller: no fork, no "
           "wait.";
    EXPECT_TRUE(recorder.saw(std::this_thread::get_id()))
        << "the small input was not processed on the calling thread";
    // The same from inside a task: inline on that worker.
    Scheduler& scheduler = scheduler_with(2);
    scheduler.run([&] {
      ThreadRecorder inner;
      const std::uint64_t jobs_before = scheduler.total_stats().tasks_run;
      (void)par_iter(data).map(inner.wrap([](std::int32_t x) { return x; })).count();
      const std::uint64_t jobs = scheduler.total_stats().tasks_run - jobs_before;
      EXPECT_EQ(inner.distinct_count(), 1U)
          << "a small input inside a task must stay on that worker";
      EXPECT_TRUE(inner.saw(std::this_thread::get_id()));
      EXPECT_EQ(jobs, 0U) << "a small input inside a task ran " << jobs
                          << " jobs on the scheduler: it must run inline, without a join";
    });
  });
}

TEST(ParIter, GoesParallelAboveTheSequentialThreshold) {
  // Just above the default threshold, on 2 workers. Each thread's first item waits (bounded)
  // until a second thread has shown up, so a pipeline that never forks fails here, and one
  // that forks passes without relying on timing: the other worker steals what was forked.
  const std::size_t n = default_sequential_threshold() + 1;
  parlab::testing::finish_within(
      kLimit, "a pipeline above the threshold", [&] {
        ThreadRecorder recorder;
        std::atomic<bool> second_thread_seen{false};
        std::atomic<bool> gave_up{false};
        const std::size_t counted = par_range(std::size_t{0}, n)
                                        .on(scheduler_with(2))
                                        .filter([&](std::size_t) {
                                          recorder.record();
                                          // acquire/release would do; seq_cst keeps the reasoning
                                          // simple in a test.
                                          // After giving up, no more waits: one
                                          // failure, not a timeout.
                                          if (!second_thread_seen.load() && !gave_up.load()) {
                                            if (parlab::testing::eventually(10'000ms, [&] {
                                                  return recorder.distinct_count() >= 2;
                                                })) {
                                              second_thread_seen.store(true);
                                            } else {
                                              gave_up.store(true);
                                            }
                                          }
                                          return true;
                                        })
                                        .count();
        EXPECT_EQ(counted, n);
        EXPECT_FALSE(gave_up.load())
            << n
            << " elements (one more than the threshold) ran on one thread for 10 s although the "
            << "second worker was idle.\nRule: above the threshold the consumer forks, so that "
            << "other workers can take part.";
        EXPECT_GE(recorder.distinct_count(), 2U);
      });
}

TEST(ParIter, LetsTheThresholdBeOverriddenPerPipelineAndPerProcess) {
  const auto data = seed_data(5'000);
  parlab::testing::finish_within(kLimit, "threshold overrides", [&] {
    // finish_within's thread calls the pipelines; it is not a worker of any scheduler.
    constexpr const char* kRule =
        "\nRule: at most the threshold's elements run inline on the caller, as a plain loop; "
        "above it the work goes to the scheduler.";
    {
      WhereItRan where;
      (void)par_iter(data)
          .with_sequential_threshold(5'000)
          .on(scheduler_with(2))
          .map(where.wrap([](int x) { return x; }))
          .sum();
      EXPECT_TRUE(where.only_inline())
          << "n = 5000 with with_sequential_threshold(5000) did not run inline" << kRule;
    }
    {
      WhereItRan where;
      (void)par_iter(data)
          .with_sequential_threshold(4'999)
          .on(scheduler_with(2))
          .map(where.wrap([](int x) { return x; }))
          .sum();
      EXPECT_TRUE(where.only_on_scheduler())
          << "n = 5000 with with_sequential_threshold(4999) did not run on the scheduler" << kRule;
    }
    const std::size_t saved = default_sequential_threshold();
    set_default_sequential_threshold(100);
    {
      WhereItRan where;
      (void)par_iter(data).on(scheduler_with(2)).map(where.wrap([](int x) { return x; })).sum();
      EXPECT_TRUE(where.only_on_scheduler())
          << "set_default_sequential_threshold(100) was ignored for n = 5000" << kRule;
    }
    set_default_sequential_threshold(10'000);
    {
      WhereItRan where;
      (void)par_iter(data).on(scheduler_with(2)).map(where.wrap([](int x) { return x; })).sum();
      EXPECT_TRUE(where.only_inline())
          << "set_default_sequential_threshold(10000) was ignored for n = 5000" << kRule;
    }
    set_default_sequential_threshold(saved);
  });
}

TEST(ParIter, SplitsIntoAFewPiecesPerWorkerUnlessPiecesAreStolen) {
  Scheduler& scheduler = scheduler_with(2);
  parlab::testing::finish_within(kLimit, "counting pieces", [&] {
    const auto before = scheduler.total_stats();
    const std::int64_t total = par_range(std::int64_t{0}, std::int64_t{200'000})
                                   .with_sequential_threshold(0)
                                   .on(scheduler)
                                   .sum();
    const auto after = scheduler.total_stats();
    EXPECT_EQ(total, std::int64_t{200'000} * 199'999 / 2);
    const std::uint64_t tasks = after.tasks_run - before.tasks_run;
    const std::uint64_t steals = after.steals_succeeded - before.steals_succeeded;
    const std::uint64_t bound = 32 * scheduler.size() * (1 + steals) + 2;
    EXPECT_LE(tasks, bound)
        << "200,000 cheap elements on 2 workers ran as " << tasks << " tasks with " << steals
        << " successful steals.\nRule (adaptive splitting): a few pieces per worker up front (at "
           "most 32 each), and more only when a piece was stolen. A task per element (or per "
           "small fixed grain) pays the scheduler's costs thousands of times for nothing.";
  });
  // And at least that few: a budget of one split per worker, halved at each cut, makes two
  // pieces per worker of a fresh input, stolen or not.
  const std::size_t pieces = pieces_of(
      par_range(std::size_t{0}, std::size_t{200'000}).with_sequential_threshold(0).on(scheduler),
      200'000);
  EXPECT_GE(pieces, 2 * scheduler.size())
      << "200,000 cheap elements on 2 workers were cut into " << pieces << " piece(s).\n"
      << "Rule (adaptive splitting): a fresh input starts with a budget of one split per worker "
         "and each cut halves it, so it becomes at least two pieces per worker. One piece per "
         "worker leaves nothing to steal when one worker falls behind.";
}

TEST(ParIter, NeverCutsPiecesBelowMinLen) {
  constexpr std::size_t kItems = 20'000;
  for (const std::size_t min_len : {std::size_t{1'000}, std::size_t{3'333}, kItems}) {
    SCOPED_TRACE("with_min_len(" + std::to_string(min_len) + ")");
    std::vector<std::thread::id> ran_on(kItems);
    parlab::testing::finish_within(kLimit, "with_min_len", [&] {
      // Slow items, so that the other workers steal and the input really is cut.
      par_range(std::size_t{0}, kItems)
          .with_sequential_threshold(0)
          .with_min_len(min_len)
          .on(scheduler_with(3))
          .for_each([&](std::size_t i) {
            ran_on[i] = std::this_thread::get_id();
            (void)burn(5, i);
          });
    });
    // Each maximal run of consecutive positions on one thread holds one or more whole pieces.
    std::size_t run_start = 0;
    for (std::size_t i = 1; i <= kItems; ++i) {
      if (i == kItems || ran_on[i] != ran_on[i - 1]) {
        EXPECT_GE(i - run_start, std::min(min_len, kItems))
            << "positions " << run_start << ".." << i - 1 << " ran on one thread and their "
            << "neighbours elsewhere: a piece of " << i - run_start << " elements.\n"
            << "Rule: with_min_len(m) never cuts a piece shorter than m.";
        run_start = i;
      }
    }
  }
}

TEST(ParIter, CutsAtMostNOverMinLenPieces) {
  // reduce folds each element into its piece's accumulator (one op call each) and joins two
  // pieces with one more call: n + pieces - 1 calls. Pieces of at least m elements number at
  // most n / m, whether or not any piece is stolen: this counts the cuts without needing luck.
  constexpr std::size_t n = 20'000;
  for (const std::size_t min_len : {std::size_t{1'000}, std::size_t{5'000}, n}) {
    SCOPED_TRACE("with_min_len(" + std::to_string(min_len) + ")");
    std::atomic<std::size_t> calls{0};
    std::size_t total = 0;
    parlab::testing::finish_within(kLimit, "with_min_len and a counting reduce", [&] {
      total = par_range(std::size_t{0}, n)
                  .with_sequential_threshold(0)
                  .with_min_len(min_len)
                  .on(scheduler_with(2))
                  .reduce(std::size_t{0}, [&calls](std::size_t a, std::size_t b) {
                    calls.fetch_add(1, std::memory_order_relaxed);
                    return a + b;
                  });
    });
    EXPECT_EQ(total, n * (n - 1) / 2);
    const std::size_t max_pieces = n / min_len;
    EXPECT_LE(calls.load(), n + max_pieces - 1)
        << "reduce over " << n << " elements with with_min_len(" << min_len << ") called its "
        << "op " << calls.load() << " times: " << calls.load() - n + 1 << " pieces or more, "
        << "where at most " << max_pieces << " pieces of " << min_len << " elements fit.\n"
        << "Rule: with_min_len(m) never cuts a piece shorter than m.";
    // And no fewer pieces than the budget asks for, where min_len leaves room for them.
    const std::size_t at_least = std::min<std::size_t>(4, max_pieces);
    EXPECT_GE(calls.load() + 1, n + at_least)
        << "reduce over " << n << " elements with with_min_len(" << min_len << ") on 2 workers "
        << "ran as " << calls.load() + 1 - n << " piece(s), where " << at_least
        << " pieces of at least " << min_len << " elements fit.\n"
        << "Rule (adaptive splitting): a fresh input is cut into two pieces per worker (a "
           "budget of one split per worker, halved at each cut); min_len only stops cuts that "
           "would make a piece shorter than it.";
  }
}

// The same rule over a slice that starts inside a cache line (element 1 of a vector: 4 bytes
// past a 16-byte boundary, never a line's start). Cuts move to line boundaries there, and a
// moved cut must not make a piece shorter than min_len. Counted as in
// CutsAtMostNOverMinLenPieces: reduce makes n + pieces - 1 op calls, and with min_len = n / 2
// or n / 4 at most 2 or 4 pieces fit, so one extra piece shows without luck.
TEST(ParIter, NeverCutsPiecesBelowMinLenOverASliceStartingInsideACacheLine) {
  constexpr std::size_t n = 20'000;
  const std::vector<std::int32_t> storage(n + 1, 1);
  const std::span<const std::int32_t> data(storage.data() + 1, n);
  for (const std::size_t min_len : {n / 2, n / 4}) {
    SCOPED_TRACE("with_min_len(" + std::to_string(min_len) +
                 ") over a slice starting inside a "
                 "cache line");
    std::atomic<std::size_t> calls{0};
    std::int64_t total = 0;
    parlab::testing::finish_within(kLimit, "with_min_len and a counting reduce", [&] {
      total = par_iter(data)
                  .with_sequential_threshold(0)
                  .with_min_len(min_len)
                  .on(scheduler_with(2))
                  .reduce(std::int64_t{0}, [&calls](std::int64_t a, std::int64_t b) {
                    calls.fetch_add(1, std::memory_order_relaxed);
                    return a + b;
                  });
    });
    EXPECT_EQ(total, static_cast<std::int64_t>(n));
    const std::size_t max_pieces = n / min_len;
    EXPECT_LE(calls.load(), n + max_pieces - 1)
        << "reduce over " << n << " elements with with_min_len(" << min_len << ") called its "
        << "op " << calls.load() << " times: " << calls.load() - n + 1 << " pieces or more, "
        << "where at most " << max_pieces << " pieces of " << min_len << " elements fit.\n"
        << "Rule: with_min_len(m) never cuts a piece shorter than m, also where the input starts "
           "inside a cache line (a cut moved to a line boundary included).";
    EXPECT_GE(calls.load() + 1, n + 2)
        << "reduce over " << n << " elements with with_min_len(" << min_len << ") on 2 workers "
        << "ran as one piece.\nRule: an input of at least twice min_len above the sequential "
           "threshold is cut, so that the second worker has something to take.";
    // The shortest piece itself: each piece's accumulator counts its elements, and joining two
    // results keeps the shorter piece. Deterministic, stolen or not.
    struct Shortest {
      std::size_t length = 0;  // elements of the piece being folded (0 after a join)
      std::size_t shortest = std::numeric_limits<std::size_t>::max();
      [[nodiscard]] std::size_t closed() const {
        return length > 0 ? std::min(length, shortest) : shortest;
      }
    };
    Shortest shortest;
    parlab::testing::finish_within(kLimit, "a reduce that measures its pieces", [&] {
      shortest = par_iter(data)
                     .with_sequential_threshold(0)
                     .with_min_len(min_len)
                     .on(scheduler_with(2))
                     .reduce(Shortest{}, [](Shortest a, const auto& b) {
                       if constexpr (std::is_same_v<std::decay_t<decltype(b)>, Shortest>) {
                         return Shortest{0, std::min(a.closed(), b.closed())};
                       } else {
                         return Shortest{a.length + 1, a.shortest};
                       }
                     });
    });
    EXPECT_GE(shortest.closed(), min_len)
        << "over a slice starting inside a cache line, with with_min_len(" << min_len
        << "), the shortest piece held " << shortest.closed() << " elements.\n"
        << "Rule: with_min_len(m) never cuts a piece shorter than m; a cut moved to a cache-line "
           "boundary goes back to the middle when it would.";
  }
}

// The rule that grades parts A to D (grading.toml): a pipeline that never forks (a plain loop)
// passes their other tests and runs nothing in parallel. A million elements, map then sum, on 2
// workers: each thread's first call of f waits (bounded) until a second thread has called f too.
TEST(ParIter, MapAndSumRunOnTwoWorkersOverAMillionElements) {
  const std::size_t n = std::max<std::size_t>(1'000'000, default_sequential_threshold() + 1);
  const std::vector<std::int32_t> data(n, 1);
  parlab::testing::finish_within(kLimit, "map and sum over a million elements", [&] {
    ThreadRecorder recorder;
    std::atomic<bool> second_thread_seen{false};
    std::atomic<bool> gave_up{false};
    const auto sum = par_iter(data)
                         .on(scheduler_with(2))
                         .map([&](std::int32_t x) {
                           // seq_cst: a test's flags, where the simplest reasoning wins.
                           if (!second_thread_seen.load() && !gave_up.load()) {
                             recorder.record();
                             if (parlab::testing::eventually(
                                     10'000ms, [&] { return recorder.distinct_count() >= 2; })) {
                               second_thread_seen.store(true);
                             } else {
                               gave_up.store(true);
                             }
                           }
                           return 2 * std::int64_t{x};
                         })
                         .sum();
    EXPECT_EQ(sum, 2 * static_cast<std::int64_t>(n));
    EXPECT_FALSE(gave_up.load())
        << "par_iter(data).map(f).sum() over " << n << " elements called f on one thread only "
        << "for 10 s while a second worker was idle: the pipeline ran as one loop.\nRule: above "
           "the sequential threshold a consumer cuts the input into pieces with join(), so that "
           "the other workers steal some; a plain loop is not a parallel pipeline.";
    EXPECT_GE(recorder.distinct_count(), 2U);
  });
}

TEST(ParIter, RunsOnTheSchedulerItIsGiven) {
  Scheduler& two = scheduler_with(2);
  Scheduler& three = scheduler_with(3);
  parlab::testing::finish_within(kLimit, "choosing a scheduler", [&] {
    std::atomic<int> elsewhere{0};
    par_range(0, 50'000).with_sequential_threshold(0).on(three).for_each([&](int) {
      if (Scheduler::current() != &three) {
        elsewhere.fetch_add(1);
      }
    });
    EXPECT_EQ(elsewhere.load(), 0)
        << "on(scheduler): every item must run on that scheduler's workers";
    // From a task of `two` with on(three): still on `three`.
    two.run([&] {
      par_range(0, 50'000).with_sequential_threshold(0).on(three).for_each([&](int) {
        if (Scheduler::current() != &three) {
          elsewhere.fetch_add(1);
        }
      });
    });
    EXPECT_EQ(elsewhere.load(), 0) << "on(three) called from a worker of another scheduler";
    // From a task of `two` without on(): the caller's own scheduler.
    two.run([&] {
      par_range(0, 50'000).with_sequential_threshold(0).for_each([&](int) {
        if (Scheduler::current() != &two) {
          elsewhere.fetch_add(1);
        }
      });
    });
    EXPECT_EQ(elsewhere.load(), 0)
        << "without on(), a pipeline inside a task runs on that task's scheduler";
  });
}

// A pipeline on(there) started by the only worker of `home`, whose items call back into `home`.
// That worker waits for `there`; it must keep running `home`'s jobs meanwhile (lab 4's
// cross-scheduler rule, CrossScheduler.* in lab 4's tests), or the first call back finds no
// worker of `home` free, and waits for the worker that waits for it.
TEST(ParIter, RunsOnAnotherSchedulerFromAWorkerItsItemsCallBackInto) {
  parlab::testing::finish_within(
      kLimit,
      "home.run(par_range(0, 1000).on(there).map(item calls home.run).sum()) with 1 worker in home "
      "and 2 in there (rule: a worker waiting for another scheduler keeps running its own "
      "scheduler's jobs)",
      [] {
        Scheduler home(1);
        Scheduler there(2);
        std::atomic<int> items_elsewhere{0};
        std::atomic<int> calls_back_elsewhere{0};
        const std::int64_t sum = home.run([&] {
          return par_range(0, 1'000)
              .with_sequential_threshold(0)
              .on(there)
              .map([&](int i) {
                if (Scheduler::current() != &there) {
                  items_elsewhere.fetch_add(1);
                }
                if (i % 100 != 0) {
                  return std::int64_t{i};
                }
                return home.run([&, i] {
                  if (Scheduler::current() != &home) {
                    calls_back_elsewhere.fetch_add(1);
                  }
                  return std::int64_t{i};
                });
              })
              .sum();
        });
        EXPECT_EQ(sum, 499'500) << "the sum of 0..999";
        EXPECT_EQ(items_elsewhere.load(), 0)
            << "on(there) called from a worker of another scheduler: every item runs on there";
        EXPECT_EQ(calls_back_elsewhere.load(), 0) << "home.run(f) runs f on home's worker";
      });
}

}  // namespace
}  // namespace parlab::par

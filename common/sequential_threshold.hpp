// The sequential threshold of a parallel loop, measured where the code runs: the input size below
// which a loop on the caller beats going parallel. Part of common/; lab 5's reference uses it.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <mutex>
#include <span>

namespace parlab {

/// A threshold that sends every input to the loop (no input has this many elements).
inline constexpr std::size_t kEveryInputInline = std::numeric_limits<std::size_t>::max() - 1;

/// One size's medians: how long the parallel run and the loop took over n elements.
struct CrossoverSample {
  std::size_t n = 0;         ///< elements
  double parallel_ns = 0.0;  ///< median time of the parallel run
  double loop_ns = 0.0;      ///< median time of the loop on the caller
};

/// The crossover the samples imply for `workers` workers. Rule: in parallel n elements take
/// about c + n·t/P, in a loop n·t, so the two meet at n = c·P / ((P − 1)·t); c is the median
/// over the sizes of (parallel − loop / P), t the loop's time per element at the largest size.
/// Derived, not tuned: nothing in it is a constant of one machine. Every input for P < 2 or
/// no samples. Thread-safe (pure).
[[nodiscard]] std::size_t crossover_threshold(std::span<const CrossoverSample> samples,
                                              std::size_t workers) noexcept;

/// Times `parallel(n)` against `loop(n)` where the code runs, at `sizes` sizes doubling from
/// `first_size`, each `rounds` times (after one untimed round), alternating the two so that both
/// see the same state of the machine, and returns crossover_threshold() of the medians.
/// The two callables run the same work over the first n elements of an input the caller owns.
/// Returns kEveryInputInline without calling either when workers < 2. Never throws: a
/// callable that throws also gives kEveryInputInline.
/// @pre sizes >= 1, rounds >= 1, first_size >= 1.
[[nodiscard]] std::size_t measure_sequential_threshold(
    std::size_t workers, std::size_t first_size, std::size_t sizes, int rounds,
    const std::function<void(std::size_t)>& parallel,
    const std::function<void(std::size_t)>& loop) noexcept;

/// measure_sequential_threshold() with the seed's workload as the yardstick: `parallel_sum(input)`
/// (which must return the sum of 2·x over input) against the same sum in a loop, at six sizes
/// from 4 Ki to 128 Ki int32 (in cache, so that what is timed is the cost of going parallel, not
/// the memory bus), nine rounds each (odd, for a true median). Never throws.
[[nodiscard]] std::size_t measure_seed_sequential_threshold(
    std::size_t workers,
    const std::function<std::int64_t(std::span<const std::int32_t>)>& parallel_sum) noexcept;

/// A process-wide default threshold: the value set last, else one measurement made on first
/// use. Thread-safe; once the value is known, get() is one load and one compare.
class DefaultThreshold {
 public:
  /// The value set last, else what measure() returned (called once per object, on first use).
  template <class Measure>
  [[nodiscard]] std::size_t get(Measure measure) noexcept {
    // relaxed: a tuning knob; a reader that sees a stale value is still correct.
    const std::size_t value = value_.load(std::memory_order_relaxed);
    return value != kNotKnown ? value : first_get(measure);
  }
  /// Sets the value (at most kEveryInputInline); readers that have started keep the old one.
  void set(std::size_t threshold) noexcept {
    value_.store(std::min(threshold, kEveryInputInline), std::memory_order_relaxed);
  }

 private:
  static constexpr std::size_t kNotKnown = std::numeric_limits<std::size_t>::max();

  template <class Measure>
  [[gnu::cold, gnu::noinline]] std::size_t first_get(Measure& measure) noexcept {
    std::call_once(measured_once_, [&] { measured_ = std::min(measure(), kEveryInputInline); });
    // A value set meanwhile wins: the compare-exchange stores the measurement only over kNotKnown.
    std::size_t seen = kNotKnown;
    value_.compare_exchange_strong(seen, measured_, std::memory_order_relaxed);
    return seen == kNotKnown ? measured_ : seen;
  }

  std::atomic<std::size_t> value_{kNotKnown};
  std::once_flag measured_once_;
  std::size_t measured_ = 0;  // written once, under measured_once_
};

}  // namespace parlab

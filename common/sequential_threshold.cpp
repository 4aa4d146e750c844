// The sequential threshold, measured where the code runs (common/sequential_threshold.hpp).
#include "common/sequential_threshold.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <vector>

namespace parlab {
namespace {

double median(std::vector<double> samples) {
  std::nth_element(samples.begin(), samples.begin() + samples.size() / 2, samples.end());
  return samples[samples.size() / 2];
}

}  // namespace

std::size_t crossover_threshold(std::span<const CrossoverSample> samples,
                                std::size_t workers) noexcept {
  if (workers < 2 || samples.empty()) {
    return kEveryInputInline;  // one worker: going parallel can only add time
  }
  const double p = static_cast<double>(workers);
  std::vector<double> costs;
  const CrossoverSample* largest = samples.data();
  for (const CrossoverSample& sample : samples) {
    costs.push_back(std::max(sample.parallel_ns - sample.loop_ns / p, 0.0));
    if (sample.n > largest->n) {
      largest = &sample;
    }
  }
  // A loop measured at 0 ns would make every input "too small": one picosecond per element
  // is below any real loop's cost and keeps the division finite.
  const double t =
      std::max(largest->loop_ns / static_cast<double>(std::max<std::size_t>(largest->n, 1)), 1e-3);
  const double threshold = std::ceil(median(costs) * p / ((p - 1.0) * t));
  return threshold >= static_cast<double>(kEveryInputInline) ? kEveryInputInline
                                                             : static_cast<std::size_t>(threshold);
}

std::size_t measure_sequential_threshold(std::size_t workers, std::size_t first_size,
                                         std::size_t sizes, int rounds,
                                         const std::function<void(std::size_t)>& parallel,
                                         const std::function<void(std::size_t)>& loop) noexcept {
  if (workers < 2) {
    return kEveryInputInline;
  }
  using Clock = std::chrono::steady_clock;
  const auto time_ns = [](const std::function<void(std::size_t)>& run, std::size_t n) {
    const auto start = Clock::now();
    run(n);
    return std::chrono::duration<double, std::nano>(Clock::now() - start).count();
  };
  try {
    std::vector<CrossoverSample> samples;
    std::size_t n = first_size;
    for (std::size_t size = 0; size < sizes; ++size, n *= 2) {
      std::vector<double> parallel_ns;
      std::vector<double> loop_ns;
      for (int round = 0; round <= rounds; ++round) {
        const double in_parallel = time_ns(parallel, n);
        const double in_loop = time_ns(loop, n);
        if (round > 0) {  // round 0 warms the caches and wakes the workers
          parallel_ns.push_back(in_parallel);
          loop_ns.push_back(in_loop);
        }
      }
      samples.push_back({n, median(parallel_ns), median(loop_ns)});
    }
    return crossover_threshold(samples, workers);
  } catch (...) {
    return kEveryInputInline;
  }
}

std::size_t measure_seed_sequential_threshold(
    std::size_t workers,
    const std::function<std::int64_t(std::span<const std::int32_t>)>& parallel_sum) noexcept {
  constexpr std::size_t kFirstSize = std::size_t{1} << 12;
  constexpr std::size_t kSizes = 6;
  constexpr int kRounds = 9;
  try {
    // Values come through a volatile, and sums go to one, so that nothing can be folded.
    std::vector<std::int32_t> data(kFirstSize << (kSizes - 1));
    volatile std::int32_t salt = 7;
    for (std::size_t i = 0; i < data.size(); ++i) {
      data[i] = static_cast<std::int32_t>(i) ^ salt;
    }
    volatile std::int64_t sink = 0;
    const auto parallel = [&](std::size_t n) {
      sink = sink + parallel_sum(std::span<const std::int32_t>(data.data(), n));
    };
    const auto loop = [&](std::size_t n) {
      std::int64_t total = 0;
      for (std::size_t i = 0; i < n; ++i) {
        total += 2 * std::int64_t{data[i]};
      }
      sink = sink + total;
    };
    return measure_sequential_threshold(workers, kFirstSize, kSizes, kRounds, parallel, loop);
  } catch (...) {
    return kEveryInputInline;
  }
}

}  // namespace parlab

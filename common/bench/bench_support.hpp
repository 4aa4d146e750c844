// Shared scaffolding for every stage's Google Benchmark suite: the naming scheme
// workload/stage/n/threads, cached inputs, and result checking outside the timed loop.
// Part of common/bench; linked into each flavour's benchmark binary.
#pragma once

#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <map>
#include <mutex>
#include <span>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/data.hpp"
#include "common/workload.hpp"

namespace parlab::bench {

/// The seed's map: 2*x, widened before doubling so that no element overflows.
inline const auto doubled = [](std::int32_t x) { return 2 * std::int64_t{x}; };

/// The work of item i of an imbalanced load: burn(costs[i]) salted with i, so every item's
/// result differs and a skipped or repeated item changes the sum.
inline std::uint64_t item_work(std::span<const std::uint32_t> costs, std::size_t i) {
  return burn(costs[i], i);
}

/// seed_data(n), built once per process and per n (outside any timed region).
inline std::span<const std::int32_t> cached_seed_data(std::size_t n) {
  static std::mutex mutex;
  static std::map<std::size_t, std::vector<std::int32_t>> cache;
  const std::scoped_lock lock(mutex);
  auto [it, inserted] = cache.try_emplace(n);
  if (inserted) {
    it->second = seed_data(n);
  }
  return it->second;
}

/// A comma-separated list of sizes from the environment variable `name`, or `fallback`.
/// PARLAB_BENCH_THREADS (e.g. "1,2,4,8,16") sets the thread counts every stage is run with.
inline std::vector<std::size_t> list_from_env(const char* name, std::vector<std::size_t> fallback) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') {
    return fallback;
  }
  std::vector<std::size_t> values;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ',')) {
    values.push_back(std::stoull(item));
  }
  return values;
}

/// The thread counts every stage is registered with: PARLAB_BENCH_THREADS, or 1, 2, 4.
inline std::vector<std::size_t> thread_counts() {
  return list_from_env("PARLAB_BENCH_THREADS", {1, 2, 4});
}

/// n = 10 .. 10^8 by 10x (PARLAB_BENCH_SIZES overrides): from sizes where any parallelism loses
/// to a plain loop up to sizes bound by memory bandwidth, so the crossover shows.
inline std::vector<std::size_t> sum_sizes() {
  return list_from_env("PARLAB_BENCH_SIZES",
                       {10, 100, 1'000, 10'000, 100'000, 1'000'000, 10'000'000, 100'000'000});
}

/// A benchmark name in parlab's scheme: workload/stage/n/threads.
inline std::string name(const std::string& workload, const std::string& stage, std::size_t n,
                        std::size_t threads) {
  return workload + "/" + stage + "/" + std::to_string(n) + "/" + std::to_string(threads);
}

/// Registers `sum_doubled/<stage>/<n>/<threads>` for every size and thread count. `run(data,
/// threads)` must return the sum of 2*x over data; it is called once untimed and checked
/// against the exact answer (a wrong or throwing stage is reported as an error, not timed).
/// `setup(threads)` returns per-benchmark state built outside the timed region (a pool, an
/// arena) that is passed to run as its first argument.
template <class Setup, class Run>
void register_sum_doubled(const std::string& stage, Setup setup, Run run,
                          std::vector<std::size_t> threads = thread_counts()) {
  for (const std::size_t n : sum_sizes()) {
    for (const std::size_t t : threads) {
      benchmark::RegisterBenchmark(
          name("sum_doubled", stage, n, t).c_str(),
          [=](benchmark::State& state) {
            const auto data = cached_seed_data(n);
            try {
              auto context = setup(t);
              if (run(context, data, t) != seed_sum_doubled(n)) {  // warm-up and check
                state.SkipWithError("wrong result");
                return;
              }
              for (auto _ : state) {
                auto sum = run(context, data, t);
                benchmark::DoNotOptimize(sum);
              }
            } catch (const std::exception& error) {
              state.SkipWithError(error.what());
              return;
            }
            state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
            state.SetBytesProcessed(state.iterations() *
                                    static_cast<std::int64_t>(n * sizeof(std::int32_t)));
            state.counters["threads"] = static_cast<double>(t);
          })
          ->UseRealTime()
          ->Unit(benchmark::kMicrosecond);
    }
  }
}

/// The imbalanced loads: 10,000 items whose cost in burn() units either grows linearly with
/// the index (1 .. 500: static halves give one worker three quarters of the work) or is drawn
/// from a heavy-tailed distribution (median 100) in random order.
struct ImbalancedLoad {
  std::string workload;              ///< "imbalanced_linear" or "imbalanced_heavy"
  std::vector<std::uint32_t> costs;  ///< burn() units of each item
  std::uint64_t expected = 0;        ///< sum over i of burn(costs[i], i), computed once
};

/// Both imbalanced loads, built (and their expected results computed) once per process.
inline const std::vector<ImbalancedLoad>& imbalanced_loads() {
  static const std::vector<ImbalancedLoad> loads = [] {
    std::vector<ImbalancedLoad> result;
    result.push_back({"imbalanced_linear", linear_costs(10'000, 500), 0});
    result.push_back({"imbalanced_heavy", heavy_tailed_costs(10'000, 100, 2024), 0});
    for (auto& load : result) {
      for (std::size_t i = 0; i < load.costs.size(); ++i) {
        load.expected += item_work(load.costs, i);
      }
    }
    return result;
  }();
  return loads;
}

/// Registers `<imbalanced workload>/<stage>/10000/<threads>` for both imbalanced loads.
/// `run(context, costs, threads)` must return the sum over every index i of
/// item_work(costs, i); it is checked once, untimed, before timing (see register_sum_doubled).
template <class Setup, class Run>
void register_imbalanced(const std::string& stage, Setup setup, Run run,
                         std::vector<std::size_t> threads = thread_counts()) {
  for (std::size_t load_index = 0; load_index < 2; ++load_index) {
    for (const std::size_t t : threads) {
      const std::string workload = load_index == 0 ? "imbalanced_linear" : "imbalanced_heavy";
      benchmark::RegisterBenchmark(
          name(workload, stage, 10'000, t).c_str(),
          [=](benchmark::State& state) {
            const ImbalancedLoad& load = imbalanced_loads()[load_index];
            const std::span<const std::uint32_t> costs(load.costs);
            try {
              auto context = setup(t);
              if (run(context, costs, t) != load.expected) {
                state.SkipWithError("wrong result");
                return;
              }
              for (auto _ : state) {
                auto sum = run(context, costs, t);
                benchmark::DoNotOptimize(sum);
              }
            } catch (const std::exception& error) {
              state.SkipWithError(error.what());
              return;
            }
            state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(costs.size()));
            state.counters["threads"] = static_cast<double>(t);
          })
          ->UseRealTime()
          ->Unit(benchmark::kMicrosecond);
    }
  }
}

/// No per-benchmark state: for stages that create their threads on every call.
inline const auto no_setup = [](std::size_t) { return 0; };

}  // namespace parlab::bench

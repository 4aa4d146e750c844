// Shared scaffolding for the fork-join benchmarks of labs 4-5 and their peers: fib(n) with a task
// at every level (pure scheduling cost) and fib(n) with a sequential cutoff (useful work).
// Part of common/bench; names follow workload/stage/n/threads.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>
#include <exception>
#include <string>
#include <vector>

#include "common/bench/bench_support.hpp"

namespace parlab::bench {

/// fib(30) with a task at every level: fib(31) - 1 = 1,346,268 forks.
inline constexpr int kFibN = 30;
/// fib(35) with a sequential cutoff: below n = 20 the recursion is plain sequential code.
inline constexpr int kFibCutoffN = 35;
/// The cutoff of fib_cutoff: calls with n below it run sequentially.
inline constexpr int kFibCutoff = 20;

/// The sequential recursion, for leaves and the "sequential" baseline.
inline std::uint64_t fib_sequential(int n) {
  return n < 2 ? static_cast<std::uint64_t>(n) : fib_sequential(n - 1) + fib_sequential(n - 2);
}

/// fib(n), computed iteratively: the answer every fib benchmark is checked against.
constexpr std::uint64_t fib_value(int n) {
  std::uint64_t a = 0;
  std::uint64_t b = 1;
  for (int i = 0; i < n; ++i) {
    const std::uint64_t next = a + b;
    a = b;
    b = next;
  }
  return a;
}

/// The number of forks (internal nodes) of fib(n)'s call tree when every call with
/// n >= cutoff forks: one per call that recurses.
constexpr std::uint64_t fib_forks(int n, int cutoff) {
  return n < 2 || n < cutoff ? 0 : 1 + fib_forks(n - 1, cutoff) + fib_forks(n - 2, cutoff);
}

/// Read through a volatile so that the compiler cannot fold fib(n) into a constant (see
/// MEASURING.md: DoNotOptimize on a local copy of n once produced a 0 ns benchmark).
inline int opaque(int n) {
  volatile int copy = n;
  return copy;
}

namespace detail {
template <class Setup, class Run>
void register_fib_like(const std::string& workload, const std::string& stage, int n, int cutoff,
                       Setup setup, Run run, const std::vector<std::size_t>& threads) {
  for (const std::size_t t : threads) {
    benchmark::RegisterBenchmark(
        name(workload, stage, static_cast<std::size_t>(n), t).c_str(),
        [=](benchmark::State& state) {
          try {
            auto context = setup(t);
            if (run(context, opaque(n), cutoff, t) != fib_value(n)) {  // warm-up and check
              state.SkipWithError("wrong result");
              return;
            }
            for (auto _ : state) {
              auto result = run(context, opaque(n), cutoff, t);
              benchmark::DoNotOptimize(result);
            }
          } catch (const std::exception& error) {
            state.SkipWithError(error.what());
            return;
          }
          const auto forks = static_cast<std::int64_t>(fib_forks(n, cutoff));
          state.SetItemsProcessed(state.iterations() * forks);  // items = forks (tasks)
          state.counters["threads"] = static_cast<double>(t);
          // Seconds per fork, printed with an SI prefix (e.g. 20.4ns).
          state.counters["time_per_task"] =
              benchmark::Counter(static_cast<double>(state.iterations() * forks),
                                 benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
        })
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
  }
}
}  // namespace detail

/// Registers `fib/<stage>/30/<threads>`: `run(context, n, cutoff, threads)` must return fib(n)
/// computed with a fork at every call with n >= 2 (cutoff is 2 here). Checked once, untimed.
template <class Setup, class Run>
void register_fib(const std::string& stage, Setup setup, Run run,
                  std::vector<std::size_t> threads = thread_counts()) {
  detail::register_fib_like("fib", stage, kFibN, 2, setup, run, threads);
}

/// Registers `fib_cutoff/<stage>/35/<threads>`: `run(context, n, cutoff, threads)` must return
/// fib(n), forking at calls with n >= cutoff (20) and calling fib_sequential below.
template <class Setup, class Run>
void register_fib_cutoff(const std::string& stage, Setup setup, Run run,
                         std::vector<std::size_t> threads = thread_counts()) {
  detail::register_fib_like("fib_cutoff", stage, kFibCutoffN, kFibCutoff, setup, run, threads);
}

}  // namespace parlab::bench

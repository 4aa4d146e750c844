// Lab 5 (parallel algorithms): benchmarks of par_iter and parallel_sort beside the peers.
//   sum_doubled/par_iter/<n>/<threads>           the seed's one-liner, with the sequential fallback
//   sum_doubled/par_iter_parallel/<n>/<threads>  the same, forced parallel at every n: the curve
//                                                the fallback's threshold is read from
//   imbalanced_linear|imbalanced_heavy/par_iter/10000/<threads>
//   sort/par_sort/10000000/<threads>, sort/std_sort/.../1, sort/std_sort_par/.../<cores>

#include <algorithm>
#include <cstdint>
#include <execution>
#include <functional>
#include <memory>
#include <numeric>
#include <random>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "common/bench/bench_support.hpp"
// Angle brackets on purpose: a quoted include would find the starter beside this file even
// when the solution flavour is being built; <> searches only the flavour's include path.
#include <par_iter.hpp>
#include <parallel_sort.hpp>
#include <scheduler.hpp>

namespace {

using parlab::bench::doubled;
using parlab::steal::Scheduler;

std::shared_ptr<Scheduler> make_scheduler(std::size_t threads) {
  return std::make_shared<Scheduler>(threads);
}

std::int64_t par_iter_sum(Scheduler& scheduler, std::span<const std::int32_t> data) {
  return parlab::par::par_iter(data).on(scheduler).map(doubled).sum();
}

std::int64_t par_iter_parallel_sum(Scheduler& scheduler, std::span<const std::int32_t> data) {
  return parlab::par::par_iter(data).with_sequential_threshold(0).on(scheduler).map(doubled).sum();
}

// ---- sort of 10^7 random int64 ----------------------------------------------------------------

constexpr std::size_t kSortSize = 10'000'000;

const std::vector<std::int64_t>& sort_input() {
  static const std::vector<std::int64_t> input = [] {
    std::mt19937_64 generator(2024);
    std::vector<std::int64_t> values(kSortSize);
    for (auto& value : values) {
      value = static_cast<std::int64_t>(generator());
    }
    return values;
  }();
  return input;
}

/// Registers sort/<stage>/10000000/<threads>. Each iteration sorts a fresh copy of the same
/// random input; the copy is made with the timer paused.
template <class Setup, class Sort>
void register_sort(const std::string& stage, Setup setup, Sort sort,
                   std::vector<std::size_t> threads) {
  for (const std::size_t t : threads) {
    benchmark::RegisterBenchmark(
        parlab::bench::name("sort", stage, kSortSize, t).c_str(),
        [=](benchmark::State& state) {
          const std::vector<std::int64_t>& input = sort_input();
          std::vector<std::int64_t> data(input.size());
          try {
            auto context = setup(t);
            std::copy(input.begin(), input.end(), data.begin());
            sort(context, data);
            if (!std::is_sorted(data.begin(), data.end())) {
              state.SkipWithError("not sorted");
              return;
            }
            for (auto _ : state) {
              state.PauseTiming();
              std::copy(input.begin(), input.end(), data.begin());
              state.ResumeTiming();
              sort(context, data);
              benchmark::DoNotOptimize(data.data());
            }
          } catch (const std::exception& error) {
            state.SkipWithError(error.what());
            return;
          }
          state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kSortSize));
          state.counters["threads"] = static_cast<double>(t);
        })
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
  }
}

[[maybe_unused]] const bool registered = [] {
  const auto threads = parlab::bench::thread_counts();
  const std::size_t cores = std::max(1U, std::thread::hardware_concurrency());
  const auto run_par_iter = [](const std::shared_ptr<Scheduler>& scheduler,
                               std::span<const std::int32_t> data,
                               std::size_t) { return par_iter_sum(*scheduler, data); };
  const auto run_par_iter_parallel = [](const std::shared_ptr<Scheduler>& scheduler,
                                        std::span<const std::int32_t> data, std::size_t) {
    return par_iter_parallel_sum(*scheduler, data);
  };
  parlab::bench::register_sum_doubled("par_iter", make_scheduler, run_par_iter);
  parlab::bench::register_sum_doubled("par_iter_parallel", make_scheduler, run_par_iter_parallel);

  // Items of the imbalanced loads cost microseconds each, far above the cheap element the
  // default threshold is measured in, so the pipeline says so: threshold 0, always parallel.
  parlab::bench::register_imbalanced(
      "par_iter", make_scheduler,
      [](const std::shared_ptr<Scheduler>& scheduler, std::span<const std::uint32_t> costs,
         std::size_t) {
        return parlab::par::par_range(std::size_t{0}, costs.size())
            .with_sequential_threshold(0)
            .on(*scheduler)
            .map([costs](std::size_t i) { return parlab::bench::item_work(costs, i); })
            .sum();
      });

  register_sort(
      "par_sort", make_scheduler,
      [](const std::shared_ptr<Scheduler>& scheduler, std::vector<std::int64_t>& data) {
        parlab::par::parallel_sort(*scheduler, data);
      },
      threads);
  register_sort("std_sort", parlab::bench::no_setup,
                [](int, std::vector<std::int64_t>& data) { std::sort(data.begin(), data.end()); },
                {1});
  register_sort("std_sort_par", parlab::bench::no_setup,
                [](int, std::vector<std::int64_t>& data) {
                  std::sort(std::execution::par, data.begin(), data.end());
                },
                {cores});
  return true;
}();

}  // namespace

// Lab 4 (work stealing): benchmarks of the scheduler, registered beside the peers of
// common/bench: fib/work_stealing/30/<threads> (a join at every level), fib_cutoff/.../35/...,
// sum_doubled/work_stealing/<n>/<threads> (map_sum) and the imbalanced loads (parallel_reduce,
// one item per leaf).
#include <cstdint>
#include <functional>
#include <memory>
#include <span>

#include "common/bench/bench_support.hpp"
#include "common/bench/fib_support.hpp"
// Angle brackets on purpose: a quoted include would find the starter beside this file even
// when the solution flavour is being built; <> searches only the flavour's include path.
#include <parallel_loops.hpp>
#include <scheduler.hpp>

namespace {

using parlab::steal::Scheduler;

std::uint64_t fib(Scheduler& scheduler, int n, int cutoff) {
  if (n < 2 || n < cutoff) {
    return parlab::bench::fib_sequential(n);
  }
  auto [a, b] = scheduler.join([&] { return fib(scheduler, n - 1, cutoff); },
                               [&] { return fib(scheduler, n - 2, cutoff); });
  return a + b;
}

// The scheduler (and its threads) is built outside the timed loop, once per benchmark.
std::shared_ptr<Scheduler> make_scheduler(std::size_t threads) {
  return std::make_shared<Scheduler>(threads);
}

[[maybe_unused]] const bool registered = [] {
  const auto run_fib = [](const std::shared_ptr<Scheduler>& scheduler, int n, int cutoff,
                          std::size_t) {
    return scheduler->run([&] { return fib(*scheduler, n, cutoff); });
  };
  parlab::bench::register_fib("work_stealing", make_scheduler, run_fib);
  parlab::bench::register_fib_cutoff("work_stealing", make_scheduler, run_fib);

  // k = threads: map_sum cuts the input into about 8 * threads leaves.
  parlab::bench::register_sum_doubled("work_stealing", make_scheduler,
                                      [](const std::shared_ptr<Scheduler>& scheduler,
                                         std::span<const std::int32_t> data, std::size_t threads) {
                                        return parlab::steal::map_sum(*scheduler, data, threads,
                                                                      parlab::bench::doubled);
                                      });

  // One item per leaf: the scheduler's own balancing, not our chunking, is what is measured.
  parlab::bench::register_imbalanced(
      "work_stealing", make_scheduler,
      [](const std::shared_ptr<Scheduler>& scheduler, std::span<const std::uint32_t> costs,
         std::size_t) {
        return parlab::steal::parallel_reduce(
            *scheduler, 0, costs.size(), 1, std::uint64_t{0}, std::plus<>(),
            [&](std::size_t i) { return parlab::bench::item_work(costs, i); });
      });
  return true;
}();

}  // namespace

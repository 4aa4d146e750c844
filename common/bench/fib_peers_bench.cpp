// The peers of the fork-join benchmarks (labs 4-5): fib(30) with a task at every level and
// fib(35) with a sequential cutoff, written for oneTBB task_group, OpenMP tasks and plain
// sequential recursion. Part of common/bench; linked into each flavour's benchmark binary.
#include <omp.h>
#include <oneapi/tbb/task_arena.h>
#include <oneapi/tbb/task_group.h>

#include <cstdint>
#include <memory>

#include "common/bench/fib_support.hpp"
#include "common/bench/tbb_peer.hpp"

namespace {

using parlab::bench::fib_sequential;

// The textbook oneTBB version: spawn one side into the task_group, run the other inline, wait.
std::uint64_t fib_tbb(int n, int cutoff) {
  if (n < 2 || n < cutoff) {
    return fib_sequential(n);
  }
  std::uint64_t a = 0;
  tbb::task_group group;
  group.run([&] { a = fib_tbb(n - 1, cutoff); });
  const std::uint64_t b = fib_tbb(n - 2, cutoff);
  group.wait();
  return a + b;
}

std::uint64_t fib_openmp(int n, int cutoff) {
  if (n < 2 || n < cutoff) {
    return fib_sequential(n);
  }
  std::uint64_t a = 0;
#pragma omp task shared(a) firstprivate(n, cutoff) default(none)
  a = fib_openmp(n - 1, cutoff);
  const std::uint64_t b = fib_openmp(n - 2, cutoff);
#pragma omp taskwait
  return a + b;
}

std::uint64_t fib_openmp_root(int n, int cutoff, std::size_t threads) {
  std::uint64_t result = 0;
#pragma omp parallel num_threads(static_cast <int>(threads)) default(none) shared(result, n, cutoff)
#pragma omp single
  result = fib_openmp(n, cutoff);
  return result;
}

[[maybe_unused]] const bool registered = [] {
  const auto sequential = [](int, int n, int, std::size_t) { return fib_sequential(n); };
  const auto tbb = [](const std::shared_ptr<tbb::task_arena>& arena, int n, int cutoff,
                      std::size_t) { return arena->execute([&] { return fib_tbb(n, cutoff); }); };
  const auto openmp = [](int, int n, int cutoff, std::size_t threads) {
    return fib_openmp_root(n, cutoff, threads);
  };
  parlab::bench::register_fib("sequential", parlab::bench::no_setup, sequential, {1});
  parlab::bench::register_fib("tbb", parlab::bench::make_tbb_arena, tbb);
  parlab::bench::register_fib("openmp", parlab::bench::no_setup, openmp);
  parlab::bench::register_fib_cutoff("sequential", parlab::bench::no_setup, sequential, {1});
  parlab::bench::register_fib_cutoff("tbb", parlab::bench::make_tbb_arena, tbb);
  parlab::bench::register_fib_cutoff("openmp", parlab::bench::no_setup, openmp);
  return true;
}();

}  // namespace

// The peers every stage is measured against, on the seed's workload: a sequential loop, oneTBB
// parallel_reduce, an OpenMP reduction and std::transform_reduce(std::execution::par and
// par_unseq).
// Part of common/bench; linked into each flavour's benchmark binary so all run in one process.
#include <omp.h>

#include <execution>
#include <functional>
#include <memory>
#include <numeric>
#include <thread>

#include "common/bench/bench_support.hpp"
#include "common/bench/tbb_peer.hpp"

namespace {

using parlab::bench::doubled;

std::int64_t sequential_sum(std::span<const std::int32_t> data) {
  std::int64_t sum = 0;
  for (const std::int32_t x : data) {
    sum += doubled(x);
  }
  return sum;
}

[[maybe_unused]] const bool registered = [] {
  parlab::bench::register_sum_doubled(
      "sequential", parlab::bench::no_setup,
      [](int, std::span<const std::int32_t> data, std::size_t) { return sequential_sum(data); },
      {1});

  // The arena (and its worker threads) is created and warmed up outside the timed loop.
  parlab::bench::register_sum_doubled("tbb", parlab::bench::make_tbb_arena,
                                      [](const std::shared_ptr<tbb::task_arena>& arena,
                                         std::span<const std::int32_t> data, std::size_t) {
                                        return parlab::bench::tbb_sum<std::int64_t>(
                                            *arena, data.size(),
                                            [&](std::size_t i) { return doubled(data[i]); });
                                      });

  // OpenMP keeps its thread team alive between parallel regions; the untimed first call warms it.
  parlab::bench::register_sum_doubled(
      "openmp", parlab::bench::no_setup,
      [](int, std::span<const std::int32_t> data, std::size_t threads) {
        std::int64_t sum = 0;
        const auto n = static_cast<std::ptrdiff_t>(data.size());
#pragma omp parallel for reduction(+ : sum) num_threads(static_cast <int>(threads)) schedule(static)
        for (std::ptrdiff_t i = 0; i < n; ++i) {
          sum += doubled(data[static_cast<std::size_t>(i)]);
        }
        return sum;
      });

  // std::execution::par cannot be given a thread count: it uses every core (libstdc++ runs it
  // on oneTBB), so it is registered once, under the machine's hardware concurrency.
  parlab::bench::register_sum_doubled("std_par", parlab::bench::no_setup,
                                      [](int, std::span<const std::int32_t> data, std::size_t) {
                                        return std::transform_reduce(
                                            std::execution::par, data.begin(), data.end(),
                                            std::int64_t{0}, std::plus<>(), doubled);
                                      },
                                      {std::max(1U, std::thread::hardware_concurrency())});
  // The same with par_unseq: the library may also vectorise within each piece.
  parlab::bench::register_sum_doubled("std_par_unseq", parlab::bench::no_setup,
                                      [](int, std::span<const std::int32_t> data, std::size_t) {
                                        return std::transform_reduce(
                                            std::execution::par_unseq, data.begin(), data.end(),
                                            std::int64_t{0}, std::plus<>(), doubled);
                                      },
                                      {std::max(1U, std::thread::hardware_concurrency())});

  // The imbalanced loads: one task per item where the library allows it, so that the
  // library's own load balancing (not our chunking) is what is measured.
  parlab::bench::register_imbalanced("sequential", parlab::bench::no_setup,
                                     [](int, std::span<const std::uint32_t> costs, std::size_t) {
                                       std::uint64_t sum = 0;
                                       for (std::size_t i = 0; i < costs.size(); ++i) {
                                         sum += parlab::bench::item_work(costs, i);
                                       }
                                       return sum;
                                     },
                                     {1});
  parlab::bench::register_imbalanced("tbb", parlab::bench::make_tbb_arena,
                                     [](const std::shared_ptr<tbb::task_arena>& arena,
                                        std::span<const std::uint32_t> costs, std::size_t) {
                                       return parlab::bench::tbb_sum<std::uint64_t>(
                                           *arena, costs.size(), [&](std::size_t i) {
                                             return parlab::bench::item_work(costs, i);
                                           });
                                     });
  parlab::bench::register_imbalanced(
      "openmp_dynamic", parlab::bench::no_setup,
      [](int, std::span<const std::uint32_t> costs, std::size_t threads) {
        std::uint64_t sum = 0;
        const auto n = static_cast<std::ptrdiff_t>(costs.size());
#pragma omp parallel for reduction(+ : sum) num_threads(static_cast<int>(threads)) schedule(dynamic)
        for (std::ptrdiff_t i = 0; i < n; ++i) {
          sum += parlab::bench::item_work(costs, static_cast<std::size_t>(i));
        }
        return sum;
      });
  return true;
}();

}  // namespace

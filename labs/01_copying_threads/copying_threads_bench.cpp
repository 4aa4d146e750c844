// Lab 1 (copying threads): benchmark of copying::map_sum on the seed's workload, registered as
// sum_doubled/copying_threads/<n>/<threads> beside the peers of common/bench/peers_bench.cpp.
#include "common/bench/bench_support.hpp"
// Angle brackets on purpose: a quoted include would find the starter beside this file even
// when the solution flavour is being built; <> searches only the flavour's include path.
#include <copying_threads.hpp>

namespace {

[[maybe_unused]] const bool registered = [] {
  parlab::bench::register_sum_doubled(
      "copying_threads", parlab::bench::no_setup,
      [](int, std::span<const std::int32_t> data, std::size_t threads) {
        return parlab::copying::map_sum(data, threads, parlab::bench::doubled);
      });
  return true;
}();

}  // namespace

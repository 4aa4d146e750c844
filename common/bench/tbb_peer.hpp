// The oneTBB peer's pieces shared by the peer benchmarks: an arena built and warmed outside the
// timed loop, and a parallel_reduce sum over indices. Part of common/bench.
#pragma once

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_reduce.h>
#include <oneapi/tbb/task_arena.h>

#include <cstddef>
#include <functional>
#include <memory>

namespace parlab::bench {

/// A oneTBB arena of `threads` threads, its workers already started (benchmark setup).
inline std::shared_ptr<tbb::task_arena> make_tbb_arena(std::size_t threads) {
  auto arena = std::make_shared<tbb::task_arena>(static_cast<int>(threads));
  arena->initialize();
  return arena;
}

/// The sum of item(i) for i in [0, n), by oneTBB parallel_reduce (auto partitioner) in `arena`.
template <class Sum, class Item>
Sum tbb_sum(tbb::task_arena& arena, std::size_t n, Item item) {
  return arena.execute([&] {
    return tbb::parallel_reduce(
        tbb::blocked_range<std::size_t>(0, n), Sum{0},
        [&](const tbb::blocked_range<std::size_t>& range, Sum sum) {
          for (std::size_t i = range.begin(); i != range.end(); ++i) {
            sum += item(i);
          }
          return sum;
        },
        std::plus<>());
  });
}

}  // namespace parlab::bench

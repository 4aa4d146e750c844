// Lab 4, part D (work stealing): loops on top of join — parallel_for, parallel_reduce and map_sum.
// This is one of the student's files (with chase_lev_deque.hpp, scheduler.hpp and scheduler.cpp).
#pragma once

#include <cstddef>
#include <ranges>

#include "common/data.hpp"
#include "common/not_implemented.hpp"
#include "scheduler.hpp"

namespace parlab::steal {

/// Calls f(i) for every i in [first, last) in parallel on `scheduler`, halving the range with
/// join() until pieces hold at most `grain` indices. @throws std::invalid_argument if grain == 0;
/// what f throws.
template <class F>
void parallel_for(Scheduler& scheduler, std::size_t first, std::size_t last, std::size_t grain,
                  F f) {
  // TODO(lab 4, task D1): Checked by parallel_loops_test.cpp.
  (void)scheduler;
  (void)first;
  (void)last;
  (void)grain;
  (void)f;
  throw NotImplemented("lab 4, parallel_for in labs/04_work_stealing/parallel_loops.hpp");
}

/// Folds map(i) over [first, last) with the associative `reduce` and its `identity`, in
/// parallel by recursive halving; combines left before right. @throws std::invalid_argument if
/// grain == 0; what map or reduce throws.
template <class T, class Reduce, class Map>
T parallel_reduce(Scheduler& scheduler, std::size_t first, std::size_t last, std::size_t grain,
                  T identity, Reduce reduce, Map map) {
  // TODO(lab 4, task D2): Checked by parallel_loops_test.cpp.
  (void)scheduler;
  (void)first;
  (void)last;
  (void)grain;
  (void)identity;
  (void)reduce;
  (void)map;
  throw NotImplemented("lab 4, parallel_reduce in labs/04_work_stealing/parallel_loops.hpp");
}

/// Lab 1-3's map_sum on the scheduler: the sum of f over data (64-bit for integers). Say in
/// this comment what k means for you, now that the scheduler owns the threads.
/// @throws std::invalid_argument if k == 0.
template <std::ranges::contiguous_range Range, class F>
map_sum_result_t<Range, F> map_sum(Scheduler& scheduler, const Range& data, std::size_t k, F f) {
  // TODO(lab 4, task D3): Checked by parallel_loops_test.cpp.
  (void)scheduler;
  (void)data;
  (void)k;
  (void)f;
  throw NotImplemented("lab 4, map_sum in labs/04_work_stealing/parallel_loops.hpp");
}

}  // namespace parlab::steal

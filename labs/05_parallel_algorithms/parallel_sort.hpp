// Lab 5 (parallel algorithms): THE STUDENT'S FILE (one of two; par_iter.hpp is the other).
// A parallel sort on your lab 4 scheduler's join(): the capstone algorithm. Build it as the
// handout (README.md beside this file) describes in part E.
#pragma once

#include <algorithm>
#include <cstddef>
#include <functional>
#include <ranges>
#include <span>
#include <type_traits>

#include "common/not_implemented.hpp"
#include "scheduler.hpp"

namespace parlab::par {

using steal::Scheduler;

/// Inputs of at most this many elements are sorted inline on the caller with std::sort (or
/// std::stable_sort).
// TODO(lab 5, task E2): Measure where your parallel sort starts to beat std::sort and put it
//   here. The tests assume at least 1,000 (SortsSmallInputsInlineOnTheCaller).
inline constexpr std::size_t kSortSequentialThreshold = 0;

// TODO(lab 5, task E1): A parallel merge sort (or a sample sort) on join(): sort the two halves
//   in parallel, then merge them, also in parallel (split the longer run at its middle, find
//   where that element falls in the other run by binary search, merge the two halves with
//   join). A buffer of n elements that the levels alternate with avoids copying back.
//   Checked by every test of parallel_sort_test.cpp.

/// Sorts `range` into ascending order by `less`, in parallel on `scheduler`. Not stable.
template <std::ranges::contiguous_range Range, class Compare = std::ranges::less>
void parallel_sort(Scheduler& scheduler, Range&& range, Compare less = {}) {
  (void)scheduler;
  (void)range;
  (void)less;
  throw NotImplemented("lab 5, parallel_sort in labs/05_parallel_algorithms/parallel_sort.hpp");
}

/// parallel_sort on the calling worker's scheduler, or on steal::default_scheduler() off-pool.
template <std::ranges::contiguous_range Range, class Compare = std::ranges::less>
void parallel_sort(Range&& range, Compare less = {}) {
  (void)range;
  (void)less;
  throw NotImplemented("lab 5, parallel_sort in labs/05_parallel_algorithms/parallel_sort.hpp");
}

/// As parallel_sort, but stable: equal elements keep their input order.
template <std::ranges::contiguous_range Range, class Compare = std::ranges::less>
void parallel_stable_sort(Scheduler& scheduler, Range&& range, Compare less = {}) {
  (void)scheduler;
  (void)range;
  (void)less;
  throw NotImplemented(
      "lab 5, parallel_stable_sort in labs/05_parallel_algorithms/parallel_sort.hpp");
}

/// parallel_stable_sort on the calling worker's scheduler, or on steal::default_scheduler().
template <std::ranges::contiguous_range Range, class Compare = std::ranges::less>
void parallel_stable_sort(Range&& range, Compare less = {}) {
  (void)range;
  (void)less;
  throw NotImplemented(
      "lab 5, parallel_stable_sort in labs/05_parallel_algorithms/parallel_sort.hpp");
}

}  // namespace parlab::par

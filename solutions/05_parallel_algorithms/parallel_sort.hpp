// Lab 5 (parallel algorithms), reference solution: a parallel merge sort on the lab 4 scheduler's
// join(): both halves sort in parallel, then a parallel merge (split by binary search) combines
// them, ping-ponging between the input and one buffer so that no level copies back.
#pragma once

#include <algorithm>
#include <cstddef>
#include <functional>
#include <iterator>
#include <memory>
#include <ranges>
#include <span>
#include <type_traits>
#include <utility>

#include "scheduler.hpp"

namespace parlab::par {

using steal::Scheduler;

/// Inputs of at most this many elements are sorted inline on the caller with std::sort (or
/// std::stable_sort): below it, the fork and the merge passes cost more than the second core
/// saves (the sweep behind the number: docs/decisions.md, lab 5).
inline constexpr std::size_t kSortSequentialThreshold = 8'192;

namespace detail {

/// How one sort call cuts its work: leaves of at most `leaf` elements are sorted sequentially,
/// merges of at most `merge_grain` elements run sequentially.
template <class Compare>
struct SortPlan {
  Scheduler& scheduler;
  Compare& less;
  bool stable;
  std::size_t leaf;
  std::size_t merge_grain;  // at least 2, so that a split always shrinks both halves
};

/// Merges the sorted runs a[0, na) and b[0, nb) into out (moving elements), in parallel. Stable:
/// of equal elements, a's come first. Splits the longer run at its middle element and finds,
/// by binary search, where that element falls in the other run; the two halves merge in
/// parallel into disjoint parts of out.
template <class T, class Compare>
void merge_into(const SortPlan<Compare>& plan, T* a, std::size_t na, T* b, std::size_t nb, T* out) {
  if (na + nb <= plan.merge_grain) {
    std::merge(std::make_move_iterator(a), std::make_move_iterator(a + na),
               std::make_move_iterator(b), std::make_move_iterator(b + nb), out, plan.less);
    return;
  }
  std::size_t i = 0;
  std::size_t j = 0;
  if (na >= nb) {
    i = na / 2;  // b's elements strictly less than a[i] go before it; equal ones after
    j = static_cast<std::size_t>(std::lower_bound(b, b + nb, a[i], plan.less) - b);
  } else {
    j = nb / 2;  // a's elements not greater than b[j] go before it (a first on ties)
    i = static_cast<std::size_t>(std::upper_bound(a, a + na, b[j], plan.less) - a);
  }
  plan.scheduler.join([&] { merge_into(plan, a, i, b, j, out); },
                      [&] { merge_into(plan, a + i, na - i, b + j, nb - j, out + i + j); });
}

/// Sorts src[0, n). The sorted result ends in src if !into_buffer, else in buffer[0, n). The
/// halves sort into the other array, so each level's merge moves the data once, and no level
/// copies back.
template <class T, class Compare>
void sort_into(const SortPlan<Compare>& plan, T* src, T* buffer, std::size_t n, bool into_buffer) {
  if (n <= plan.leaf) {
    if (plan.stable) {
      std::stable_sort(src, src + n, plan.less);
    } else {
      std::sort(src, src + n, plan.less);
    }
    if (into_buffer) {
      std::move(src, src + n, buffer);
    }
    return;
  }
  const std::size_t middle = n / 2;
  plan.scheduler.join(
      [&] { sort_into(plan, src, buffer, middle, !into_buffer); },
      [&] { sort_into(plan, src + middle, buffer + middle, n - middle, !into_buffer); });
  T* const from = into_buffer ? src : buffer;  // where the children left their sorted halves
  T* const to = into_buffer ? buffer : src;
  merge_into(plan, from, middle, from + middle, n - middle, to);
}

template <class T, class Compare>
void sort_sequentially(std::span<T> data, Compare& less, bool stable) {
  if (stable) {
    std::stable_sort(data.begin(), data.end(), less);
  } else {
    std::sort(data.begin(), data.end(), less);
  }
}

template <class T, class Compare>
void sort_span(Scheduler* scheduler, std::span<T> data, Compare& less, bool stable) {
  const std::size_t n = data.size();
  if (n <= kSortSequentialThreshold) {
    sort_sequentially(data, less, stable);
    return;
  }
  if (scheduler == nullptr) {
    scheduler = Scheduler::current();
  }
  if (scheduler == nullptr) {
    scheduler = &steal::default_scheduler();
  }
  if (scheduler->size() == 1 && Scheduler::current() != scheduler) {
    // One worker sorts no faster than the caller, and a merge sort on one thread is slower
    // than std::sort: the caller does it directly.
    sort_sequentially(data, less, stable);
    return;
  }
  // Eight leaves per worker: enough for stealing to even out leaves that sort at different
  // speeds, few enough that most merge levels stay large and sequential-friendly.
  const std::size_t pieces = 8 * scheduler->size();
  const std::size_t leaf = std::max<std::size_t>(n / pieces, 2'048);
  const SortPlan<Compare> plan{*scheduler, less, stable, leaf, std::max<std::size_t>(leaf, 4'096)};
  // for_overwrite: no zero-fill pass; each slot is first written by a leaf or a merge.
  auto buffer = std::make_unique_for_overwrite<T[]>(n);
  scheduler->run([&] { sort_into(plan, data.data(), buffer.get(), n, false); });
}

}  // namespace detail

/// Sorts `range` (a contiguous range, e.g. a std::vector) into ascending order by `less`, in
/// parallel on `scheduler`: a merge sort whose halves sort, and whose merges run, in parallel
/// through join(). Not stable (leaves use std::sort); see parallel_stable_sort.
///
/// Inputs of at most kSortSequentialThreshold elements are sorted inline with std::sort, and so
/// is any input when the caller is outside a 1-worker scheduler. Larger ones allocate one buffer
/// of n elements. Nested use (from a task of the scheduler) is fine.
/// @pre less is a strict weak ordering that may be called concurrently; the element type is
///      default-constructible and movable.
/// @throws std::bad_alloc if the buffer cannot be allocated; whatever `less` or a move throws,
///         after every started task has finished (the range then holds an unspecified
///         arrangement, possibly with moved-from elements).
///
/// Example: `parallel_sort(scheduler, values, std::greater<>());` sorts in descending order.
template <std::ranges::contiguous_range Range, class Compare = std::ranges::less>
void parallel_sort(Scheduler& scheduler, Range&& range, Compare less = {}) {
  using T = std::remove_reference_t<std::ranges::range_reference_t<Range>>;
  detail::sort_span(&scheduler, std::span<T>(std::ranges::data(range), std::ranges::size(range)),
                    less, false);
}

/// parallel_sort on the calling worker's scheduler, or on steal::default_scheduler() off-pool.
template <std::ranges::contiguous_range Range, class Compare = std::ranges::less>
void parallel_sort(Range&& range, Compare less = {}) {
  using T = std::remove_reference_t<std::ranges::range_reference_t<Range>>;
  detail::sort_span<T>(nullptr, std::span<T>(std::ranges::data(range), std::ranges::size(range)),
                       less, false);
}

/// As parallel_sort, but stable: equal elements keep their input order (leaves use
/// std::stable_sort and merges take the left run's element on ties).
template <std::ranges::contiguous_range Range, class Compare = std::ranges::less>
void parallel_stable_sort(Scheduler& scheduler, Range&& range, Compare less = {}) {
  using T = std::remove_reference_t<std::ranges::range_reference_t<Range>>;
  detail::sort_span(&scheduler, std::span<T>(std::ranges::data(range), std::ranges::size(range)),
                    less, true);
}

/// parallel_stable_sort on the calling worker's scheduler, or on steal::default_scheduler().
template <std::ranges::contiguous_range Range, class Compare = std::ranges::less>
void parallel_stable_sort(Range&& range, Compare less = {}) {
  using T = std::remove_reference_t<std::ranges::range_reference_t<Range>>;
  detail::sort_span<T>(nullptr, std::span<T>(std::ranges::data(range), std::ranges::size(range)),
                       less, true);
}

}  // namespace parlab::par

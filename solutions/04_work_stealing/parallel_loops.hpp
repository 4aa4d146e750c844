// Lab 4, part D (work stealing), reference solution: loops on top of join — parallel_for and
// parallel_reduce by recursive halving, and the map_sum of labs 1-3 on top of parallel_reduce.
#pragma once

#include <algorithm>
#include <cstddef>
#include <functional>
#include <iterator>
#include <ranges>
#include <stdexcept>
#include <string>
#include <utility>

#include "common/cache_line_cut.hpp"
#include "common/data.hpp"
#include "scheduler.hpp"

namespace parlab::steal {

namespace detail {

template <class F>
void for_range(Scheduler& scheduler, std::size_t first, std::size_t last, std::size_t grain, F& f) {
  // Halve until a piece is at most `grain` long. The left half runs here, the right half is
  // offered to thieves: a thief takes the oldest, i.e. the biggest, piece left.
  if (last - first > grain) {
    const std::size_t middle = first + (last - first) / 2;
    scheduler.join([&] { for_range(scheduler, first, middle, grain, f); },
                   [&] { for_range(scheduler, middle, last, grain, f); });
    return;
  }
  for (std::size_t i = first; i != last; ++i) {
    f(i);
  }
}

template <class T, class Reduce, class Map>
T reduce_range(Scheduler& scheduler, std::size_t first, std::size_t last, std::size_t grain,
               const T& identity, Reduce& reduce, Map& map, const CacheLineCut& cut = {}) {
  if (last - first > grain) {
    const std::size_t middle = cut(first, last);
    auto [left, right] = scheduler.join(
        [&] { return reduce_range(scheduler, first, middle, grain, identity, reduce, map, cut); },
        [&] { return reduce_range(scheduler, middle, last, grain, identity, reduce, map, cut); });
    return reduce(std::move(left), std::move(right));
  }
  T accumulator = identity;
  std::size_t i = first;
  // A leaf that starts inside a line (only the first can, when the data does) folds up to the
  // next line first, so that the main loop's loads start on a line.
  for (const std::size_t start = std::min(cut.boundary(first), last); i != start; ++i) {
    accumulator = reduce(std::move(accumulator), map(i));
  }
  for (; i != last; ++i) {
    accumulator = reduce(std::move(accumulator), map(i));
  }
  return accumulator;
}

inline void check_grain(std::size_t grain, const char* who) {
  if (grain == 0) {
    throw std::invalid_argument(std::string(who) + ": grain must be at least 1");
  }
}

}  // namespace detail

/// Calls f(i) for every i in [first, last), in parallel on `scheduler`, and returns when all
/// calls have finished. The range is halved recursively with join() until pieces hold at most
/// `grain` indices; each piece runs its indices in order on one worker.
///
/// Nested use is fine: f may itself call parallel_for (on a worker it runs inline, no deadlock).
/// @pre f may be called concurrently from several threads (it is shared, not copied per call).
/// @throws std::invalid_argument if grain == 0; otherwise the first exception (by join's rule:
///         the left half's wins) thrown by f, after every started call has finished. Indices in
///         pieces that have not started when an exception is thrown may be skipped.
///
/// Example: `parallel_for(scheduler, 0, v.size(), 1024, [&](std::size_t i) { v[i] *= 2; });`
template <class F>
void parallel_for(Scheduler& scheduler, std::size_t first, std::size_t last, std::size_t grain,
                  F f) {
  detail::check_grain(grain, "steal::parallel_for");
  if (first >= last) {
    return;
  }
  scheduler.run([&] { detail::for_range(scheduler, first, last, grain, f); });
}

/// Returns reduce(... reduce(reduce(identity, map(first)), map(first + 1)) ..., map(last - 1)),
/// computed in parallel on `scheduler` by recursive halving (pieces of at most `grain` indices,
/// each folded from `identity`, then combined pairwise, left before right).
///
/// @pre reduce is associative and `identity` is its identity element (the grouping varies with
///      n and grain, never the order: commutativity is not needed). map and reduce may be called
///      concurrently. An empty range returns identity.
/// @throws std::invalid_argument if grain == 0; otherwise what map or reduce throws (join's rule).
///
/// Example: `parallel_reduce(scheduler, 0, n, 4096, 0LL, std::plus<>(), [&](std::size_t i) {
///   return 2LL * data[i]; })`
template <class T, class Reduce, class Map>
T parallel_reduce(Scheduler& scheduler, std::size_t first, std::size_t last, std::size_t grain,
                  T identity, Reduce reduce, Map map) {
  detail::check_grain(grain, "steal::parallel_reduce");
  if (first >= last) {
    return identity;
  }
  return scheduler.run(
      [&] { return detail::reduce_range(scheduler, first, last, grain, identity, reduce, map); });
}

/// Lab 1-3's API on the work-stealing scheduler: maps every element of `data` with f and returns
/// the sum (64-bit for integer results), by parallel_reduce's recursive halving on `scheduler`.
///
/// What k means here: in labs 1-3, k was the number of threads. Here the scheduler owns the
/// threads, so k only sets how finely the input is cut: into about 8k leaves (grain =
/// max(1, n / (8k))), eight per planned thread so that stealing can even out uneven progress.
/// k > n is fine (leaves of one element). Unlike parallel_reduce, which only sees indices,
/// map_sum knows where the elements are, so it cuts on cache-line boundaries when leaves span
/// several lines (see parlab::CacheLineCut).
/// @pre f may be called concurrently.
/// @throws std::invalid_argument if k == 0; what f throws (join's rule).
template <std::ranges::contiguous_range Range, class F>
map_sum_result_t<Range, F> map_sum(Scheduler& scheduler, const Range& data, std::size_t k, F f) {
  using Sum = map_sum_result_t<Range, F>;
  if (k == 0) {
    throw std::invalid_argument("steal::map_sum: k must be at least 1");
  }
  const auto* elements = std::ranges::data(data);
  const std::size_t n = std::ranges::size(data);
  if (n == 0) {
    return Sum{};
  }
  const std::size_t grain = std::max<std::size_t>(1, n / k / 8);
  // Leaves of several cache lines are cut on line boundaries (see CacheLineCut). That moves each
  // cut by up to half a line, so a leaf may be up to a line longer than `grain`: without that
  // allowance, pieces a few elements over it would be cut once more, doubling the leaves.
  const CacheLineCut cut = cut_at_cache_lines(elements).for_pieces_of(grain);
  const std::size_t leaf_at_most = grain + (cut.step > 1 ? cut.step : 0);
  std::plus<Sum> plus;
  auto map = [&](std::size_t i) { return static_cast<Sum>(f(elements[i])); };
  return scheduler.run(
      [&] { return detail::reduce_range(scheduler, 0, n, leaf_at_most, Sum{}, plus, map, cut); });
}

}  // namespace parlab::steal

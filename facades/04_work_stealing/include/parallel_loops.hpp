// The reference of lab 4 (work stealing) as a later lab sees it: of lab 4's parallel_loops.hpp,
// only the cache-line cut that lab 5's reference shares with lab 4's map_sum. parallel_for,
// parallel_reduce and map_sum are lab 4's own (part D): a later lab builds on join() instead.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/cache_line.hpp"
#include "scheduler.hpp"

namespace parlab::steal {
inline namespace prebuilt {
namespace detail {

/// Where a range is cut in two: its middle, or, given where the cache lines of the data begin
/// (every `step` indices, starting at index `phase`), the nearest line boundary.
struct Cut {
  std::size_t step = 1;   // indices per cache line; 1: cut at the exact middle
  std::size_t phase = 0;  // an index whose element starts a line, modulo step (< step)

  [[nodiscard]] std::size_t operator()(std::size_t first, std::size_t last) const noexcept {
    const std::size_t middle = first + (last - first) / 2;
    const std::size_t below = middle - (middle + step - phase) % step;
    const std::size_t nearest = middle - below <= step / 2 ? below : below + step;
    return nearest > first && nearest < last ? nearest : middle;
  }
  /// The first index at or after `first` whose element starts a cache line.
  [[nodiscard]] std::size_t boundary(std::size_t first) const noexcept {
    return first + (step - (first + step - phase) % step) % step;
  }
  /// This cut for pieces of about `length` elements if they span at least 4 lines, else the
  /// plain middle.
  [[nodiscard]] Cut for_pieces_of(std::size_t length) const noexcept {
    return length >= 4 * step ? *this : Cut{};
  }
};

/// The Cut for data at `elements`: cache-line boundaries where a line holds whole elements and
/// the data is aligned to its element size, else the plain middle.
template <class E>
Cut cut_at_cache_lines(const E* elements) noexcept {
  const auto address = reinterpret_cast<std::uintptr_t>(elements);
  if (kCacheLineSize % sizeof(E) != 0 || address % sizeof(E) != 0) {
    return {};
  }
  const std::size_t into_line = address % kCacheLineSize;
  return {kCacheLineSize / sizeof(E), (kCacheLineSize - into_line) % kCacheLineSize / sizeof(E)};
}

}  // namespace detail
}  // namespace prebuilt
}  // namespace parlab::steal

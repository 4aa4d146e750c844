// Where to cut an index range over contiguous data so that pieces start on cache lines. Part of
// common/: lab 4's map_sum and lab 5's par_iter use it; neither handout asks students to write it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/cache_line.hpp"

namespace parlab {

/// Cut points for a range of indices into data whose cache lines begin every `step` indices,
/// starting at index `phase`. Rule: a piece that spans several lines starts on a line
/// boundary, because a vectorised loop whose loads each straddle two lines runs slower.
/// The default value (step 1) cuts at the exact middle: no line is known.
struct CacheLineCut {
  std::size_t step = 1;   ///< indices per cache line; 1: cut at the exact middle
  std::size_t phase = 0;  ///< an index whose element starts a line, modulo step (< step)

  /// Where to cut [first, last) (last - first >= 2) in two: the line boundary nearest to the
  /// middle, or the middle itself when that boundary would leave a side empty.
  [[nodiscard]] constexpr std::size_t operator()(std::size_t first,
                                                 std::size_t last) const noexcept {
    const std::size_t middle = first + (last - first) / 2;
    const std::size_t below = middle - (middle + step - phase) % step;
    const std::size_t nearest = middle - below <= step / 2 ? below : below + step;
    return nearest > first && nearest < last ? nearest : middle;
  }
  /// The first index at or after `first` whose element starts a cache line.
  [[nodiscard]] constexpr std::size_t boundary(std::size_t first) const noexcept {
    return first + (step - (first + step - phase) % step) % step;
  }
  /// This cut for pieces of about `length` indices if they span at least 4 lines, else the
  /// plain middle: moving a cut by up to half a line only matters little to longer pieces.
  [[nodiscard]] constexpr CacheLineCut for_pieces_of(std::size_t length) const noexcept {
    return length >= 4 * step ? *this : CacheLineCut{};
  }
};

/// The CacheLineCut for data at `elements`: line boundaries where a line holds whole elements
/// and the data is aligned to its element size, else the plain middle.
template <class E>
[[nodiscard]] CacheLineCut cut_at_cache_lines(const E* elements) noexcept {
  const auto address = reinterpret_cast<std::uintptr_t>(elements);
  if (kCacheLineSize % sizeof(E) != 0 || address % sizeof(E) != 0) {
    return {};
  }
  const std::size_t into_line = address % kCacheLineSize;
  return {kCacheLineSize / sizeof(E), (kCacheLineSize - into_line) % kCacheLineSize / sizeof(E)};
}

}  // namespace parlab

// Unit tests for common/cache_line_cut.hpp: where cuts fall over aligned and unaligned data.
#include "common/cache_line_cut.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/cache_line.hpp"

namespace parlab {
namespace {

constexpr std::size_t kIntsPerLine = kCacheLineSize / sizeof(std::int32_t);

TEST(CacheLineCut, WithoutLinesCutsAtTheExactMiddle) {
  const CacheLineCut plain;
  EXPECT_EQ(plain(0, 10), 5U) << "no line known: the cut is the middle";
  EXPECT_EQ(plain(3, 4), 3U);
  EXPECT_EQ(plain.boundary(7), 7U) << "no line known: every index is a boundary";
}

TEST(CacheLineCut, MovesTheCutToTheNearestLineBoundary) {
  const CacheLineCut lines{16, 3};  // lines begin at 3, 19, 35, ...
  EXPECT_EQ(lines(0, 100), 51U) << "middle 50, boundaries 35 and 51: the nearer one, 51";
  EXPECT_EQ(lines(0, 60), 35U) << "middle 30, boundaries 19 and 35: the nearer one, 35";
  EXPECT_EQ(lines.boundary(4), 19U);
  EXPECT_EQ(lines.boundary(19), 19U);
}

TEST(CacheLineCut, FallsBackToTheMiddleWhenABoundaryWouldLeaveASideEmpty) {
  const CacheLineCut lines{16, 0};
  EXPECT_EQ(lines(1, 9), 5U) << "[1, 9) holds no boundary but 0 and 16: cut at the middle";
}

TEST(CacheLineCut, MovesCutsOnlyForPiecesOfAtLeastFourLines) {
  const CacheLineCut lines{16, 3};
  EXPECT_EQ(lines.for_pieces_of(64).step, 16U) << "4 lines: cuts move to boundaries";
  EXPECT_EQ(lines.for_pieces_of(63).step, 1U) << "under 4 lines: the plain middle";
}

TEST(CacheLineCut, FindsTheLinesOfIntsAtAnyOffset) {
  alignas(kCacheLineSize) static std::int32_t data[4 * kIntsPerLine] = {};
  for (std::size_t offset = 0; offset < kIntsPerLine; ++offset) {
    const CacheLineCut cut = cut_at_cache_lines(data + offset);
    EXPECT_EQ(cut.step, kIntsPerLine);
    const auto address = reinterpret_cast<std::uintptr_t>(data + offset + cut.phase);
    EXPECT_EQ(address % kCacheLineSize, 0U)
        << "offset " << offset << ": index " << cut.phase << " should start a line";
  }
}

TEST(CacheLineCut, GivesThePlainMiddleForElementsThatDoNotTileALine) {
  struct Odd {
    char bytes[24];
  };
  const std::vector<Odd> odd(8);
  EXPECT_EQ(cut_at_cache_lines(odd.data()).step, 1U)
      << "a 24-byte element does not divide a line: no line boundaries to cut at";
}

}  // namespace
}  // namespace parlab

// Unit tests for common/data.hpp: the seed data, random data and even chunking.
#include "common/data.hpp"

#include <gtest/gtest.h>

#include <numeric>
#include <stdexcept>

namespace parlab {
namespace {

TEST(SeedData, HoldsZeroToNMinusOneInOrder) {
  const auto data = seed_data(5);
  EXPECT_EQ(data, (std::vector<std::int32_t>{0, 1, 2, 3, 4}));
  EXPECT_TRUE(seed_data(0).empty());
}

TEST(SeedData, SumOfDoubledMillionNeedsSixtyFourBits) {
  EXPECT_EQ(seed_sum_doubled(1'000'000), 999'999'000'000LL)
      << "the seed's answer; a 32-bit sum would wrap around";
  const auto data = seed_data(1'000);
  const auto sum =
      std::accumulate(data.begin(), data.end(), std::int64_t{0},
                      [](std::int64_t s, std::int32_t x) { return s + 2 * std::int64_t{x}; });
  EXPECT_EQ(seed_sum_doubled(1'000), sum);
  EXPECT_EQ(seed_sum_doubled(0), 0);
  EXPECT_EQ(seed_sum_doubled(1), 0);
}

TEST(SeedData, RejectsSizesItCannotRepresent) {
  EXPECT_THROW(seed_sum_doubled(std::size_t{1} << 40), std::overflow_error);
}

TEST(RandomData, IsReproducibleAndInRange) {
  const auto a = random_data(10'000, 42, -5, 5);
  EXPECT_EQ(a, random_data(10'000, 42, -5, 5));
  EXPECT_NE(a, random_data(10'000, 43, -5, 5));
  for (const auto x : a) {
    ASSERT_GE(x, -5);
    ASSERT_LE(x, 5);
  }
  EXPECT_THROW(random_data(1, 0, 3, 2), std::invalid_argument);
}

TEST(EvenChunk, TilesTheRangeWithSizesDifferingByAtMostOne) {
  for (std::size_t n : {0, 1, 7, 10, 1001}) {
    for (std::size_t k : {1, 2, 3, 4, 8, 13}) {
      std::size_t expected_begin = 0;
      std::size_t smallest = n;
      std::size_t largest = 0;
      for (std::size_t i = 0; i < k; ++i) {
        const ChunkRange chunk = even_chunk(n, k, i);
        EXPECT_EQ(chunk.begin, expected_begin) << "n=" << n << " k=" << k << " i=" << i;
        expected_begin = chunk.end;
        smallest = std::min(smallest, chunk.size());
        largest = std::max(largest, chunk.size());
      }
      EXPECT_EQ(expected_begin, n) << "chunks must end at n; n=" << n << " k=" << k;
      EXPECT_LE(largest - smallest, 1U) << "n=" << n << " k=" << k;
    }
  }
}

TEST(EvenChunk, RejectsZeroChunksAndIndicesOutOfRange) {
  EXPECT_THROW(even_chunk(10, 0, 0), std::invalid_argument);
  EXPECT_THROW(even_chunk(10, 2, 2), std::invalid_argument);
}

TEST(SumType, AccumulatesIntegersInSixtyFourBits) {
  static_assert(std::is_same_v<sum_type_t<std::int32_t>, std::int64_t>);
  static_assert(std::is_same_v<sum_type_t<std::uint16_t>, std::uint64_t>);
  static_assert(std::is_same_v<sum_type_t<double>, double>);
  SUCCEED();
}

}  // namespace
}  // namespace parlab

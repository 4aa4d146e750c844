// Input data for every lab: the blog post's seed data, seeded random data, and even chunking.
// Part of common/, shared by labs 1-5, their tests and their benchmarks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <ranges>
#include <span>
#include <type_traits>
#include <vector>

namespace parlab {

/// The seed's input: the integers 0, 1, ..., n-1 as int32_t.
/// @throws std::invalid_argument if n - 1 does not fit in int32_t.
std::vector<std::int32_t> seed_data(std::size_t n);

/// The exact result of the seed's workload, the sum of 2*x over seed_data(n): n*(n-1).
/// For n = 1,000,000 that is 999,999,000,000, which overflows a 32-bit sum.
/// @throws std::overflow_error if the result does not fit in int64_t.
std::int64_t seed_sum_doubled(std::size_t n);

/// n integers drawn uniformly from [low, high] by a generator seeded with `seed`:
/// the same arguments give the same data on every machine.
/// @throws std::invalid_argument if low > high.
std::vector<std::int32_t> random_data(std::size_t n, std::uint64_t seed, std::int32_t low = -1000,
                                      std::int32_t high = 1000);

/// Half-open index range [begin, end) of one chunk.
struct ChunkRange {
  std::size_t begin = 0;  ///< first index of the chunk
  std::size_t end = 0;    ///< one past the last index
  /// The number of indices in the chunk.
  [[nodiscard]] std::size_t size() const { return end - begin; }
  friend bool operator==(const ChunkRange&, const ChunkRange&) = default;
};

/// Chunk `index` of [0, n) split into `chunks` contiguous pieces whose sizes differ by at most
/// one; the first n % chunks pieces are the longer ones. Chunks 0..chunks-1 tile [0, n) in order.
/// @throws std::invalid_argument if chunks == 0 or index >= chunks.
ChunkRange even_chunk(std::size_t n, std::size_t chunks, std::size_t index);

/// The type a map-and-sum accumulates `R` in: 64-bit for integers (so the seed's sum cannot
/// overflow where a 32-bit one does), R itself otherwise (floating point, user types).
template <class R>
using sum_type_t =
    std::conditional_t<std::is_integral_v<R> && !std::is_same_v<R, bool>,
                       std::conditional_t<std::is_signed_v<R>, std::int64_t, std::uint64_t>, R>;

/// The result type of map_sum(data, k, f) in every lab: f's result over data's elements,
/// accumulated in sum_type_t.
template <class Range, class F>
using map_sum_result_t =
    sum_type_t<std::invoke_result_t<F&, const std::ranges::range_value_t<Range>&>>;

}  // namespace parlab

// Input data for every lab (see data.hpp). Part of common/.
#include "common/data.hpp"

#include <algorithm>
#include <limits>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>

namespace parlab {

std::vector<std::int32_t> seed_data(std::size_t n) {
  if (n > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()) + 1) {
    throw std::invalid_argument("seed_data: n = " + std::to_string(n) +
                                " does not fit the int32_t values 0 .. n-1");
  }
  std::vector<std::int32_t> data(n);
  std::iota(data.begin(), data.end(), 0);
  return data;
}

std::int64_t seed_sum_doubled(std::size_t n) {
  if (n == 0) {
    return 0;
  }
  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  const auto n64 = static_cast<std::uint64_t>(n);
  if (n64 - 1 > kMax / n64) {
    throw std::overflow_error("seed_sum_doubled: n = " + std::to_string(n) + " overflows int64_t");
  }
  return static_cast<std::int64_t>(n64 * (n64 - 1));
}

std::vector<std::int32_t> random_data(std::size_t n, std::uint64_t seed, std::int32_t low,
                                      std::int32_t high) {
  if (low > high) {
    throw std::invalid_argument("random_data: low (" + std::to_string(low) +
                                ") must not exceed high (" + std::to_string(high) + ")");
  }
  // mt19937_64's output sequence is fixed by the standard; the mapping to [low, high] is our own
  // (std::uniform_int_distribution differs between standard libraries), so data is portable.
  std::mt19937_64 generator(seed);
  const auto span = static_cast<std::uint64_t>(static_cast<std::int64_t>(high) - low) + 1;
  std::vector<std::int32_t> data(n);
  for (auto& x : data) {
    x = static_cast<std::int32_t>(low + static_cast<std::int64_t>(generator() % span));
  }
  return data;
}

ChunkRange even_chunk(std::size_t n, std::size_t chunks, std::size_t index) {
  if (chunks == 0) {
    throw std::invalid_argument("even_chunk: the number of chunks must be at least 1");
  }
  if (index >= chunks) {
    throw std::invalid_argument("even_chunk: index " + std::to_string(index) +
                                " is not below the number of chunks " + std::to_string(chunks));
  }
  const std::size_t base = n / chunks;
  const std::size_t longer = n % chunks;  // the first `longer` chunks get one extra element
  const std::size_t begin = index * base + std::min(index, longer);
  return {begin, begin + base + (index < longer ? 1 : 0)};
}

}  // namespace parlab

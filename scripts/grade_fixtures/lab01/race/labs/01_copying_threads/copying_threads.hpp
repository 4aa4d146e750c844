// Grader test fixture (scripts/grade_fixtures/lab01/race): a data race on a shared total (the sum
// is usually right, so plain tests pass; ThreadSanitizer sees the race).
// The lab 1 reference with one deliberate bug; scripts/lib/grade_selftest.sh grades it.
#pragma once

#include <algorithm>
#include <cstddef>
#include <exception>
#include <iterator>
#include <numeric>
#include <ranges>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include "common/data.hpp"

namespace parlab::copying {

/// Maps every element of `data` with `f` and returns the sum of the results, computed by
/// min(k, n) newly created threads. Thread i receives its own std::vector copy of chunk i of an
/// even split (parlab::even_chunk: contiguous, sizes differ by at most one); the caller joins
/// every thread and adds the partial sums in chunk order. Integer results are summed in 64 bits.
///
/// Costs, on purpose: n element copies and min(k, n) thread creations per call. Labs 2 and 3
/// remove them.
///
/// @pre `f` is copyable and may be called concurrently on distinct elements (each thread calls
///      its own copy).
/// @throws std::invalid_argument if k == 0.
/// @throws whatever `f` throws: every started thread is joined first, then the exception of the
///         lowest-numbered failing chunk is rethrown. Thread creation failures
///         (std::system_error) are rethrown the same way.
/// @note Empty input returns a value-initialised sum and creates no thread.
///
/// Example: `map_sum(seed_data(1'000'000), 4, [](std::int32_t x) { return 2 * std::int64_t{x}; })`
/// returns 999'999'000'000.
template <std::ranges::contiguous_range Range, class F>
map_sum_result_t<Range, F> map_sum(const Range& data, std::size_t k, F f) {
  using T = std::ranges::range_value_t<Range>;
  using Sum = map_sum_result_t<Range, F>;
  if (k == 0) {
    throw std::invalid_argument("copying::map_sum: k, the number of threads, must be at least 1");
  }
  const auto first = std::ranges::begin(data);
  const std::size_t n = std::ranges::size(data);
  const std::size_t threads = std::min(k, n);

  std::vector<Sum> partial(threads, Sum{});
  std::vector<std::exception_ptr> errors(threads);
  std::vector<std::thread> workers;
  Sum total{};
  workers.reserve(threads);
  try {
    for (std::size_t i = 0; i < threads; ++i) {
      const ChunkRange range = even_chunk(n, threads, i);
      // The copy this lab is about: the blog post's chunk.to_vec().
      std::vector<T> chunk(first + static_cast<std::ptrdiff_t>(range.begin),
                           first + static_cast<std::ptrdiff_t>(range.end));
      // Moving the vector into the lambda (and the lambda into the thread) moves no element.
      workers.emplace_back([chunk = std::move(chunk), f, &total, &sum = partial[i],
                            &error = errors[i]] {
        try {
          Sum local{};
          for (const T& x : chunk) {
            local += f(x);
          }
          sum = local;
          total += local;  // BUG (deliberate): unsynchronised read-modify-write from every worker
        } catch (...) {
          error = std::current_exception();  // an exception escaping a thread would terminate
        }
      });
    }
  } catch (...) {
    // Copying a chunk or creating a thread failed: a joinable std::thread must not be destroyed.
    for (auto& worker : workers) {
      worker.join();
    }
    throw;
  }
  // join() also makes each thread's writes to partial[i] and errors[i] visible here.
  for (auto& worker : workers) {
    worker.join();
  }
  for (const auto& error : errors) {
    if (error) {
      std::rethrow_exception(error);
    }
  }
  return total;  // usually right, since each worker adds once: a data race all the same
}

}  // namespace parlab::copying

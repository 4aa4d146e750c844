// Lab 2 (zero-copy threads), reference solution: still one new thread per chunk, but each thread
// reads its chunk through a std::span into the caller's buffer (no element is copied), writes
// its partial sum once into a slot of its own cache line, and failures come home as exceptions.
#pragma once

#include <algorithm>
#include <cstddef>
#include <exception>
#include <ranges>
#include <span>
#include <stdexcept>
#include <thread>
#include <vector>

#include "common/cache_line.hpp"
#include "common/data.hpp"

namespace parlab::zero_copy {

/// Splits `data` into min(k, n) contiguous chunks of an even split (parlab::even_chunk: sizes
/// differ by at most one, the longer ones first) and runs `body(chunk, index)` for every chunk,
/// each on its own newly created std::jthread; returns once every thread has been joined.
/// `chunk` is a std::span<T> into `data` itself (no element is copied), so the chunks tile
/// `data` exactly once, in index order; with a span of non-const T the body may write through
/// it. The calling thread only starts, joins and rethrows: it never runs `body`.
///
/// @pre  `body` is copyable and callable as `body(std::span<T>, std::size_t)`. Each thread calls
///       its own copy, so the copies run concurrently: anything they share by reference must be
///       safe to use from several threads (distinct chunks, distinct result slots, atomics).
/// @throws std::invalid_argument if k == 0 (checked first, even for empty input).
/// @throws whatever `body` throws, after every thread has been joined. When several chunks
///         throw, the exception of the lowest-numbered chunk is rethrown and the others are
///         dropped: the choice depends on the input only, never on timing. The other chunks are
///         not cancelled; they run to the end.
/// @throws std::system_error (or std::bad_alloc) if a thread cannot be created; the threads
///         already started are joined first, and their exceptions are dropped.
/// @note Empty `data` creates no thread and never calls `body`.
/// Thread safety: reentrant; concurrent calls share nothing but what `body` shares.
///
/// Example, doubling a vector in place with 4 threads:
/// @code
///   std::vector<int> v = ...;
///   for_each_chunk(std::span<int>(v), 4, [](std::span<int> chunk, std::size_t) {
///     for (int& x : chunk) x *= 2;
///   });
/// @endcode
template <class T, class Body>
void for_each_chunk(std::span<T> data, std::size_t k, Body body) {
  if (k == 0) {
    throw std::invalid_argument(
        "zero_copy::for_each_chunk: k, the number of threads, must be at least 1");
  }
  const std::size_t n = data.size();
  const std::size_t chunks = std::min(k, n);

  // Declared before `workers`, hence destroyed after them: it outlives every thread that
  // writes into it. Slot i is written by thread i only.
  std::vector<std::exception_ptr> errors(chunks);
  {
    std::vector<std::jthread> workers;
    workers.reserve(chunks);
    for (std::size_t i = 0; i < chunks; ++i) {
      const ChunkRange range = even_chunk(n, chunks, i);
      // A span is a pointer and a length: capturing it copies no element.
      workers.emplace_back(
          [body, chunk = data.subspan(range.begin, range.size()), i, &error = errors[i]]() mutable {
            try {
              body(chunk, i);
            } catch (...) {
              error = std::current_exception();  // an exception escaping a thread terminates
            }
          });
    }
    // Leaving this scope destroys `workers`, and ~jthread joins. That happens on the normal
    // path and equally when emplace_back threw above (thread creation failed, or copying
    // `body` did), so no joinable thread is ever destroyed and std::terminate is never called.
  }
  // Each join() synchronises with the end of its thread: every errors[i] written by thread i,
  // and everything `body` wrote, is visible here.
  for (const std::exception_ptr& error : errors) {
    if (error) {
      std::rethrow_exception(error);  // the lowest-numbered failing chunk wins
    }
  }
}

/// Maps every element of `data` with `f` and returns the sum of the results, computed by
/// min(k, n) newly created threads (for_each_chunk). Each thread reads its chunk in place,
/// through a span: no element is copied or moved. It sums into a local variable and writes the
/// result once, into a slot of its own cache line (parlab::CacheAligned), so no two threads
/// ever write to the same cache line. The caller adds the partial sums in chunk order. Integer
/// results are summed in 64 bits (map_sum_result_t).
///
/// Same chunks and the same order of additions as copying::map_sum (lab 1), so the two return
/// identical results for every input, floating point included.
///
/// @pre  `f` is copyable and may be called concurrently on distinct elements (each thread calls
///       its own copy). `f` receives `const T&` referring into `data`.
/// @throws std::invalid_argument if k == 0.
/// @throws whatever `f` throws, after every thread has been joined; when several chunks throw,
///         the exception of the lowest-numbered one (see for_each_chunk).
/// @note Empty input returns a value-initialised sum and creates no thread.
/// Thread safety: reentrant; `data` must not be modified while the call runs.
///
/// Example: `map_sum(seed_data(1'000'000), 4, [](std::int32_t x) { return 2 * std::int64_t{x}; })`
/// returns 999'999'000'000.
template <std::ranges::contiguous_range Range, class F>
map_sum_result_t<Range, F> map_sum(const Range& data, std::size_t k, F f) {
  using T = std::ranges::range_value_t<Range>;
  using Sum = map_sum_result_t<Range, F>;
  if (k == 0) {
    throw std::invalid_argument("zero_copy::map_sum: k, the number of threads, must be at least 1");
  }
  const std::span<const T> all(std::ranges::data(data), std::ranges::size(data));
  const std::size_t chunks = std::min(k, all.size());

  std::vector<CacheAligned<Sum>> partial(chunks);  // one cache line (or more) per slot
  // k, not chunks: for empty input chunks is 0, which for_each_chunk rightly rejects.
  for_each_chunk(all, k, [f, &partial](std::span<const T> chunk, std::size_t i) mutable {
    Sum local{};  // in a register: the hot loop writes no shared memory at all
    for (const T& x : chunk) {
      local += f(x);
    }
    partial[i].value = local;  // one write, to a line no other thread writes
  });
  Sum total{};
  for (const CacheAligned<Sum>& slot : partial) {
    total = total + slot.value;  // chunk order and total + slot, like lab 1's std::accumulate
  }
  return total;
}

}  // namespace parlab::zero_copy

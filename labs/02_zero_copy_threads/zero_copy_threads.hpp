// Lab 2 (zero-copy threads): THE STUDENT'S FILE. This is the only file you edit for lab 2.
// Build for_each_chunk, then map_sum on top of it, as the handout (README.md beside this file)
// describes, task by task.
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
#include "common/not_implemented.hpp"

namespace parlab::zero_copy {

/// Splits `data` into min(k, n) contiguous chunks (parlab::even_chunk) and runs
/// `body(chunk, index)` for every chunk on its own new std::jthread, where `chunk` is a
/// std::span into `data` itself. Returns after every thread has been joined.
/// @throws std::invalid_argument if k == 0; whatever `body` throws, after joining every thread
///         (when several chunks throw: the lowest-numbered chunk's exception).
template <class T, class Body>
void for_each_chunk(std::span<T> data, std::size_t k, Body body) {
  // TODO(lab 2, task A1): Reject k == 0 with std::invalid_argument and a message that says why.
  //   Checked by ForEachChunk.RejectsZeroKWithAClearMessage.
  // TODO(lab 2, task A2): Give each of min(k, n) new std::jthreads a std::span of its chunk of
  //   `data` (parlab::even_chunk says where it begins and ends) and call body(chunk, index) on
  //   it. No element may be copied. Checked by HandsEachWorkerASpanIntoTheCallersBuffer,
  //   TilesTheBufferExactlyOnceInChunkOrder, RunsEachChunkOnItsOwnNewThreadNeverTheCaller,
  //   CallsNothingAndStartsNoThreadForEmptyInput and WritesThroughAMutableSpanInPlace.
  // TODO(lab 2, task A3): The chunks run at the same time (start every thread before joining
  //   any), each thread calling a copy of body of its own. Checked by
  //   RunsEveryChunkAtTheSameTimeAsTheOthers and GivesEachThreadItsOwnCopyOfAStatefulBody.
  // TODO(lab 2, task D1): An exception thrown by body on a worker must not escape that thread.
  //   Capture it (std::exception_ptr) and rethrow it here once every thread has been joined;
  //   when several chunks throw, rethrow the lowest-numbered chunk's. Checked by
  //   RethrowsOnlyAfterEveryWorkerHasFinished and
  //   RethrowsTheLowestChunksExceptionNotTheFirstInTime.
  (void)data;
  (void)k;
  (void)body;
  throw NotImplemented(
      "lab 2, zero_copy::for_each_chunk in labs/02_zero_copy_threads/zero_copy_threads.hpp");
}

/// Maps every element of `data` with `f` and returns the sum of the results, computed by
/// min(k, n) new threads (for_each_chunk) that read the caller's data in place and never write
/// to a cache line another thread writes.
/// @throws std::invalid_argument if k == 0; whatever `f` throws, after joining every thread.
template <std::ranges::contiguous_range Range, class F>
map_sum_result_t<Range, F> map_sum(const Range& data, std::size_t k, F f) {
  // TODO(lab 2, task B1): Build map_sum on for_each_chunk: each worker maps and sums its chunk
  //   and stores one partial result per chunk, where no two workers' results share a cache line
  //   (see common/cache_line.hpp); the caller adds the partial results in chunk order. Checked
  //   by CopiesNoElement, MapsEveryElementInPlaceExactlyOnce, MatchesLabOneForEveryInput,
  //   MatchesTheSequentialSumForEverySizeAndK and the other ZeroCopyThreads tests.
  // TODO(lab 2, task C1): Bad input: k == 0 throws (even for empty input), empty input returns
  //   0 and starts no thread. Checked by ZeroCopyThreads.RejectsZeroKWithAClearMessage and
  //   ReturnsZeroAndStartsNoThreadForEmptyInput.
  // TODO(lab 2, task D2): f throwing in one chunk, the last chunk or every chunk reaches the
  //   caller after every thread is joined. Checked by the ZeroCopyThreads tests whose names start
  //   with Carries and Rethrows.
  (void)data;
  (void)k;
  (void)f;
  throw NotImplemented(
      "lab 2, zero_copy::map_sum in labs/02_zero_copy_threads/zero_copy_threads.hpp");
}

}  // namespace parlab::zero_copy

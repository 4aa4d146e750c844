// Lab 1 (copying threads): THE STUDENT'S FILE. This is the only file you edit for lab 1.
// Build map_sum as the handout (README.md beside this file) describes, tasks A1 to D1.
#pragma once

#include <algorithm>
#include <cstddef>
#include <exception>
#include <ranges>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include "common/data.hpp"
#include "common/not_implemented.hpp"

namespace parlab::copying {

/// Maps every element of `data` with `f` and returns the sum of the results, computed by
/// min(k, n) newly created threads, each given its own copy of one contiguous chunk.
/// @throws std::invalid_argument if k == 0; whatever `f` throws, after joining every thread.
template <std::ranges::contiguous_range Range, class F>
map_sum_result_t<Range, F> map_sum(const Range& data, std::size_t k, F f) {
  // TODO(lab 1, task A1): Reject k == 0 with std::invalid_argument and a message that says why.
  //   Checked by CopyingThreads.RejectsZeroKWithAClearMessage.
  // TODO(lab 1, task A2): min(k, n) chunks: k > n uses n threads; empty input starts no thread
  //   and returns 0. Checked by UsesOnlyNThreadsWhenKExceedsN and
  //   ReturnsZeroAndStartsNoThreadForEmptyInput.
  // TODO(lab 1, task B1): Split the input with parlab::even_chunk, copy each chunk into its own
  //   std::vector and hand each copy to a newly created std::thread that maps and sums it.
  // TODO(lab 1, task B2): Join every thread and combine the partial sums (use map_sum_result_t:
  //   64 bits for integers). Checked by SumsTheSeedsMillionIntegersWithoutOverflow and
  //   MatchesTheSequentialSumForEverySizeAndK.
  // TODO(lab 1, task C1): Exactly one copy of each element: move each copy into its thread.
  //   Checked by CopiesEveryElementExactlyOnce.
  // TODO(lab 1, task C2): One new thread per contiguous chunk; the caller maps nothing. Checked
  //   by UsesOneNewThreadPerChunkNeverTheCaller,
  //   GivesEachThreadOneContiguousChunkOfNearlyEqualSize and
  //   StartsEvenChunkSizedThreadsForSmallNAndK.
  // TODO(lab 1, task D1): An exception thrown by f on a worker thread must reach the caller,
  //   after every thread has been joined. Checked by CarriesAWorkersExceptionToTheCaller and
  //   JoinsEveryThreadBeforeRethrowing.
  (void)data;
  (void)k;
  (void)f;
  throw NotImplemented("lab 1, copying::map_sum in labs/01_copying_threads/copying_threads.hpp");
}

}  // namespace parlab::copying

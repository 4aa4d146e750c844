// The rules every "one new thread per chunk" map_sum obeys (labs 1 and 2), written once and
// checked from each lab's tests. Test-only; part of common/testing.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/data.hpp"
#include "common/instrument.hpp"

namespace parlab::testing {

/// The seed's map, 2*x widened to 64 bits, as the rule checks call it.
inline const auto doubled_for_rules = [](std::int32_t x) { return 2 * std::int64_t{x}; };

/// Empty input: the sum is 0 and f is never called (so no thread has anything to do).
template <class MapSum>
void expect_empty_input_starts_no_thread(MapSum map_sum) {
  const std::vector<std::int32_t> empty;
  ThreadRecorder recorder;
  EXPECT_EQ(map_sum(std::span<const std::int32_t>(empty), 4, recorder.wrap(doubled_for_rules)), 0)
      << "the sum over no elements is 0";
  EXPECT_EQ(recorder.distinct_count(), 0U)
      << "f must not be called for empty input (there is nothing to map)";
}

/// k = 1..8 over 1,000 elements: f runs on exactly k distinct threads, never the caller.
/// `lab` names the lab in the messages ("lab 1").
template <class MapSum>
void expect_one_new_thread_per_chunk(const std::string& lab, MapSum map_sum) {
  const auto data = seed_data(1'000);
  for (std::size_t k = 1; k <= 8; ++k) {
    ThreadRecorder recorder;
    EXPECT_EQ(map_sum(std::span<const std::int32_t>(data), k, recorder.wrap(doubled_for_rules)),
              seed_sum_doubled(1'000));
    EXPECT_EQ(recorder.distinct_count(), k)
        << "with k = " << k << " and n = 1000, f ran on " << recorder.distinct_count()
        << " distinct threads.\nRule: " << lab << " creates exactly one new thread per chunk.";
    EXPECT_FALSE(recorder.saw(std::this_thread::get_id()))
        << "with k = " << k << ", f ran on the calling thread.\n"
        << "Rule: in " << lab << " the caller only starts, joins and combines; the workers map "
        << "and sum.";
  }
}

/// k = 8 over 3 elements: exactly 3 threads.
template <class MapSum>
void expect_only_n_threads_when_k_exceeds_n(MapSum map_sum) {
  const auto data = seed_data(3);
  ThreadRecorder recorder;
  EXPECT_EQ(map_sum(std::span<const std::int32_t>(data), 8, recorder.wrap(doubled_for_rules)), 6);
  EXPECT_EQ(recorder.distinct_count(), 3U)
      << "k = 8 threads for n = 3 elements: expected 3 threads (one per element), saw "
      << recorder.distinct_count() << ".\nRule: never start a thread that has nothing to do.";
}

/// f throws on element 777 of 1,000: the caller receives that very exception, for k = 1, 2, 4.
template <class MapSum>
void expect_workers_exception_reaches_caller(MapSum map_sum) {
  const auto data = seed_data(1'000);
  const auto throw_at_777 = [](std::int32_t x) -> std::int64_t {
    if (x == 777) {
      throw std::runtime_error("f failed at 777");
    }
    return x;
  };
  for (const std::size_t k : {1, 2, 4}) {
    try {
      (void)map_sum(std::span<const std::int32_t>(data), k, throw_at_777);
      ADD_FAILURE() << "f threw on element 777 but map_sum returned normally (k = " << k << ")";
    } catch (const std::runtime_error& error) {
      EXPECT_STREQ(error.what(), "f failed at 777")
          << "the caller must receive f's own exception object";
    }
  }
}

}  // namespace parlab::testing

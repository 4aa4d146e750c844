// A bounded meeting point for N concurrent calls: the observer behind the "runs in parallel"
// rules of labs 2 and 3 (a [[rule]] in their grading.toml). Test-only; part of common/testing.
//
// Each of N parties (a chunk's body, a pool's task) arrives and waits until all N have arrived.
// Code that runs N things at once gets them all in; code that runs them one after another never
// does: the first party waits out its limit, gives up, and every later one gives up at once, so
// the verdict costs one limit, never N. No clock is compared with anything: a party that arrives
// in time passes however slow the machine, and the limit only turns a hang into a failure.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <string>

#include "common/testing/bounded.hpp"

namespace parlab::testing {

/// N parties that each wait, bounded, until all N have arrived. Thread safe.
///
/// Example, N tasks on a pool of N workers must all be running at once:
/// @code
///   Rendezvous meeting(4);
///   for (int i = 0; i < 4; ++i) pool.submit([&] { (void)meeting.arrive_and_wait(10s); });
///   pool.wait_until_idle();
///   ASSERT_PRED_FORMAT2(parlab::testing::all_met, meeting,
///                       "at most " + std::to_string(meeting.most_at_once()) + " ran at once");
/// @endcode
class Rendezvous {
 public:
  /// @pre parties >= 1.
  explicit Rendezvous(std::size_t parties) : parties_(parties) {}

  /// Counts the caller in, then waits until every party has arrived, or `limit` has passed, or
  /// another party has given up. Returns whether every party arrived. Thread safe.
  bool arrive_and_wait(std::chrono::milliseconds limit) {
    arrived_.fetch_add(1);
    const bool met =
        eventually(limit, [this] { return complete() || gave_up_.load(); }) && complete();
    if (!met) {
      // The most that were ever in at once, as seen by the first to give up.
      std::size_t seen = arrived_.load();
      std::size_t expected = 0;
      (void)most_at_give_up_.compare_exchange_strong(expected, seen);
      gave_up_.store(true);
    }
    return met;
  }

  /// Whether no party gave up: all of them were waiting at the same time. Call after the parties
  /// have returned.
  [[nodiscard]] bool all_met() const { return !gave_up_.load() && complete(); }

  /// How many parties had arrived when the first one gave up (every one, if none did): with
  /// code that runs them one after another, 1.
  [[nodiscard]] std::size_t most_at_once() const {
    return gave_up_.load() ? std::max<std::size_t>(most_at_give_up_.load(), 1) : arrived_.load();
  }

  /// How many parties have arrived so far.
  [[nodiscard]] std::size_t arrived() const { return arrived_.load(); }

 private:
  [[nodiscard]] bool complete() const { return arrived_.load() >= parties_; }

  const std::size_t parties_;
  std::atomic<std::size_t> arrived_{0};
  std::atomic<bool> gave_up_{false};
  std::atomic<std::size_t> most_at_give_up_{0};
};

/// For ASSERT_PRED_FORMAT2(parlab::testing::all_met, meeting, message): passes when every party
/// of `meeting` met, and otherwise fails with `message` alone, so that the message is the first
/// line a report shows (ASSERT_TRUE would show "Value of: ..." first).
inline ::testing::AssertionResult all_met(const char* /*meeting_expression*/,
                                          const char* /*message_expression*/,
                                          const Rendezvous& meeting, const std::string& message) {
  if (meeting.all_met()) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << message;
}

}  // namespace parlab::testing

// Lab 4, part C (work stealing), reference solution: the sleep protocol's parts, written against
// parlab::sync so that sleep_model_test.cpp can model-check them on their own: a worker's sleep
// word, the shared count of sleepers, and the two halves of the protocol (sleeper and pusher).
// scheduler.cpp uses them; docs/background/sleeping.md argues why no wake-up is lost.
#pragma once

#include <atomic>
#include <cstdint>

#include "common/sync.hpp"

namespace parlab::steal {

/// One worker's sleep word: awake, or sleepy from the worker's announcement until a waker (or
/// the worker itself) sets it back. Contract: a wake() that finds the word sleepy makes the
/// worker's wait() return, whether the worker has started waiting yet or not.
class SleepWord {
 public:
  /// The worker: "I may sleep". seq_cst: in the single total order with a waker's load in
  /// wake(), and before the re-check's loads (see sleep_unless).
  void announce() noexcept { state_.store(kSleepy, std::memory_order_seq_cst); }

  /// The worker: blocks while the word is still sleepy. atomic::wait compares before blocking,
  /// so a wake() that came first makes it return at once. seq_cst: the comparison must see a
  /// waker's exchange that precedes it in the total order.
  void wait() const noexcept { state_.wait(kSleepy, std::memory_order_seq_cst); }

  /// The worker, after wait() or instead of it: awake again (a no-op if a waker did it).
  /// relaxed: only this worker reads the word as awake.
  void reset() noexcept { state_.store(kAwake, std::memory_order_relaxed); }

  /// Any thread: wakes the worker if it has announced. Returns whether this call claimed the
  /// wake-up: the exchange lets exactly one of several wakers notify.
  bool wake() noexcept {
    // seq_cst load first: the cheap test, in the total order with announce().
    if (state_.load(std::memory_order_seq_cst) == kSleepy &&
        state_.exchange(kAwake, std::memory_order_seq_cst) == kSleepy) {
      state_.notify_one();
      return true;
    }
    return false;
  }

 private:
  static constexpr std::uint32_t kAwake = 0;
  static constexpr std::uint32_t kSleepy = 1;
  sync::atomic<std::uint32_t> state_{kAwake};
};

/// How many workers are between announcing and resetting their word: a pusher that reads 0
/// skips the scan for a sleeper. It may over-count for a moment, which only costs a scan.
class SleeperCount {
 public:
  /// The worker, right after SleepWord::announce(). seq_cst: precedes the re-check's loads.
  void enter() noexcept { count_.fetch_add(1, std::memory_order_seq_cst); }
  /// The worker, after SleepWord::reset(). relaxed: an over-count is harmless (see above).
  void leave() noexcept { count_.fetch_sub(1, std::memory_order_relaxed); }

  /// The pusher's half, after it published work with plain (non-seq_cst) stores, as push() does:
  /// a seq_cst fence orders that publication before the load of the count, and pairs with the
  /// seq_cst fence in the sleeper's re-check (inside steal()). Either the sleeper's re-check sees
  /// the work, or this sees the sleeper.
  [[nodiscard]] bool anyone_may_sleep_after_publishing() const noexcept {
    sync::fence(std::memory_order_seq_cst);
    // acquire: if we see a sleeper's increment we also see its word's announcement.
    return count_.load(std::memory_order_acquire) != 0;
  }

  /// The same, for a pusher whose publication was itself a seq_cst read-modify-write (the
  /// injector's counter): that operation is already in the total order, no fence needed.
  [[nodiscard]] bool anyone_may_sleep() const noexcept {
    return count_.load(std::memory_order_seq_cst) != 0;
  }

 private:
  sync::atomic<std::uint32_t> count_{0};
};

/// The flag of a join latch: set once by the thread that finished a job, probed by the worker
/// waiting for it (scheduler.hpp's JoinLatch holds one). Contract: once probe() returns true,
/// everything the setter did before set() is visible to the prober. Both operations are also
/// in the single total order with the sleep word's announce() and wake(): a waiter announces,
/// then probes; a setter sets, then wakes (sleep_model_test.cpp checks both halves).
class LatchFlag {
 public:
  /// The waiter. seq_cst: acquire (pairs with set()'s release, so the job's result is visible
  /// once we see the flag) plus the place in the total order the sleep protocol needs.
  [[nodiscard]] bool probe() const noexcept { return state_.load(std::memory_order_seq_cst) != 0; }
  /// The setter, once. seq_cst: release (publishes the job's result), and ordered before the
  /// setter's look at the waiter's sleep word.
  void set() noexcept { state_.store(1, std::memory_order_seq_cst); }

 private:
  sync::atomic<std::uint32_t> state_{0};
};

/// Test-only: a function that sleep_unless() calls first, in the window between the worker's
/// last search for work (which found none) and its announcement. A push in that window wakes
/// nobody, so only the re-check can find it: sleeping_test.cpp pauses a worker here to make that
/// happen every time, instead of once in a million runs. nullptr (always, outside that test)
/// costs one load per sleep. std::atomic, not sync::atomic: no correctness rests on it.
inline std::atomic<void (*)()> before_sleep_announcement{nullptr};

/// Calls the test hook above, if one is installed. sleep_unless() calls it first.
inline void pause_point_before_sleep_announcement() noexcept {
  // acquire: pairs with the test's release store, so the hook's own state is visible.
  if (void (*const hook)() = before_sleep_announcement.load(std::memory_order_acquire)) {
    hook();
  }
}

/// The sleeper's side of the protocol: prepare, re-check, commit. Announces on `word`, counts
/// itself in `sleepers`, then calls `recheck()` (look for work once more: every deque, the
/// injector, the latch, termination; true if there is something to do) and blocks only if it
/// found nothing. Returns recheck()'s answer; the word is awake again on return.
template <class Recheck>
bool sleep_unless(SleepWord& word, SleeperCount& sleepers, Recheck recheck) {
  pause_point_before_sleep_announcement();  // tests only: see above
  word.announce();                          // 1. prepare: from here on, a pusher that looks sees us
  sleepers.enter();
  const bool found = recheck();  // 2. re-check, after announcing: the order is the whole point
  if (!found) {
    word.wait();  // 3. commit: returns at once if a waker flipped the word since step 1
  }
  word.reset();
  sleepers.leave();
  return found;
}

/// The pusher's side: after publishing work (a push on a deque), wakes one sleeper through
/// `wake_one()` if any may be asleep. Costs a fence and a load when nobody sleeps.
template <class WakeOne>
void announce_work(const SleeperCount& sleepers, WakeOne wake_one) {
  if (sleepers.anyone_may_sleep_after_publishing()) {
    wake_one();
  }
}

}  // namespace parlab::steal

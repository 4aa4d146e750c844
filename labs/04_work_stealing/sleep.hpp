// Lab 4, part C (work stealing): the sleep protocol's parts. This is one of the student's files
// (with chase_lev_deque.hpp, scheduler.hpp, scheduler.cpp and parallel_loops.hpp): the only files
// you edit in lab 4. Your scheduler.cpp uses these; sleep_model_test.cpp model-checks them alone.
#pragma once

#include <atomic>
#include <cstdint>

#include "common/not_implemented.hpp"
#include "common/sync.hpp"

namespace parlab::steal {

// TODO(lab 4, task C2): The sleep protocol's parts, written against parlab::sync
// (common/sync.hpp: sync::atomic<T>, whose wait(old, order) and notify_one() are
// std::atomic's; sync::fence(order)), every operation with its memory order and the reason.
// Checked by sleep_model_test.cpp (the model checker) and sleeping_test.cpp (your scheduler).

/// One worker's sleep word: awake, or sleepy from the worker's announcement until a waker (or
/// the worker itself) sets it back. A wake() that finds the word sleepy must make the worker's
/// wait() return, whether the worker has started waiting yet or not.
class SleepWord {
 public:
  /// The worker: "I may sleep".
  void announce() {
    throw NotImplemented("lab 4, SleepWord::announce in labs/04_work_stealing/sleep.hpp");
  }
  /// The worker: blocks while the word is still sleepy.
  void wait() const {
    throw NotImplemented("lab 4, SleepWord::wait in labs/04_work_stealing/sleep.hpp");
  }
  /// The worker, after wait() or instead of it: awake again.
  void reset() {
    throw NotImplemented("lab 4, SleepWord::reset in labs/04_work_stealing/sleep.hpp");
  }
  /// Any thread: wakes the worker if it has announced; whether this call claimed the wake-up.
  bool wake() { throw NotImplemented("lab 4, SleepWord::wake in labs/04_work_stealing/sleep.hpp"); }
};

/// How many workers are between announcing and resetting their word.
class SleeperCount {
 public:
  void enter() {
    throw NotImplemented("lab 4, SleeperCount::enter in labs/04_work_stealing/sleep.hpp");
  }
  void leave() {
    throw NotImplemented("lab 4, SleeperCount::leave in labs/04_work_stealing/sleep.hpp");
  }
  /// The pusher's half, after publishing work with non-seq_cst stores (a deque push).
  [[nodiscard]] bool anyone_may_sleep_after_publishing() const {
    throw NotImplemented(
        "lab 4, SleeperCount::anyone_may_sleep_after_publishing in "
        "labs/04_work_stealing/sleep.hpp");
  }
  /// The same, after a seq_cst read-modify-write publication.
  [[nodiscard]] bool anyone_may_sleep() const {
    throw NotImplemented(
        "lab 4, SleeperCount::anyone_may_sleep in labs/04_work_stealing/sleep.hpp");
  }
};

/// The flag of a join latch: set once by the thread that finished a job, probed by the worker
/// waiting for it (build your scheduler's join latch on it). Once probe() returns true,
/// everything the setter did before set() must be visible to the prober.
class LatchFlag {
 public:
  /// The waiter: whether set() has been called.
  [[nodiscard]] bool probe() const {
    throw NotImplemented("lab 4, LatchFlag::probe in labs/04_work_stealing/sleep.hpp");
  }
  /// The setter, once.
  void set() { throw NotImplemented("lab 4, LatchFlag::set in labs/04_work_stealing/sleep.hpp"); }
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

/// The sleeper's side: prepare, re-check (`recheck()` returns true if there is work to do),
/// commit. Returns recheck()'s answer; the word is awake again on return. Keep the first line: the
/// tests pause a worker there.
template <class Recheck>
bool sleep_unless(SleepWord& word, SleeperCount& sleepers, Recheck recheck) {
  pause_point_before_sleep_announcement();  // keep first: see above
  // TODO(lab 4, task C2): The order of the steps is the whole point: say why in a comment.
  (void)word;
  (void)sleepers;
  (void)recheck;
  throw NotImplemented("lab 4, sleep_unless in labs/04_work_stealing/sleep.hpp");
}

/// The pusher's side: after publishing work, wakes one sleeper through `wake_one()` if any may
/// be asleep.
template <class WakeOne>
void announce_work(const SleeperCount& sleepers, WakeOne wake_one) {
  // TODO(lab 4, task C2):
  (void)sleepers;
  (void)wake_one;
  throw NotImplemented("lab 4, announce_work in labs/04_work_stealing/sleep.hpp");
}

}  // namespace parlab::steal

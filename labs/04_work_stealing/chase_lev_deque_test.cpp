// Lab 4, part A (work stealing): the graded tests for chase_lev_deque.hpp. Do not edit: the grader
// checks this file against the release's copy.
// Angle brackets on purpose: a quoted include would find the starter beside this file even
// when the solution flavour is being built; <> searches only the flavour's include path.
#include <chase_lev_deque.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/testing/allocation_hook.hpp"  // this test program's operator new
#include "common/testing/bounded.hpp"

namespace parlab::steal {
namespace {

using namespace std::chrono_literals;
using parlab::testing::finish_within;

// Items are small integers stored as pointer-sized values (what the scheduler stores: Job*).
using Item = std::uintptr_t;

TEST(ChaseLevDeque, StartsEmptyForTheOwnerAndForThieves) {
  finish_within(30s, "StartsEmptyForTheOwnerAndForThieves", [] {
    ChaseLevDeque<Item> deque;
    EXPECT_FALSE(deque.pop().has_value())
        << "pop() on a new deque returned an item.\nRule: a new deque is empty; pop() says so with "
           "nullopt (and must not wrap an unsigned index below zero).";
    EXPECT_EQ(deque.steal().status, StealStatus::empty)
        << "steal() on a new deque did not report StealStatus::empty.";
    EXPECT_FALSE(deque.pop().has_value()) << "a second pop() on an empty deque returned an item: "
                                             "the first one did not restore bottom.";
    deque.push(7);
    const std::optional<Item> item = deque.pop();
    ASSERT_TRUE(item.has_value())
        << "push(7) then pop() returned nullopt.\nRule: after an empty "
           "pop(), bottom must be restored so that the deque still works.";
    EXPECT_EQ(*item, 7U);
  });
}

TEST(ChaseLevDeque, OwnerPopsNewestFirst) {
  finish_within(30s, "OwnerPopsNewestFirst", [] {
    ChaseLevDeque<Item> deque;
    for (Item i = 1; i <= 100; ++i) {
      deque.push(i);
    }
    for (Item expected = 100; expected >= 1; --expected) {
      const std::optional<Item> item = deque.pop();
      ASSERT_TRUE(item.has_value()) << "pop() returned nullopt with " << expected << " items left";
      ASSERT_EQ(*item, expected) << "pop() must return the newest item (LIFO at the bottom).";
    }
    EXPECT_FALSE(deque.pop().has_value()) << "the deque should be empty after 100 pushes and pops";
  });
}

TEST(ChaseLevDeque, ThievesStealOldestFirst) {
  finish_within(30s, "ThievesStealOldestFirst", [] {
    ChaseLevDeque<Item> deque;
    for (Item i = 1; i <= 100; ++i) {
      deque.push(i);
    }
    for (Item expected = 1; expected <= 100; ++expected) {
      const StealResult<Item> got = deque.steal();
      ASSERT_EQ(got.status, StealStatus::success)
          << "steal() with no competition must succeed while items remain (" << 101 - expected
          << " left)";
      ASSERT_EQ(got.value, expected) << "steal() must return the oldest item (FIFO at the top).";
    }
    EXPECT_EQ(deque.steal().status, StealStatus::empty);
  });
}

TEST(ChaseLevDeque, OwnerAndThiefMeetAtTheLastItem) {
  finish_within(30s, "OwnerAndThiefMeetAtTheLastItem", [] {
    ChaseLevDeque<Item> deque;
    deque.push(1);
    deque.push(2);
    EXPECT_EQ(deque.steal().value, 1U) << "the thief takes the oldest item";
    const std::optional<Item> last = deque.pop();
    ASSERT_TRUE(last.has_value()) << "one item was left for the owner";
    EXPECT_EQ(*last, 2U);
    EXPECT_FALSE(deque.pop().has_value());
    EXPECT_EQ(deque.steal().status, StealStatus::empty);
    deque.push(3);  // still usable after the last item was taken: bottom was restored
    EXPECT_EQ(deque.steal().value, 3U)
        << "after the last item was popped, a new push must be visible to thieves.\nRule: pop() of "
           "the last item restores bottom to top whether it won or lost the race.";
  });
}

TEST(ChaseLevDeque, GrowsPastItsFirstCapacityWithAMillionItems) {
  finish_within(30s, "GrowsPastItsFirstCapacityWithAMillionItems", [] {
    ChaseLevDeque<Item> deque(16);
    constexpr Item kItems = 1'000'000;
    for (Item i = 0; i < kItems; ++i) {
      deque.push(i);
    }
    EXPECT_GE(deque.capacity(), kItems) << "the buffer must grow to hold every pushed item";
    EXPECT_EQ(deque.size_estimate(), kItems);
    // Half from each end: the copy into bigger buffers kept every item at its index.
    for (Item i = 0; i < kItems / 2; ++i) {
      const StealResult<Item> got = deque.steal();
      ASSERT_TRUE(got.succeeded()) << "steal " << i << " failed";
      ASSERT_EQ(got.value, i) << "growth must keep items in order (steal " << i << ")";
    }
    for (Item i = kItems; i > kItems / 2; --i) {
      const std::optional<Item> item = deque.pop();
      ASSERT_TRUE(item.has_value());
      ASSERT_EQ(*item, i - 1) << "growth must keep items in order (pop)";
    }
    EXPECT_FALSE(deque.pop().has_value());
  });
}

TEST(ChaseLevDeque, GrowsWhileWrappedAround) {
  finish_within(30s, "GrowsWhileWrappedAround", [] {
    // Move top far from 0 so the live items straddle the end of the circular buffer, then grow.
    ChaseLevDeque<Item> deque(4);
    for (Item i = 0; i < 3; ++i) {
      deque.push(i);
    }
    for (Item i = 0; i < 3; ++i) {
      ASSERT_EQ(deque.steal().value, i);
    }
    for (Item i = 3; i < 3 + 20; ++i) {
      deque.push(i);
    }
    for (Item i = 3; i < 3 + 20; ++i) {
      const StealResult<Item> got = deque.steal();
      ASSERT_TRUE(got.succeeded());
      ASSERT_EQ(got.value, i) << "items that wrapped around the buffer end must survive growth";
    }
  });
}

// Calls every deque operation once on this thread first, so that a starter that throws fails
// the test here instead of terminating a helper thread.
void expect_basic_operations_work() {
  ChaseLevDeque<Item> probe;
  probe.push(1);
  probe.push(2);
  (void)probe.steal();
  (void)probe.pop();
  (void)probe.pop();
}

// The owner pushes 10^6 items, popping some back as it goes (as a worker does); `thieves`
// threads steal concurrently. Every item must be taken exactly once, by someone.
void stress(std::size_t thieves) {
  expect_basic_operations_work();
  constexpr std::size_t kItems = 1'000'000;
  ChaseLevDeque<Item> deque(64);  // small, so that growth happens under contention
  auto taken = std::make_unique<std::atomic<std::uint8_t>[]>(kItems);
  std::atomic<bool> owner_done{false};
  std::atomic<std::size_t> stolen{0};
  std::atomic<std::size_t> lost_races{0};

  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < thieves; ++t) {
    threads.emplace_back([&] {
      std::size_t mine = 0;
      while (true) {
        const StealResult<Item> got = deque.steal();
        if (got.succeeded()) {
          taken[got.value].fetch_add(1, std::memory_order_relaxed);
          ++mine;
        } else if (got.status == StealStatus::lost_race) {
          lost_races.fetch_add(1, std::memory_order_relaxed);
        } else if (owner_done.load(std::memory_order_acquire)) {
          break;  // empty after the owner finished: nothing will ever appear again
        } else {
          std::this_thread::yield();  // empty for now: let the owner run (2 cores, 5 threads)
        }
      }
      stolen.fetch_add(mine, std::memory_order_relaxed);
    });
  }
  std::size_t popped = 0;
  for (std::size_t i = 0; i < kItems; ++i) {
    deque.push(i);
    if (i % 3 == 0) {  // pop back now and then, racing thieves for the last item
      if (const std::optional<Item> item = deque.pop()) {
        taken[*item].fetch_add(1, std::memory_order_relaxed);
        ++popped;
      }
    }
  }
  while (const std::optional<Item> item = deque.pop()) {
    taken[*item].fetch_add(1, std::memory_order_relaxed);
    ++popped;
  }
  owner_done.store(true, std::memory_order_release);
  for (auto& thread : threads) {
    thread.join();
  }
  std::size_t missing = 0;
  std::size_t duplicated = 0;
  std::size_t first_bad = kItems;
  for (std::size_t i = 0; i < kItems; ++i) {
    const unsigned count = taken[i].load(std::memory_order_relaxed);
    if (count != 1 && first_bad == kItems) {
      first_bad = i;
    }
    missing += count == 0 ? 1 : 0;
    duplicated += count > 1 ? 1 : 0;
  }
  EXPECT_EQ(missing, 0U) << "items never taken, with " << thieves << " thieves (first: item "
                         << first_bad
                         << ").\nRule: an item leaves the deque only through a "
                            "successful pop or steal.";
  EXPECT_EQ(duplicated, 0U)
      << "items taken twice, with " << thieves << " thieves (first: item " << first_bad
      << ").\nUsual causes: reading the slot after the CAS on top, a missing fence in pop()/"
         "steal(), or not restoring bottom after the last item.";
  EXPECT_EQ(popped + stolen.load(), kItems)
      << "owner took " << popped << ", thieves took " << stolen.load();
}

TEST(ChaseLevDeque, EveryItemIsTakenExactlyOnceWithOneThief) {
  finish_within(120s, "the deque stress test with 1 thief", [] { stress(1); });
}
TEST(ChaseLevDeque, EveryItemIsTakenExactlyOnceWithTwoThieves) {
  finish_within(120s, "the deque stress test with 2 thieves", [] { stress(2); });
}
TEST(ChaseLevDeque, EveryItemIsTakenExactlyOnceWithFourThieves) {
  finish_within(120s, "the deque stress test with 4 thieves", [] { stress(4); });
}

TEST(ChaseLevDeque, PublishesWhatAnItemPointsToBeforeAThiefCanTakeIt) {
  // Items are pointers to data written just before push(): a thief must see that data.
  // (Under ThreadSanitizer a missing release/acquire pair shows up here as a data race.)
  finish_within(60s, "the publication test", [] {
    expect_basic_operations_work();
    constexpr std::size_t kItems = 100'000;
    struct Payload {
      std::size_t value;
    };
    std::vector<std::unique_ptr<Payload>> storage(kItems);
    ChaseLevDeque<Payload*> deque(8);
    std::atomic<bool> done{false};
    std::atomic<std::size_t> wrong{0};
    std::atomic<std::size_t> received{0};
    std::thread thief([&] {
      while (true) {
        const StealResult<Payload*> got = deque.steal();
        if (got.succeeded()) {
          received.fetch_add(1, std::memory_order_relaxed);
          if (got.value->value != 12345) {
            wrong.fetch_add(1, std::memory_order_relaxed);
          }
        } else if (got.status == StealStatus::empty && done.load(std::memory_order_acquire)) {
          break;
        }
      }
    });
    std::size_t popped = 0;
    for (std::size_t i = 0; i < kItems; ++i) {
      storage[i] = std::make_unique<Payload>(Payload{12345});
      deque.push(storage[i].get());
      if (i % 2 == 0 && deque.pop().has_value()) {
        ++popped;
      }
    }
    while (deque.pop().has_value()) {
      ++popped;
    }
    done.store(true, std::memory_order_release);
    thief.join();
    EXPECT_EQ(wrong.load(), 0U) << "a thief read a payload that was not yet written.\nRule: "
                                   "push() publishes the item (release) and steal() acquires it.";
    EXPECT_EQ(received.load() + popped, kItems);
  });
}

// ---- The store-buffer litmus test ------------------------------------------------------------
//
// The one reordering x86 does: a store followed by a load of another variable. The store waits
// in the core's store buffer while the load already reads memory. pop() is exactly that
// pattern (store bottom - 1, then load top), and only a seq_cst fence (on x86, MFENCE or a
// locked instruction) stops it; acq_rel and release fences compile to nothing there.
//
// The interleaving that yields a double take, with two items at indices 0 and 1:
//   owner (pop)                                  thief (steal, steal)
//   bottom = 1    -- sits in the store buffer --
//   t = top = 0   (loads run ahead of it)
//                                                steal: top 0, bottom 2, CAS top 0 -> 1: item 0
//                                                steal: top 1, bottom 2 (the owner's 1 is not
//                                                visible yet), CAS top 1 -> 2: item 1
//   t < bottom: item 1 is mine, no CAS needed    -> item 1 taken twice
// The window is the life of one buffered store. The store buffer drains in order, so the owner
// first writes to a few cold cache lines (as a real owner writes a job's fields just before):
// the store of bottom then waits behind those cache misses, hundreds of nanoseconds, while the
// load of top has long been answered. The race is repeated up to 10^6 times, both threads
// released together by a spin barrier each time, with a small delay swept on the thief's side
// so that some trials line the two up.
class SpinBarrier {
 public:
  /// Both threads call arrive(); it returns once both have arrived. Reusable.
  void arrive() {
    const unsigned phase = phase_.load(std::memory_order_acquire);
    if (arrived_.fetch_add(1, std::memory_order_acq_rel) == 1) {
      arrived_.store(0, std::memory_order_relaxed);
      phase_.store(phase + 1, std::memory_order_release);
      return;
    }
    for (unsigned spins = 0; phase_.load(std::memory_order_acquire) == phase; ++spins) {
      if (spins > 1000) {
        std::this_thread::yield();  // the other thread was descheduled (2 cores, shared)
      }
    }
  }

 private:
  std::atomic<unsigned> arrived_{0};
  std::atomic<unsigned> phase_{0};
};

TEST(ChaseLevDeque, OwnerAndThiefNeverBothTakeTheSameItemInAMillionStoreBufferRaces) {
  finish_within(120s, "the store-buffer litmus test", [] {
    expect_basic_operations_work();
    constexpr std::uint64_t kTrials = 1'000'000;
    // A budget in time, not a speed assertion: on a loaded machine fewer trials run.
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    ChaseLevDeque<Item> deque(64);
    SpinBarrier barrier;
    constexpr std::size_t kColdLines = 1 << 20;  // 64 MiB: larger than the last-level cache
    constexpr std::size_t kLine = 64 / sizeof(std::uint64_t);
    std::vector<std::uint64_t> cold(kColdLines * kLine);
    std::uint64_t cursor = 0;
    std::atomic<bool> stop{false};
    Item thief_took[2] = {0, 0};
    std::thread thief([&] {
      for (std::uint64_t trial = 0;; ++trial) {
        barrier.arrive();  // the owner has pushed this trial's two items
        if (stop.load(std::memory_order_relaxed)) {
          return;
        }
        for (std::uint64_t pause = trial % 8; pause > 0; --pause) {
          std::atomic_signal_fence(std::memory_order_seq_cst);  // a few cycles of delay
        }
        for (Item& slot : thief_took) {
          const StealResult<Item> got = deque.steal();
          slot = got.succeeded() ? got.value : 0;
        }
        barrier.arrive();  // done: the owner checks
      }
    });
    std::uint64_t trials = 0;
    std::uint64_t doubles = 0;
    std::string first_double;
    for (; trials < kTrials; ++trials) {
      if (trials % 4096 == 0 && std::chrono::steady_clock::now() > deadline) {
        break;
      }
      const Item first = 2 * trials + 1;
      const Item second = 2 * trials + 2;
      deque.push(first);
      deque.push(second);
      barrier.arrive();
      for (int i = 0; i < 8; ++i) {  // stores that miss: they hold up the store of bottom
        cursor = (cursor + 7919) % kColdLines;
        cold[cursor * kLine] = trials;
      }
      const std::optional<Item> owner_took = deque.pop();
      barrier.arrive();
      unsigned seen_first = 0;
      unsigned seen_second = 0;
      auto count = [&](Item item) {
        seen_first += item == first ? 1 : 0;
        seen_second += item == second ? 1 : 0;
      };
      count(owner_took.value_or(0));
      count(thief_took[0]);
      count(thief_took[1]);
      while (const std::optional<Item> left = deque.pop()) {  // owner only again: drain
        count(*left);
      }
      if (seen_first != 1 || seen_second != 1) {
        if (doubles++ == 0) {
          first_double = "trial " + std::to_string(trials) + ": owner took " +
                         std::to_string(owner_took.value_or(0)) + ", thief took " +
                         std::to_string(thief_took[0]) + " and " + std::to_string(thief_took[1]) +
                         " (items " + std::to_string(first) + ", " + std::to_string(second) + ")";
        }
      }
    }
    stop.store(true, std::memory_order_relaxed);
    barrier.arrive();
    thief.join();
    EXPECT_EQ(doubles, 0U)
        << doubles << " of " << trials << " store-buffer races took an item twice or lost one; "
        << "first: " << first_double
        << ".\nRule: in pop(), the store of bottom - 1 and the load of top must not be reordered; "
           "only a seq_cst fence orders a store before a later load (x86 lets the load run ahead "
           "of the buffered store), and it pairs with the seq_cst fence in steal().";
  });
}

// Lock-freedom, observed: the owner is stopped in the middle of push(), in the allocation that
// grows its buffer, and stays there until a thief's steal() has returned (or 5 s have passed).
// A Chase-Lev thief needs nothing from the owner: top and bottom stay valid while the owner
// allocates, so the steal takes the oldest item at once. A deque whose operations take one lock
// (a mutex around a std::deque, a spin lock) makes the thief wait for the owner, which waits for
// the thief: the steal completes only after the owner gives up.
TEST(ChaseLevDeque, AThiefStealsWhileTheOwnerIsStoppedInsidePush) {
#if !PARLAB_ALLOCATION_HOOK
  GTEST_SKIP() << "ThreadSanitizer owns operator new: no hook in the owner's allocation";
#else
  finish_within(60s, "a steal while the owner is stopped inside push()", [] {
    static std::atomic<bool> owner_stopped{false};
    static std::atomic<bool> thief_returned{false};
    static bool steal_returned_while_stopped = false;  // the owner's thread only
    owner_stopped.store(false);
    thief_returned.store(false);
    steal_returned_while_stopped = false;
    // The owner stops inside its allocation (the hook of common/testing/allocation_hook.hpp).
    void (*const pause_owner)() = [] {
      owner_stopped.store(true, std::memory_order_release);
      // acquire: pairs with the thief's release store.
      steal_returned_while_stopped = parlab::testing::eventually(
          5'000ms, [] { return thief_returned.load(std::memory_order_acquire); });
    };
    ChaseLevDeque<Item> deque(2);
    StealResult<Item> stolen;
    std::size_t tries = 0;
    std::exception_ptr thief_error;  // rethrown here: an exception must not end a thread
    std::thread thief([&] {
      // acquire: pairs with the owner's release store in pause_owner.
      if (!parlab::testing::eventually(
              20'000ms, [] { return owner_stopped.load(std::memory_order_acquire); })) {
        return;
      }
      try {
        do {
          stolen = deque.steal();
        } while (stolen.status == StealStatus::lost_race && ++tries < 1'000);
      } catch (...) {
        thief_error = std::current_exception();
      }
      thief_returned.store(true, std::memory_order_release);
    });
    constexpr Item kMaxItems = 1 << 16;
    Item pushed = 0;
    std::exception_ptr owner_error;
    try {
      while (!owner_stopped.load(std::memory_order_relaxed) && pushed < kMaxItems) {
        parlab::testing::allocation::pause_in_next = pause_owner;  // this thread's only
        deque.push(pushed + 1);
        parlab::testing::allocation::pause_in_next = nullptr;
        ++pushed;
      }
    } catch (...) {
      parlab::testing::allocation::pause_in_next = nullptr;
      owner_error = std::current_exception();
    }
    const bool stopped = owner_stopped.load(std::memory_order_relaxed);
    if (!stopped) {
      owner_stopped.store(true, std::memory_order_release);  // lets the thief go
    }
    thief.join();
    for (const std::exception_ptr& error : {owner_error, thief_error}) {
      if (error) {
        std::rethrow_exception(error);
      }
    }
    ASSERT_TRUE(stopped) << "push() never allocated in " << kMaxItems << " pushes on a deque "
                         << "created with capacity 2.\nRule: the deque grows when it is full "
                            "(a bigger buffer, allocated inside push); this test stops the "
                            "owner in that allocation.";
    EXPECT_TRUE(steal_returned_while_stopped)
        << "a thief's steal() did not return within 5 s while the owner was stopped inside "
           "push() (in the allocation that grows the deque, after "
        << pushed - 1 << " items); it returned only after the owner went on.\nRule: the deque "
        << "is lock-free: a thief never waits for the owner. A lock around every operation (a "
           "mutex and a std::deque) makes every steal wait while the owner holds it, and a "
           "worker preempted inside push() then stalls every thief.";
    EXPECT_EQ(stolen.status, StealStatus::success)
        << "the deque held " << pushed - 1 << " items while the owner was stopped";
    if (stolen.succeeded()) {
      EXPECT_EQ(stolen.value, Item{1}) << "a thief takes the oldest item";
    }
  });
#endif
}

}  // namespace
}  // namespace parlab::steal

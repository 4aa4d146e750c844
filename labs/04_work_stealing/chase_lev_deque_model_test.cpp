// Lab 4, part A: the Chase-Lev deque, model-checked. Built with PARLAB_SYNC_MODEL, so the deque's
// parlab::sync atomics and fences are Relacy's: every scenario below runs the student's
// chase_lev_deque.hpp through every interleaving (or many random ones) and every stale read the
// C++ memory model allows, on any CPU, not only what this machine's x86 happens to do.
// CTest label `model`; run alone with `scripts/test --lab 4 --model`.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <optional>

#include <chase_lev_deque.hpp>  // <>: the flavour's copy, not the one beside this file
#include "common/testing/model.hpp"

namespace {

using parlab::steal::ChaseLevDeque;
using parlab::steal::StealResult;
namespace model = parlab::testing::model;

// ---- The ledger: who took which item, checked when every thread has finished --------------

/// Items are the ints 1..N. Counts how often each was taken; fails the model check with a
/// sentence if one was taken twice, never, or was not an item at all.
template <int N>
struct Ledger {
  std::array<int, N + 1> taken{};
  std::array<char, 512> invented{};

  void take(int item, const char* who) {
    if (item < 1 || item > N) {
      if (invented[0] == '\0') {
        std::snprintf(invented.data(), invented.size(),
                      "%s got %d, which was never pushed (pushed: 1..%d): it read a slot that "
                      "held no published item",
                      who, item, N);
      }
      return;
    }
    ++taken[static_cast<std::size_t>(item)];
  }
  void take(const std::optional<int>& item, const char* who) {
    if (item.has_value()) {
      take(*item, who);
    }
  }
  void take(const StealResult<int>& got, const char* who) {
    if (got.succeeded()) {
      take(got.value, who);
    }
  }
  /// Call from after(): every item exactly once.
  void check() {
    static std::array<char, 512> message;
    if (invented[0] != '\0') {
      model::fail(invented.data());
      return;
    }
    for (int item = 1; item <= N; ++item) {
      const int count = taken[static_cast<std::size_t>(item)];
      if (count != 1) {
        std::snprintf(message.data(), message.size(),
                      count == 0 ? "item %d was never taken: it is lost (taken %d times)"
                                 : "item %d was taken %d times: two threads got the same item",
                      item, count);
        model::fail(message.data());
        return;
      }
    }
  }
};

/// Owner-side cleanup in after(): pops what is left, so that the ledger sees every item.
template <int N>
void drain(ChaseLevDeque<int>& deque, Ledger<N>& ledger) {
  for (int i = 0; i <= N; ++i) {
    ledger.take(deque.pop(), "the owner (draining after the threads)");
  }
}

template <class Suite>
void expect_verified(const model::Options& options, const char* rule) {
  const model::Outcome outcome = model::check<Suite>(options);
  EXPECT_TRUE(outcome.passed) << model::report(outcome, rule);
}

// ---- Scenarios ------------------------------------------------------------------------------

/// What the deque scenarios share: the deque (created in each scenario's before()), the ledger of
/// taken items, and the check after the threads: whatever is left is drained, and every item
/// pushed must have been taken exactly once.
template <class Scenario, unsigned Threads, int Items>
struct DequeScenario : rl::test_suite<Scenario, Threads> {
  ChaseLevDeque<int>* deque = nullptr;
  Ledger<Items> ledger;
  void after() {
    drain(*deque, ledger);
    ledger.check();
    delete deque;
  }
};

// The owner pushes two items and takes two while one thief steals twice: the paper's core race
// (the owner's store of bottom against the thief's load of it, and the CAS on the last item).
struct OwnerTakesTwoWhileAThiefStealsTwo : DequeScenario<OwnerTakesTwoWhileAThiefStealsTwo, 2, 2> {
  void before() { deque = new ChaseLevDeque<int>(8); }
  void thread(unsigned index) {
    model::guarded([&] {
      if (index == 0) {
        deque->push(1);
        deque->push(2);
        ledger.take(deque->pop(), "the owner");
        ledger.take(deque->pop(), "the owner");
      } else {
        ledger.take(deque->steal(), "the thief");
        ledger.take(deque->steal(), "the thief");
      }
    });
  }
};

TEST(ChaseLevModel, OwnerAndOneThiefTakeEveryItemExactlyOnce) {
  expect_verified<OwnerTakesTwoWhileAThiefStealsTwo>(
      {model::Search::random, 200'000, {"owner", "thief"}},
      "every pushed item is taken exactly once, by the owner's pop() or a thief's steal(): the "
      "seq_cst fences in pop() and steal() order the owner's store of bottom against the thief's "
      "load of it");
}

// Two thieves and the owner, around two items: thieves race each other (CAS on top) and the
// owner. Random search: three threads are too many for the full search in seconds.
struct OwnerAndTwoThieves : DequeScenario<OwnerAndTwoThieves, 3, 2> {
  void before() { deque = new ChaseLevDeque<int>(8); }
  void thread(unsigned index) {
    model::guarded([&] {
      if (index == 0) {
        deque->push(1);
        deque->push(2);
        ledger.take(deque->pop(), "the owner");
      } else {
        ledger.take(deque->steal(), index == 1 ? "thief 1" : "thief 2");
      }
    });
  }
};

TEST(ChaseLevModel, OwnerAndTwoThievesTakeEveryItemExactlyOnce) {
  expect_verified<OwnerAndTwoThieves>(
      {model::Search::random, 200'000, {"owner", "thief 1", "thief 2"}},
      "every pushed item is taken exactly once, with two thieves racing each other (the CAS on "
      "top) and the owner");
}

// The last item: the owner pops it while a thief steals it; then the owner pushes and pops
// again, which only works if pop() left bottom consistent with top whoever won.
struct LastItem : DequeScenario<LastItem, 2, 2> {
  void before() { deque = new ChaseLevDeque<int>(8); }
  void thread(unsigned index) {
    model::guarded([&] {
      if (index == 0) {
        deque->push(1);
        ledger.take(deque->pop(), "the owner");
        deque->push(2);
        ledger.take(deque->pop(), "the owner");
      } else {
        ledger.take(deque->steal(), "the thief");
      }
    });
  }
};

TEST(ChaseLevModel, TheLastItemGoesToOneSideAndBottomIsRestored) {
  expect_verified<LastItem>(
      {model::Search::random, 200'000, {"owner", "thief"}},
      "the last item goes to exactly one of owner and thief (both race with a CAS on top), and "
      "pop() puts bottom back to top afterwards, so that the next push is seen");
}

// Slots are reused: the thief must read its slot before its CAS on top, because once top has
// moved the owner may overwrite that slot (capacity 2, so it wraps after two pushes).
struct SlotReuse : DequeScenario<SlotReuse, 2, 4> {
  void before() {
    deque = new ChaseLevDeque<int>(2);
    model::guarded([&] {
      deque->push(1);
      ledger.take(deque->pop(), "the owner (before the threads start)");  // top = bottom = 1
    });
  }
  void thread(unsigned index) {
    model::guarded([&] {
      if (index == 0) {
        deque->push(2);  // index 1: slot 1
        deque->push(3);  // index 2: slot 0 (if top has moved to 2, else the buffer grows)
        deque->push(4);  // index 3: slot 1 again, if a thief has claimed index 1 by then
      } else {
        ledger.take(deque->steal(), "the thief");
      }
    });
  }
};

TEST(ChaseLevModel, AThiefReadsItsSlotBeforeClaimingIt) {
  expect_verified<SlotReuse>(
      {model::Search::random, 100'000, {"owner", "thief"}},
      "steal() reads the slot before its CAS on top: after the CAS the owner may reuse the slot "
      "for a new item, which the thief would then return as well");
}

// Growth: the owner fills a buffer of 2, grows it while a thief may hold the old buffer's
// pointer, and the thief reads from it. The old buffer must stay alive (Relacy reports an
// access to freed memory otherwise) and the copied items must be visible in the new one.
struct GrowthWhileAThiefReads : DequeScenario<GrowthWhileAThiefReads, 2, 3> {
  void before() { deque = new ChaseLevDeque<int>(2); }
  void thread(unsigned index) {
    model::guarded([&] {
      if (index == 0) {
        deque->push(1);
        deque->push(2);
        deque->push(3);  // grows: 2 -> 4
        ledger.take(deque->pop(), "the owner");
      } else {
        ledger.take(deque->steal(), "the thief");
        ledger.take(deque->steal(), "the thief");
      }
    });
  }
};

TEST(ChaseLevModel, GrowthKeepsTheOldBufferForThievesStillReadingIt) {
  expect_verified<GrowthWhileAThiefReads>(
      {model::Search::random, 100'000, {"owner", "thief"}},
      "a thief that loaded the old buffer's pointer may still read from it after push() grew "
      "the deque: old buffers live until the deque is destroyed, and the new one is published "
      "with release so that its copied items are visible");
}

// What an item points to: the owner writes a payload (a plain, non-atomic variable, which
// Relacy watches for data races), then pushes a pointer to it; a thief that steals the pointer
// reads the payload. Only push()'s release (fence or store) makes that read safe.
struct Payload {
  rl::var<int> value;
};

struct PublishPayload : rl::test_suite<PublishPayload, 2> {
  ChaseLevDeque<Payload*>* deque = nullptr;
  Payload* payload = nullptr;
  void before() {
    deque = new ChaseLevDeque<Payload*>(8);
    payload = new Payload;
  }
  void thread(unsigned index) {
    model::guarded([&] {
      if (index == 0) {
        payload->value(parlab::sync::where(parlab::sync::Here::current())) = 42;
        deque->push(payload);
      } else {
        const StealResult<Payload*> got = deque->steal();
        if (got.succeeded()) {
          if (got.value != payload) {
            model::fail(
                "the thief stole a pointer that was never pushed: it read the slot "
                "before the owner's store to it was visible");
            return;
          }
          const int seen = got.value->value(parlab::sync::where(parlab::sync::Here::current()));
          if (seen != 42) {
            model::fail("the thief read the payload before the owner's write to it was visible");
          }
        }
      }
    });
  }
  void after() {
    (void)deque->pop();
    delete payload;
    delete deque;
  }
};

TEST(ChaseLevModel, PushPublishesWhatTheItemPointsTo) {
  expect_verified<PublishPayload>(
      {model::Search::full, 100'000, {"owner", "thief"}},
      "push() publishes the item with release (a release fence before the store of bottom, or "
      "a release store), and steal() reads bottom with acquire: a thief that sees the new bottom "
      "sees the slot and everything the owner wrote before push()");
}

}  // namespace

// Lab 4, part C: the sleep protocol, model-checked. Built with PARLAB_SYNC_MODEL: sleep.hpp's
// atomics, fences, wait and notify (and the deque's) are Relacy's, which tries every interleaving
// of a worker falling asleep against a pusher or a latch, and reports a worker left asleep forever
// as a deadlock. CTest label `model`; run alone with `scripts/test --lab 4 --model`.
#include <gtest/gtest.h>

#include <chase_lev_deque.hpp>  // <>: the flavour's copies, not the ones beside this file
#include <sleep.hpp>

#include "common/testing/model.hpp"

namespace {

using parlab::steal::ChaseLevDeque;
using parlab::steal::SleeperCount;
using parlab::steal::SleepWord;
using parlab::steal::StealResult;
namespace model = parlab::testing::model;
namespace sync = parlab::sync;

template <class Suite>
void expect_verified(const model::Options& options, const char* rule) {
  const model::Outcome outcome = model::check<Suite>(options);
  EXPECT_TRUE(outcome.passed) << model::report(outcome, rule);
}

// The lost wake-up: a worker finds the pusher's deque empty and goes to sleep while the pusher
// pushes a job and looks for sleepers. Whatever the interleaving, the worker must end up with
// the job: its re-check finds it, or the pusher sees it and wakes it. A worker left blocked
// when every other thread has finished is reported by Relacy as a deadlock.
struct PushAgainstSleep : rl::test_suite<PushAgainstSleep, 2> {
  ChaseLevDeque<int>* deque = nullptr;
  SleepWord* word = nullptr;
  SleeperCount* sleepers = nullptr;
  int worker_got = 0;
  void before() {
    deque = new ChaseLevDeque<int>(8);
    word = new SleepWord;
    sleepers = new SleeperCount;
  }
  void thread(unsigned index) {
    model::guarded([&] {
      if (index == 0) {  // the pusher (the deque's owner)
        deque->push(7);
        parlab::steal::announce_work(*sleepers, [&] { word->wake(); });
      } else {  // the idle worker: look, then sleep unless the re-check finds work, look again
        for (int round = 0; round < 2 && worker_got == 0; ++round) {
          StealResult<int> got = deque->steal();
          if (!got.succeeded()) {
            parlab::steal::sleep_unless(*word, *sleepers, [&] {
              got = deque->steal();
              return got.succeeded();
            });
          }
          if (got.succeeded()) {
            worker_got = got.value;
          }
        }
      }
    });
  }
  void after() {
    if (worker_got != 7) {
      model::fail(
          "the worker woke up but did not find the pushed job: its wake-up came before "
          "the job was visible to it");
    }
    delete sleepers;
    delete word;
    delete deque;
  }
};

TEST(SleepModel, APushWakesAWorkerThatIsFallingAsleep) {
  expect_verified<PushAgainstSleep>(
      {model::Search::random, 100'000, {"pusher", "worker"}},
      "no lost wake-up: the worker announces that it may sleep before it looks for work once "
      "more, and the pusher looks for sleepers after its push, with a seq_cst fence on each side, "
      "so at least one of them sees the other");
}

// The join latch's half: a thief finishes the stolen job (sets a flag, seq_cst, as
// JoinLatch::set does) and wakes the job's owner, who may be falling asleep waiting for it.
struct LatchAgainstSleep : rl::test_suite<LatchAgainstSleep, 2> {
  sync::atomic<unsigned>* done = nullptr;
  SleepWord* word = nullptr;
  SleeperCount* sleepers = nullptr;
  bool waiter_saw_done = false;
  void before() {
    done = new sync::atomic<unsigned>(0);
    word = new SleepWord;
    sleepers = new SleeperCount;
  }
  void thread(unsigned index) {
    model::guarded([&] {
      if (index == 0) {  // the thief: finishes the job, then wakes its owner
        done->store(1, std::memory_order_seq_cst);
        word->wake();
      } else {  // the owner: nothing else to do, so it sleeps until the latch is set
        for (int round = 0; round < 2 && !waiter_saw_done; ++round) {
          waiter_saw_done = done->load(std::memory_order_seq_cst) != 0;
          if (!waiter_saw_done) {
            parlab::steal::sleep_unless(*word, *sleepers,
                                        [&] { return done->load(std::memory_order_seq_cst) != 0; });
          }
        }
        waiter_saw_done = done->load(std::memory_order_seq_cst) != 0;
      }
    });
  }
  void after() {
    if (!waiter_saw_done) {
      model::fail("the waiter woke up without seeing the latch set");
    }
    delete sleepers;
    delete word;
    delete done;
  }
};

TEST(SleepModel, ASetLatchWakesItsWaiterWhateverTheInterleaving) {
  expect_verified<LatchAgainstSleep>(
      {model::Search::full, 100'000, {"thief", "waiter"}},
      "a latch set while its waiter falls asleep wakes it: the waiter announces, then probes the "
      "latch; the setter stores, then wakes a sleepy word (both seq_cst)");
}

}  // namespace

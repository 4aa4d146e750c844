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
using parlab::steal::LatchFlag;
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

// The join latch's half: a thief finishes the stolen job (sets the job's LatchFlag, as a join
// latch does) and wakes the job's owner, who may be falling asleep waiting for it.
struct LatchAgainstSleep : rl::test_suite<LatchAgainstSleep, 2> {
  LatchFlag* done = nullptr;
  SleepWord* word = nullptr;
  SleeperCount* sleepers = nullptr;
  bool waiter_saw_done = false;
  void before() {
    done = new LatchFlag;
    word = new SleepWord;
    sleepers = new SleeperCount;
  }
  void thread(unsigned index) {
    model::guarded([&] {
      if (index == 0) {  // the thief: finishes the job, then wakes its owner
        done->set();
        word->wake();
      } else {  // the owner: nothing else to do, so it sleeps until the latch is set
        for (int round = 0; round < 2 && !waiter_saw_done; ++round) {
          waiter_saw_done = done->probe();
          if (!waiter_saw_done) {
            parlab::steal::sleep_unless(*word, *sleepers, [&] { return done->probe(); });
          }
        }
        waiter_saw_done = done->probe();
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
      "latch; the setter sets the latch, then wakes a sleepy word (LatchFlag's set and probe "
      "are seq_cst, in the total order with the sleep word's announce and wake)");
}

// The join latch's own memory order: the thief writes the job's result (a plain variable,
// as join's Outcome is) and sets the latch; the owner probes it and, once it sees it set,
// reads the result. Relacy reports the read as a data race unless set() publishes what came
// before it to a probe() that sees it (release and acquire at least).
struct LatchPublishes : rl::test_suite<LatchPublishes, 2> {
  LatchFlag* latch = nullptr;
  rl::var<int>* result = nullptr;
  void before() {
    latch = new LatchFlag;
    result = new rl::var<int>(0);
  }
  void thread(unsigned index) {
    model::guarded([&] {
      if (index == 0) {  // the thief: finishes the job, then sets its latch
        (*result)(parlab::sync::where(parlab::sync::Here::current())) = 42;
        latch->set();
      } else {  // the owner: polls the latch, as a waiting worker does between jobs
        for (int round = 0; round < 3; ++round) {
          if (latch->probe()) {
            if ((*result)(parlab::sync::where(parlab::sync::Here::current())) != 42) {
              model::fail("the owner saw the latch set but not the job's result");
            }
            return;
          }
        }
      }
    });
  }
  void after() {
    delete result;
    delete latch;
  }
};

TEST(SleepModel, AJoinLatchPublishesTheJobsResultToItsWaiter) {
  expect_verified<LatchPublishes>(
      {model::Search::full, 100'000, {"thief", "owner"}},
      "once probe() sees the latch set, everything the setter did before set() is visible: set() "
      "stores with release (or stronger) and probe() loads with acquire (or stronger)");
}

}  // namespace

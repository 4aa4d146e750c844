// Lab 4, part B (work stealing): the graded tests for calls from a worker of one scheduler into
// another (scheduler.hpp, scheduler.cpp). Do not edit: the grader checks this file against the
// release's copy. Angle brackets on purpose: a quoted include would find the starter beside this
// file even when the solution flavour is being built; <> searches only the flavour's include path.
#include <scheduler.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <stdexcept>
#include <string>

#include "common/testing/bounded.hpp"

namespace parlab::steal {
namespace {

using namespace std::chrono_literals;
using parlab::testing::eventually;
using parlab::testing::finish_within;

// The rule every test here checks, said in each failure message. A worker that blocks while it
// waits for another scheduler is lost to its own: if the job calls back, it waits for a worker
// that waits for it.
constexpr const char* kRule =
    "(rule: a worker that calls run() or join() on another scheduler injects the job there and, "
    "while it waits, keeps running its own scheduler's jobs, as a join does while its other side "
    "is stolen)";

// A deadlock here is not slowness: a correct scheduler finishes each of these in milliseconds.
constexpr auto kLimit = 20s;

/// What one round trip saw; filled in by the jobs, read after they have all finished.
struct RoundTrip {
  std::atomic<std::size_t> outward_started{0};    // jobs of `there` that have started
  std::atomic<std::size_t> outward_elsewhere{0};  // ... on a thread that is not a worker of `there`
  std::atomic<std::size_t> back_elsewhere{0};     // calls back that ran off the workers of `home`
  std::atomic<std::size_t> gave_up_waiting{0};    // outward jobs that did not see all the others
};

/// One call from a worker of `home` into `there` whose job calls back into `home`. The outward
/// job first waits (bounded) until `callers - 1` outward jobs have started, so that when it calls
/// back, that many workers of `home` are waiting for `there` at once, and the last one is about
/// to. (Not `callers`: a scheduler may keep one of its N workers as a seat for a thread that
/// calls run() from outside, as oneTBB's arenas do, and then runs only N - 1 injected jobs at
/// once. Waiting for all but one still leaves every worker of `home` waiting for `there`: a
/// worker that blocked there instead of serving `home` would deadlock this test.)
int call_out_and_back(Scheduler& home, Scheduler& there, std::size_t callers, RoundTrip& seen) {
  return there.run([&] {
    if (Scheduler::current() != &there) {
      seen.outward_elsewhere.fetch_add(1);
    }
    seen.outward_started.fetch_add(1);
    if (!eventually(10s, [&] { return seen.outward_started.load() + 1 >= callers; })) {
      seen.gave_up_waiting.fetch_add(1);
    }
    return home.run([&] {
      if (Scheduler::current() != &home) {
        seen.back_elsewhere.fetch_add(1);
      }
      return 1;
    });
  });
}

/// Makes `callers` round trips at once from inside `home`, forked with join, and sums them.
int fan_out(Scheduler& home, Scheduler& there, std::size_t first, std::size_t last,
            std::size_t callers, RoundTrip& seen) {
  if (last - first == 1) {
    return call_out_and_back(home, there, callers, seen);
  }
  const std::size_t middle = first + (last - first) / 2;
  auto [left, right] = home.join([&] { return fan_out(home, there, first, middle, callers, seen); },
                                 [&] { return fan_out(home, there, middle, last, callers, seen); });
  return left + right;
}

/// `workers` workers per scheduler and as many round trips at once: with a blocking call, every
/// worker of `home` ends up waiting for `there` while `there`'s jobs wait for `home`.
void expect_round_trips_return(std::size_t workers) {
  const std::string what = std::to_string(workers) +
                           " round trip(s) at once home -> there -> home with " +
                           std::to_string(workers) + " worker(s) per scheduler " + kRule;
  finish_within(kLimit, what, [workers] {
    Scheduler home(workers);
    Scheduler there(workers);
    RoundTrip seen;
    const int total = home.run([&] { return fan_out(home, there, 0, workers, workers, seen); });
    EXPECT_EQ(total, static_cast<int>(workers)) << "every round trip returns 1";
    EXPECT_EQ(seen.outward_started.load(), workers) << "one job on `there` per round trip";
    EXPECT_EQ(seen.outward_elsewhere.load(), 0U)
        << "there.run(f) called from a worker of another scheduler must run f on a worker of "
           "`there`";
    EXPECT_EQ(seen.back_elsewhere.load(), 0U)
        << "home.run(g) called from a worker of `there` must run g on a worker of `home`";
    EXPECT_EQ(seen.gave_up_waiting.load(), 0U)
        << "fewer than " << workers - 1 << " of the " << workers << " jobs on `there` were "
        << "running at once after 10 s, although `there` has " << workers << " workers";
  });
}

TEST(CrossScheduler, RoundTripReturnsWithOneWorkerEach) {
  // The smallest case, exactly: s2's only worker waits for s1, whose job needs s2.
  finish_within(
      kLimit, "s2.run(s1.run(s2.run(42))) with one worker per scheduler " + std::string(kRule), [] {
        Scheduler s1(1);
        Scheduler s2(1);
        const int result =
            s2.run([&] { return s1.run([&] { return s2.run([] { return 42; }); }); });
        EXPECT_EQ(result, 42);
      });
  expect_round_trips_return(1);
}

TEST(CrossScheduler, RoundTripsReturnWithTwoWorkersEach) { expect_round_trips_return(2); }

TEST(CrossScheduler, RoundTripsReturnWithThreeAndFourWorkersEach) {
  expect_round_trips_return(3);
  expect_round_trips_return(4);
}

TEST(CrossScheduler, JoinFromAWorkerOfAnotherSchedulerCanCallBack) {
  finish_within(kLimit,
                "s2.run(s1.join(s2.run(1), s2.run(2))) with one worker each " + std::string(kRule),
                [] {
                  Scheduler s1(1);
                  Scheduler s2(1);
                  const auto [a, b] = s2.run([&] {
                    return s1.join([&] { return s2.run([] { return 1; }); },
                                   [&] { return s2.run([] { return 2; }); });
                  });
                  EXPECT_EQ(a, 1);
                  EXPECT_EQ(b, 2);
                });
}

TEST(CrossScheduler, CarriesAnExceptionBackToTheCallingWorker) {
  finish_within(kLimit, "s2.run(s1.run(throw)) with one worker each " + std::string(kRule), [] {
    Scheduler s1(1);
    Scheduler s2(1);
    const bool caught = s2.run([&] {
      try {
        s1.run([&]() -> int {
          s2.run([] {});  // the caller is waiting: its scheduler still runs this
          throw std::runtime_error("from s1");
        });
      } catch (const std::runtime_error&) {
        return Scheduler::current() == &s2;
      }
      return false;
    });
    EXPECT_TRUE(caught) << "s1.run(f) called from a worker of s2 must rethrow f's exception on "
                           "that worker, which then carries on";
    EXPECT_EQ(s2.run([&] { return s1.run([] { return 7; }); }), 7)
        << "both schedulers keep working after the exception";
  });
}

}  // namespace
}  // namespace parlab::steal

// Lab 4, part C (work stealing): the graded tests for sleeping workers (scheduler.hpp,
// scheduler.cpp): idle workers use no CPU, new work and finished jobs wake them, and no
// wake-up is lost.
// Do not edit: the grader checks this file against the release's copy.
// Angle brackets on purpose: a quoted include would find the starter beside this file even
// when the solution flavour is being built; <> searches only the flavour's include path.
#include <scheduler.hpp>
#include <sleep.hpp>

#include <gtest/gtest.h>
#include <pthread.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/instrument.hpp"
#include "common/testing/bounded.hpp"
#include "common/testing/forced_steal.hpp"

namespace parlab::steal {
namespace {

using namespace std::chrono_literals;
using parlab::testing::eventually;
using parlab::testing::finish_within;
using parlab::testing::ForcedSteal;
using parlab::testing::join_where_a_waits_for_b;
using parlab::testing::Nothing;

std::uint64_t fib(Scheduler& scheduler, int n) {
  if (n < 2) {
    return static_cast<std::uint64_t>(n);
  }
  auto [a, b] =
      scheduler.join([&] { return fib(scheduler, n - 1); }, [&] { return fib(scheduler, n - 2); });
  return a + b;
}

constexpr std::uint64_t fib_sequential(int n) {
  return n < 2 ? static_cast<std::uint64_t>(n) : fib_sequential(n - 1) + fib_sequential(n - 2);
}

TEST(Sleeping, AnIdleSchedulerUsesAlmostNoCpu) {
  finish_within(30s, "measuring an idle scheduler", [] {
    Scheduler scheduler(2);
    ASSERT_EQ(scheduler.run([&] { return fib(scheduler, 18); }), fib_sequential(18));
    std::this_thread::sleep_for(10ms);  // spinning, if any, should be over by now
    const auto cpu_before = process_cpu_time();
    std::this_thread::sleep_for(200ms);
    const auto used = process_cpu_time() - cpu_before;
    EXPECT_LT(used, 2ms) << "the process used "
                         << std::chrono::duration_cast<std::chrono::microseconds>(used).count()
                         << " us of CPU in 200 ms (limit: 1 % of a core, 2 ms) while the "
                            "scheduler had had nothing to do for 10 ms.\nRule: idle workers "
                            "spin only briefly, then sleep (atomic::wait or a condition "
                            "variable), and nothing wakes them until work arrives.";
  });
}

// The CPU time of one thread: the kernel's count for it (CLOCK_THREAD_CPUTIME_ID, read through
// the thread's own clock id so that another thread can read it). Not wall-clock time.
std::chrono::nanoseconds thread_cpu_time(std::thread& thread) {
  clockid_t clock{};
  timespec now{};
  if (pthread_getcpuclockid(thread.native_handle(), &clock) != 0 ||
      clock_gettime(clock, &now) != 0) {
    ADD_FAILURE() << "could not read the CPU clock of a thread";
    return {};
  }
  return std::chrono::seconds(now.tv_sec) + std::chrono::nanoseconds(now.tv_nsec);
}

// A thread outside the pool whose job runs on a worker (the caller's seat is taken) waits in
// run() for a long job. Measured: the CPU time of that waiting thread alone, over 200 ms, after
// 50 ms for any brief spin to end.
TEST(Sleeping, AnOutsideCallerWaitingInRunUsesAlmostNoCpu) {
  finish_within(60s, "an outside caller waiting in run() for a long job", [] {
    Scheduler scheduler(2);
    std::atomic<bool> seat_held{false};
    std::atomic<bool> release_seat{false};
    std::atomic<bool> job_started{false};
    std::atomic<bool> release_job{false};
    // seq_cst flags: a test's handshakes, where the simplest reasoning wins.
    std::thread seated([&] {
      scheduler.run([&] {
        seat_held.store(true);
        (void)eventually(30s, [&] { return release_seat.load(); });
      });
    });
    const bool seat_taken = eventually(20s, [&] { return seat_held.load(); });
    std::thread waiter([&] {
      scheduler.run([&] {
        job_started.store(true);
        (void)eventually(30s, [&] { return release_job.load(); });
      });
    });
    const bool started = eventually(20s, [&] { return job_started.load(); });
    std::chrono::nanoseconds used{};
    if (seat_taken && started) {
      std::this_thread::sleep_for(50ms);  // a brief spin, if any, should be over by now
      const std::chrono::nanoseconds before = thread_cpu_time(waiter);
      std::this_thread::sleep_for(200ms);
      used = thread_cpu_time(waiter) - before;
    }
    release_job.store(true);
    waiter.join();
    release_seat.store(true);
    seated.join();
    ASSERT_TRUE(seat_taken) << "the first outside caller's job never started";
    ASSERT_TRUE(started) << "the second outside caller's job did not start within 20 s";
    EXPECT_LT(used, 2ms) << "the thread waiting in run() used "
                         << std::chrono::duration_cast<std::chrono::microseconds>(used).count()
                         << " us of CPU in 200 ms (limit: 1 % of a core, 2 ms) while a worker ran "
                            "its job.\nRule: an outside caller that waits for its job polls "
                            "only briefly, then blocks (a condition variable or atomic::wait) "
                            "until the job's latch is set.";
  });
}

TEST(Sleeping, NewWorkWakesASleepingWorker) {
  finish_within(60s, "a join whose b only a sleeping worker can run", [] {
    Scheduler scheduler(2);
    scheduler.run([] {});
    std::this_thread::sleep_for(50ms);  // both workers are asleep now
    const ForcedSteal seen = join_where_a_waits_for_b(scheduler, 20s);
    const bool a_saw_b = seen.a_saw_b;
    const std::optional<std::size_t> a_worker = seen.a_worker;
    const std::optional<std::size_t> b_worker = seen.b_worker;
    EXPECT_TRUE(a_saw_b) << "b was pushed while the other worker slept, and nobody woke it.\n"
                            "Rule: pushing work wakes a sleeping worker if there is one.";
    EXPECT_NE(a_worker, b_worker);
  });
}

TEST(Sleeping, AFinishedStolenJobWakesItsSleepingOwner) {
  finish_within(60s, "a join whose owner sleeps until the thief finishes b", [] {
    Scheduler scheduler(2);
    std::atomic<bool> b_finished{false};
    (void)join_where_a_waits_for_b(scheduler, 20s, Nothing{}, [&] {
      std::this_thread::sleep_for(200ms);  // long enough for the owner to fall asleep
      b_finished.store(true, std::memory_order_release);
    });
    EXPECT_TRUE(b_finished.load(std::memory_order_acquire))
        << "join returned before the stolen b had finished";
  });
}

// The pause point of sleep.hpp, as this test uses it: the first worker that reaches it while
// `catching` is set stays there until `release` (or 20 s); every other call passes through.
namespace pause_point {
std::atomic<bool> catching{false};
std::atomic<bool> caught{false};
std::atomic<bool> release{false};
std::optional<std::size_t> caught_worker;  // written before `caught` is set
void hold_one_worker() {
  bool expected = true;
  // seq_cst: a test's flags, where the simplest reasoning wins.
  if (!catching.compare_exchange_strong(expected, false)) {
    return;
  }
  caught_worker = Scheduler::current_worker();
  caught.store(true);
  (void)eventually(20s, [] { return release.load(); });
}
/// Installs the hook for one test and always removes it, whatever the test throws.
struct Installed {
  Installed() {
    catching.store(true);
    caught.store(false);
    release.store(false);
    caught_worker.reset();
    before_sleep_announcement.store(&hold_one_worker, std::memory_order_release);
  }
  ~Installed() {
    before_sleep_announcement.store(nullptr, std::memory_order_release);
    catching.store(false);
    release.store(true);
  }
  Installed(const Installed&) = delete;
  Installed& operator=(const Installed&) = delete;
};
}  // namespace pause_point

// The lost wake-up, made to happen every time. A worker of an idle scheduler has searched for
// work, found none, and is held just before it announces that it may sleep. Then join(a, b)
// pushes b: the pusher looks for sleepers and finds none (nobody has announced), so it wakes
// nobody; a waits (bounded) for b to start. The held worker is let go: it announces, and its
// re-check must find b on the other worker's deque and steal it. A worker that announces and
// sleeps without looking again (or whose re-check skips the deques) sleeps through b, and a
// gives up after 10 s.
TEST(Sleeping, NoWakeUpIsLostWhenWorkArrivesJustBeforeTheSleepAnnouncement) {
  finish_within(60s, "a worker held just before its sleep announcement", [] {
    const pause_point::Installed hook;
    Scheduler scheduler(2);
    ASSERT_TRUE(eventually(10s, [] { return pause_point::caught.load(); }))
        << "no worker of an idle 2-worker scheduler reached sleep_unless() within 10 s.\nRule: an "
           "idle worker goes to sleep through sleep_unless() (sleep.hpp), which calls "
           "pause_point_before_sleep_announcement() first.";
    const std::optional<std::size_t> held = pause_point::caught_worker;
    const ForcedSteal seen = join_where_a_waits_for_b(scheduler, 10s, [] {
      pause_point::release.store(true);  // b is on this worker's deque: let the other go
    });
    const bool a_saw_b = seen.a_saw_b;
    const std::optional<std::size_t> b_worker = seen.b_worker;
    EXPECT_TRUE(a_saw_b)
        << "b did not start within 10 s. Worker " << (held ? std::to_string(*held) : "?")
        << " was held after its last search for work and before it announced that it may "
           "sleep; b was pushed then (the pusher saw no sleeper and woke nobody), and the "
           "worker was let go.\nRule: the sleeper announces first, then looks for work once "
           "more (every deque, the injector, its latch), and sleeps only if that finds nothing: "
           "work pushed before the announcement is found by the re-check, work pushed after "
           "it is seen by the pusher, who wakes the sleeper.";
    if (a_saw_b && held.has_value()) {
      EXPECT_EQ(b_worker, held) << "b must have been stolen by the worker that was held";
    }
  });
}

TEST(Sleeping, NoWakeUpIsLostAcrossManyIdleBusyCycles) {
  // Short pauses between bursts of work put workers to sleep at every moment of their protocol;
  // a lost wake-up shows up as a hang (caught by finish_within) rather than a wrong value.
  finish_within(120s, "2,000 bursts of work separated by idle gaps", [] {
    Scheduler scheduler(2);
    std::mt19937 random(42);
    std::uniform_int_distribution<int> pause_us(0, 300);
    for (int round = 0; round < 2'000; ++round) {
      ASSERT_EQ(scheduler.run([&] { return fib(scheduler, 8); }), fib_sequential(8));
      std::this_thread::sleep_for(std::chrono::microseconds(pause_us(random)));
    }
  });
}

TEST(Sleeping, NoWakeUpIsLostWithManyOutsideCallers) {
  finish_within(120s, "4 outside threads submitting bursts with idle gaps", [] {
    Scheduler scheduler(3);
    std::vector<std::thread> callers;
    std::atomic<int> wrong{0};
    for (int t = 0; t < 4; ++t) {
      callers.emplace_back([&, t] {
        std::mt19937 random(static_cast<unsigned>(t));
        std::uniform_int_distribution<int> pause_us(0, 200);
        for (int round = 0; round < 300; ++round) {
          try {
            if (scheduler.run([&] { return fib(scheduler, 10); }) != fib_sequential(10)) {
              wrong.fetch_add(1, std::memory_order_relaxed);
            }
          } catch (...) {  // an exception escaping a thread would terminate the test binary
            wrong.fetch_add(1, std::memory_order_relaxed);
          }
          std::this_thread::sleep_for(std::chrono::microseconds(pause_us(random)));
        }
      });
    }
    for (auto& caller : callers) {
      caller.join();
    }
    EXPECT_EQ(wrong.load(), 0);
  });
}

TEST(Sleeping, DestructionIsCleanWhenIdleFreshOrJustBusy) {
  finish_within(120s, "destroying schedulers in every state", [] {
    for (int round = 0; round < 20; ++round) {
      { Scheduler fresh(2); }  // workers may not even have started
      {
        Scheduler idle(2);
        idle.run([] {});
        std::this_thread::sleep_for(2ms);
      }
      {
        Scheduler busy(2);
        EXPECT_EQ(busy.run([&] { return fib(busy, 16); }), fib_sequential(16));
      }  // destroyed right after heavy use, while workers may still be spinning
    }
  });
}

}  // namespace
}  // namespace parlab::steal

// Lab 3 (thread pool): the rules every pool of this lab must keep, written once as templates over
// the pool type and called from thread_pool_test.cpp (parts A-C) and multi_queue_pool_test.cpp
// (part E), so each pool is graded on its own. Test code: do not edit.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "common/instrument.hpp"
#include "common/testing/bounded.hpp"
#include "common/testing/rendezvous.hpp"
#include "common/testing/thread_census.hpp"
#include "common/workload.hpp"

namespace parlab::pool::rules {

using namespace std::chrono_literals;

/// Every test body that waits on a pool runs under this limit: a deadlock or a lost wake-up
/// fails the test (exit status 3, reported as a timeout) instead of hanging the run.
inline constexpr std::chrono::milliseconds kLimit = 30s;

/// How long a task that waits for the others to start (parlab::testing::Rendezvous) waits before
/// it gives up. It only ends a wait that is never met; a met one takes microseconds.
inline constexpr std::chrono::milliseconds kMeetingLimit = 10s;

template <class Body>
void bounded(const std::string& what, Body body) {
  parlab::testing::finish_within(kLimit, what, std::move(body));
}

/// Runs body(i) for i in [0, threads) on that many new threads at once, joins them all, then
/// rethrows the first exception any of them threw (so a throwing pool fails the test cleanly).
template <class Body>
void on_threads(std::size_t threads, Body body) {
  std::vector<std::exception_ptr> errors(threads);
  std::vector<std::thread> started;
  started.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i) {
    started.emplace_back([&body, &errors, i] {
      try {
        body(i);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    });
  }
  for (auto& thread : started) {
    thread.join();
  }
  for (const auto& error : errors) {
    if (error) {
      std::rethrow_exception(error);
    }
  }
}

/// Keeps a computed value alive without printing it (the tests' stand-in for
/// benchmark::DoNotOptimize).
inline void keep(std::uint64_t value) {
  static std::atomic<std::uint64_t> sink{0};
  sink.fetch_xor(value, std::memory_order_relaxed);  // relaxed: nobody reads it
}

template <class Pool>
void rejects_zero_workers(const char* pool_name) {
  try {
    Pool pool(0);
    ADD_FAILURE() << pool_name << "(0) constructed a pool without throwing.\n"
                  << "Rule: a pool with no worker can never run a task, so 0 workers is a "
                     "caller error: throw std::invalid_argument with a message that says why.";
  } catch (const std::invalid_argument& error) {
    EXPECT_GT(std::string(error.what()).size(), 10U)
        << "the std::invalid_argument should say why 0 workers is rejected; what() is \""
        << error.what() << "\"";
  }
}

template <class Pool>
void defaults_to_hardware_concurrency(const char* pool_name) {
  bounded(std::string(pool_name) + "() and its destructor", [&] {
    const Pool pool;
    const std::size_t expected = std::max(1U, std::thread::hardware_concurrency());
    EXPECT_EQ(pool.size(), expected)
        << "a default-constructed " << pool_name << " has " << pool.size() << " workers.\n"
        << "Rule: the default is std::thread::hardware_concurrency(), or 1 where that is 0 "
           "(unknown).";
    EXPECT_EQ(Pool(3).size(), 3U) << "size() must report the worker count it was given";
  });
}

template <class Pool>
void returns_results_through_futures(const char* pool_name) {
  bounded(std::string(pool_name) + ": submit and get", [&] {
    Pool pool(2);
    std::future<int> sum = pool.submit([](int a, int b) { return a + b; }, 40, 2);
    std::future<std::string> text =
        pool.submit([](const std::string& a, std::string b) { return a + b; },
                    std::string("thread "), std::string("pool"));
    std::future<double> half = pool.submit([] { return 0.5; });
    EXPECT_EQ(sum.get(), 42) << "submit(f, 40, 2) must call f(40, 2) and deliver its result";
    EXPECT_EQ(text.get(), "thread pool");
    EXPECT_DOUBLE_EQ(half.get(), 0.5);
  });
}

template <class Pool>
void runs_every_task_once_with_eight_submitters(const char* pool_name) {
  constexpr std::size_t kSubmitters = 8;
  constexpr std::size_t kPerSubmitter = 2'000;
  bounded(std::string(pool_name) + ": 8 threads submitting 16,000 tasks", [&] {
    Pool pool(4);
    std::vector<std::atomic<int>> runs(kSubmitters * kPerSubmitter);
    on_threads(kSubmitters, [&](std::size_t s) {
      std::vector<std::future<std::size_t>> results;
      results.reserve(kPerSubmitter);
      for (std::size_t j = 0; j < kPerSubmitter; ++j) {
        const std::size_t index = s * kPerSubmitter + j;
        results.push_back(pool.submit([&runs, index] {
          runs[index].fetch_add(1);
          return index;
        }));
      }
      for (std::size_t j = 0; j < kPerSubmitter; ++j) {
        EXPECT_EQ(results[j].get(), s * kPerSubmitter + j)
            << "submitter " << s << "'s task " << j << " delivered another task's result";
      }
    });
    std::size_t wrong = 0;
    for (std::size_t i = 0; i < runs.size(); ++i) {
      if (runs[i].load() != 1 && wrong++ < 5) {
        ADD_FAILURE() << "task " << i << " ran " << runs[i].load() << " times.\n"
                      << "Rule: every submitted task runs exactly once, even when 8 threads "
                         "submit at the same time (the queue must be protected from them all).";
      }
    }
    EXPECT_EQ(wrong, 0U) << wrong << " of 16,000 tasks did not run exactly once";
  });
}

template <class Pool>
void reuses_workers_across_ten_thousand_tasks(const char* pool_name) {
  bounded(std::string(pool_name) + ": 10,000 tasks", [&] {
    Pool pool(3);
    // Kernel thread ids (ThreadCensus), not std::thread::id: glibc gives a joined thread's id to
    // the next thread, so a pool that starts and joins a thread per task could show only one.
    parlab::testing::ThreadCensus census;
    ThreadRecorder recorder;
    std::vector<std::future<void>> done;
    done.reserve(10'000);
    for (int i = 0; i < 10'000; ++i) {
      done.push_back(pool.submit([&census, &recorder] {
        census.record();
        recorder.record();
      }));
    }
    for (auto& task : done) {
      task.get();
    }
    EXPECT_LE(census.distinct_count(), pool.size())
        << "10,000 tasks ran on " << census.distinct_count() << " distinct threads, but the "
        << "pool has " << pool.size() << " workers.\nRule: a pool starts its workers once and "
        << "reuses them for every task; starting a thread per task is what lab 3 removes.";
    EXPECT_FALSE(census.saw_this_thread() || recorder.saw(std::this_thread::get_id()))
        << "a task ran on the submitting thread.\nRule: submit only queues the task; the "
           "pool's workers run it.";
  });
}

template <class Pool>
void runs_tasks_in_order_on_one_worker(const char* pool_name) {
  bounded(std::string(pool_name) + "(1): 100 tasks in order", [&] {
    Pool pool(1);
    std::vector<int> order;  // written by the one worker only; read after every get()
    std::vector<std::future<void>> done;
    for (int i = 0; i < 100; ++i) {
      done.push_back(pool.submit([&order, i] { order.push_back(i); }));
    }
    for (auto& task : done) {
      task.get();
    }
    ASSERT_EQ(order.size(), 100U);
    for (int i = 0; i < 100; ++i) {
      ASSERT_EQ(order[static_cast<std::size_t>(i)], i)
          << "with one worker, task " << order[static_cast<std::size_t>(i)] << " ran in place " << i
          << ".\nRule: a worker takes its tasks first-in, first-out.";
    }
  });
}

template <class Pool>
void accepts_move_only_callables_and_arguments(const char* pool_name) {
  bounded(std::string(pool_name) + ": move-only tasks", [&] {
    Pool pool(2);
    auto owned = std::make_unique<int>(20);
    std::future<int> callable = pool.submit([p = std::move(owned)] { return *p + 1; });
    std::future<int> arguments =
        pool.submit([](std::unique_ptr<int> a, std::unique_ptr<int> b) { return *a + *b; },
                    std::make_unique<int>(1), std::make_unique<int>(2));
    std::future<std::unique_ptr<int>> result =
        pool.submit([](std::unique_ptr<int> p) { return p; }, std::make_unique<int>(7));
    std::future<std::size_t> mutable_state =
        pool.submit([v = std::vector<int>{1, 2, 3}, p = std::make_unique<int>(4)]() mutable {
          v.push_back(*p);  // a mutable, move-only callable: the task owns its copy of v
          return v.size();
        });
    EXPECT_EQ(callable.get(), 21) << "a lambda owning a std::unique_ptr must be accepted";
    EXPECT_EQ(arguments.get(), 3) << "std::unique_ptr arguments must be moved into the task";
    const std::unique_ptr<int> seven = result.get();
    ASSERT_NE(seven, nullptr);
    EXPECT_EQ(*seven, 7) << "a move-only result must be moved out through the future";
    EXPECT_EQ(mutable_state.get(), 4U);
  });
}

template <class Pool>
void runs_void_tasks(const char* pool_name) {
  bounded(std::string(pool_name) + ": void tasks", [&] {
    Pool pool(2);
    std::atomic<int> hits{0};
    std::future<void> first = pool.submit([&hits] { hits.fetch_add(1); });
    std::future<void> second = pool.submit([&hits](int n) { hits.fetch_add(n); }, 10);
    static_assert(std::is_same_v<decltype(pool.submit([] {})), std::future<void>>,
                  "a task returning void gives a std::future<void>");
    first.get();
    second.get();
    EXPECT_EQ(hits.load(), 11) << "both void tasks must have run once their futures are ready";
  });
}

template <class Pool>
void lets_tasks_submit_tasks(const char* pool_name) {
  bounded(std::string(pool_name) + ": a tree of 341 tasks", [&] {
    Pool pool(2);
    std::atomic<int> ran{0};
    // Each task submits four children until depth 0: 1 + 4 + 16 + 64 + 256 = 341 tasks. No task
    // waits for its children (that would block a worker: see the blocking test).
    std::function<void(int)> spawn = [&](int depth) {
      ran.fetch_add(1);
      for (int child = 0; depth > 0 && child < 4; ++child) {
        (void)pool.submit(spawn, depth - 1);
      }
    };
    pool.submit(spawn, 4).get();
    const bool all_ran = parlab::testing::eventually(20s, [&] { return ran.load() == 341; });
    EXPECT_TRUE(all_ran) << "a tree of 341 tasks, each submitting its children, ran " << ran.load()
                         << " of them.\nRule: tasks may submit tasks to their "
                         << "own pool, and those run like any other.";
  });
}

template <class Pool>
void delivers_exceptions_and_keeps_working(const char* pool_name) {
  bounded(std::string(pool_name) + "(1): failing tasks", [&] {
    Pool pool(1);
    const long worker_before = pool.submit(parlab::testing::kernel_thread_id).get();
    // Shared futures keep each exception referenced from this thread until the end of the test.
    // ThreadSanitizer cannot see std::exception_ptr's reference count (it lives in the
    // uninstrumented standard library), so if the worker, destroying its finished task, dropped
    // the last reference after our what() below, it would report a race that is not one.
    const std::shared_future<int> failing =
        pool.submit([]() -> int { throw std::runtime_error("task 17 failed"); }).share();
    const std::shared_future<void> failing_void =
        pool.submit([] { throw std::logic_error("void failed"); }).share();
    try {
      (void)failing.get();
      ADD_FAILURE() << "the task threw, but its future delivered a value";
    } catch (const std::runtime_error& error) {
      EXPECT_STREQ(error.what(), "task 17 failed")
          << "the future must rethrow the task's own exception object";
    }
    EXPECT_THROW(failing_void.get(), std::logic_error);
    const long worker_after = pool.submit(parlab::testing::kernel_thread_id).get();
    EXPECT_EQ(worker_after, worker_before)
        << "after two failing tasks, the one-worker pool ran the next task on a different "
           "thread.\nRule: a task's exception belongs to its future; the worker lives on.";
    std::vector<std::future<int>> later;
    for (int i = 0; i < 100; ++i) {
      later.push_back(pool.submit([i] { return i * i; }));
    }
    for (int i = 0; i < 100; ++i) {
      EXPECT_EQ(later[static_cast<std::size_t>(i)].get(), i * i);
    }
  });
}

template <class Pool>
void wait_until_idle_waits_for_every_task(const char* pool_name) {
  bounded(std::string(pool_name) + ": wait_until_idle", [&] {
    Pool pool(2);
    pool.wait_until_idle();  // a new pool is idle: this returns at once
    std::atomic<int> finished{0};
    for (int i = 0; i < 200; ++i) {
      (void)pool.submit([&finished, i] {
        keep(burn(2'000, static_cast<std::uint64_t>(i)));
        finished.fetch_add(1);
      });
    }
    pool.wait_until_idle();
    EXPECT_EQ(finished.load(), 200)
        << "wait_until_idle returned while " << 200 - finished.load() << " of 200 tasks had "
        << "not finished.\nRule: idle means the queue is empty and no task is running (a task "
        << "taken off the queue may still be running).";
    pool.wait_until_idle();  // idle again: returns at once
  });
}

/// The queue is empty but its only task is still running (held at a gate that opens 50 ms
/// later): wait_until_idle must wait for that task, not only for the queue.
template <class Pool>
void wait_until_idle_waits_for_a_running_task(const char* pool_name) {
  bounded(
      std::string(pool_name) + ": wait_until_idle with an empty queue", [&] {
        std::atomic<bool> started{false};
        std::atomic<bool> finished{false};
        std::promise<void> open_gate;
        std::shared_future<void> gate = open_gate.get_future().share();
        Pool pool(2);  // destroyed before the flags the task writes
        (void)pool.submit([&started, &finished, gate] {
          started.store(true);
          (void)gate.wait_for(20s);
          finished.store(true);
        });
        ASSERT_TRUE(parlab::testing::eventually(20s, [&] { return started.load(); }))
            << "the one task submitted never started";
        std::jthread opener([&open_gate] {
          std::this_thread::sleep_for(50ms);
          open_gate.set_value();
        });
        pool.wait_until_idle();  // the queue is empty now; the task is not finished
        EXPECT_TRUE(finished.load())
            << "wait_until_idle returned while the pool's only task, already taken off the queue, "
            << "was still running.\nRule: idle means the queue is empty and no task is running "
            << "(count the running tasks, and signal when the last one ends).";
      });
}

/// Every worker has been idle for 200 ms, so each sleeps (in its condition variable wait);
/// then one task is submitted, and it must run within 10 s. A push that notifies nobody leaves
/// it in the queue for good: the lost wake-up, seen without waiting for the 30 s limit.
template <class Pool>
void wakes_a_sleeping_worker_for_a_new_task(const char* pool_name) {
  bounded(std::string(pool_name) + ": a task submitted to a sleeping pool", [&] {
    Pool pool(2);
    std::this_thread::sleep_for(200ms);  // both workers run out of work and go to sleep
    std::future<int> result = pool.submit([] { return 7; });
    ASSERT_EQ(result.wait_for(10s), std::future_status::ready)
        << "a task submitted while every worker slept was still not run after 10 s.\n"
        << "Rule: a push must wake a sleeping worker (notify after pushing, under or after the "
        << "mutex; the worker re-checks the queue under the mutex before it sleeps).";
    EXPECT_EQ(result.get(), 7);
  });
}

/// The rule gate of every pool (grading.toml [[rule]]): a pool of 4 runs 4 tasks at once, one on
/// each worker. The pool first idles for 100 ms, so that every worker is asleep (they sleep after
/// kSpinBeforeSleep, 50 µs): the 4 tasks submitted then must wake and reach 4 workers, not
/// pile up behind the one that woke first. Each task waits, bounded, until all 4 have started;
/// a pool that runs one task at a time never gets them all in, and fails after one limit.
template <class Pool>
void runs_a_task_on_every_worker_at_once_after_an_idle_period(const char* pool_name) {
  constexpr std::size_t kWorkers = 4;
  bounded(std::string(pool_name) + "(4): 4 tasks that wait for one another", [&] {
    Pool pool(kWorkers);
    std::this_thread::sleep_for(100ms);  // every worker runs out of work and goes to sleep
    parlab::testing::Rendezvous meeting(kWorkers);
    parlab::testing::ThreadCensus census;
    std::vector<std::future<void>> done;
    for (std::size_t i = 0; i < kWorkers; ++i) {
      done.push_back(pool.submit([&meeting, &census] {
        census.record();
        (void)meeting.arrive_and_wait(kMeetingLimit);
      }));
    }
    for (auto& task : done) {
      task.get();
    }
    ASSERT_PRED_FORMAT2(
        parlab::testing::all_met, meeting,
        "your pool ran its tasks on one thread at a time: on a " + std::string(pool_name) +
            "(4) that had been idle, 4 tasks that each wait for the others never all started "
            "(at most " +
            std::to_string(meeting.most_at_once()) + " ran at once, on " +
            std::to_string(census.distinct_count()) +
            " distinct threads).\nRule: a pool of N workers runs up to N tasks at the same time, "
            "one on each worker: start N worker threads, and wake a sleeping worker for each "
            "task that arrives while the others are busy or asleep (for MultiQueuePool: spread "
            "the tasks over the workers' queues and wake each queue's owner).");
    EXPECT_EQ(census.distinct_count(), kWorkers)
        << "the 4 tasks ran at once on " << census.distinct_count() << " distinct threads";
  });
}

/// A task's captures (here a probe whose destructor is slow) are destroyed before
/// wait_until_idle() returns: once it returns, the caller may free whatever the captures refer
/// to. The probe's destructor waits, bounded, for the caller to report that wait_until_idle()
/// has returned, and only then marks itself destroyed; the caller reads that mark first. So a
/// pool that destroys the task after reporting it finished is caught every time, and a correct
/// one pays the probe's limit once.
template <class Pool>
void destroys_a_tasks_captures_before_wait_until_idle_returns(const char* pool_name) {
  struct Probe {
    Probe(std::atomic<bool>& destroyed_flag, const std::atomic<bool>& idle_returned_flag)
        : destroyed(destroyed_flag), idle_returned(idle_returned_flag) {}
    Probe(const Probe&) = delete;
    Probe& operator=(const Probe&) = delete;
    std::atomic<bool>& destroyed;
    const std::atomic<bool>& idle_returned;
    ~Probe() {
      (void)parlab::testing::eventually(1s, [this] { return idle_returned.load(); });
      destroyed.store(true);
    }
  };
  bounded(std::string(pool_name) + ": a task's captures and wait_until_idle", [&] {
    std::atomic<bool> destroyed{false};
    std::atomic<bool> idle_returned{false};
    Pool pool(2);  // destroyed before the flags the probe writes
    (void)pool.submit([probe = std::make_unique<Probe>(destroyed, idle_returned)] { (void)probe; });
    pool.wait_until_idle();
    const bool destroyed_before_return = destroyed.load();
    idle_returned.store(true);
    EXPECT_TRUE(destroyed_before_return)
        << "wait_until_idle returned while a finished task's captures were not yet destroyed "
        << "(a capture's destructor was still running, or had not begun).\nRule: a task ends "
        << "when its captures are destroyed: destroy the task (task = nullptr, or let it go out "
           "of scope) before counting it finished, so that the caller, once idle, may free "
           "whatever the captures refer to.";
  });
}

template <class Pool>
void destructor_runs_every_submitted_task(const char* pool_name) {
  bounded(std::string(pool_name) + "'s destructor", [&] {
    std::atomic<int> finished{0};
    std::promise<void> open_gate;
    std::shared_future<void> gate = open_gate.get_future().share();
    std::vector<std::future<int>> results;
    std::jthread opener;  // destroyed (joined) after the pool
    {
      Pool pool(1);
      // The only worker is held at the gate, so the next 100 tasks are still queued when the
      // destructor begins; the gate opens 50 ms later.
      (void)pool.submit([gate] { (void)gate.wait_for(20s); });
      for (int i = 0; i < 100; ++i) {
        results.push_back(pool.submit([&finished, i] {
          finished.fetch_add(1);
          return i;
        }));
      }
      opener = std::jthread([&open_gate] {
        std::this_thread::sleep_for(50ms);
        open_gate.set_value();
      });
    }  // ~Pool
    EXPECT_EQ(finished.load(), 100)
        << "the destructor returned after running " << finished.load() << " of the 100 queued "
        << "tasks.\nRule: destroying a pool finishes every task already submitted, then joins "
           "the workers (a future whose task was dropped would never become ready).";
    for (int i = 0; i < 100; ++i) {
      auto& result = results[static_cast<std::size_t>(i)];
      ASSERT_EQ(result.wait_for(0s), std::future_status::ready);
      EXPECT_EQ(result.get(), i);
    }
  });
}

template <class Pool>
void rejects_submit_after_shutdown(const char* pool_name) {
  bounded(std::string(pool_name) + ": shutdown", [&] {
    Pool pool(2);
    std::atomic<int> finished{0};
    for (int i = 0; i < 50; ++i) {
      (void)pool.submit([&finished] { finished.fetch_add(1); });
    }
    pool.shutdown();
    EXPECT_EQ(finished.load(), 50)
        << "shutdown() returned with " << 50 - finished.load() << " submitted tasks not run.\n"
        << "Rule: shutdown (and the destructor) drains the queue before joining.";
    try {
      (void)pool.submit([] { return 1; });
      ADD_FAILURE() << "submit after shutdown() returned normally.\nRule: once shutdown has "
                       "begun, no task can be accepted (nobody would run it): throw "
                       "std::runtime_error.";
    } catch (const std::runtime_error& error) {
      EXPECT_GT(std::string(error.what()).size(), 10U) << "say why the task was refused";
    }
    pool.shutdown();  // idempotent; the destructor calls it once more
  });
}

template <class Pool>
void uses_no_cpu_when_idle(const char* pool_name) {
  bounded(std::string(pool_name) + "(2) left idle", [&] {
    Pool pool(2);
    std::vector<std::future<int>> warm_up;
    for (int i = 0; i < 10; ++i) {
      warm_up.push_back(pool.submit([i] { return i; }));
    }
    for (auto& task : warm_up) {
      (void)task.get();
    }
    std::this_thread::sleep_for(50ms);  // let the workers run out of work and settle
    const auto before = process_cpu_time();
    std::this_thread::sleep_for(200ms);
    const auto used = process_cpu_time() - before;
    EXPECT_LT(used, 10ms)
        << "an idle pool of 2 workers used "
        << std::chrono::duration_cast<std::chrono::microseconds>(used).count()
        << " µs of CPU time in 200 ms.\nRule: an idle worker blocks (a condition variable "
           "wait), it does not spin or poll; a spinning worker would use ~200 ms.";
  });
}

template <class Pool>
void stalls_when_its_only_worker_blocks_on_a_child(const char* pool_name) {
  bounded(
      std::string(pool_name) + "(1): a task waiting for its own child", [&] {
        std::atomic<bool> child_ran{false};
        {
          Pool pool(1);
          std::future<bool> parent = pool.submit([&pool, &child_ran] {
            std::future<int> child = pool.submit([&child_ran] {
              child_ran.store(true);
              return 42;
            });
            // The child is queued behind this task on the only worker, which is busy right here.
            // get() would wait forever; wait_for lets the test observe the stall and go on.
            return child.wait_for(200ms) == std::future_status::timeout;
          });
          EXPECT_TRUE(parent.get())
              << "the parent task's wait for its child ended before the timeout, on a pool whose "
                 "only worker was running the parent.\nExpected: the child cannot run until the "
                 "parent returns (so a get() there would deadlock).";
        }  // ~Pool: the worker is free again, runs the child, and the pool shuts down cleanly
        EXPECT_TRUE(child_ran.load())
            << "the destructor must still run the child, queued behind its parent.";
      });
}

}  // namespace parlab::pool::rules

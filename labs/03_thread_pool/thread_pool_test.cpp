// Lab 3 (thread pool), parts A-D: the graded tests for thread_pool.hpp / thread_pool.cpp
// (package_task, ThreadPool, map_sum). Do not edit: the grader checks this file against the
// release's copy. Angle brackets on purpose: a quoted include would find the starter beside this
// file even when the solution flavour is being built; <> searches only the flavour's include path.
#include <thread_pool.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/data.hpp"
#include "common/instrument.hpp"
#include "common/testing/map_sum_contract.hpp"
#include "common/testing/pool_rules.hpp"
#include "common/testing/thread_census.hpp"
#include "common/workload.hpp"

namespace parlab::pool {
namespace {

using namespace std::chrono_literals;
using rules::bounded;
const auto doubled = [](std::int32_t x) { return 2 * std::int64_t{x}; };

// ---- Task A1: package_task, a call and the future of its result ----

TEST(ThreadPool, PackagesACallIntoATaskAndAFuture) {
  auto [run, result] = package_task([](std::unique_ptr<int> p, int q) { return *p + q; },
                                    std::make_unique<int>(40), 2);
  EXPECT_EQ(result.wait_for(std::chrono::seconds(0)), std::future_status::timeout)
      << "the future must not be ready before the task has run";
  run();
  ASSERT_EQ(result.wait_for(std::chrono::seconds(0)), std::future_status::ready)
      << "running the task must make its future ready";
  EXPECT_EQ(result.get(), 42) << "the task must call f(args...) and store its result";
}

TEST(ThreadPool, PackagesAThrownExceptionIntoTheFuture) {
  auto [run, result] = package_task([]() -> int { throw std::runtime_error("inside the task"); });
  EXPECT_NO_THROW(run()) << "a packaged task must not throw: a worker that runs it would die.\n"
                         << "Rule: the exception belongs in the future.";
  try {
    (void)result.get();
    ADD_FAILURE() << "the task threw, but its future delivered a value";
  } catch (const std::runtime_error& error) {
    EXPECT_STREQ(error.what(), "inside the task");
  }
}

// ---- Tasks A2-C2: the pool ----

TEST(ThreadPool, RejectsZeroWorkers) { rules::rejects_zero_workers<ThreadPool>("ThreadPool"); }

TEST(ThreadPool, DefaultsToTheHardwareConcurrency) {
  rules::defaults_to_hardware_concurrency<ThreadPool>("ThreadPool");
}

TEST(ThreadPool, ReturnsEachTasksResultThroughItsFuture) {
  rules::returns_results_through_futures<ThreadPool>("ThreadPool");
}

TEST(ThreadPool, RunsEveryTaskExactlyOnceWithEightSubmitters) {
  rules::runs_every_task_once_with_eight_submitters<ThreadPool>("ThreadPool");
}

TEST(ThreadPool, ReusesItsWorkersAcrossTenThousandTasks) {
  rules::reuses_workers_across_ten_thousand_tasks<ThreadPool>("ThreadPool");
}

// The rule gate of parts B and D (grading.toml [[rule]]): the workers run tasks at the same time.
TEST(ThreadPool, RunsATaskOnEveryWorkerAtOnceAfterAnIdlePeriod) {
  rules::runs_a_task_on_every_worker_at_once_after_an_idle_period<ThreadPool>("ThreadPool");
}

TEST(ThreadPool, RunsTasksInSubmissionOrderOnOneWorker) {
  rules::runs_tasks_in_order_on_one_worker<ThreadPool>("ThreadPool");
}

TEST(ThreadPool, AcceptsMoveOnlyCallablesArgumentsAndResults) {
  rules::accepts_move_only_callables_and_arguments<ThreadPool>("ThreadPool");
}

TEST(ThreadPool, RunsVoidTasks) { rules::runs_void_tasks<ThreadPool>("ThreadPool"); }

TEST(ThreadPool, LetsTasksSubmitMoreTasks) {
  rules::lets_tasks_submit_tasks<ThreadPool>("ThreadPool");
}

TEST(ThreadPool, DeliversATasksExceptionToItsFutureAndKeepsWorking) {
  rules::delivers_exceptions_and_keeps_working<ThreadPool>("ThreadPool");
}

TEST(ThreadPool, WaitUntilIdleReturnsOnlyWhenEveryTaskHasFinished) {
  rules::wait_until_idle_waits_for_every_task<ThreadPool>("ThreadPool");
}

TEST(ThreadPool, WaitUntilIdleWaitsForATaskAlreadyTakenOffTheQueue) {
  rules::wait_until_idle_waits_for_a_running_task<ThreadPool>("ThreadPool");
}

TEST(ThreadPool, DestroysATasksCapturesBeforeWaitUntilIdleReturns) {
  rules::destroys_a_tasks_captures_before_wait_until_idle_returns<ThreadPool>("ThreadPool");
}

TEST(ThreadPool, WakesASleepingWorkerForANewTask) {
  rules::wakes_a_sleeping_worker_for_a_new_task<ThreadPool>("ThreadPool");
}

TEST(ThreadPool, DestructorRunsEveryTaskAlreadySubmitted) {
  rules::destructor_runs_every_submitted_task<ThreadPool>("ThreadPool");
}

TEST(ThreadPool, RejectsSubmitAfterShutdown) {
  rules::rejects_submit_after_shutdown<ThreadPool>("ThreadPool");
}

TEST(ThreadPool, UsesNoCpuWhileIdle) { rules::uses_no_cpu_when_idle<ThreadPool>("ThreadPool"); }

TEST(ThreadPool, StallsWhenItsOnlyWorkerBlocksOnAChildTask) {
  rules::stalls_when_its_only_worker_blocks_on_a_child<ThreadPool>("ThreadPool");
}

// ---- Task D1: map_sum on a pool ----

// The map_sum contract of labs 1-4 (common/testing/map_sum_contract.hpp), on a pool of 2.
template <class Check>
void on_a_pool_of_two(const char* what, Check check) {
  bounded(what, [&] {
    ThreadPool pool(2);
    check("pool::map_sum on ThreadPool(2)",
          [&pool](auto data, std::size_t k, auto f) { return map_sum(pool, data, k, f); });
  });
}

TEST(MapSum, RejectsZeroKWithAClearMessage) {
  on_a_pool_of_two("map_sum(pool, data, 0, f)", [](const char* stage, auto call) {
    parlab::testing::expect_rejects_zero_k(stage, call);
  });
}

TEST(MapSum, SumsTheSeedsMillionIntegersWithoutOverflow) {
  on_a_pool_of_two("map_sum of the seed's million integers", [](const char* stage, auto call) {
    parlab::testing::expect_sums_the_seeds_million_without_overflow(stage, call);
  });
}

TEST(MapSum, MatchesTheSequentialSumForEverySizeAndK) {
  on_a_pool_of_two("the map_sum matrix", [](const char* stage, auto call) {
    parlab::testing::expect_map_sum_matrix(stage, call);
  });
}

TEST(MapSum, SumsFloatingPointResults) {
  on_a_pool_of_two("map_sum over doubles", [](const char* stage, auto call) {
    parlab::testing::expect_sums_floating_point_results(stage, call);
  });
}

// Lab 3's own rules for map_sum: in place, on the pool's workers, waiting before rethrowing.

TEST(ThreadPool, MapSumCopiesNoElement) {
  bounded("map_sum over CopyCounted elements", [] {
    ThreadPool pool(2);
    const auto values = seed_data(10'001);
    CopyCounts counts;
    const auto data = make_copy_counted(std::span<const std::int32_t>(values), counts);
    counts.copies = 0;
    counts.moves = 0;
    const auto sum = map_sum(pool, data, 4, [](const CopyCounted<std::int32_t>& x) {
      return 2 * std::int64_t{x.value()};
    });
    EXPECT_EQ(sum, seed_sum_doubled(10'001));
    EXPECT_EQ(counts.copies.load() + counts.moves.load(), 0U)
        << "map_sum copied or moved elements " << counts.copies.load() + counts.moves.load()
        << " times.\nRule: each task reads its chunk in place (a std::span into the caller's "
           "data), as in lab 2; the caller waits, so the data outlives every task.";
  });
}

TEST(ThreadPool, MapSumRunsOnThePoolsWorkersNeverTheCaller) {
  bounded("map_sum, 100 calls", [] {
    ThreadPool pool(2);
    const auto data = seed_data(1'000);
    parlab::testing::ThreadCensus census;  // kernel thread ids: see common/testing/pool_rules.hpp
    ThreadRecorder recorder;
    const auto recorded = [&](std::int32_t x) {
      census.record();
      recorder.record();
      return doubled(x);
    };
    for (int call = 0; call < 100; ++call) {
      ASSERT_EQ(map_sum(pool, data, 4, recorded), seed_sum_doubled(1'000));
    }
    EXPECT_LE(census.distinct_count(), 2U)
        << "100 calls of map_sum with k = 4 ran f on " << census.distinct_count()
        << " distinct threads on a pool of 2.\nRule: map_sum submits chunk tasks to the pool; "
           "it starts no thread of its own.";
    EXPECT_FALSE(census.saw_this_thread() || recorder.saw(std::this_thread::get_id()))
        << "f ran on the calling thread.\nRule: in lab 3 the caller submits and waits; the "
           "workers map and sum (lab 4 will let a waiting caller help).";
  });
}

TEST(ThreadPool, MapSumWaitsForEveryChunkBeforeRethrowing) {
  bounded("map_sum with a failing chunk", [] {
    ThreadPool pool(2);
    const auto data = seed_data(400);
    std::atomic<int> running{0};
    std::atomic<int> finished_elements{0};
    try {
      (void)map_sum(pool, data, 4, [&](std::int32_t x) -> std::int64_t {
        running.fetch_add(1);
        if (x == 0) {
          running.fetch_sub(1);
          throw std::runtime_error("first chunk fails at once");
        }
        rules::keep(burn(2'000, static_cast<std::uint64_t>(x)));
        finished_elements.fetch_add(1);
        running.fetch_sub(1);
        return x;
      });
      ADD_FAILURE() << "the exception from f did not reach the caller";
    } catch (const std::runtime_error& error) {
      EXPECT_STREQ(error.what(), "first chunk fails at once");
      EXPECT_EQ(running.load(), 0)
          << "when the exception reached the caller, " << running.load() << " calls of f were "
          << "still running.\nRule: the chunk tasks read the caller's data, which may be freed "
             "as soon as map_sum returns: wait for every chunk before rethrowing.";
      EXPECT_EQ(finished_elements.load(), 300)
          << "the three chunks that did not throw should all have finished";
    }
  });
}

/// A pool whose n-th submit throws (as a real one does after shutdown, or when memory runs out),
/// and whose other submits go to a ThreadPool, arguments and all. map_sum works on any pool
/// with ThreadPool's submit.
class PoolWhoseSubmitFails {
 public:
  PoolWhoseSubmitFails(ThreadPool& pool, std::size_t failing_submit)
      : pool_(pool), failing_submit_(failing_submit) {}

  template <class F, class... Args>
  auto submit(F&& f, Args&&... args) {
    if (++submits_ == failing_submit_) {
      throw std::runtime_error("submit " + std::to_string(submits_) + " failed");
    }
    return pool_.submit(std::forward<F>(f), std::forward<Args>(args)...);
  }

 private:
  ThreadPool& pool_;
  std::size_t failing_submit_;
  std::size_t submits_ = 0;
};

TEST(MapSum, WaitsForTheChunksAlreadySubmittedWhenASubmitThrows) {
  bounded("map_sum whose third submit throws", [] {
    // Declared before the pool, so they outlive every chunk task, even one left running.
    const auto data = seed_data(400);
    std::atomic<int> live{0};  // calls of f in progress
    std::atomic<int> finished_elements{0};
    std::atomic<bool> caught{false};
    ThreadPool pool(2);
    PoolWhoseSubmitFails failing(pool, 3);
    try {
      // k = 4: chunks 0 and 1 (100 elements each) are submitted, the third submit throws. The
      // first element of each chunk waits, bounded, for the caller to have caught the
      // exception: a map_sum that lets it leave at once is caught with its chunks still running.
      (void)map_sum(failing, data, 4, [&](std::int32_t x) -> std::int64_t {
        live.fetch_add(1);
        if (x % 100 == 0) {
          (void)parlab::testing::eventually(1s, [&] { return caught.load(); });
        }
        finished_elements.fetch_add(1);
        live.fetch_sub(1);
        return x;
      });
      ADD_FAILURE() << "the third submit threw, but map_sum returned normally.\nRule: a failing "
                       "submit's exception reaches the caller.";
    } catch (const std::runtime_error& error) {
      const int live_when_caught = live.load();
      const int finished_when_caught = finished_elements.load();
      caught.store(true);
      EXPECT_STREQ(error.what(), "submit 3 failed") << "the caller must receive submit's own "
                                                       "exception";
      EXPECT_EQ(live_when_caught, 0)
          << "when the exception of the third submit reached the caller, " << live_when_caught
          << " calls of f were still running in the chunks submitted before it.\nRule: the "
             "chunk tasks read the caller's data, which may be freed as soon as map_sum "
             "returns or throws: when a submit throws, wait for every chunk already submitted, "
             "then rethrow.";
      EXPECT_EQ(finished_when_caught, 200)
          << "the two chunks submitted before the failing submit (200 elements) must have "
             "finished when the exception reaches the caller; "
          << finished_when_caught << " elements had been mapped.";
    }
    caught.store(true);
  });
}

}  // namespace
}  // namespace parlab::pool

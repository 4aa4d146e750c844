// Lab 3 (thread pool), part E: the graded tests for multi_queue_pool.hpp / multi_queue_pool.cpp
// (MultiQueuePool, one queue per worker). Do not edit: the grader checks this file against the
// release's copy. The rules are those of parts A-C, applied to the second design.
// Angle brackets on purpose: a quoted include would find the starter beside this file even
// when the solution flavour is being built; <> searches only the flavour's include path.
#include <multi_queue_pool.hpp>

#include <gtest/gtest.h>

#include "pool_rules.hpp"

namespace parlab::pool {
namespace {

TEST(MultiQueuePool, RejectsZeroWorkers) {
  rules::rejects_zero_workers<MultiQueuePool>("MultiQueuePool");
}

TEST(MultiQueuePool, DefaultsToTheHardwareConcurrency) {
  rules::defaults_to_hardware_concurrency<MultiQueuePool>("MultiQueuePool");
}

TEST(MultiQueuePool, ReturnsEachTasksResultThroughItsFuture) {
  rules::returns_results_through_futures<MultiQueuePool>("MultiQueuePool");
}

TEST(MultiQueuePool, RunsEveryTaskExactlyOnceWithEightSubmitters) {
  rules::runs_every_task_once_with_eight_submitters<MultiQueuePool>("MultiQueuePool");
}

TEST(MultiQueuePool, ReusesItsWorkersAcrossTenThousandTasks) {
  rules::reuses_workers_across_ten_thousand_tasks<MultiQueuePool>("MultiQueuePool");
}

TEST(MultiQueuePool, RunsTasksInSubmissionOrderOnOneWorker) {
  rules::runs_tasks_in_order_on_one_worker<MultiQueuePool>("MultiQueuePool");
}

TEST(MultiQueuePool, AcceptsMoveOnlyCallablesArgumentsAndResults) {
  rules::accepts_move_only_callables_and_arguments<MultiQueuePool>("MultiQueuePool");
}

TEST(MultiQueuePool, RunsVoidTasks) { rules::runs_void_tasks<MultiQueuePool>("MultiQueuePool"); }

TEST(MultiQueuePool, LetsTasksSubmitMoreTasks) {
  rules::lets_tasks_submit_tasks<MultiQueuePool>("MultiQueuePool");
}

TEST(MultiQueuePool, DeliversATasksExceptionToItsFutureAndKeepsWorking) {
  rules::delivers_exceptions_and_keeps_working<MultiQueuePool>("MultiQueuePool");
}

TEST(MultiQueuePool, WaitUntilIdleReturnsOnlyWhenEveryTaskHasFinished) {
  rules::wait_until_idle_waits_for_every_task<MultiQueuePool>("MultiQueuePool");
}

TEST(MultiQueuePool, DestructorRunsEveryTaskAlreadySubmitted) {
  rules::destructor_runs_every_submitted_task<MultiQueuePool>("MultiQueuePool");
}

TEST(MultiQueuePool, RejectsSubmitAfterShutdown) {
  rules::rejects_submit_after_shutdown<MultiQueuePool>("MultiQueuePool");
}

TEST(MultiQueuePool, UsesNoCpuWhileIdle) {
  rules::uses_no_cpu_when_idle<MultiQueuePool>("MultiQueuePool");
}

TEST(MultiQueuePool, StallsWhenItsOnlyWorkerBlocksOnAChildTask) {
  rules::stalls_when_its_only_worker_blocks_on_a_child<MultiQueuePool>("MultiQueuePool");
}

}  // namespace
}  // namespace parlab::pool

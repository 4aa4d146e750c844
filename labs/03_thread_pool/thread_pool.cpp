// Lab 3 (thread pool), parts A-D: THE STUDENT'S FILE (with thread_pool.hpp). The non-template parts
// of ThreadPool: starting the workers, their loop, waiting until idle, shutting down.
#include "thread_pool.hpp"

namespace parlab::pool {

ThreadPool::ThreadPool() {
  // TODO(lab 3, task B1): Delegate to ThreadPool(n) with n = std::thread::hardware_concurrency(),
  //   or 1 where that is 0. Checked by ThreadPool.DefaultsToTheHardwareConcurrency.
  throw NotImplemented("lab 3, ThreadPool() in labs/03_thread_pool/thread_pool.cpp");
}

ThreadPool::ThreadPool(std::size_t workers) {
  // TODO(lab 3, task B1): Reject 0 workers with std::invalid_argument saying why, then start the
  //   workers. Each runs a loop: sleep on a condition variable while the queue is empty, take
  //   the oldest task, run it outside the lock. Checked by ThreadPool.RejectsZeroWorkers,
  //   ReusesItsWorkersAcrossTenThousandTasks, RunsTasksInSubmissionOrderOnOneWorker and
  //   UsesNoCpuWhileIdle.
  (void)workers;
  throw NotImplemented("lab 3, ThreadPool(workers) in labs/03_thread_pool/thread_pool.cpp");
}

ThreadPool::~ThreadPool() {
  // TODO(lab 3, task C2): Shut down: every task already submitted runs, then the workers are
  //   joined. Checked by ThreadPool.DestructorRunsEveryTaskAlreadySubmitted.
}

void ThreadPool::wait_until_idle() {
  // TODO(lab 3, task C1): Block (no polling) until the queue is empty and no task is running.
  //   Checked by ThreadPool.WaitUntilIdleReturnsOnlyWhenEveryTaskHasFinished.
  throw NotImplemented("lab 3, ThreadPool::wait_until_idle in labs/03_thread_pool/thread_pool.cpp");
}

void ThreadPool::shutdown() {
  // TODO(lab 3, task C2): Refuse new tasks from now on (submit throws std::runtime_error), wake
  //   every worker, let them drain the queue, join them. A second call does nothing. Checked by
  //   ThreadPool.RejectsSubmitAfterShutdown and DestructorRunsEveryTaskAlreadySubmitted.
  throw NotImplemented("lab 3, ThreadPool::shutdown in labs/03_thread_pool/thread_pool.cpp");
}

std::size_t ThreadPool::size() const noexcept {
  // TODO(lab 3, task B1): The number of workers. (noexcept: return a member, do not throw.)
  return 0;
}

}  // namespace parlab::pool

// Lab 3 (thread pool), part E: THE STUDENT'S FILE (with multi_queue_pool.hpp). The per-worker
// queues, the workers' loop, waiting until idle and shutting down.
#include "multi_queue_pool.hpp"

namespace parlab::pool {

MultiQueuePool::MultiQueuePool() {
  // TODO(lab 3, task E1): As ThreadPool(): hardware_concurrency() workers, at least 1.
  //   Checked by MultiQueuePool.DefaultsToTheHardwareConcurrency.
  throw NotImplemented("lab 3, MultiQueuePool() in labs/03_thread_pool/multi_queue_pool.cpp");
}

MultiQueuePool::MultiQueuePool(std::size_t workers) {
  // TODO(lab 3, task E1): Reject 0 workers; create one queue per worker and start the workers.
  //   Worker i tries a non-blocking pop on every queue (its own first) before it sleeps on its
  //   own. Checked by MultiQueuePool.RejectsZeroWorkers, ReusesItsWorkersAcrossTenThousandTasks
  //   and UsesNoCpuWhileIdle.
  (void)workers;
  throw NotImplemented(
      "lab 3, MultiQueuePool(workers) in labs/03_thread_pool/multi_queue_pool.cpp");
}

MultiQueuePool::~MultiQueuePool() {
  // TODO(lab 3, task E3): Shut down: every submitted task runs, then the workers are joined.
  //   Checked by MultiQueuePool.DestructorRunsEveryTaskAlreadySubmitted.
}

void MultiQueuePool::wait_until_idle() {
  // TODO(lab 3, task E3): Block until every accepted task has finished. There is no single
  //   queue to look at any more: count unfinished tasks. Checked by
  //   MultiQueuePool.WaitUntilIdleReturnsOnlyWhenEveryTaskHasFinished.
  throw NotImplemented(
      "lab 3, MultiQueuePool::wait_until_idle in labs/03_thread_pool/multi_queue_pool.cpp");
}

void MultiQueuePool::shutdown() {
  // TODO(lab 3, task E3): Refuse new tasks, let every worker drain its queue, join them.
  //   Checked by MultiQueuePool.RejectsSubmitAfterShutdown.
  throw NotImplemented(
      "lab 3, MultiQueuePool::shutdown in labs/03_thread_pool/multi_queue_pool.cpp");
}

std::size_t MultiQueuePool::size() const noexcept {
  // TODO(lab 3, task E1): The number of workers.
  return 0;
}

}  // namespace parlab::pool

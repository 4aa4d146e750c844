// Lab 3 (thread pool), part E: THE STUDENT'S FILE (with multi_queue_pool.cpp). Sean Parent's task
// system: one queue per worker, non-blocking pushes and pops across the queues before blocking.
// Build it as the handout (README.md beside this file) describes; it reuses package_task (task A1).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "common/cache_line.hpp"
#include "common/not_implemented.hpp"
#include "thread_pool.hpp"  // Task, task_result_t, package_task (task A1)

namespace parlab::pool {

/// A fixed set of workers, each with its own FIFO queue. Same public API and contract as
/// ThreadPool; see the handout for how submit and the workers share the queues.
class MultiQueuePool {
 public:
  /// A pool of std::thread::hardware_concurrency() workers, or 1 where that is unknown (0).
  MultiQueuePool();

  /// Starts `workers` threads, each with its own queue.
  /// @throws std::invalid_argument if workers == 0.
  explicit MultiQueuePool(std::size_t workers);

  MultiQueuePool(const MultiQueuePool&) = delete;
  MultiQueuePool& operator=(const MultiQueuePool&) = delete;
  MultiQueuePool(MultiQueuePool&&) = delete;
  MultiQueuePool& operator=(MultiQueuePool&&) = delete;

  /// Runs every task already submitted, then joins the workers (calls shutdown()).
  ~MultiQueuePool();

  /// Queues f(args...) on one of the workers' queues and returns the future of its result.
  /// @throws std::runtime_error if shutdown has begun.
  template <class F, class... Args>
  std::future<task_result_t<F, Args...>> submit(F&& f, Args&&... args) {
    // TODO(lab 3, task E2): Package the call (task A1's package_task) and offer it to the queues in
    //   rotation without blocking, then block on one. Checked by the MultiQueuePool tests.
    (void)f;
    ((void)args, ...);
    throw NotImplemented(
        "lab 3, MultiQueuePool::submit in labs/03_thread_pool/multi_queue_pool.hpp");
  }

  /// Blocks until every task submitted so far (and every task they submitted) has finished.
  void wait_until_idle();

  /// Stops accepting tasks, runs every task already queued, joins the workers. Idempotent.
  void shutdown();

  /// The number of worker threads (and of queues).
  [[nodiscard]] std::size_t size() const noexcept;

  // TODO(lab 3, task E1): Add the private members: one queue per worker (each with its own mutex
  //   and condition variable), the workers, a rotation counter, a count of unfinished tasks.
};

}  // namespace parlab::pool

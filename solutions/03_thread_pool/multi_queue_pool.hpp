// Lab 3 (thread pool), part E, reference solution: Sean Parent's task system. Each worker owns
// a queue; submit and the workers try the other queues without blocking before they block on
// one. The bridge between ThreadPool's single queue and lab 4's work stealing.
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
#include "thread_pool.hpp"  // Task, task_result_t, package_task (task A1)

namespace parlab::pool {

/// A fixed set of workers, each with its own FIFO queue (its own mutex and condition variable).
///
/// submit() picks a starting queue in rotation and offers the task to every queue with
/// try_lock, taking the first it gets; only if every lock is busy does it block on the starting
/// queue's lock. A worker looks for a task with try_lock on every queue, its own first, for a
/// few rounds, then keeps looking now and then for at most kSpinBeforeSleep (common/spin.hpp), and
/// only then sleeps on its own queue. Several submitters and workers thus rarely wait for one
/// another's lock, where ThreadPool's single mutex serialises them all.
///
/// The price, and the reason lab 4 exists: a task sits in one queue. A worker asleep on its own
/// empty queue is not woken for a task pushed onto another worker's queue, so that task waits
/// for its queue's owner (or for a worker that happens to look) even while others idle.
///
/// Invariants: every task accepted by submit() runs exactly once before the workers are joined
/// (worker i leaves only when its own queue is closed and empty, and a closed queue accepts
/// nothing); an idle worker blocks on its queue's condition variable, so an idle pool uses no
/// CPU. Tasks from one queue start in FIFO order; across queues, no order is promised.
///
/// Thread safety: as ThreadPool. Same public API as ThreadPool.
///
/// Example:
/// @code
///   parlab::pool::MultiQueuePool pool(4);
///   std::future<int> answer = pool.submit([](int x) { return x * 2; }, 21);
///   answer.get();  // 42
/// @endcode
class MultiQueuePool {
 public:
  /// A pool of std::thread::hardware_concurrency() workers, or 1 where that is unknown (0).
  MultiQueuePool();

  /// Starts `workers` threads, each with its own queue.
  /// @throws std::invalid_argument if workers == 0.
  /// @throws std::system_error if a thread cannot be started (the started ones are joined).
  explicit MultiQueuePool(std::size_t workers);

  MultiQueuePool(const MultiQueuePool&) = delete;
  MultiQueuePool& operator=(const MultiQueuePool&) = delete;
  MultiQueuePool(MultiQueuePool&&) = delete;
  MultiQueuePool& operator=(MultiQueuePool&&) = delete;

  /// Calls shutdown(): every task already submitted runs, then the workers are joined.
  /// @pre not called from one of this pool's own tasks.
  ~MultiQueuePool();

  /// Queues f(args...) on one of the workers' queues and returns the future of its result.
  /// @throws std::runtime_error if shutdown has begun (the task is not queued).
  template <class F, class... Args>
  std::future<task_result_t<F, Args...>> submit(F&& f, Args&&... args) {
    auto [run, result] = package_task(std::forward<F>(f), std::forward<Args>(args)...);
    enqueue(std::move(run));
    return std::move(result);
  }

  /// Blocks until every task submitted so far (and every task they submitted) has finished.
  /// @throws std::logic_error if called from one of this pool's tasks.
  void wait_until_idle();

  /// Stops accepting tasks, lets the workers finish every queued task, and joins them.
  /// Idempotent. @throws std::logic_error if called from one of this pool's tasks.
  void shutdown();

  /// The number of worker threads (and of queues).
  [[nodiscard]] std::size_t size() const noexcept { return size_; }

 private:
  class WorkerQueue;  // a FIFO queue with its own mutex and condition variable (.cpp)
  struct QueuesDeleter {
    void operator()(WorkerQueue* queues) const noexcept;
  };

  void enqueue(Task task);
  void work(std::size_t self);                   // worker `self`'s loop
  bool find_task(std::size_t self, Task& task);  // without sleeping: every queue, then a spin
  void task_finished();

  const std::size_t size_;
  std::unique_ptr<WorkerQueue[], QueuesDeleter> queues_;  // size_ queues, one per worker
  std::atomic<bool> stopping_{false};  // shutdown has begun (read by every submit)
  // Where the next submit starts its rotation. Its own cache line: every submitter bumps it.
  alignas(kCacheLineSize) std::atomic<std::size_t> next_queue_{0};
  // Tasks accepted but not finished. Its own cache line: every submit and every task end
  // writes it.
  alignas(kCacheLineSize) std::atomic<std::size_t> unfinished_{0};
  std::mutex idle_mutex_;  // pairs with idle_ (see task_finished)
  std::condition_variable idle_;
  std::mutex join_mutex_;             // serialises shutdown()'s joins
  std::vector<std::thread> workers_;  // touched by the constructor and shutdown() only
};

}  // namespace parlab::pool

// Lab 3 (thread pool), part E, reference solution: the per-worker queues, the rotation of submit
// and of the workers' search, idle waiting and shutdown (see multi_queue_pool.hpp).
#include "multi_queue_pool.hpp"

#include "common/fifo_queue.hpp"
#include "common/spin.hpp"
#include "common/trace.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>

namespace parlab::pool {
namespace {

// How many times submit offers a task to every queue with try_lock before it blocks on one.
constexpr std::size_t kPushRounds = 1;
// How many times an idle worker tries every queue with try_lock at once, before it spins.
// More rounds catch more tasks from other queues at the cost of a little spinning (each round is
// size() failed try_locks, tens of nanoseconds each).
constexpr std::size_t kPopRounds = 4;
// Pauses between two searches of every queue while an idle worker spins (kSpinBeforeSleep): a
// search is size() try_locks, each a write to a mutex that submitters need, so spinners search
// every few hundred nanoseconds rather than continuously. After each search they yield, so that
// on an oversubscribed machine the thread that will submit the next task gets the CPU.
constexpr int kPausesPerSearch = 64;

thread_local const MultiQueuePool* current_pool = nullptr;  // see thread_pool.cpp

}  // namespace

/// One worker's queue. Everything is guarded by its own mutex; the try_ operations give up at
/// once when another thread holds it, which is what lets submitters and workers spread out
/// instead of queueing on one lock. On its own cache line, so that neighbouring queues' locks
/// never share one.
class alignas(kCacheLineSize) MultiQueuePool::WorkerQueue {
 public:
  enum class Push { accepted, busy, closed };

  /// Pushes `task` (moving from it) unless the lock is busy or the queue is closed.
  Push try_push(Task& task) {
    std::unique_lock lock(mutex_, std::try_to_lock);
    if (!lock.owns_lock()) {
      return Push::busy;  // `task` untouched: the caller offers it to the next queue
    }
    return push_locked(lock, task);
  }

  /// Pushes `task`, waiting for the lock; refuses only when closed.
  Push push(Task& task) {
    std::unique_lock lock(mutex_);
    return push_locked(lock, task);
  }

  /// Pops the oldest task into `task` unless the lock is busy or the queue empty.
  bool try_pop(Task& task) {
    std::unique_lock lock(mutex_, std::try_to_lock);
    if (!lock.owns_lock() || tasks_.empty()) {
      return false;
    }
    task = tasks_.pop();
    return true;
  }

  /// Sleeps until a task arrives or the queue is closed; pops the oldest task. Returns false
  /// only when the queue is closed and empty: the owner's signal to leave. Only the owner calls
  /// it, so at most one thread ever waits on ready_.
  bool pop(Task& task) {
    std::unique_lock lock(mutex_);
    // Checked under the mutex before every sleep: no lost wake-up, no spurious one. Each sleep
    // starts with wake_pending_ cleared: a notify that woke us is spent, and one still in flight
    // only wakes us once more. (A wait(lock, predicate) would sleep again after a wake-up whose
    // task another worker took, with wake_pending_ still set: the next push would then skip its
    // notify and leave its task in the queue of a sleeping owner.)
    while (!closed_ && tasks_.empty()) {
      owner_asleep_ = true;
      wake_pending_ = false;
      ready_.wait(lock);
    }
    owner_asleep_ = false;
    if (tasks_.empty()) {
      return false;
    }
    task = tasks_.pop();
    return true;
  }

  /// Refuses every later push and wakes the owner so that it drains the queue and leaves.
  void close() {
    {
      const std::scoped_lock lock(mutex_);
      closed_ = true;
    }
    ready_.notify_all();
  }

 private:
  Push push_locked(std::unique_lock<std::mutex>& lock, Task& task) {
    if (closed_) {
      return Push::closed;
    }
    tasks_.push(std::move(task));
    // Notify only an owner asleep in pop() that no push has notified since it last looked at
    // the queue: each notify of a sleeper is a system call, and the owner wakes to the whole
    // queue anyway. No wake-up is lost: the owner sets owner_asleep_ and checks the queue under
    // this mutex, and wait() releases it and blocks as one step; so this push either came first
    // (the owner's check sees the task) or finds owner_asleep_ set. With wake_pending_ set, a
    // notify sent after the owner's last check is on its way, and the woken owner looks at the
    // queue again, under the mutex, before it sleeps.
    const bool wake = owner_asleep_ && !wake_pending_;
    wake_pending_ = wake_pending_ || wake;
    lock.unlock();
    if (wake) {
      ready_.notify_one();
    }
    return Push::accepted;
  }

  std::mutex mutex_;
  std::condition_variable ready_;
  FifoQueue<Task> tasks_;      // guarded by mutex_
  bool closed_ = false;        // guarded by mutex_
  bool owner_asleep_ = false;  // the owner is inside ready_.wait(); guarded by mutex_
  bool wake_pending_ = false;  // notified since the owner's last check; guarded by mutex_
};

void MultiQueuePool::QueuesDeleter::operator()(WorkerQueue* queues) const noexcept {
  delete[] queues;
}

MultiQueuePool::MultiQueuePool()
    : MultiQueuePool(std::max(1U, std::thread::hardware_concurrency())) {}

MultiQueuePool::MultiQueuePool(std::size_t workers)
    : size_(workers), queues_(workers == 0 ? nullptr : new WorkerQueue[workers]) {
  if (workers == 0) {
    throw std::invalid_argument("MultiQueuePool: a pool needs at least one worker to run any task");
  }
  workers_.reserve(workers);
  try {
    for (std::size_t i = 0; i < workers; ++i) {
      workers_.emplace_back([this, i] { work(i); });
    }
  } catch (...) {
    shutdown();  // a joinable std::thread must not be destroyed
    throw;
  }
}

MultiQueuePool::~MultiQueuePool() { shutdown(); }

void MultiQueuePool::enqueue(Task task) {
  // relaxed: an early refusal only. What guarantees that no task is accepted after its queue
  // was drained is each queue's closed_ flag, read under that queue's mutex.
  if (stopping_.load(std::memory_order_relaxed)) {
    throw std::runtime_error(
        "MultiQueuePool::submit: the pool is shutting down; no task is accepted");
  }
  // Counted before it is pushed, so that the worker's decrement cannot come first. relaxed: the
  // push below publishes the task through the queue's mutex, which orders this increment
  // before the worker's decrement; the count itself publishes nothing.
  unfinished_.fetch_add(1, std::memory_order_relaxed);
  // relaxed: the rotation only spreads tasks over the queues; any value is correct.
  const std::size_t start = next_queue_.fetch_add(1, std::memory_order_relaxed);
  WorkerQueue::Push outcome = WorkerQueue::Push::busy;
  for (std::size_t n = 0; n < size_ * kPushRounds && outcome == WorkerQueue::Push::busy; ++n) {
    outcome = queues_[(start + n) % size_].try_push(task);
  }
  if (outcome == WorkerQueue::Push::busy) {
    outcome = queues_[start % size_].push(task);  // every lock was busy: wait for one
  }
  if (outcome == WorkerQueue::Push::closed) {
    task_finished();  // never ran, never will: take it off the count
    throw std::runtime_error(
        "MultiQueuePool::submit: the pool is shutting down; no task is accepted");
  }
}

bool MultiQueuePool::find_task(std::size_t self, Task& task) {
  // Look everywhere without blocking, own queue first.
  for (std::size_t n = 0; n < size_ * kPopRounds; ++n) {
    if (queues_[(self + n) % size_].try_pop(task)) {
      return true;
    }
  }
  // Then spin for a while (see kSpinBeforeSleep, common/spin.hpp), searching now and then, before
  // the caller sleeps on its own queue. relaxed: stopping_ only cuts the spin short, see enqueue().
  const auto deadline = std::chrono::steady_clock::now() + kSpinBeforeSleep;
  while (!stopping_.load(std::memory_order_relaxed) &&
         std::chrono::steady_clock::now() < deadline) {
    for (int i = 0; i < kPausesPerSearch; ++i) {
      cpu_relax();
    }
    for (std::size_t n = 0; n < size_; ++n) {
      if (queues_[(self + n) % size_].try_pop(task)) {
        return true;
      }
    }
    std::this_thread::yield();
  }
  return false;
}

void MultiQueuePool::work(std::size_t self) {
  current_pool = this;
  for (;;) {
    Task task;
    // Look everywhere without blocking, then spin briefly, before sleeping on the own queue.
    if (!find_task(self, task) && !queues_[self].pop(task)) {
      return;  // own queue closed and empty: nothing can be pushed onto it any more
    }
    {
      // Tracing (scripts/trace): when off, a relaxed load and a predictable branch.
      const trace::TaskScope traced(static_cast<std::uint32_t>(self));
      task();  // never throws: package_task stores exceptions in the future
    }
    task = nullptr;  // destroy the captures before reporting the task finished
    task_finished();
  }
}

void MultiQueuePool::task_finished() {
  // release: everything the finished task did (its writes, its future's result) happens-before
  // a wait_until_idle() whose acquire load reads this value or a later one (later operations
  // on the count are all read-modify-writes, so they continue this release sequence).
  if (unfinished_.fetch_sub(1, std::memory_order_release) == 1) {
    // Taking the mutex, even with nothing to do under it, closes the window between a waiter's
    // check of the count and its sleep: the waiter holds idle_mutex_ across both, so this
    // notify cannot fall between them and be lost.
    { const std::scoped_lock lock(idle_mutex_); }
    idle_.notify_all();
  }
}

void MultiQueuePool::wait_until_idle() {
  if (current_pool == this) {
    throw std::logic_error(
        "MultiQueuePool::wait_until_idle called from one of the pool's own "
        "tasks: it would wait for itself forever");
  }
  std::unique_lock lock(idle_mutex_);
  // acquire: pairs with the release decrement in task_finished(), so the effects of every
  // finished task are visible to the caller once the count reads 0.
  idle_.wait(lock, [this] { return unfinished_.load(std::memory_order_acquire) == 0; });
}

void MultiQueuePool::shutdown() {
  if (current_pool == this) {
    throw std::logic_error(
        "MultiQueuePool::shutdown called from one of the pool's own tasks: a "
        "worker cannot join itself");
  }
  const std::scoped_lock join_lock(join_mutex_);
  // relaxed: see enqueue(); close() below is what stops pushes, under each queue's mutex.
  stopping_.store(true, std::memory_order_relaxed);
  for (std::size_t i = 0; i < size_; ++i) {
    queues_[i].close();
  }
  for (auto& worker : workers_) {
    worker.join();
  }
  workers_.clear();
}

}  // namespace parlab::pool

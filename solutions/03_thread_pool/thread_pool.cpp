// Lab 3 (thread pool), parts A-D, reference solution: the worker loop, idle waiting and shutdown of
// ThreadPool (see thread_pool.hpp for the contract).
#include "thread_pool.hpp"

#include "common/spin.hpp"
#include "common/trace.hpp"

#include <chrono>

namespace parlab::pool {
namespace {

// Pauses between two looks at the clock while an idle worker spins (a pause is 10-150 cycles, so
// a round is well under a few microseconds); after each round the spinner yields, so that on an
// oversubscribed machine the thread that will submit the next task gets the CPU.
constexpr int kPausesPerRound = 64;
// The mutex is taken with a plain lock(), never spun on: with more threads than cores, a waiter
// that spins keeps the CPU from the thread that holds the lock, and every try_lock pulls the
// mutex's cache line away from that holder.

// The pool whose task the calling thread is running, if any: lets wait_until_idle() and
// shutdown() refuse to wait for themselves instead of deadlocking.
thread_local const ThreadPool* current_pool = nullptr;

}  // namespace

ThreadPool::ThreadPool() : ThreadPool(std::max(1U, std::thread::hardware_concurrency())) {}

ThreadPool::ThreadPool(std::size_t workers) : size_(workers) {
  if (workers == 0) {
    throw std::invalid_argument("ThreadPool: a pool needs at least one worker to run any task");
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

ThreadPool::~ThreadPool() { shutdown(); }

void ThreadPool::enqueue(Task task) {
  bool wake = false;
  {
    const std::scoped_lock lock(mutex_);
    if (stopping_) {
      throw std::runtime_error(
          "ThreadPool::submit: the pool is shutting down; no task is accepted");
    }
    queue_.push(std::move(task));
    update_work_hint();
    // Wake a sleeper only if one has not been woken already. Why no wake-up is lost: a worker
    // counts itself in sleepers_ and checks the queue under the mutex, and wait() releases the
    // mutex and blocks as one step; this push holds the same mutex. So either the worker's check
    // came first, and then we see it in sleepers_, or our push came first and its check sees the
    // task. When sleepers_ <= wakeups_, every sleeper already has a notify on its way (wakeups_
    // never exceeds the notifies whose sleeper has not yet returned, see wait_for_work), and
    // each of them looks at the queue again, under the mutex, before it sleeps again.
    if (sleepers_ > wakeups_) {
      ++wakeups_;
      wake = true;
    }
  }
  // Notifying after unlocking spares the woken worker from blocking on the mutex we still hold.
  // Skipping the notify when nobody needs it matters: each one costs a system call, and glibc's
  // pthread_cond_signal can itself block while it switches waiter groups.
  if (wake) {
    work_available_.notify_one();
  }
}

void ThreadPool::update_work_hint() {
  const bool hint = stopping_ || !queue_.empty();
  // relaxed, both: work_hint_ is only a hint (the queue itself is read under the mutex), and
  // every store to it is made under mutex_, which we hold, so this load sees the latest one.
  // Storing only when the value changes matters: idle workers read this line while they spin,
  // and a store, even of the value already there, takes the line away from every one of them,
  // so the next push has to fetch it back. Storing on every push and pop made a batch of 1000
  // tasks 30-35 % slower (2 workers, 2-vCPU VM).
  if (work_hint_.load(std::memory_order_relaxed) != hint) {
    work_hint_.store(hint, std::memory_order_relaxed);
  }
}

void ThreadPool::wait_for_work(std::unique_lock<std::mutex>& lock) {
  // Spin first (see kSpinBeforeSleep, common/spin.hpp), without the mutex, so that the submitter
  // never waits for a spinner.
  lock.unlock();
  const auto deadline = std::chrono::steady_clock::now() + kSpinBeforeSleep;
  for (;;) {
    bool hinted = false;
    for (int i = 0; i < kPausesPerRound && !hinted; ++i) {
      // relaxed: a hint only. The queue itself is read under the mutex below, which orders the
      // push before our pop; a stale false merely spins a little longer.
      hinted = work_hint_.load(std::memory_order_relaxed);
      cpu_relax();
    }
    const bool expired = std::chrono::steady_clock::now() >= deadline;
    if (hinted || expired) {
      lock.lock();
      if (stopping_ || !queue_.empty() || expired) {
        break;
      }
      lock.unlock();  // another worker took the task first: spin on, until the deadline
    } else {
      std::this_thread::yield();
    }
  }
  // Sleep. The predicate is checked under the mutex before every sleep: a spurious wake-up is
  // never acted on, and a push made before this point is seen here (see enqueue).
  if (!stopping_ && queue_.empty()) {
    ++sleepers_;
    do {
      work_available_.wait(lock);
      // Every return from wait() spends one count, ours or (after a spurious wake-up) another
      // sleeper's: so wakeups_ never exceeds the notifies whose sleeper has not yet returned,
      // which is what enqueue() relies on. Spending another's count only makes a later push
      // notify once more than needed. (A wait(lock, predicate) would not do: after a wake-up
      // whose task another worker took, it sleeps again with its count unspent, so later pushes
      // skip notifies that a sleeper needed, and a task waits for a busy worker while another
      // sleeps. MultiQueuePool's owner has the same trap, and there it can strand a task.)
      if (wakeups_ > 0) {
        --wakeups_;
      }
    } while (!stopping_ && queue_.empty());
    --sleepers_;
  }
}

void ThreadPool::work(std::size_t index) {
  current_pool = this;
  std::unique_lock lock(mutex_);
  for (;;) {
    if (!stopping_ && queue_.empty()) {
      wait_for_work(lock);
    }
    if (queue_.empty()) {
      return;  // stopping_ and drained: every accepted task has been taken
    }
    Task task = queue_.pop();
    update_work_hint();
    ++running_;
    lock.unlock();
    {
      // Tracing (scripts/trace): when off, a relaxed load and a predictable branch.
      const trace::TaskScope traced(static_cast<std::uint32_t>(index));
      task();  // never throws: package_task stores exceptions in the future
    }
    task = nullptr;  // destroy the captures before reporting the task finished
    lock.lock();
    --running_;
    if (running_ == 0 && queue_.empty()) {
      idle_.notify_all();
    }
  }
}

void ThreadPool::wait_until_idle() {
  if (current_pool == this) {
    throw std::logic_error(
        "ThreadPool::wait_until_idle called from one of the pool's own tasks: "
        "it would wait for itself forever");
  }
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [this] { return queue_.empty() && running_ == 0; });
}

void ThreadPool::shutdown() {
  if (current_pool == this) {
    throw std::logic_error(
        "ThreadPool::shutdown called from one of the pool's own tasks: a "
        "worker cannot join itself");
  }
  const std::scoped_lock join_lock(join_mutex_);
  {
    const std::scoped_lock lock(mutex_);
    stopping_ = true;
    update_work_hint();
  }
  work_available_.notify_all();  // every sleeper must wake, see stopping_, drain and leave
  for (auto& worker : workers_) {
    worker.join();
  }
  workers_.clear();  // a second shutdown() finds nothing to join
}

}  // namespace parlab::pool

// Lab 3 (thread pool), part A, reference solution: the worker loop, idle waiting and shutdown of
// ThreadPool (see thread_pool.hpp for the contract).
#include "thread_pool.hpp"

#include "common/trace.hpp"

namespace parlab::pool {
namespace {

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
  {
    const std::scoped_lock lock(mutex_);
    if (stopping_) {
      throw std::runtime_error(
          "ThreadPool::submit: the pool is shutting down; no task is accepted");
    }
    queue_.push_back(std::move(task));
  }
  // One task wakes one sleeper. Notifying after unlocking spares the woken worker from blocking
  // on the mutex we still hold; the push happened under the mutex, so the worker's predicate
  // sees it whether it was asleep or about to sleep (no lost wake-up).
  work_available_.notify_one();
}

void ThreadPool::work(std::size_t index) {
  current_pool = this;
  std::unique_lock lock(mutex_);
  for (;;) {
    // The predicate guards against spurious wake-ups and against a notify that arrived before
    // this worker began to wait: it is checked under the mutex before every sleep.
    work_available_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) {
      return;  // stopping_ and drained: every accepted task has been taken
    }
    Task task = std::move(queue_.front());
    queue_.pop_front();
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
  }
  work_available_.notify_all();  // every sleeper must wake, see stopping_, drain and leave
  for (auto& worker : workers_) {
    worker.join();
  }
  workers_.clear();  // a second shutdown() finds nothing to join
}

}  // namespace parlab::pool

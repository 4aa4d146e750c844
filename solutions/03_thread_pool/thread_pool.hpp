// Lab 3 (thread pool), parts A-D, reference solution: the classic pool. A fixed set of workers
// takes tasks from one FIFO queue guarded by a mutex and a condition variable; submit returns a
// future.
// Also package_task (a call and its future, used by both pools) and map_sum on any pool.
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <future>
#include <mutex>
#include <ranges>
#include <span>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "common/cache_line.hpp"
#include "common/data.hpp"
#include "common/fifo_queue.hpp"
#include "common/move_only_function.hpp"

namespace parlab::pool {

/// What a pool queues: a call with no arguments and no result. Results and exceptions travel
/// through the std::promise the call owns (see package_task), never through the queue.
using Task = MoveOnlyFunction<void()>;

/// The result type of submit(f, args...): f called as an rvalue with its arguments as rvalues,
/// exactly as the task will call it (the same rule as std::async).
template <class F, class... Args>
using task_result_t = std::invoke_result_t<std::decay_t<F>, std::decay_t<Args>...>;

/// A call ready to run (`run`) and the future that will receive its result (`result`).
template <class R>
struct PackagedTask {
  Task run;               ///< the call, ready to hand to a worker
  std::future<R> result;  ///< receives the call's result or exception
};

/// Packages the call f(args...) into a Task and the std::future of its result. `f` and `args`
/// are decay-copied (or moved, for rvalues) into the task, so move-only callables and arguments
/// work. Running the task calls std::invoke(std::move(f), std::move(args)...) once and stores
/// the result, or the exception it threw, in the future; the task itself never throws.
///
/// Why not std::packaged_task: some standard libraries keep its callable in a std::function,
/// which requires a copyable callable; a std::promise captured by a MoveOnlyFunction does not.
///
/// @pre the task is run at most once (a second run would find the promise already satisfied).
/// @throws std::bad_alloc if the task or the future's shared state cannot be allocated.
/// Thread safety: the task may run on any thread; the future may be waited on from another.
///
/// Example:
/// @code
///   auto [run, result] = package_task([](int x) { return x + 1; }, 41);
///   run();               // on any thread, e.g. a worker
///   int v = result.get();  // 42
/// @endcode
template <class F, class... Args>
PackagedTask<task_result_t<F, Args...>> package_task(F&& f, Args&&... args) {
  using R = task_result_t<F, Args...>;
  std::promise<R> promise;
  std::future<R> result = promise.get_future();
  Task run = [promise = std::move(promise), f = std::forward<F>(f),
              ... args = std::forward<Args>(args)]() mutable {
    try {
      if constexpr (std::is_void_v<R>) {
        std::invoke(std::move(f), std::move(args)...);
        promise.set_value();
      } else {
        promise.set_value(std::invoke(std::move(f), std::move(args)...));
      }
    } catch (...) {
      // The worker must survive a failing task: the exception belongs to whoever waits on the
      // future, and an exception escaping a worker thread would call std::terminate.
      promise.set_exception(std::current_exception());
    }
  };
  return {std::move(run), std::move(result)};
}

/// A fixed set of worker threads that run submitted tasks in FIFO order from one shared queue.
///
/// Invariants (all guarded by one mutex): a worker sleeps on a condition variable only when the
/// queue is empty and shutdown has not begun, after spinning for at most kSpinBeforeSleep
/// (common/spin.hpp), so an idle pool uses no CPU; every task accepted by submit() runs exactly
/// once, on a worker, before the workers are joined.
///
/// Not promised: tasks *start* in submission order, but with several workers they may finish in
/// any order. A task that blocks on the future of another task of the same pool can deadlock it
/// (every worker blocked, the awaited task still queued): lab 4's work stealing answers that.
///
/// Thread safety: submit(), wait_until_idle() and size() may be called from any thread,
/// concurrently, and submit() also from inside tasks.
///
/// Example:
/// @code
///   parlab::pool::ThreadPool pool(4);
///   std::future<int> answer = pool.submit([](int x) { return x * 2; }, 21);
///   answer.get();  // 42
/// @endcode
class ThreadPool {
 public:
  /// A pool of std::thread::hardware_concurrency() workers, or 1 where that is unknown (0).
  ThreadPool();

  /// Starts `workers` threads, which sleep until tasks arrive.
  /// @throws std::invalid_argument if workers == 0 (no task could ever run).
  /// @throws std::system_error if a thread cannot be started (the started ones are joined).
  explicit ThreadPool(std::size_t workers);

  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;
  ThreadPool(ThreadPool&&) = delete;
  ThreadPool& operator=(ThreadPool&&) = delete;

  /// Calls shutdown(): every task already submitted runs to completion, then the workers are
  /// joined. @pre not called from one of this pool's own tasks (a worker cannot join itself).
  ~ThreadPool();

  /// Queues f(args...) and returns the future of its result. f's exception, if any, is stored in
  /// the future; the worker that ran it carries on with the next task.
  /// @throws std::runtime_error if shutdown has begun (the task is not queued).
  /// Example: `auto done = pool.submit([p = std::make_unique<int>(1)] { return *p; });`
  template <class F, class... Args>
  std::future<task_result_t<F, Args...>> submit(F&& f, Args&&... args) {
    auto [run, result] = package_task(std::forward<F>(f), std::forward<Args>(args)...);
    enqueue(std::move(run));
    return std::move(result);
  }

  /// Blocks until the queue is empty and no task is running, i.e. every task submitted before
  /// the call, and every task those tasks submitted, has finished. Returns at once after
  /// shutdown(). Other threads may keep submitting: the call then waits for those tasks too.
  /// @throws std::logic_error if called from one of this pool's tasks (it would wait for itself).
  void wait_until_idle();

  /// Stops accepting tasks (later submits throw), lets the workers finish every task already
  /// queued, and joins them. Idempotent; concurrent calls wait for the first one.
  /// @throws std::logic_error if called from one of this pool's tasks.
  void shutdown();

  /// The number of worker threads (fixed at construction).
  [[nodiscard]] std::size_t size() const noexcept { return size_; }

 private:
  void enqueue(Task task);
  void work(std::size_t index);                            // worker `index`'s loop
  void wait_for_work(std::unique_lock<std::mutex>& lock);  // spin briefly, then sleep
  void update_work_hint();  // work_hint_ = stopping_ || !queue_.empty(); mutex_ held

  const std::size_t size_;
  std::mutex mutex_;
  std::condition_variable work_available_;  // signalled on push (if needed) and on shutdown
  std::condition_variable idle_;            // signalled when the last running task ends
  FifoQueue<Task> queue_;                   // guarded by mutex_
  std::size_t running_ = 0;                 // tasks popped but not finished; guarded by mutex_
  std::size_t sleepers_ = 0;  // workers inside work_available_.wait(); guarded by mutex_
  std::size_t wakeups_ = 0;   // notifies not yet answered, at most sleepers_; guarded by mutex_
  bool stopping_ = false;     // shutdown has begun; guarded by mutex_
  // stopping_ || !queue_.empty(), as of the last unlock of mutex_: written only under mutex_,
  // read without it by spinning workers (wait_for_work). Its own cache line, apart from the
  // mutex and the queue that the workers write while the spinners read this.
  alignas(kCacheLineSize) std::atomic<bool> work_hint_{false};
  std::mutex join_mutex_;             // serialises shutdown()'s joins
  std::vector<std::thread> workers_;  // touched by the constructor and shutdown() only
};

/// Maps every element of `data` with `f` and returns the sum of the results, computed by k tasks
/// on `pool` (min(k, n) for n elements). Task i reads chunk i of an even split
/// (parlab::even_chunk) through a std::span into `data`: no element is copied. The caller waits
/// for every chunk, then adds the partial sums in chunk order. Works on any pool with a
/// submit(f) that returns a std::future (ThreadPool, MultiQueuePool).
///
/// @pre `f` is copyable; each task calls its own copy, so a stateful (mutable) `f` is fine, but
///      copies run concurrently. `data` is not modified while map_sum runs.
/// @pre not called from a task of `pool`: it blocks on futures, which can deadlock the pool.
/// @throws std::invalid_argument if k == 0.
/// @throws whatever `f` throws (the lowest-numbered failing chunk's exception), and whatever
///         submit throws, always after every submitted chunk has finished: the tasks borrow
///         `data`, which the caller may free as soon as map_sum returns.
/// @note Empty input returns a value-initialised sum and submits nothing.
///
/// Example: `map_sum(pool, seed_data(1'000'000), 4, [](std::int32_t x) { return 2 * x; })` is
/// 999'999'000'000 (integers are summed in 64 bits).
template <class Pool, std::ranges::contiguous_range Range, class F>
map_sum_result_t<Range, F> map_sum(Pool& pool, const Range& data, std::size_t k, F f) {
  using T = std::ranges::range_value_t<Range>;
  using Sum = map_sum_result_t<Range, F>;
  if (k == 0) {
    throw std::invalid_argument("pool::map_sum: k, the number of chunk tasks, must be at least 1");
  }
  const std::span<const T> all(std::ranges::data(data), std::ranges::size(data));
  const std::size_t chunks = std::min(k, all.size());

  std::vector<std::future<Sum>> partial;
  partial.reserve(chunks);
  const auto wait_for_all = [&partial] {
    for (auto& sum : partial) {
      sum.wait();
    }
  };
  try {
    for (std::size_t i = 0; i < chunks; ++i) {
      const ChunkRange range = even_chunk(all.size(), chunks, i);
      partial.push_back(pool.submit([chunk = all.subspan(range.begin, range.size()), f]() mutable {
        Sum local{};
        for (const T& x : chunk) {
          local += f(x);
        }
        return local;
      }));
    }
  } catch (...) {
    wait_for_all();  // the chunks already queued still read `data`
    throw;
  }
  wait_for_all();  // before any get() can throw, so no chunk outlives this call
  Sum total{};
  for (auto& sum : partial) {
    total += sum.get();
  }
  return total;
}

}  // namespace parlab::pool

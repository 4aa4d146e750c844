// Lab 4, parts B and C (work stealing): the work-stealing scheduler and join(). This is one of the
// student's files (with chase_lev_deque.hpp, scheduler.cpp and parallel_loops.hpp): the only files
// you edit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <thread>
#include <type_traits>
#include <utility>
#include <variant>

#include "chase_lev_deque.hpp"
#include "common/not_implemented.hpp"

namespace parlab::steal {

/// Counters of one worker, for tests and the handout.
struct WorkerStats {
  std::uint64_t tasks_run = 0;  ///< jobs this worker took off a deque or the injector and ran
  std::uint64_t steals_attempted = 0;  ///< steal() calls on other workers' deques
  std::uint64_t steals_succeeded = 0;  ///< of which returned a job

  WorkerStats& operator+=(const WorkerStats& other) noexcept {
    tasks_run += other.tasks_run;
    steals_attempted += other.steals_attempted;
    steals_succeeded += other.steals_succeeded;
    return *this;
  }
};

namespace detail {
/// What join() returns for one side: the callable's result by value, std::monostate for void.
template <class R>
using join_value_t = std::conditional_t<std::is_void_v<R>, std::monostate, std::remove_cvref_t<R>>;
/// join(a, b)'s result type.
template <class A, class B>
using join_result_t =
    std::pair<join_value_t<std::invoke_result_t<A&>>, join_value_t<std::invoke_result_t<B&>>>;
}  // namespace detail

/// A pool of worker threads that run fork-join work by work stealing (see the handout).
/// Thread safety: every member function may be called from any thread, except the destructor,
/// which must not run while a run() or join() on this scheduler is in progress.
class Scheduler {
 public:
  // TODO(lab 4, task B1): Decide the private members: one ChaseLevDeque per worker, a queue for
  // jobs injected from outside the pool, the worker threads, per-worker counters, and (task C1)
  // what sleeping workers wait on.
  // TODO(lab 4, task B2): A job should be pointer-sized on the deque and live in the frame of
  // whoever waits for it, so that join() allocates nothing.

  /// Starts `workers` worker threads. @throws std::invalid_argument if workers == 0.
  explicit Scheduler(std::size_t workers);
  /// One worker per hardware thread (at least 1).
  Scheduler();
  /// Wakes and joins every worker. Precondition: no run() or join() is in progress.
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  /// The number of worker threads.
  [[nodiscard]] std::size_t size() const noexcept;

  /// Runs a() and b(), possibly in parallel, and returns both results (a void result is
  /// std::monostate). On a worker: push b, run a, then pop b back and run it, or, if it was
  /// stolen, run other work until the thief has finished it. From any other thread: like
  /// run([&] { return join(a, b); }). If either side throws, both finish first, then a's
  /// exception is rethrown if a threw, else b's.
  template <class A, class B>
  detail::join_result_t<A, B> join(A&& a, B&& b) {
    // TODO(lab 4, task B3): Checked by join_test.cpp.
    // TODO(lab 4, task B5): Exceptions from either side, also checked by join_test.cpp.
    (void)a;
    (void)b;
    throw NotImplemented("lab 4, Scheduler::join in labs/04_work_stealing/scheduler.hpp");
  }

  /// Runs f() on a worker and returns its result (or rethrows its exception): inline when
  /// called on one of this scheduler's workers; else injected, and the caller waits. A worker of
  /// another scheduler waits by running its own scheduler's jobs; any other thread blocks.
  template <class F>
  std::invoke_result_t<F&> run(F&& f) {
    // TODO(lab 4, task B4): Checked by join_test.cpp.
    // TODO(lab 4, task B7): A caller that is a worker of another scheduler. Checked by
    // cross_scheduler_test.cpp.
    (void)f;
    throw NotImplemented("lab 4, Scheduler::run in labs/04_work_stealing/scheduler.hpp");
  }

  /// Counters of worker `worker`. @throws std::out_of_range if worker >= size().
  [[nodiscard]] WorkerStats stats(std::size_t worker) const;
  /// The sum of every worker's counters.
  [[nodiscard]] WorkerStats total_stats() const;

  /// The scheduler whose worker the calling thread is, or nullptr on any other thread.
  static Scheduler* current() noexcept;
  /// The calling worker's index in [0, size()), or nullopt on a thread that is not a worker.
  static std::optional<std::size_t> current_worker() noexcept;
};

/// The process-wide scheduler (hardware_concurrency workers), created on first use.
Scheduler& default_scheduler();

/// join(a, b) on the scheduler of the calling worker, or on default_scheduler() elsewhere.
template <class A, class B>
detail::join_result_t<A, B> join(A&& a, B&& b) {
  // TODO(lab 4, task B3): On the current worker's scheduler, else the default one.
  (void)a;
  (void)b;
  throw NotImplemented("lab 4, steal::join in labs/04_work_stealing/scheduler.hpp");
}

}  // namespace parlab::steal

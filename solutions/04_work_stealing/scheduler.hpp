// Lab 4, parts B and C (work stealing), reference solution: a work-stealing scheduler with one
// Chase-Lev deque per worker, a join() that helps while it waits, and workers that spin briefly and
// then sleep.
// The out-of-line parts (worker loop, stealing, the sleep protocol) are in scheduler.cpp.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "chase_lev_deque.hpp"
#include "common/cache_line.hpp"
#include "common/work_span.hpp"
#include "sleep.hpp"

namespace parlab::steal {

/// Counters of one worker, for tests and the handout. Read while the scheduler runs, they are a
/// recent snapshot (each counter is exact, but the three are not read at one instant).
struct WorkerStats {
  std::uint64_t tasks_run = 0;  ///< jobs this worker took off a deque or the injector and ran
  std::uint64_t steals_attempted = 0;  ///< steal() calls on other workers' deques
  std::uint64_t steals_succeeded = 0;  ///< of which returned a job

  /// Adds `other`'s counters to these (total_stats() sums the workers this way).
  WorkerStats& operator+=(const WorkerStats& other) noexcept {
    tasks_run += other.tasks_run;
    steals_attempted += other.steals_attempted;
    steals_succeeded += other.steals_succeeded;
    return *this;
  }
};

class Scheduler;

namespace detail {

/// What join() returns for one side: the callable's result by value, std::monostate for void.
template <class R>
using join_value_t = std::conditional_t<std::is_void_v<R>, std::monostate, std::remove_cvref_t<R>>;

/// The outcome of calling a function once: its result or its exception. R may be void, a value
/// type or a reference (stored as a pointer).
template <class R>
class Outcome {
  using Stored = std::conditional_t<
      std::is_void_v<R>, std::monostate,
      std::conditional_t<std::is_reference_v<R>, std::remove_reference_t<R>*, R>>;

 public:
  /// Calls f and records what it returned or threw. Never throws.
  template <class F>
  void capture(F& f) noexcept {
    try {
      if constexpr (std::is_void_v<std::invoke_result_t<F&>>) {
        std::invoke(f);
        value_.emplace();
      } else if constexpr (std::is_reference_v<R>) {
        value_.emplace(std::addressof(std::invoke(f)));
      } else {
        value_.emplace(std::invoke(f));
      }
    } catch (...) {
      error_ = std::current_exception();
    }
  }
  [[nodiscard]] const std::exception_ptr& error() const noexcept { return error_; }
  /// The result, moved out; rethrows the recorded exception instead if there is one.
  R take() {
    if (error_) {
      std::rethrow_exception(error_);
    }
    if constexpr (std::is_void_v<R>) {
      return;
    } else if constexpr (std::is_reference_v<R>) {
      return static_cast<R>(**value_);
    } else {
      return std::move(*value_);
    }
  }

 private:
  std::optional<Stored> value_;
  std::exception_ptr error_;
};

/// A unit of work as the deques see it: a pointer to an object that knows how to run itself.
/// Jobs live in the frame of the code that waits for them (join's `b`, run()'s caller), so
/// scheduling one allocates nothing. `execute` must not throw and, once it has signalled
/// completion, must not touch the job again: the waiting frame may already be gone.
struct Job {
  using Execute = void (*)(Job*) noexcept;
  Execute execute;
};

/// A worker's state, owned by its Scheduler for the scheduler's whole life.
struct alignas(kCacheLineSize) WorkerContext {
  WorkerContext(Scheduler& owner, std::size_t position) : scheduler(&owner), index(position) {}

  ChaseLevDeque<Job*> deque;
  Scheduler* scheduler;
  std::size_t index;
  std::uint64_t rng_state = 0;  // victim selection; this worker's thread only

  // Written by this worker only (load + store, no read-modify-write needed), read by stats().
  // relaxed throughout: they are statistics and publish nothing.
  std::atomic<std::uint64_t> tasks_run{0};
  std::atomic<std::uint64_t> steals_attempted{0};
  std::atomic<std::uint64_t> steals_succeeded{0};
  void count(std::atomic<std::uint64_t>& counter) noexcept {
    counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }

  // The sleep word (see the protocol in scheduler.cpp and sleep.hpp), on its own cache line:
  // wakers write it while this worker's counters are busy.
  alignas(kCacheLineSize) SleepWord sleep_word;

  std::thread thread;
};

/// The worker the calling thread is, or nullptr on any other thread.
inline constinit thread_local WorkerContext* current_context = nullptr;

/// Completion of a job whose waiter is a worker (join's `b`). The waiter does not block on it:
/// it keeps running other jobs and polls probe(); if it runs out of work it sleeps, so set()
/// wakes it. Contract: once probe() returns true, everything the job did before set() is
/// visible to the waiter.
class JoinLatch {
 public:
  explicit JoinLatch(WorkerContext& waiter) noexcept : waiter_(&waiter) {}
  /// LatchFlag::probe() (sleep.hpp, where its memory order is model-checked).
  [[nodiscard]] bool probe() const noexcept { return flag_.probe(); }
  /// Marks the job done and wakes the waiter if it sleeps. Defined in scheduler.cpp.
  void set() noexcept;

 private:
  LatchFlag flag_;
  WorkerContext* waiter_;
};

/// Completion of a job whose waiter is a thread outside the pool: it blocks (after a short spin).
class BlockingLatch {
 public:
  void set() noexcept;   ///< defined in scheduler.cpp
  void wait() noexcept;  ///< returns once set() has been called and has finished with *this

 private:
  std::atomic<bool> done_{false};
  std::mutex mutex_;
  std::condition_variable signal_;
};

/// Completion of a job injected into one scheduler whose waiter is a worker of *another* one
/// (run() called on S1 from a worker of S2). The waiter does not block: it runs S2's jobs and
/// polls join_latch(), a JoinLatch naming it, whose set() wakes it through S2 if it sleeps.
///
/// What this type adds is a lifetime handshake. JoinLatch::set() still touches the waiter's
/// worker (its sleep word) after the store that lets the waiter go. Within one scheduler that is
/// safe: the setter is a worker of the same scheduler, which cannot be destroyed before the
/// setter's thread is joined. Here the setter is a worker of S1: once the waiter has seen the
/// latch, its job can finish and S2's owner can destroy S2 while the setter is still inside
/// wake(). (Rayon's cross-registry latch keeps the registry alive with a reference count; we
/// have no count to take.) So set() stores and wakes under a mutex that lives in the waiter's
/// frame, and the waiter takes that mutex once after the latch is set, before it leaves: when
/// it gets the lock, the setter has finished with S2 and with *this.
class CrossLatch {
 public:
  explicit CrossLatch(WorkerContext& waiter) noexcept : latch_(waiter) {}
  /// What the waiter's work_until polls.
  [[nodiscard]] const JoinLatch& join_latch() const noexcept { return latch_; }
  /// Marks the job done and wakes the waiter. Everything the job did before is visible to a
  /// waiter whose probe sees the latch set (JoinLatch's contract).
  void set() noexcept {
    const std::scoped_lock lock(mutex_);
    latch_.set();
  }
  /// Call once join_latch() is set: returns when set() has finished with the waiter's scheduler
  /// and with *this. Blocks at most for the rest of one wake-up (a store and maybe a notify).
  void wait_until_setter_left() noexcept { const std::scoped_lock lock(mutex_); }

 private:
  JoinLatch latch_;
  std::mutex mutex_;
};

/// A job that calls `F&` (which lives in the waiting frame) and records its Outcome<R>.
template <class F, class R, class Latch>
class StackJob : public Job {
 public:
  template <class... LatchArgs>
  explicit StackJob(F& f, LatchArgs&... latch_args) noexcept
      : Job{&StackJob::run_and_signal}, f_(f), latch_(latch_args...) {}

  /// Runs the function on the waiter's own thread: no latch needed.
  void run_inline() noexcept { outcome_.capture(f_); }
  Outcome<R>& outcome() noexcept { return outcome_; }
  Latch& latch() noexcept { return latch_; }

 private:
  static void run_and_signal(Job* job) noexcept {
    auto* self = static_cast<StackJob*>(job);
    self->outcome_.capture(self->f_);
    self->latch_.set();  // last touch: after this the waiter may return and destroy *self
  }

  F& f_;
  Outcome<R> outcome_;
  Latch latch_;
};

}  // namespace detail

/// A pool of worker threads that run fork-join work by work stealing.
///
/// Each worker owns a ChaseLevDeque of jobs. join(a, b) pushes `b` on the calling worker's deque
/// and runs `a`; an idle worker steals the oldest job of a randomly chosen victim. When the
/// caller finishes `a` it pops `b` back (the common case, no other thread involved) or, if `b`
/// was stolen, runs other jobs until the thief is done. Work submitted from outside the pool
/// goes through a shared injector queue. A worker of *another* scheduler that calls run() or
/// join() here is a caller from outside this pool but not an idle thread: its job goes to the
/// injector and, until the job is done, it keeps running its own scheduler's jobs, exactly as if
/// it were waiting in a join (Rayon's cross-registry wait). So a worker never blocks while work
/// exists, and joins nest to any depth, across schedulers too (s2 -> s1 -> s2 ...), without
/// deadlock. (One bounded exception: after a cross-scheduler job is done, its waiter may wait
/// for the finishing thread to leave the latch, the length of one wake-up; see CrossLatch.)
/// Idle workers spin for a few tens of microseconds, then sleep; an idle scheduler uses no CPU.
///
/// The caller's seat (a scheduler of N >= 2 workers): worker 0 has no thread of its own. A thread
/// outside every pool that calls run() (or join()) sits in that seat for the call: it becomes
/// worker 0, runs f itself, pushes its joins' other sides on worker 0's deque, and helps like any
/// worker while it waits; N - 1 threads do the rest. This is how oneTBB's arenas and OpenMP's
/// parallel regions count threads, and it is measured, not assumed (labs/04_work_stealing/
/// README.md): a caller that only waited would either block, and pay a wake-up at the end of
/// every call (tens of microseconds on a VM), or spin, and make N + 1 threads fight for N cores.
/// It also keeps each half of a repeated loop on the same core, where its data is cached. Only
/// one caller sits in the seat at a time; a second outside caller, and any worker of another
/// scheduler, injects its job and waits as described above. So while nobody sits in the seat,
/// N - 1 threads run injected jobs. A 1-worker scheduler has no seat: its one thread runs
/// everything (a seat there would leave injected jobs with nobody to run them).
///
/// What a waiting worker runs (no task isolation): any job of its own scheduler it can find,
/// not only the pieces of the join it waits in. While `b` is stolen, the worker may pick up an
/// older job of its own deque, a job stolen from anyone, or an unrelated job injected by another
/// thread's run(), and run it on its own stack, nested under the waiting join; the join returns
/// only after that job has finished. Usually this is what keeps every worker busy. It matters
/// when the waiting code holds something across the join: a mutex locked around a join can be
/// wanted again by the nested job (a self-deadlock on a plain mutex), thread_local state set
/// before the join can be changed by it, and a join's latency grows by a whole unrelated job.
/// So do not hold a lock across join() or run() on a scheduler whose jobs take that lock.
/// Rayon and oneTBB behave the same way: oneTBB offers this_task_arena::isolate() to restrict a
/// waiting thread to the work spawned inside it; Rayon offers no such restriction (its open
/// issue #592, "Using rayon under a Mutex can lead to deadlocks"); this scheduler has none.
/// Cross-scheduler waits are isolated between schedulers only: the waiter runs its own
/// scheduler's jobs, never the other one's.
///
/// Thread safety: every member function may be called from any thread, except that the
/// destructor must not run while a run() or join() on this scheduler is in progress.
///
/// Not promised: which worker runs what, the order in which independent jobs run, or any
/// parallelism at all (a 1-worker scheduler runs everything, one job after another).
///
/// Example:
/// ```
/// parlab::steal::Scheduler scheduler(4);
/// auto [left, right] = scheduler.join([] { return count_left(); }, [] { return count_right(); });
/// ```
class Scheduler {
 public:
  /// A scheduler of `workers` workers: workers - 1 threads and the caller's seat (see above), or
  /// one thread when workers == 1.
  /// @throws std::invalid_argument if workers == 0; std::system_error if a thread cannot start
  ///         (those already started are stopped first).
  explicit Scheduler(std::size_t workers);
  /// One worker per hardware thread (std::thread::hardware_concurrency(), at least 1), the caller's
  /// seat included.
  Scheduler();
  /// Wakes and joins every worker thread. Precondition: no run() or join() on this scheduler is in
  /// progress (every job has finished), so no job is left behind.
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  /// The number of worker threads.
  [[nodiscard]] std::size_t size() const noexcept { return workers_.size(); }

  /// Runs `a()` and `b()`, possibly in parallel, and returns both results as
  /// std::pair<A's result, B's result> (by value; a void result is std::monostate).
  ///
  /// On a worker of this scheduler: `b` is offered to thieves while the calling worker runs `a`;
  /// afterwards the worker runs `b` itself if nobody stole it, or runs other jobs until the thief
  /// has finished it. No heap allocation. From any other thread: behaves as run([&] { return
  /// join(a, b); }): a worker of another scheduler keeps running its own scheduler's jobs until
  /// both are done, any other thread sits in the caller's seat if it is free, else blocks.
  ///
  /// @pre a and b stay valid until join returns (they are referenced, not copied).
  /// @throws whatever a or b throws: join always lets both sides finish, then rethrows a's
  ///         exception if a threw, else b's. The scheduler is unaffected.
  template <class A, class B>
  auto join(A&& a, B&& b);

  /// Runs f() on a worker of this scheduler and returns its result (or rethrows its exception).
  /// Called on one of this scheduler's workers, it simply calls f(). Called on a worker of
  /// another scheduler, it injects f and, until f has finished, that worker keeps running its
  /// own scheduler's jobs (so f may call back into the caller's scheduler). From any other
  /// thread it takes the caller's seat if it is free and calls f() there, as worker 0; else it
  /// injects f, wakes a worker and blocks until f has finished. No heap allocation beyond the
  /// injector queue's own storage.
  template <class F>
  decltype(auto) run(F&& f);

  /// Counters of worker `worker`. @throws std::out_of_range if worker >= size().
  [[nodiscard]] WorkerStats stats(std::size_t worker) const;
  /// The sum of every worker's counters.
  [[nodiscard]] WorkerStats total_stats() const;

  /// The scheduler whose worker the calling thread is, or nullptr on any other thread.
  static Scheduler* current() noexcept {
    return detail::current_context != nullptr ? detail::current_context->scheduler : nullptr;
  }
  /// The calling worker's index in [0, size()), or nullopt on a thread that is not a worker.
  static std::optional<std::size_t> current_worker() noexcept {
    if (detail::current_context == nullptr) {
      return std::nullopt;
    }
    return detail::current_context->index;
  }

 private:
  friend class detail::JoinLatch;

  template <class A, class B>
  auto join_on_worker(detail::WorkerContext& self, A& a, B& b);
  template <class R, class F>
  R run_outside(F& f);

  /// The caller's seat (see the class comment): claimed by a thread outside every pool for one
  /// run(), which makes that thread worker 0 for the call. Constructing tries to claim it;
  /// held() says whether that worked; the destructor hands the seat back.
  class SeatClaim {
   public:
    explicit SeatClaim(Scheduler& scheduler) noexcept;
    ~SeatClaim();
    SeatClaim(const SeatClaim&) = delete;
    SeatClaim& operator=(const SeatClaim&) = delete;
    [[nodiscard]] bool held() const noexcept { return seat_ != nullptr; }
    [[nodiscard]] detail::WorkerContext& context() const noexcept { return *seat_; }

   private:
    Scheduler* scheduler_;
    detail::WorkerContext* seat_ = nullptr;
  };
  template <class R, class F>
  R run_cross(detail::WorkerContext& waiter, F& f);

  /// The calling worker's context if it belongs to this scheduler.
  detail::WorkerContext* own_context() const noexcept {
    detail::WorkerContext* context = detail::current_context;
    return context != nullptr && context->scheduler == this ? context : nullptr;
  }

  /// After a push: wakes one sleeping worker if any may be sleeping. The fence is the pusher's
  /// half of the sleep protocol (see scheduler.cpp); the common case costs the fence and a load.
  void announce_work() noexcept {
    // The pusher's half of the protocol (sleep.hpp): a seq_cst fence after the push, then the
    // count of sleepers; the fence pairs with the one in the sleeper's re-check (in steal()).
    steal::announce_work(sleepers_.value, [this] { wake_one(); });
  }

  void wake_one() noexcept;
  bool wake(detail::WorkerContext& worker) noexcept;
  void inject(detail::Job& job);
  /// Runs jobs (own deque, then stolen, then injected) until latch->probe(), or, for latch ==
  /// nullptr, until the scheduler terminates; sleeps when there is nothing to do.
  void work_until(detail::WorkerContext& self, const detail::JoinLatch* latch);
  detail::Job* find_work(detail::WorkerContext& self);
  void execute(detail::WorkerContext& self, detail::Job& job) noexcept;
  void sleep(detail::WorkerContext& self, const detail::JoinLatch* latch);
  void worker_main(detail::WorkerContext& self);
  void stop_workers() noexcept;

  std::vector<std::unique_ptr<detail::WorkerContext>> workers_;

  // Work from outside the pool: a mutex-protected FIFO plus a counter readable without the lock.
  std::mutex injector_mutex_;
  std::deque<detail::Job*> injector_;
  CacheAligned<std::atomic<std::size_t>> injected_count_{};

  // Whether worker 0 is the caller's seat (a scheduler of 2 or more workers) and whether a
  // caller holds it now.
  bool has_seat_ = false;
  CacheAligned<std::atomic<bool>> seat_taken_{};

  CacheAligned<SleeperCount> sleepers_{};  // workers between prepare and wake-up
  CacheAligned<std::atomic<bool>> terminating_{};
  std::atomic<std::size_t> next_to_wake_{0};  // rotates wake_one's scan; a hint only
};

/// The process-wide scheduler, with one worker per hardware thread, created on first use and
/// destroyed at exit (no job may be running then). Thread-safe.
Scheduler& default_scheduler();

/// join(a, b) on the scheduler of the calling worker, or on default_scheduler() when the caller
/// is not a worker. See Scheduler::join.
template <class A, class B>
auto join(A&& a, B&& b) {
  Scheduler* scheduler = Scheduler::current();
  return (scheduler != nullptr ? *scheduler : default_scheduler())
      .join(std::forward<A>(a), std::forward<B>(b));
}

// ---- implementation of the templates -------------------------------------------------------

template <class A, class B>
auto Scheduler::join(A&& a, B&& b) {
  if (detail::WorkerContext* self = own_context(); self != nullptr) {
    if (work_span::active()) [[unlikely]] {
      // scripts/trace is measuring work and span: time each side as its own strand
      // (common/work_span.hpp). Otherwise this costs one thread-local load.
      return work_span::measured_join(
          [this, self](auto& x, auto& y) { return this->join_on_worker(*self, x, y); }, a, b);
    }
    return join_on_worker(*self, a, b);
  }
  return run([&] { return join(a, b); });
}

template <class A, class B>
auto Scheduler::join_on_worker(detail::WorkerContext& self, A& a, B& b) {
  using RA = detail::join_value_t<std::invoke_result_t<A&>>;
  using RB = detail::join_value_t<std::invoke_result_t<B&>>;
  detail::StackJob<B, RB, detail::JoinLatch> job_b(b, self);
  self.deque.push(&job_b);  // may throw std::bad_alloc, before anything has run
  announce_work();

  detail::Outcome<RA> outcome_a;
  outcome_a.capture(a);  // exceptions are recorded: b must finish before this frame is left

  // Every join inside a() has completed, so job_b is the newest job on our deque unless a
  // thief took it (thieves take the oldest first, so then the deque is empty).
  const std::optional<detail::Job*> popped = self.deque.pop();
  if (popped.has_value() && *popped == &job_b) {
    self.count(self.tasks_run);
    job_b.run_inline();  // the fast path: nobody stole b
  } else {
    if (popped.has_value()) {
      execute(self, **popped);  // not reachable while every join is balanced; run it anyway
    }
    work_until(self, &job_b.latch());  // b was stolen: help until the thief finishes it
  }
  // a's exception wins; b's is rethrown by take() below if a did not throw.
  if (outcome_a.error()) {
    std::rethrow_exception(outcome_a.error());
  }
  RA result_a = outcome_a.take();
  return std::pair<RA, RB>(std::move(result_a), job_b.outcome().take());
}

template <class F>
decltype(auto) Scheduler::run(F&& f) {
  using R = std::invoke_result_t<F&>;
  detail::WorkerContext* const context = detail::current_context;
  if (context == nullptr) {
    return run_outside<R>(f);
  } else if (context->scheduler == this) {
    return static_cast<R>(std::invoke(f));
  } else {
    return run_cross<R>(*context, f);
  }
}

template <class R, class F>
R Scheduler::run_outside(F& f) {
  if (const SeatClaim claim(*this); claim.held()) {
    // The fast path: this thread is worker 0 until claim's destructor hands the seat back.
    claim.context().count(claim.context().tasks_run);
    return static_cast<R>(std::invoke(f));
  }
  detail::StackJob<F, R, detail::BlockingLatch> job(f);
  inject(job);
  job.latch().wait();
  return job.outcome().take();
}

template <class R, class F>
R Scheduler::run_cross(detail::WorkerContext& waiter, F& f) {
  // The job is injected here; the waiter keeps serving its own scheduler (a private member of
  // the same class, so callable on the other instance) until the latch is set.
  detail::StackJob<F, R, detail::CrossLatch> job(f, waiter);
  inject(job);  // may throw std::bad_alloc, before anything has run
  waiter.scheduler->work_until(waiter, &job.latch().join_latch());
  job.latch().wait_until_setter_left();
  return job.outcome().take();
}

}  // namespace parlab::steal

// The reference of lab 4 (work stealing) as a later lab sees it: exactly the public API of lab 4's
// scheduler.hpp, with join() and run() type-erasing their callables, on a prebuilt library.
// `scripts/test --lab 5 --with-reference 4` builds lab 5 on this instead of your lab 4.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <thread>
#include <type_traits>
#include <utility>
#include <variant>

namespace parlab::steal {

/// The facade's own names: its Scheduler is not lab 4's (which the library holds inside), so the
/// two never meet in one program under the same name.
inline namespace prebuilt {

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

/// A callable behind a pointer: call(context) runs it. It lives in the caller's frame.
struct ErasedCall {
  void (*call)(void* context);
  void* context;
};

template <class F>
ErasedCall erase(F& f) noexcept {
  return {[](void* context) { (*static_cast<F*>(context))(); },
          const_cast<void*>(static_cast<const void*>(&f))};
}

/// Calls f and keeps its result (std::monostate for void) for join().
template <class F>
struct JoinSide {
  F& f;
  std::optional<join_value_t<std::invoke_result_t<F&>>> value;
  void operator()() {
    if constexpr (std::is_void_v<std::invoke_result_t<F&>>) {
      f();
      value.emplace();
    } else {
      value.emplace(f());
    }
  }
};
}  // namespace detail

/// A pool of worker threads that run fork-join work by work stealing: lab 4's reference.
/// Thread safety: every member function may be called from any thread, except the destructor,
/// which must not run while a run() or join() on this scheduler is in progress.
class Scheduler {
 public:
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
  /// std::monostate). If either side throws, both finish first, then a's exception is rethrown
  /// if a threw, else b's.
  template <class A, class B>
  detail::join_result_t<A, B> join(A&& a, B&& b) {
    detail::JoinSide<std::remove_reference_t<A>> left{a, std::nullopt};
    detail::JoinSide<std::remove_reference_t<B>> right{b, std::nullopt};
    join_erased(detail::erase(left), detail::erase(right));
    return {std::move(*left.value), std::move(*right.value)};
  }

  /// Runs f() on a worker and returns its result (or rethrows its exception): inline when
  /// called on one of this scheduler's workers; else injected, and the caller waits.
  template <class F>
  std::invoke_result_t<F&> run(F&& f) {
    using R = std::invoke_result_t<F&>;
    if constexpr (std::is_void_v<R>) {
      run_erased(detail::erase(f));
    } else if constexpr (std::is_reference_v<R>) {
      std::remove_reference_t<R>* result = nullptr;
      auto call = [&] { result = &f(); };
      run_erased(detail::erase(call));
      return static_cast<R>(*result);
    } else {
      std::optional<R> result;
      auto call = [&] { result.emplace(f()); };
      run_erased(detail::erase(call));
      return std::move(*result);
    }
  }

  /// Counters of worker `worker`. @throws std::out_of_range if worker >= size().
  [[nodiscard]] WorkerStats stats(std::size_t worker) const;
  /// The sum of every worker's counters.
  [[nodiscard]] WorkerStats total_stats() const;

  /// The scheduler whose worker the calling thread is, or nullptr on any other thread.
  static Scheduler* current() noexcept;
  /// The calling worker's index in [0, size()), or nullopt on a thread that is not a worker.
  static std::optional<std::size_t> current_worker() noexcept;

 private:
  void join_erased(detail::ErasedCall a, detail::ErasedCall b);
  void run_erased(detail::ErasedCall f);

  struct Reference;  // lab 4's scheduler, inside the library
  std::unique_ptr<Reference> reference_;
};

/// The process-wide scheduler (hardware_concurrency workers), created on first use.
Scheduler& default_scheduler();

/// join(a, b) on the scheduler of the calling worker, or on default_scheduler() elsewhere.
template <class A, class B>
detail::join_result_t<A, B> join(A&& a, B&& b) {
  Scheduler* scheduler = Scheduler::current();
  return (scheduler != nullptr ? *scheduler : default_scheduler())
      .join(std::forward<A>(a), std::forward<B>(b));
}

}  // namespace prebuilt
}  // namespace parlab::steal

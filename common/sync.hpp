// parlab::sync: the synchronisation types the labs' concurrent code is written against, so that
// the same code runs for real and under the Relacy model checker. Part of common/; labs 3 and 4.
//
// In a normal build every name here is the std:: type itself (aliases; one inline function for
// the fence), so the code compiles to exactly what std:: would give. In a model-check build
// (PARLAB_SYNC_MODEL defined: only the tests labelled `model` are built so) the same names are
// thin wrappers over Relacy's types, and every operation becomes a point where the model checker
// may switch threads or let a load return an older value, as the C++ memory model allows.
//
// What to write, and what not:
//   sync::atomic<T> x;  x.load(order)  x.store(v, order)  x.exchange(v, order)
//   x.compare_exchange_strong(expected, desired, success_order, failure_order)  (and _weak)
//   x.fetch_add(n, order)  x.fetch_sub(n, order)  x.wait(old, order)  x.notify_one()
//   sync::fence(order)                   instead of std::atomic_thread_fence(order)
//   sync::mutex, sync::condition_variable (wait(lock), wait(lock, predicate), notify_one/all),
//   with std::unique_lock / std::scoped_lock as usual.
// Always name the memory order: operators (x++, x = v, implicit loads) are not in the model.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>

#if defined(PARLAB_SYNC_MODEL)
#include <type_traits>
#if __has_include(<source_location>)
#include <source_location>
#endif
// relacy/relacy.hpp also #defines new, delete, malloc, assert and the memory_order_* names,
// which would break the standard headers and our own code: include its parts without that
// macro block (the list is relacy.hpp's own, minus the Windows and POSIX emulations).
#include <relacy/atomic.hpp>
#include <relacy/atomic_fence.hpp>
#include <relacy/backoff.hpp>
#include <relacy/base.hpp>
#include <relacy/context.hpp>
#include <relacy/context_base_impl.hpp>
#include <relacy/dyn_thread.hpp>
#include <relacy/stdlib/condition_variable.hpp>
#include <relacy/stdlib/event.hpp>
#include <relacy/stdlib/mutex.hpp>
#include <relacy/stdlib/semaphore.hpp>
#include <relacy/test_suite.hpp>
#include <relacy/thread_local.hpp>
#include <relacy/var.hpp>
#endif

namespace parlab::sync {

#if !defined(PARLAB_SYNC_MODEL)

// An inline namespace per mode: a function whose signature names a sync type gets a different
// mangled name in each mode, so a model-check object can never link against a normal one.
inline namespace native {

/// std::atomic<T>, under the name the model checker can replace.
template <class T>
using atomic = std::atomic<T>;

/// std::atomic_thread_fence(order), under the name the model checker can replace.
inline void fence(std::memory_order order) noexcept { std::atomic_thread_fence(order); }

/// std::mutex, under the name the model checker can replace.
using mutex = std::mutex;

/// std::condition_variable, under the name the model checker can replace.
using condition_variable = std::condition_variable;

/// Whether this is the model-check build (a constant: code may branch on it, e.g. to keep a
/// spin loop short in the model, where every iteration is a state to explore).
inline constexpr bool model_checked = false;

}  // namespace native

#else  // PARLAB_SYNC_MODEL

inline namespace model {

inline constexpr bool model_checked = true;

/// Where an operation was called from, as Relacy's history reports it: the caller's function,
/// file and line, supplied by a defaulted `Here here = Here::current()` argument, so nobody
/// writes Relacy's `$`. std::source_location where the library has it; clang 14 with libstdc++
/// 12 does not, and there the compilers' __builtin_FILE/FUNCTION/LINE do the same.
struct Here {
  const char* function = "";
  const char* file = "";
  unsigned line = 0;
#if defined(__cpp_lib_source_location)
  static Here current(std::source_location at = std::source_location::current()) noexcept {
    return {at.function_name(), at.file_name(), static_cast<unsigned>(at.line())};
  }
#else
  static constexpr Here current(const char* function = __builtin_FUNCTION(),
                                const char* file = __builtin_FILE(),
                                unsigned line = __builtin_LINE()) noexcept {
    return {function, file, line};
  }
#endif
};

inline rl::debug_info where(const Here& here) noexcept {
  return rl::debug_info(here.function, here.file, here.line);
}

/// The std::memory_order as Relacy's enumeration.
inline rl::memory_order to_model(std::memory_order order) noexcept {
  switch (order) {
    case std::memory_order_relaxed:
      return rl::mo_relaxed;
    case std::memory_order_consume:
      return rl::mo_consume;
    case std::memory_order_acquire:
      return rl::mo_acquire;
    case std::memory_order_release:
      return rl::mo_release;
    case std::memory_order_acq_rel:
      return rl::mo_acq_rel;
    case std::memory_order_seq_cst:
      return rl::mo_seq_cst;
  }
  return rl::mo_seq_cst;
}

/// A failed load's order as the standard derives it from a compare-exchange's success order.
inline std::memory_order failure_order_of(std::memory_order success) noexcept {
  if (success == std::memory_order_acq_rel) {
    return std::memory_order_acquire;
  }
  if (success == std::memory_order_release) {
    return std::memory_order_relaxed;
  }
  return success;
}

/// Relacy's rl::atomic<T> with std::atomic's member functions. Only valid inside a Relacy
/// simulation (a model test's threads, or its before()/after()).
template <class T>
class atomic {
 public:
  /// Value-initialised, as std::atomic<T> is since C++20.
  atomic(Here here = Here::current()) { impl_.store(T{}, rl::mo_relaxed, where(here)); }
  atomic(T desired, Here here = Here::current()) {
    impl_.store(desired, rl::mo_relaxed, where(here));
  }
  atomic(const atomic&) = delete;
  atomic& operator=(const atomic&) = delete;

  T load(std::memory_order order = std::memory_order_seq_cst, Here here = Here::current()) const {
    return impl_.load(to_model(order), where(here));
  }
  void store(T desired, std::memory_order order = std::memory_order_seq_cst,
             Here here = Here::current()) {
    impl_.store(desired, to_model(order), where(here));
  }
  T exchange(T desired, std::memory_order order = std::memory_order_seq_cst,
             Here here = Here::current()) {
    return impl_.exchange(desired, to_model(order), where(here));
  }
  bool compare_exchange_strong(T& expected, T desired, std::memory_order success,
                               std::memory_order failure, Here here = Here::current()) {
    return impl_.compare_exchange_strong(expected, desired, to_model(success), where(here),
                                         to_model(failure), where(here));
  }
  bool compare_exchange_strong(T& expected, T desired,
                               std::memory_order order = std::memory_order_seq_cst,
                               Here here = Here::current()) {
    return compare_exchange_strong(expected, desired, order, failure_order_of(order), here);
  }
  bool compare_exchange_weak(T& expected, T desired, std::memory_order success,
                             std::memory_order failure, Here here = Here::current()) {
    return impl_.compare_exchange_weak(expected, desired, to_model(success), where(here),
                                       to_model(failure), where(here));
  }
  bool compare_exchange_weak(T& expected, T desired,
                             std::memory_order order = std::memory_order_seq_cst,
                             Here here = Here::current()) {
    return compare_exchange_weak(expected, desired, order, failure_order_of(order), here);
  }
  T fetch_add(T operand, std::memory_order order = std::memory_order_seq_cst,
              Here here = Here::current()) requires std::is_integral_v<T> {
    return impl_.fetch_add(operand, to_model(order), where(here));
  }
  T fetch_sub(T operand, std::memory_order order = std::memory_order_seq_cst,
              Here here = Here::current()) requires std::is_integral_v<T> {
    return impl_.fetch_sub(operand, to_model(order), where(here));
  }

  /// Blocks while the value equals `old`, like std::atomic<T>::wait: it returns only after a
  /// load (with `order`) that differs from `old`. Modelled as the kernel's futex: the check of
  /// the newest value and going to sleep are one step, and only notify_*() wakes a sleeper, so
  /// a protocol that can sleep through its wake-up deadlocks here (Relacy reports it).
  void wait(T old, std::memory_order order = std::memory_order_seq_cst,
            Here here = Here::current()) const {
    rl::context& context = rl::ctx();
    for (;;) {
      if (impl_.load(to_model(order), where(here)) != old) {
        return;
      }
      {
        rl::preemption_disabler no_switch(context);
        if (impl_.debug_value() != old) {
          continue;  // a newer value exists that this load did not see yet: load again
        }
      }
      impl_.wait(context, false, false, where(here));
    }
  }
  void notify_one(Here here = Here::current()) {
    rl::context& context = rl::ctx();
    context.sched();
    impl_.wake(context, 1, where(here));
  }
  void notify_all(Here here = Here::current()) {
    rl::context& context = rl::ctx();
    context.sched();
    impl_.wake(context, static_cast<rl::thread_id_t>(context.get_thread_count()), where(here));
  }

 private:
  mutable rl::atomic<T> impl_;
};

/// std::atomic_thread_fence(order) in the model.
/// A relaxed fence does nothing, as in the standard.
inline void fence(std::memory_order order, Here here = Here::current()) {
  if (order != std::memory_order_relaxed) {
    rl::atomic_thread_fence(to_model(order), where(here));
  }
}

/// std::mutex in the model (lock, unlock, try_lock), usable with std::unique_lock and
/// std::scoped_lock.
class mutex {
 public:
  mutex() = default;
  mutex(const mutex&) = delete;
  mutex& operator=(const mutex&) = delete;
  void lock(Here here = Here::current()) { impl_.lock(where(here)); }
  bool try_lock(Here here = Here::current()) { return impl_.try_lock(where(here)); }
  void unlock(Here here = Here::current()) { impl_.unlock(where(here)); }
  rl::mutex& model() noexcept { return impl_; }

 private:
  rl::mutex impl_;
};

/// std::condition_variable in the model: wait(lock), wait(lock, predicate), notify_one/all.
/// Relacy lets a plain wait(lock) wake spuriously, as the standard does.
class condition_variable {
 public:
  condition_variable() = default;
  condition_variable(const condition_variable&) = delete;
  condition_variable& operator=(const condition_variable&) = delete;
  void notify_one(Here here = Here::current()) { impl_.notify_one(where(here)); }
  void notify_all(Here here = Here::current()) { impl_.notify_all(where(here)); }
  void wait(std::unique_lock<mutex>& lock, Here here = Here::current()) {
    impl_.wait(lock.mutex()->model(), where(here));
  }
  template <class Predicate>
  void wait(std::unique_lock<mutex>& lock, Predicate predicate, Here here = Here::current()) {
    while (!predicate()) {
      wait(lock, here);
    }
  }

 private:
  rl::condition_variable impl_;
};

}  // namespace model

#endif  // PARLAB_SYNC_MODEL

}  // namespace parlab::sync

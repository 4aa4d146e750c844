// A join whose second side can only run elsewhere: a waits (bounded) until b has started, so
// the worker that runs a stays busy and b starts only if another worker takes it. Lab 4's join
// and sleeping tests force their steals this way. Test-only; part of common/testing.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <optional>

#include "common/testing/bounded.hpp"

namespace parlab::testing {

/// What join_where_a_waits_for_b() saw. The fields are written inside a and b and read after
/// join returns, which orders them.
struct ForcedSteal {
  std::optional<std::size_t> a_worker;  ///< Scheduler::current_worker() inside a
  std::optional<std::size_t> b_worker;  ///< Scheduler::current_worker() inside b
  bool a_saw_b = false;                 ///< b started while a was still waiting for it
  bool b_ran_after_a = false;           ///< b started only after a had returned
};

/// The default of join_where_a_waits_for_b's `in_a` and `in_b`: does nothing.
struct Nothing {
  /// Does nothing.
  void operator()() const noexcept {}
};

/// Calls scheduler.join(a, b) where a runs `in_a`, then waits up to `limit` for b to start; b
/// marks its start, then runs `in_b` (which may fork, sleep or throw: join rethrows).
template <class Scheduler, class InA = Nothing, class InB = Nothing>
ForcedSteal join_where_a_waits_for_b(Scheduler& scheduler, std::chrono::milliseconds limit,
                                     InA in_a = {}, InB in_b = {}) {
  ForcedSteal seen;
  std::atomic<bool> b_started{false};
  std::atomic<bool> a_returned{false};
  scheduler.join(
      [&] {
        seen.a_worker = Scheduler::current_worker();
        in_a();
        // acquire: pairs with b's release store.
        seen.a_saw_b = eventually(limit, [&] { return b_started.load(std::memory_order_acquire); });
        a_returned.store(true, std::memory_order_release);
      },
      [&] {
        // acquire: pairs with a's release store.
        seen.b_ran_after_a = a_returned.load(std::memory_order_acquire);
        seen.b_worker = Scheduler::current_worker();
        b_started.store(true, std::memory_order_release);
        in_b();
      });
  return seen;
}

}  // namespace parlab::testing

// Lab 4, part A (work stealing): the Chase-Lev work-stealing deque. This is one of the student's
// files (with scheduler.hpp, scheduler.cpp and parallel_loops.hpp): the only files you edit
// in lab 4.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <type_traits>

#include "common/cache_line.hpp"
#include "common/not_implemented.hpp"
#include "common/sync.hpp"

namespace parlab::steal {

/// What a steal() found.
enum class StealStatus {
  empty,      ///< the deque held no item when looked at
  lost_race,  ///< there was an item, but the owner or another thief took it first; worth retrying
  success,    ///< `value` holds the stolen item
};

/// The result of ChaseLevDeque::steal(): a status and, on success, the item.
template <class T>
struct StealResult {
  StealStatus status = StealStatus::empty;
  T value{};  ///< meaningful only when status == StealStatus::success

  [[nodiscard]] bool succeeded() const noexcept { return status == StealStatus::success; }
  explicit operator bool() const noexcept { return succeeded(); }
};

/// A lock-free single-owner, multi-thief deque: the owner pushes and pops at the bottom (newest
/// first), any other thread steals at the top (oldest first). The buffer grows when full.
///
/// @tparam T a trivially copyable, pointer-sized type (the scheduler stores Job pointers).
/// Thread safety: push() and pop() from the owner thread only; steal() and size_estimate() from
/// any thread.
template <class T>
class ChaseLevDeque {
  static_assert(std::is_trivially_copyable_v<T>,
                "ChaseLevDeque<T> copies T through std::atomic<T>");

 public:
  // TODO(lab 4, task A1): Build the deque of Chase and Lev (SPAA 2005). Decide the members: the
  // two indices (signed! why?), a circular buffer that can be replaced by a bigger one, and what
  // happens to the old buffers.
  // TODO(lab 4, task A5): The memory orderings of Le, Pop, Cohen and Zappa Nardelli (PPoPP 2013).
  // Comment every atomic operation with its memory order and the reason, and
  // say where (and why) your code departs from the paper for ThreadSanitizer.
  // Write every atomic as parlab::sync::atomic<...> and every fence as parlab::sync::fence(order)
  // (common/sync.hpp: std::atomic and std::atomic_thread_fence in a normal build), always with
  // an explicit memory order: chase_lev_deque_model_test.cpp then model-checks your orders.
  // Checked by chase_lev_deque_test.cpp and chase_lev_deque_model_test.cpp.

  /// Creates an empty deque whose first buffer holds `initial_capacity` items (rounded up to a
  /// power of two).
  explicit ChaseLevDeque(std::size_t initial_capacity = 256) { (void)initial_capacity; }

  ChaseLevDeque(const ChaseLevDeque&) = delete;
  ChaseLevDeque& operator=(const ChaseLevDeque&) = delete;
  ~ChaseLevDeque() = default;

  /// Owner only. Adds `item` at the bottom; grows the buffer if it is full.
  void push(T item) {
    // TODO(lab 4, task A2): Store the item, then publish it by moving bottom.
    (void)item;
    throw NotImplemented("lab 4, ChaseLevDeque::push in labs/04_work_stealing/chase_lev_deque.hpp");
  }

  /// Owner only. Removes and returns the newest item, or nullopt if the deque is empty.
  std::optional<T> pop() {
    // TODO(lab 4, task A3): Reserve the bottom slot, then look at top; race the thieves (CAS)
    // only for the last item, and leave the indices consistent whatever happens.
    throw NotImplemented("lab 4, ChaseLevDeque::pop in labs/04_work_stealing/chase_lev_deque.hpp");
  }

  /// Any thread. Tries once to take the oldest item.
  StealResult<T> steal() {
    // TODO(lab 4, task A4): Read top, then bottom, then the slot, then claim it with a CAS.
    throw NotImplemented(
        "lab 4, ChaseLevDeque::steal in labs/04_work_stealing/chase_lev_deque.hpp");
  }

  /// Any thread. The number of items at some recent moment (exact when nobody is working on it).
  [[nodiscard]] std::size_t size_estimate() const {
    throw NotImplemented(
        "lab 4, ChaseLevDeque::size_estimate in labs/04_work_stealing/chase_lev_deque.hpp");
  }

  [[nodiscard]] bool empty_estimate() const { return size_estimate() == 0; }

  /// Owner only (or when quiescent). The current buffer's capacity, for tests of growth.
  [[nodiscard]] std::size_t capacity() const {
    throw NotImplemented(
        "lab 4, ChaseLevDeque::capacity in labs/04_work_stealing/chase_lev_deque.hpp");
  }
};

}  // namespace parlab::steal

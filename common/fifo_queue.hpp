// A first-in first-out queue that keeps its memory: the task queue of the lab 3 reference pools.
// Part of common/; not synchronised (the pools guard it with their own mutex).
#pragma once

#include <concepts>
#include <cstddef>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

namespace parlab {

/// A FIFO queue over one circular buffer whose capacity only grows (doubling, from 16 slots), so
/// that pop() never frees memory and push() allocates only when the queue is longer than it has
/// ever been.
///
/// Why not std::deque: a deque allocates a block every few pushes and frees it once the pops have
/// emptied it. In a thread pool, pushes run on the submitting thread and pops on the workers, so
/// every block is allocated by one thread and freed by another; glibc's malloc then sends the
/// frees to the submitter's arena under its lock, and the submitter and the workers contend for
/// it. A ring that never frees on pop keeps every allocation on the side that grows it.
///
/// @tparam T default-constructible (the empty slots hold T{}), with a move constructor and
///           move assignment that do not throw (growing moves every element).
///
/// Thread safety: none; one queue may not be used by two threads at once without a lock.
///
/// Example:
/// @code
///   parlab::FifoQueue<int> queue;
///   queue.push(1);
///   queue.push(2);
///   int first = queue.pop();  // 1
/// @endcode
template <class T>
requires std::default_initializable<T> && std::is_nothrow_move_constructible_v<T> &&
    std::is_nothrow_move_assignable_v<T>
class FifoQueue {
 public:
  /// True when the queue holds no element.
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }

  /// The number of elements queued.
  [[nodiscard]] std::size_t size() const noexcept { return size_; }

  /// The number of elements the queue can hold before push() allocates again.
  [[nodiscard]] std::size_t capacity() const noexcept { return slots_.size(); }

  /// Appends `value` at the back.
  /// @throws std::bad_alloc if the queue must grow and cannot; the queue is then unchanged.
  void push(T value) {
    if (size_ == slots_.size()) {
      grow();
    }
    slots_[(head_ + size_) & (slots_.size() - 1)] = std::move(value);
    ++size_;
  }

  /// Removes the front (oldest) element and returns it. Its slot is reset to T{}, so whatever the
  /// element owned is released now, not when the slot is next overwritten.
  /// @throws std::logic_error if the queue is empty.
  T pop() {
    if (size_ == 0) {
      throw std::logic_error("FifoQueue::pop: the queue is empty");
    }
    T value = std::exchange(slots_[head_], T{});
    head_ = (head_ + 1) & (slots_.size() - 1);
    --size_;
    return value;
  }

 private:
  static constexpr std::size_t kFirstCapacity = 16;

  // Doubles the capacity (a power of two, so that an index wraps with a mask), moving the
  // elements to the front of the new buffer in queue order.
  void grow() {
    std::vector<T> bigger(slots_.empty() ? kFirstCapacity : 2 * slots_.size());
    for (std::size_t i = 0; i < size_; ++i) {
      bigger[i] = std::move(slots_[(head_ + i) & (slots_.size() - 1)]);
    }
    slots_.swap(bigger);
    head_ = 0;
  }

  std::vector<T> slots_;  // slots_.size() is 0 or a power of two
  std::size_t head_ = 0;  // the front element's slot
  std::size_t size_ = 0;  // elements queued, from head_ on, wrapping around
};

}  // namespace parlab

// Lab 4, part A (work stealing), reference solution: the Chase-Lev work-stealing deque, with the
// memory orderings of Le, Pop, Cohen and Zappa Nardelli, "Correct and Efficient Work-Stealing for
// Weak Memory Models" (PPoPP 2013), and the one adjustment ThreadSanitizer needs (see kPublish).
// Written against parlab::sync (common/sync.hpp): std::atomic in normal builds, Relacy's model
// checker in the tests labelled `model` (chase_lev_deque_model_test.cpp).
#pragma once

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include "common/cache_line.hpp"
#include "common/sync.hpp"

// ThreadSanitizer detects races from happens-before edges, and it builds those edges from atomic
// operations only: a stand-alone std::atomic_thread_fence creates no edge in its model. Code that
// is correct by the fence rules of the C++ memory model therefore looks racy to it. g++ defines
// __SANITIZE_THREAD__; clang reports it through __has_feature(thread_sanitizer).
#if defined(__SANITIZE_THREAD__)
#define PARLAB_STEAL_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PARLAB_STEAL_TSAN 1
#endif
#endif
#ifndef PARLAB_STEAL_TSAN
#define PARLAB_STEAL_TSAN 0
#endif

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
  StealStatus status = StealStatus::empty;  ///< what the steal found
  T value{};                                ///< meaningful only when status == StealStatus::success

  /// Whether a value was taken.
  ///@{
  [[nodiscard]] bool succeeded() const noexcept { return status == StealStatus::success; }
  explicit operator bool() const noexcept { return succeeded(); }
  ///@}
};

/// A lock-free single-owner, multi-thief double-ended queue (Chase and Lev, SPAA 2005).
///
/// The owner thread pushes and pops at the *bottom* (LIFO: it keeps working on the newest,
/// smallest, cache-hot item); any other thread steals at the *top* (FIFO: a thief takes the
/// oldest item, which in divide-and-conquer code is the biggest piece of remaining work).
///
/// Invariants:
/// - Items live at indices [top, bottom) of an unbounded logical array, stored modulo the
///   capacity of a circular buffer. `top` only ever grows (by a CAS, owner or thief);
///   `bottom` is written only by the owner.
/// - Indices are signed 64-bit: pop() decrements `bottom` *before* it knows whether the deque is
///   empty, so `bottom` may briefly be top - 1. With unsigned indices, bottom - 1 on an empty
///   deque at 0 wraps to 2^64 - 1 and "size > 0" becomes true: the classic unsigned-wrap bug.
/// - When the buffer is full, push() copies the live items into one twice as large. Thieves may
///   still be reading the old buffer, so old buffers are kept (retired, never freed) until the
///   deque is destroyed: at most as much memory again as the largest buffer, since sizes double.
///
/// @tparam T a trivially copyable type that fits in a lock-free std::atomic (a pointer, an
///         index): slots are atomics, because a thief may read a slot while the owner overwrites
///         it after a wrap-around (the thief's CAS then fails and the value read is discarded).
///
/// Thread safety: push() and pop() only from the owner thread (one thread for the deque's life, or
/// with happens-before between successive owners); steal() and size_estimate() from any thread.
///
/// Example:
/// ```
/// ChaseLevDeque<Job*> deque;          // owner thread
/// deque.push(job);                    // owner
/// if (auto job = deque.pop()) ...     // owner: newest first
/// if (auto got = deque.steal()) ...   // any thread: oldest first, got.value
/// ```
template <class T>
class ChaseLevDeque {
  static_assert(std::is_trivially_copyable_v<T>,
                "ChaseLevDeque<T> copies T through std::atomic<T>");
  static_assert(std::atomic<T>::is_always_lock_free,
                "ChaseLevDeque<T> needs a lock-free atomic<T>");

 public:
  /// Creates an empty deque whose first buffer holds `initial_capacity` items (rounded up to a
  /// power of two, at least 2). @throws std::bad_alloc.
  explicit ChaseLevDeque(std::size_t initial_capacity = 256) {
    const std::size_t capacity =
        std::bit_ceil(initial_capacity < 2 ? std::size_t{2} : initial_capacity);
    buffers_.push_back(std::make_unique<Buffer>(static_cast<std::int64_t>(capacity)));
    buffer_.store(buffers_.back().get(), std::memory_order_relaxed);  // relaxed: not yet shared
  }

  ChaseLevDeque(const ChaseLevDeque&) = delete;
  ChaseLevDeque& operator=(const ChaseLevDeque&) = delete;
  /// Frees every buffer, current and retired. No thread may still use the deque.
  ~ChaseLevDeque() = default;

  /// Owner only. Adds `item` at the bottom; grows the buffer if it is full.
  /// @throws std::bad_alloc if growing fails (the deque is unchanged).
  void push(T item) {
    // relaxed: only the owner writes bottom_, so it reads its own last write.
    const std::int64_t b = bottom_.value.load(std::memory_order_relaxed);
    // acquire: pairs with the CAS on top_ in steal()/pop(); a thief's read of the slot it took
    // happens before we overwrite that slot below (after a wrap-around).
    const std::int64_t t = top_.value.load(std::memory_order_acquire);
    // relaxed: only the owner replaces buffer_.
    Buffer* buffer = buffer_.load(std::memory_order_relaxed);
    if (b - t > buffer->capacity() - 1) {
      buffer = grow(buffer, t, b);
    }
    // relaxed: the slot is published by the release below, not by this store.
    buffer->store(b, item);
    // The paper: a release fence, then a relaxed store of bottom_. A thief that reads the new
    // bottom_ (acquire) then sees the slot, and whatever the item points to. TSan departs here:
    // it cannot see the fence, so it would report the thief's read of the pointed-to data as a
    // race; kPublish makes the store itself a release under TSan (on x86 either way is a plain
    // store; on weaker CPUs it is at most one extra barrier).
    sync::fence(std::memory_order_release);
    bottom_.value.store(b + 1, kPublish);
  }

  /// Owner only. Removes and returns the newest item, or nullopt if the deque is empty.
  /// Never blocks; competes with thieves (by a CAS) only for the last item.
  std::optional<T> pop() {
    // relaxed: the owner's own variable.
    const std::int64_t b = bottom_.value.load(std::memory_order_relaxed) - 1;
    Buffer* buffer = buffer_.load(std::memory_order_relaxed);  // relaxed: owner's own variable
    // Reserve slot b *before* looking at top_: a thief arriving from now on sees bottom_ = b.
    bottom_.value.store(b, std::memory_order_relaxed);  // relaxed: ordered by the fence below
    // seq_cst fence: the store to bottom_ above and the load of top_ below must not be
    // reordered (a store-load pair, which only a full fence orders), and it pairs with the
    // seq_cst fence in steal(): either the thief sees our decremented bottom_, or we see its
    // incremented top_. Without it, both could take the last item.
    sync::fence(std::memory_order_seq_cst);
    std::int64_t t = top_.value.load(std::memory_order_relaxed);  // relaxed: ordered by the fence
    if (t > b) {
      // Empty: undo the reservation. Forgetting this leaves bottom_ below top_ for good.
      bottom_.value.store(b + 1, std::memory_order_relaxed);  // relaxed: nothing to publish
      return std::nullopt;
    }
    // Read the item before any CAS: once top_ moves past it the slot may be reused.
    T item = buffer->load(b);
    if (t < b) {
      return item;  // more than one item: thieves cannot reach slot b, it is ours
    }
    // The last item: race the thieves for it by advancing top_, as a thief would.
    // seq_cst on success: part of the single total order with the fences (as in the paper);
    // relaxed on failure: we only learn that a thief won.
    const bool won = top_.value.compare_exchange_strong(t, t + 1, std::memory_order_seq_cst,
                                                        std::memory_order_relaxed);
    // Either way the deque is now empty with top_ = t + 1: restore bottom_ to match.
    // Forgetting this (the "last element" bug) leaves bottom_ = top_ - 1: the next push lands
    // at an index both ends consider taken already, and its item is never run.
    bottom_.value.store(b + 1, std::memory_order_relaxed);  // relaxed: owner's own variable
    if (!won) {
      return std::nullopt;
    }
    return item;
  }

  /// Any thread. Tries once to take the oldest item. Lock-free: it fails (lost_race) only
  /// because another thread made progress.
  StealResult<T> steal() {
    // acquire: pairs with the seq_cst CAS of an earlier thief or pop(), so the slot we are about
    // to read was not yet consumed when top_ had this value.
    std::int64_t t = top_.value.load(std::memory_order_acquire);
    // seq_cst fence: pairs with the one in pop() (see there); orders the load of top_ above
    // before the load of bottom_ below, which the acquire alone would not forbid seeing stale.
    sync::fence(std::memory_order_seq_cst);
    // acquire: pairs with the release (fence) in push(), so slot [b-1] and what it points to are
    // visible once we see bottom_ = b.
    const std::int64_t b = bottom_.value.load(std::memory_order_acquire);
    if (t >= b) {
      return {StealStatus::empty, T{}};
    }
    // acquire (the paper's consume): pairs with the release in grow(), so a new buffer's copied
    // slots are visible.
    Buffer* buffer = buffer_.load(std::memory_order_acquire);
    // Read the slot *before* the CAS: after a successful CAS the owner may overwrite it at once.
    // Reading after the CAS (a classic bug) can return an item pushed later, taken twice.
    T item = buffer->load(t);
    // seq_cst on success: the total order with pop()'s fence decides who gets the last item.
    if (!top_.value.compare_exchange_strong(t, t + 1, std::memory_order_seq_cst,
                                            std::memory_order_relaxed)) {
      return {StealStatus::lost_race, T{}};
    }
    return {StealStatus::success, item};
  }

  /// Any thread. The number of items at some recent moment; exact only when no thread is
  /// working on the deque. Meant for heuristics and tests, never for correctness decisions.
  [[nodiscard]] std::size_t size_estimate() const noexcept {
    // acquire: a thread that sees items also sees their contents (same pairing as steal()).
    const std::int64_t b = bottom_.value.load(std::memory_order_acquire);
    const std::int64_t t = top_.value.load(std::memory_order_acquire);
    return b > t ? static_cast<std::size_t>(b - t) : 0;
  }

  /// Whether size_estimate() is 0: may be stale by the time the caller looks.
  [[nodiscard]] bool empty_estimate() const noexcept { return size_estimate() == 0; }

  /// Owner only (or when quiescent). The current buffer's capacity, for tests of growth.
  [[nodiscard]] std::size_t capacity() const noexcept {
    return static_cast<std::size_t>(buffer_.load(std::memory_order_relaxed)->capacity());
  }

 private:
  /// A circular buffer of atomic slots, capacity a power of two so that modulo is a mask.
  class Buffer {
   public:
    explicit Buffer(std::int64_t capacity)
        : mask_(capacity - 1),
          slots_(std::make_unique<sync::atomic<T>[]>(static_cast<std::size_t>(capacity))) {}
    [[nodiscard]] std::int64_t capacity() const noexcept { return mask_ + 1; }
    // relaxed: slots never publish anything themselves; bottom_ and buffer_ do.
    [[nodiscard]] T load(std::int64_t index) const noexcept {
      return slots_[static_cast<std::size_t>(index & mask_)].load(std::memory_order_relaxed);
    }
    void store(std::int64_t index, T value) noexcept {
      slots_[static_cast<std::size_t>(index & mask_)].store(value, std::memory_order_relaxed);
    }

   private:
    std::int64_t mask_;
    std::unique_ptr<sync::atomic<T>[]> slots_;
  };

  /// Owner only. Copies items [t, b) into a buffer twice as large and publishes it. The old
  /// buffer stays in buffers_ (a thief that loaded it may still read from it: its items at
  /// [t, b) are unchanged, and a thief that read a stale item fails its CAS on top_).
  Buffer* grow(Buffer* old, std::int64_t t, std::int64_t b) {
    buffers_.reserve(buffers_.size() + 1);  // the only allocation that may throw, done first
    auto bigger = std::make_unique<Buffer>(old->capacity() * 2);
    for (std::int64_t i = t; i < b; ++i) {
      bigger->store(i, old->load(i));
    }
    Buffer* result = bigger.get();
    buffers_.push_back(std::move(bigger));
    // release: pairs with the acquire load in steal(), so the copied slots are visible to a
    // thief that sees the new buffer.
    buffer_.store(result, std::memory_order_release);
    return result;
  }

  // The one departure from the paper, for ThreadSanitizer: push()'s store of bottom_ is a
  // release store there (the paper: a release fence, then a relaxed store). TSan builds its
  // happens-before graph from atomic operations only and ignores stand-alone fences, so without
  // this it reports the thief's reads of a job's fields as races with the owner's writes (the
  // test PublishesWhatAnItemPointsToBeforeAThiefCanTakeIt shows it). The seq_cst fences in pop()
  // and steal() need no such change: they decide which thread gets the last item, and both
  // candidates read the slot atomically; no plain data is handed over through them.
  static constexpr std::memory_order kPublish =
      PARLAB_STEAL_TSAN ? std::memory_order_release : std::memory_order_relaxed;

  // top_ is written by thieves, bottom_ by the owner: separate cache lines, so that pushes and
  // pops do not invalidate the line every thief is reading.
  CacheAligned<sync::atomic<std::int64_t>> top_{};
  CacheAligned<sync::atomic<std::int64_t>> bottom_{};
  alignas(kCacheLineSize) sync::atomic<Buffer*> buffer_{nullptr};
  std::vector<std::unique_ptr<Buffer>> buffers_;  // owner only: current and retired buffers
};

}  // namespace parlab::steal

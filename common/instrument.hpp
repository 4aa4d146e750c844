// Instrumentation for tests: an element type that counts its copies, a recorder of the distinct
// threads that ran a function, and the process's CPU time. Part of common/, used by labs 1-5.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <span>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

namespace parlab {

/// Counters shared by a family of CopyCounted elements. Thread-safe.
struct CopyCounts {
  std::atomic<std::size_t> copies{0};  ///< copy constructions plus copy assignments
  std::atomic<std::size_t> moves{0};   ///< move constructions plus move assignments
};

/// A value that reports every copy and move of itself to a CopyCounts. Lets a test prove how
/// many element copies an algorithm made (lab 1: exactly n; lab 2: none).
template <class T>
class CopyCounted {
 public:
  /// Wraps `value`; copies and moves of the result are reported to `counts`, which must outlive it.
  CopyCounted(T value, CopyCounts& counts) : value_(std::move(value)), counts_(&counts) {}
  /// Copies and moves the value, counting the copy or the move in the CopyCounts.
  ///@{
  CopyCounted(const CopyCounted& other) : value_(other.value_), counts_(other.counts_) {
    // relaxed: a pure event count; nothing is published through it.
    counts_->copies.fetch_add(1, std::memory_order_relaxed);
  }
  CopyCounted(CopyCounted&& other) noexcept
      : value_(std::move(other.value_)), counts_(other.counts_) {
    counts_->moves.fetch_add(1, std::memory_order_relaxed);  // relaxed: event count
  }
  CopyCounted& operator=(const CopyCounted& other) {
    value_ = other.value_;
    counts_ = other.counts_;
    counts_->copies.fetch_add(1, std::memory_order_relaxed);  // relaxed: event count
    return *this;
  }
  CopyCounted& operator=(CopyCounted&& other) noexcept {
    value_ = std::move(other.value_);
    counts_ = other.counts_;
    counts_->moves.fetch_add(1, std::memory_order_relaxed);  // relaxed: event count
    return *this;
  }
  ///@}
  ~CopyCounted() = default;

  /// The wrapped value.
  [[nodiscard]] const T& value() const { return value_; }

 private:
  T value_;
  CopyCounts* counts_;
};

/// Wraps each value of `values` in a CopyCounted reporting to `counts`, without counting a copy.
template <class T>
std::vector<CopyCounted<T>> make_copy_counted(std::span<const T> values, CopyCounts& counts) {
  std::vector<CopyCounted<T>> result;
  result.reserve(values.size());
  for (const T& value : values) {
    result.emplace_back(value, counts);
  }
  return result;
}

/// Records the distinct threads that call record(). Thread-safe. A thread records itself at
/// most once per recorder (later calls cost one thread-local comparison), so a test may call
/// record() for every element of a large input.
class ThreadRecorder {
 public:
  ThreadRecorder();
  /// Records the calling thread (once; later calls from the same thread are nearly free).
  void record();
  /// Wraps `f` so that every call records the calling thread and then calls `f`.
  template <class F>
  auto wrap(F f) {
    return [this, f = std::move(f)](auto&&... args) -> decltype(auto) {
      record();
      return f(std::forward<decltype(args)>(args)...);
    };
  }
  /// How many distinct threads have recorded themselves.
  [[nodiscard]] std::size_t distinct_count() const;
  /// Whether thread `id` has recorded itself.
  [[nodiscard]] bool saw(std::thread::id id) const;
  /// The recorded threads, in no particular order.
  [[nodiscard]] std::vector<std::thread::id> threads() const;
  /// Forgets every recorded thread; a thread that records again is counted again.
  void clear();

 private:
  std::atomic<std::uint64_t> generation_;  // unique per recorder and per clear()
  mutable std::mutex mutex_;
  std::unordered_set<std::thread::id> ids_;
};

/// CPU time consumed by the whole process so far (all threads, user + system).
std::chrono::nanoseconds process_cpu_time();

}  // namespace parlab

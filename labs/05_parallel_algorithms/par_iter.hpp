// Lab 5 (parallel algorithms): THE STUDENT'S FILE (one of two; parallel_sort.hpp is the other).
// par_iter: a lazy parallel-iterator API in the style of Rayon on your lab 4 scheduler. Build it
// as the handout (README.md beside this file) describes, tasks A1 to D2.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <limits>
#include <optional>
#include <ranges>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "common/data.hpp"
#include "common/not_implemented.hpp"
#include "scheduler.hpp"

namespace parlab::par {

using steal::Scheduler;

/// Inputs of at most this many elements run inline on the caller, as a plain loop, unless a
/// pipeline says otherwise (ParIter::with_sequential_threshold) or the process default is
/// changed (set_default_sequential_threshold).
// TODO(lab 5, task D2): Measure the crossover of the seed's workload with the benchmark (the
//   handout says how) and put it here. The tests assume at least 1,000 (RunsSmallInputsInline...).
inline constexpr std::size_t kMeasuredSequentialThreshold = 0;

namespace detail {
// relaxed: a tuning knob; a consumer that reads a stale value is still correct.
inline std::atomic<std::size_t> default_sequential_threshold{kMeasuredSequentialThreshold};
}  // namespace detail

/// The threshold every pipeline uses unless it sets its own. Thread-safe.
inline std::size_t default_sequential_threshold() noexcept {
  return detail::default_sequential_threshold.load(std::memory_order_relaxed);
}

/// Changes the process-wide default threshold (0: always go parallel). Thread-safe.
inline void set_default_sequential_threshold(std::size_t elements) noexcept {
  detail::default_sequential_threshold.store(elements, std::memory_order_relaxed);
}

namespace detail {

// ---- The producer protocol (given) ------------------------------------------------------------
//
// A pipeline is a producer: a base sequence of size() positions, and drive(first, last, sink),
// which calls sink(position, item) for every item that base positions [first, last) produce,
// in order, on the calling thread. Adapters wrap a producer and change what reaches the sink;
// consumers supply the sink. A sink returns void, or bool where false means "stop early";
// drive() returns false if a sink stopped it. feed() calls a sink of either kind.
template <class Sink, class Item>
bool feed(Sink& sink, std::size_t position, Item&& item) {
  if constexpr (std::is_void_v<std::invoke_result_t<Sink&, std::size_t, Item&&>>) {
    sink(position, std::forward<Item>(item));
    return true;
  } else {
    return static_cast<bool>(sink(position, std::forward<Item>(item)));
  }
}

/// The elements of a contiguous range, by reference.
template <class T>
class SliceProducer {
 public:
  using item_type = T&;
  static constexpr bool kIndexed = true;
  explicit SliceProducer(std::span<T> data) noexcept : data_(data) {}
  [[nodiscard]] std::size_t size() const noexcept { return data_.size(); }
  template <class Sink>
  bool drive(std::size_t first, std::size_t last, Sink& sink) const {
    // TODO(lab 5, task A1): Feed data_[first], ..., data_[last - 1] to the sink, in order; stop
    //   (returning false) when the sink says so. Checked by every test of par_iter_test.cpp.
    (void)first;
    (void)last;
    (void)sink;
    throw NotImplemented("lab 5, SliceProducer::drive in labs/05_parallel_algorithms/par_iter.hpp");
  }

 private:
  std::span<T> data_;
};

/// The integers first, first + 1, ..., last - 1.
template <class I>
class RangeProducer {
 public:
  using item_type = I;
  static constexpr bool kIndexed = true;
  RangeProducer(I first, I last) noexcept : first_(first), last_(last) {}
  [[nodiscard]] std::size_t size() const noexcept {
    // TODO(lab 5, task A1): How many integers are in [first_, last_)? (None if last_ <= first_;
    //   beware of overflow at the ends of I.) Checked by ParRangeCoversExactlyTheIntegers...
    throw NotImplemented("lab 5, RangeProducer::size in labs/05_parallel_algorithms/par_iter.hpp");
  }
  template <class Sink>
  bool drive(std::size_t first, std::size_t last, Sink& sink) const {
    // TODO(lab 5, task A1): Feed the integers at positions first .. last - 1.
    (void)first;
    (void)last;
    (void)sink;
    throw NotImplemented("lab 5, RangeProducer::drive in labs/05_parallel_algorithms/par_iter.hpp");
  }

 private:
  I first_;
  I last_;
};

/// f(item) for every item of the inner producer.
template <class Inner, class F>
class MapProducer {
 public:
  using item_type = std::invoke_result_t<const F&, typename Inner::item_type>;
  static constexpr bool kIndexed = Inner::kIndexed;
  MapProducer(Inner inner, F f) : inner_(std::move(inner)), f_(std::move(f)) {}
  [[nodiscard]] std::size_t size() const noexcept { return inner_.size(); }
  template <class Sink>
  bool drive(std::size_t first, std::size_t last, Sink& sink) const {
    // TODO(lab 5, task A2): Drive the inner producer with a sink of your own that passes f_(item)
    //   on to `sink`. Checked by MapAndSumMatchTheSequentialLoopOnRandomInputs.
    (void)first;
    (void)last;
    (void)sink;
    throw NotImplemented("lab 5, MapProducer::drive in labs/05_parallel_algorithms/par_iter.hpp");
  }

 private:
  Inner inner_;
  F f_;
};

/// The items of the inner producer for which keep(item) is true.
template <class Inner, class Keep>
class FilterProducer {
 public:
  using item_type = typename Inner::item_type;
  static constexpr bool kIndexed = false;  // item k no longer comes from base position k
  FilterProducer(Inner inner, Keep keep) : inner_(std::move(inner)), keep_(std::move(keep)) {}
  [[nodiscard]] std::size_t size() const noexcept { return inner_.size(); }
  template <class Sink>
  bool drive(std::size_t first, std::size_t last, Sink& sink) const {
    // TODO(lab 5, task A2): Pass on only the items that keep_ accepts. Checked by
    //   FilterAndCountMatchTheSequentialLoopOnRandomInputs and CollectKeepsTheInputOrder.
    (void)first;
    (void)last;
    (void)sink;
    throw NotImplemented(
        "lab 5, FilterProducer::drive in labs/05_parallel_algorithms/par_iter.hpp");
  }

 private:
  Inner inner_;
  Keep keep_;
};

/// (position, item) for every item of an indexed inner producer.
template <class Inner>
class EnumerateProducer {
 public:
  using item_type = std::pair<std::size_t, typename Inner::item_type>;
  static constexpr bool kIndexed = true;
  explicit EnumerateProducer(Inner inner) : inner_(std::move(inner)) {}
  [[nodiscard]] std::size_t size() const noexcept { return inner_.size(); }
  template <class Sink>
  bool drive(std::size_t first, std::size_t last, Sink& sink) const {
    // TODO(lab 5, task A2): Pass on item_type(position, item). Checked by
    //   EnumeratePairsEveryElementWithItsPosition and MinAndMaxFindTheSameElementAs...
    (void)first;
    (void)last;
    (void)sink;
    throw NotImplemented(
        "lab 5, EnumerateProducer::drive in labs/05_parallel_algorithms/par_iter.hpp");
  }

 private:
  Inner inner_;
};

/// Everything a pipeline carries besides its producer: how to split and where to run.
struct Options {
  static constexpr std::size_t kUseDefault = std::numeric_limits<std::size_t>::max();
  std::size_t min_len = 1;
  std::size_t max_len = std::numeric_limits<std::size_t>::max();
  std::size_t sequential_threshold = kUseDefault;  // kUseDefault: the process default
  Scheduler* scheduler = nullptr;                  // nullptr: the caller's or the default one
};

// TODO(lab 5, task C1): The adaptive splitter and the recursive split over join() go here (the
//   handout explains Rayon's rule: a budget of one split per worker up front, so two pieces per
//   worker; split again only where a piece was stolen, never below min_len, always above
//   max_len). One function decides whether to go parallel and where to cut.

}  // namespace detail

/// A lazy parallel pipeline: a source (par_iter, par_range), any number of adapters (map,
/// filter, enumerate) and tuning calls (with_min_len, with_max_len, with_sequential_threshold,
/// on), ended by one consumer (sum, reduce, for_each, count, min, max, any, all, collect) that
/// runs it. See the handout for the rules each consumer follows.
template <class Producer>
class ParIter {
 public:
  using item_type = typename Producer::item_type;
  using value_type = std::remove_cvref_t<item_type>;

  ParIter(Producer producer, detail::Options options)
      : producer_(std::move(producer)), options_(options) {}

  // ---- adapters (given): each returns a new pipeline; nothing runs yet ----------------------

  template <class F>
  [[nodiscard]] auto map(F f) const {
    return make(detail::MapProducer<Producer, F>(producer_, std::move(f)));
  }
  template <class Keep>
  [[nodiscard]] auto filter(Keep keep) const {
    return make(detail::FilterProducer<Producer, Keep>(producer_, std::move(keep)));
  }
  [[nodiscard]] auto enumerate() const {
    static_assert(Producer::kIndexed, "enumerate() must come before filter()");
    return make(detail::EnumerateProducer<Producer>(producer_));
  }

  // ---- tuning (given) -------------------------------------------------------------------------

  [[nodiscard]] ParIter with_min_len(std::size_t length) const {
    ParIter copy = *this;
    copy.options_.min_len = length < 1 ? 1 : length;
    return copy;
  }
  [[nodiscard]] ParIter with_max_len(std::size_t length) const {
    ParIter copy = *this;
    copy.options_.max_len = length;
    return copy;
  }
  [[nodiscard]] ParIter with_sequential_threshold(std::size_t elements) const {
    ParIter copy = *this;
    copy.options_.sequential_threshold =
        elements < detail::Options::kUseDefault ? elements : detail::Options::kUseDefault - 1;
    return copy;
  }
  [[nodiscard]] ParIter on(Scheduler& scheduler) const {
    ParIter copy = *this;
    copy.options_.scheduler = &scheduler;
    return copy;
  }

  // ---- consumers ------------------------------------------------------------------------------
  // TODO(lab 5, task A3): Each consumer is a leaf (what one piece computes: a sink driven over
  //   [first, last)) and a combine (how two neighbouring pieces' results merge, left first).
  //   Write them once against a private run(leaf, combine) that, for now, calls leaf(0, n).
  //   Checked by the ...MatchTheSequential... tests.
  // TODO(lab 5, task B1): Keep the input's order when pieces combine, and let exceptions and
  //   nesting through. Checked by CollectKeepsTheInputOrder, the two ReduceKeepsTheOrderOf...
  //   tests, the two CarriesAnException... tests and WorksNestedInsideJoinAndInsideItself.
  // TODO(lab 5, task C1): Make run() split over the scheduler (on()'s, else the calling
  //   worker's, else steal::default_scheduler()). Checked by GoesParallelAbove..., SplitsInto
  //   AFewPiecesPerWorker..., NeverCutsPiecesBelowMinLen and RunsOnTheSchedulerItIsGiven.
  // TODO(lab 5, task D1): The sequential fallback: inputs of at most the threshold run inline
  //   on the caller. Checked by RunsSmallInputsInlineOnTheCallingThread and
  //   LetsTheThresholdBeOverriddenPerPipelineAndPerProcess.

  /// Calls f(item) for every item, in parallel; returns when all calls have finished.
  template <class F>
  void for_each(F f) const {
    (void)f;
    throw NotImplemented("lab 5, ParIter::for_each in labs/05_parallel_algorithms/par_iter.hpp");
  }
  /// The sum of the items, accumulated in parlab::sum_type_t (64 bits for integers).
  [[nodiscard]] sum_type_t<value_type> sum() const {
    throw NotImplemented("lab 5, ParIter::sum in labs/05_parallel_algorithms/par_iter.hpp");
  }
  /// op(... op(op(identity, item0), item1) ..., itemN); op associative, maybe not commutative.
  template <class T, class Op>
  [[nodiscard]] T reduce(T identity, Op op) const {
    (void)identity;
    (void)op;
    throw NotImplemented("lab 5, ParIter::reduce in labs/05_parallel_algorithms/par_iter.hpp");
  }
  /// The number of items (after any filter).
  [[nodiscard]] std::size_t count() const {
    throw NotImplemented("lab 5, ParIter::count in labs/05_parallel_algorithms/par_iter.hpp");
  }
  /// The first smallest item (as std::min_element finds it), or nullopt when there is none.
  template <class Compare = std::less<>>
  [[nodiscard]] std::optional<value_type> min(Compare less = {}) const {
    (void)less;
    throw NotImplemented("lab 5, ParIter::min in labs/05_parallel_algorithms/par_iter.hpp");
  }
  /// The first largest item (as std::max_element finds it), or nullopt when there is none.
  template <class Compare = std::less<>>
  [[nodiscard]] std::optional<value_type> max(Compare less = {}) const {
    (void)less;
    throw NotImplemented("lab 5, ParIter::max in labs/05_parallel_algorithms/par_iter.hpp");
  }
  /// Whether pred(item) holds for some item; stops early once one is found.
  template <class Pred>
  [[nodiscard]] bool any(Pred pred) const {
    (void)pred;
    throw NotImplemented("lab 5, ParIter::any in labs/05_parallel_algorithms/par_iter.hpp");
  }
  /// Whether pred(item) holds for every item (true for no items).
  template <class Pred>
  [[nodiscard]] bool all(Pred pred) const {
    (void)pred;
    throw NotImplemented("lab 5, ParIter::all in labs/05_parallel_algorithms/par_iter.hpp");
  }
  /// Every item, in input order.
  [[nodiscard]] std::vector<value_type> collect() const {
    throw NotImplemented("lab 5, ParIter::collect in labs/05_parallel_algorithms/par_iter.hpp");
  }

 private:
  template <class Other>
  ParIter<Other> make(Other producer) const {
    return ParIter<Other>(std::move(producer), options_);
  }

  Producer producer_;
  detail::Options options_;
};

/// A parallel iterator over the elements of a contiguous range, by reference (`const T&` for a
/// const range, `T&` otherwise).
template <std::ranges::contiguous_range Range>
requires std::ranges::borrowed_range<Range>
[[nodiscard]] auto par_iter(Range&& range) {
  using T = std::remove_reference_t<std::ranges::range_reference_t<Range>>;
  return ParIter<detail::SliceProducer<T>>(
      detail::SliceProducer<T>(std::span<T>(std::ranges::data(range), std::ranges::size(range))),
      detail::Options{});
}

/// A parallel iterator over the integers first, first + 1, ..., last - 1 (none if last <= first).
template <std::integral I>
[[nodiscard]] auto par_range(I first, I last) {
  return ParIter<detail::RangeProducer<I>>(detail::RangeProducer<I>(first, last),
                                           detail::Options{});
}

}  // namespace parlab::par

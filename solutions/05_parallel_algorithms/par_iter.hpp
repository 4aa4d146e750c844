// Lab 5 (parallel algorithms), reference solution: par_iter, a lazy parallel-iterator API in the
// style of Rayon on the lab 4 work-stealing scheduler: sources, adapters and consumers, adaptive
// splitting (split again only where work was stolen) and a sequential fallback for small inputs.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <limits>
#include <optional>
#include <ranges>
#include <span>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "common/cache_line_cut.hpp"
#include "common/data.hpp"
#include "common/sequential_threshold.hpp"
#include "scheduler.hpp"

namespace parlab::par {

using steal::Scheduler;

namespace detail {
inline DefaultThreshold default_threshold;
inline std::size_t measure_threshold() noexcept;  // the seed's crossover, at the end of the file
}  // namespace detail

/// Inputs of at most this many elements run inline on the caller, as a plain loop, unless a
/// pipeline says otherwise (ParIter::with_sequential_threshold). Thread-safe. Unless set, the
/// first call measures it where the code runs (common/sequential_threshold.hpp), in elements
/// of the seed's cheap work: a pipeline whose items cost k times more should divide it by k.
inline std::size_t default_sequential_threshold() noexcept {
  return detail::default_threshold.get(detail::measure_threshold);
}

/// Changes the process-wide default threshold (0: always go parallel). Thread-safe; consumers
/// that have already started keep the value they read.
inline void set_default_sequential_threshold(std::size_t elements) noexcept {
  detail::default_threshold.set(elements);
}

namespace detail {
// ---- The producer protocol -----------------------------------------------------------------
// A producer has size() base positions; drive(first, last, sink) calls sink(position, item) for
// the items of positions [first, last), in order, on the calling thread, so that any piece can
// run on its own. A sink returns void, or bool where false means "stop"; feed() calls either.
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
  [[nodiscard]] CacheLineCut lines() const noexcept { return cut_at_cache_lines(data_.data()); }
  template <class Sink>
  bool drive(std::size_t first, std::size_t last, Sink& sink) const {
    T* const elements = data_.data();
    for (std::size_t i = first; i != last; ++i) {
      if (!feed(sink, i, elements[i])) {
        return false;
      }
    }
    return true;
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
  // In U, cast back to U before widening: U - U is computed in int for a type narrower than int.
  RangeProducer(I first, I last) noexcept
      : first_(first),
        size_(last > first ? static_cast<std::size_t>(
                                 static_cast<U>(static_cast<U>(last) - static_cast<U>(first)))
                           : 0) {}
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] CacheLineCut lines() const noexcept { return {}; }  // no memory to read
  template <class Sink>
  bool drive(std::size_t first, std::size_t last, Sink& sink) const {
    for (std::size_t i = first; i != last; ++i) {
      if (!feed(sink, i, static_cast<I>(static_cast<U>(first_) + static_cast<U>(i)))) {
        return false;
      }
    }
    return true;
  }

 private:
  using U = std::make_unsigned_t<I>;
  I first_;
  std::size_t size_;
};

/// f(item) for every item of the inner producer.
template <class Inner, class F>
class MapProducer {
 public:
  using item_type = std::invoke_result_t<const F&, typename Inner::item_type>;
  static constexpr bool kIndexed = Inner::kIndexed;
  MapProducer(Inner inner, F f) : inner_(std::move(inner)), f_(std::move(f)) {}
  [[nodiscard]] std::size_t size() const noexcept { return inner_.size(); }
  [[nodiscard]] CacheLineCut lines() const noexcept { return inner_.lines(); }
  template <class Sink>
  bool drive(std::size_t first, std::size_t last, Sink& sink) const {
    auto mapped = [&](std::size_t position, auto&& item) {
      return feed(sink, position, std::invoke(f_, std::forward<decltype(item)>(item)));
    };
    return inner_.drive(first, last, mapped);
  }

 private:
  Inner inner_;
  [[no_unique_address]] F f_;  // no storage for a stateless f: the producer fits in registers
};

/// The items of the inner producer for which keep(item) is true.
template <class Inner, class Keep>
class FilterProducer {
 public:
  using item_type = typename Inner::item_type;
  static constexpr bool kIndexed = false;  // item k no longer comes from base position k
  FilterProducer(Inner inner, Keep keep) : inner_(std::move(inner)), keep_(std::move(keep)) {}
  [[nodiscard]] std::size_t size() const noexcept { return inner_.size(); }
  [[nodiscard]] CacheLineCut lines() const noexcept { return inner_.lines(); }
  template <class Sink>
  bool drive(std::size_t first, std::size_t last, Sink& sink) const {
    auto kept = [&](std::size_t position, auto&& item) {
      if (!std::invoke(keep_, std::as_const(item))) {
        return true;
      }
      return feed(sink, position, std::forward<decltype(item)>(item));
    };
    return inner_.drive(first, last, kept);
  }

 private:
  Inner inner_;
  [[no_unique_address]] Keep keep_;
};

/// (position, item) for every item of an indexed inner producer.
template <class Inner>
class EnumerateProducer {
 public:
  using item_type = std::pair<std::size_t, typename Inner::item_type>;
  static constexpr bool kIndexed = true;
  explicit EnumerateProducer(Inner inner) : inner_(std::move(inner)) {}
  [[nodiscard]] std::size_t size() const noexcept { return inner_.size(); }
  [[nodiscard]] CacheLineCut lines() const noexcept { return inner_.lines(); }
  template <class Sink>
  bool drive(std::size_t first, std::size_t last, Sink& sink) const {
    auto numbered = [&](std::size_t position, auto&& item) {
      return feed(sink, position, item_type(position, std::forward<decltype(item)>(item)));
    };
    return inner_.drive(first, last, numbered);
  }

 private:
  Inner inner_;
};

// ---- Adaptive splitting ----------------------------------------------------------------------
// Rayon's rule with a larger first plan (the handout's "The ideas" says why): kPiecesPerWorker
// splits per worker, each cut halving the plan. A stolen piece plans one more split per worker,
// unless it is no longer than the first plan's pieces (then stealing moves it whole).
inline constexpr std::size_t kPiecesPerWorker = 8;
/// The one place that decides whether an input goes parallel and where to cut (a copy per piece).
class Splitter {
 public:
  /// @pre min_len >= 1 (with_min_len() makes it so).
  Splitter(std::size_t threshold, std::size_t min_len, std::size_t max_len) noexcept
      : threshold_(threshold), min_len_(min_len), max_len_(max_len) {}
  /// The first plan for n elements on `workers` workers (cuts on the input's cache lines where
  /// its pieces span several). The threshold is then spent: it is about the whole input.
  void plan(std::size_t n, std::size_t workers, CacheLineCut lines) noexcept {
    workers_ = workers;
    splits_ = kPiecesPerWorker * workers;
    first_leaf_ = n / (2 * kPiecesPerWorker * workers);
    lines_ = lines.for_pieces_of(first_leaf_);
    threshold_ = 0;
  }
  /// Where to cut [first, last), or `last` to run it whole; `stolen`: it migrated since its parent
  /// was cut. Before plan(), it is the whole input, and anything but `last` means "parallel".
  std::size_t where_to_cut(std::size_t first, std::size_t last, bool stolen) noexcept {
    const std::size_t length = last - first;
    if (length <= threshold_ || length / 2 < min_len_) {
      return last;  // small enough to run inline, or a side would be shorter than min_len
    }
    if (workers_ == 0) {
      return first + length / 2;  // not planned yet: the input goes parallel
    }
    if (stolen && length > first_leaf_) {
      splits_ = splits_ / 2 > workers_ ? splits_ / 2 : workers_;
    } else if (splits_ > 0 || length > max_len_) {
      splits_ /= 2;
    } else {
      return last;
    }
    const std::size_t middle = lines_(first, last);
    if (middle - first < min_len_ || last - middle < min_len_) {
      return first + length / 2;  // a line boundary may not shorten a side below min_len
    }
    return middle;
  }

 private:
  std::size_t threshold_;
  std::size_t min_len_;
  std::size_t max_len_;
  std::size_t workers_ = 0;  // 0: not planned yet
  std::size_t splits_ = 0;
  std::size_t first_leaf_ = 0;  // how long the first plan's pieces are
  CacheLineCut lines_;
};

/// Runs [first, last) as the splitter says: one leaf, or two pieces forked with join().
template <class Leaf, class Combine>
auto split_and_run(Scheduler& scheduler, std::size_t first, std::size_t last, Splitter splitter,
                   bool stolen, Leaf& leaf, Combine& combine) -> decltype(leaf(first, last)) {
  const std::size_t middle = splitter.where_to_cut(first, last, stolen);
  if (middle == last) {
    return leaf(first, last);
  }
  const std::optional<std::size_t> forked_on = Scheduler::current_worker();
  auto [left, right] = scheduler.join(
      [&] { return split_and_run(scheduler, first, middle, splitter, false, leaf, combine); },
      [&] {
        // A different worker than the forking one means a thief took this half.
        const bool migrated = Scheduler::current_worker() != forked_on;
        return split_and_run(scheduler, middle, last, splitter, migrated, leaf, combine);
      });
  return combine(std::move(left), std::move(right));
}

/// Everything a pipeline carries besides its producer; plain words, kept in registers.
struct Options {
  static constexpr std::size_t kUseDefault = std::numeric_limits<std::size_t>::max();
  std::size_t min_len = 1;
  std::size_t max_len = std::numeric_limits<std::size_t>::max();
  std::size_t sequential_threshold = kUseDefault;  // kUseDefault: the process default
  Scheduler* scheduler = nullptr;                  // nullptr: the caller's or the default one
};

}  // namespace detail

/// A lazy parallel pipeline: a source, adapters and tuning calls, ended by one consumer that
/// runs it: inline on the caller at or below the sequential threshold, else on on()'s
/// scheduler, the calling worker's or steal::default_scheduler(), cut by detail::Splitter.
/// Pieces combine left to right (reduce needs an associative op; collect keeps input order).
/// Functions given to it are called concurrently, through a const reference; the first
/// exception reaches the caller once every started piece has finished. The input must outlive
/// the consumer call. The seed: `par_iter(data).map([](std::int32_t x) { return 2 *
/// std::int64_t{x}; }).sum()`
template <class Producer>
class ParIter {
 public:
  using item_type = typename Producer::item_type;     ///< may be a reference into the input
  using value_type = std::remove_cvref_t<item_type>;  ///< what collect(), min(), max() hold
  /// A pipeline over `producer` (par_iter() and the adapters make these).
  ParIter(Producer producer, detail::Options options)
      : producer_(std::move(producer)), options_(options) {}

  /// Items become f(item).
  template <class F>
  [[nodiscard]] auto map(F f) const {
    return make(detail::MapProducer<Producer, F>(producer_, std::move(f)));
  }
  /// Keeps the items for which keep(item) is true (called with a const item).
  template <class Keep>
  [[nodiscard]] auto filter(Keep keep) const {
    return make(detail::FilterProducer<Producer, Keep>(producer_, std::move(keep)));
  }
  /// Items become std::pair(position, item), position counted from 0 in the source.
  [[nodiscard]] auto enumerate() const {
    static_assert(Producer::kIndexed,
                  "enumerate() must come before filter(): after filtering, the k-th item's "
                  "number depends on how many items every earlier piece kept");
    return make(detail::EnumerateProducer<Producer>(producer_));
  }

  /// Never cut the input into pieces shorter than `length` elements (default 1).
  [[nodiscard]] ParIter with_min_len(std::size_t length) const {
    return tuned(&detail::Options::min_len, length < 1 ? 1 : length);
  }
  /// Always cut pieces longer than `length` elements, unless min_len forbids it.
  [[nodiscard]] ParIter with_max_len(std::size_t length) const {
    return tuned(&detail::Options::max_len, length);
  }
  /// Inputs of at most `elements` elements run inline on the caller (0: always parallel).
  [[nodiscard]] ParIter with_sequential_threshold(std::size_t elements) const {
    // kUseDefault means "the process default"; kUseDefault - 1 is more than any input.
    constexpr std::size_t kEvery = detail::Options::kUseDefault - 1;
    return tuned(&detail::Options::sequential_threshold, elements < kEvery ? elements : kEvery);
  }
  /// Runs on `scheduler` (which must outlive the consumer call).
  [[nodiscard]] ParIter on(Scheduler& scheduler) const {
    return tuned(&detail::Options::scheduler, &scheduler);
  }

  /// Calls f(item) for every item, in parallel; returns when all calls have finished.
  template <class F>
  void for_each(F f) const {
    auto step = [&f](auto&, auto&& item) { std::invoke(f, std::forward<decltype(item)>(item)); };
    fold([] { return std::monostate{}; }, step, [](auto, auto) { return std::monostate{}; });
  }
  /// The sum of the items in parlab::sum_type_t (64 bits for integers), from a zero.
  [[nodiscard]] auto sum() const {
    using Sum = sum_type_t<value_type>;
    return fold([] { return Sum{}; },
                [](Sum& total, auto&& item) { total += static_cast<Sum>(item); }, std::plus<Sum>());
  }
  /// op(... op(op(identity, item0), item1) ..., itemN), each piece folded from `identity`.
  /// @pre op is associative with identity `identity`; op(T, item), op(T, T) convert to T.
  template <class T, class Op>
  [[nodiscard]] T reduce(T identity, Op op) const {
    auto step = [&op](T& accumulator, auto&& item) {
      accumulator = std::invoke(op, std::move(accumulator), std::forward<decltype(item)>(item));
    };
    return fold(
        [&identity] { return identity; }, step,
        [&op](T left, T right) -> T { return std::invoke(op, std::move(left), std::move(right)); });
  }
  /// The number of items (after any filter).
  [[nodiscard]] std::size_t count() const {
    return fold([] { return std::size_t{0}; }, [](std::size_t& items, auto&&) { ++items; },
                std::plus<std::size_t>());
  }
  /// The first smallest item (as std::min_element finds it), or nullopt when there is none.
  template <class Compare = std::less<>>
  [[nodiscard]] std::optional<value_type> min(Compare less = {}) const {
    return extreme(less, false);
  }
  /// The first largest item (as std::max_element finds it), or nullopt when there is none.
  template <class Compare = std::less<>>
  [[nodiscard]] std::optional<value_type> max(Compare less = {}) const {
    return extreme(less, true);
  }
  /// Whether pred(item) holds for some item. Stops early (every piece soon) once one is found.
  template <class Pred>
  [[nodiscard]] bool any(Pred pred) const {
    // relaxed: `found` only tells other pieces to stop early; the answer itself travels back
    // through the pieces' results, which join() publishes.
    std::atomic<bool> found{false};
    auto step = [&](bool& here, auto&& item) {
      here = std::invoke(pred, std::as_const(item));
      if (here) {
        found.store(true, std::memory_order_relaxed);
      }
      return !here && !found.load(std::memory_order_relaxed);
    };
    return fold([] { return false; }, step, std::logical_or<bool>());
  }
  /// Whether pred(item) holds for every item (true for no items). Stops early on a failure.
  template <class Pred>
  [[nodiscard]] bool all(Pred pred) const {
    return !any([&pred](const auto& item) { return !std::invoke(pred, item); });
  }
  /// Every item, in input order, in a std::vector<value_type>.
  [[nodiscard]] std::vector<value_type> collect() const {
    using Items = std::vector<value_type>;
    auto step = [](Items& items, auto&& item) {
      items.emplace_back(std::forward<decltype(item)>(item));
    };
    return fold([] { return Items{}; }, step,
                [](Items left, Items right) {
                  std::move(right.begin(), right.end(), std::back_inserter(left));
                  return left;
                });
  }

 private:
  template <class Other>
  ParIter<Other> make(Other producer) const {
    return ParIter<Other>(std::move(producer), options_);
  }
  template <class Field, class Value>
  ParIter tuned(Field detail::Options::*field, Value value) const {
    ParIter copy = *this;
    copy.options_.*field = value;
    return copy;
  }
  /// Runs the pipeline: each piece folds its items into start() with step (which may return
  /// false to stop the piece); pieces combine left before right.
  template <class Start, class Step, class Combine>
  auto fold(Start start, Step step, Combine combine) const {
    auto leaf = [&](const Producer& producer, std::size_t first, std::size_t last) {
      auto accumulator = start();
      auto sink = [&](std::size_t, auto&& item) {
        return step(accumulator, std::forward<decltype(item)>(item));
      };
      producer.drive(first, last, sink);
      return accumulator;
    };
    const std::size_t n = producer_.size();
    const std::size_t set = options_.sequential_threshold;
    detail::Splitter splitter(
        set == detail::Options::kUseDefault ? default_sequential_threshold() : set,
        options_.min_len, options_.max_len);
    if (splitter.where_to_cut(0, n, false) == n) {
      return leaf(producer_, 0, n);  // the fallback: a plain loop on the calling thread
    }
    // Copies, not `this`: an object whose address reaches an out-of-line call must be stored
    // before the branch, which every tiny input would pay for.
    return run_parallel(producer_, splitter, options_.scheduler, leaf, combine);
  }
  /// The slow path, kept out of line so that the inline path above stays a bare loop.
  template <class Leaf, class Combine>
  [[gnu::noinline]] static auto run_parallel(Producer producer, detail::Splitter splitter,
                                             Scheduler* scheduler, Leaf leaf, Combine combine)
      -> std::invoke_result_t<Leaf&, const Producer&, std::size_t, std::size_t> {
    const std::size_t n = producer.size();
    scheduler = scheduler != nullptr ? scheduler : Scheduler::current();
    scheduler = scheduler != nullptr ? scheduler : &steal::default_scheduler();
    splitter.plan(n, scheduler->size(), producer.lines());
    auto piece = [&](std::size_t first, std::size_t last) { return leaf(producer, first, last); };
    return scheduler->run(
        [&] { return detail::split_and_run(*scheduler, 0, n, splitter, false, piece, combine); });
  }
  /// The first item that no later item beats: strictly smaller (larger if `largest`) replaces.
  template <class Compare>
  std::optional<value_type> extreme(const Compare& less, bool largest) const {
    using Best = std::optional<value_type>;
    const auto beats = [&](const value_type& a, const value_type& b) {
      return largest ? std::invoke(less, b, a) : std::invoke(less, a, b);
    };
    auto step = [&](Best& best, auto&& item) {
      if (!best.has_value() || beats(item, *best)) {
        best.emplace(std::forward<decltype(item)>(item));
      }
    };
    return fold([] { return Best{}; }, step,
                [&](Best left, Best right) {
                  return !left.has_value() || (right.has_value() && beats(*right, *left)) ? right
                                                                                          : left;
                });
  }
  Producer producer_;
  detail::Options options_;
};

/// A parallel iterator over the elements of a contiguous range, by reference (`const T&` for a
/// const range, `T&` otherwise, so for_each can update them in place).
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

namespace detail {
inline std::size_t measure_threshold() noexcept {
  try {
    Scheduler& scheduler = steal::default_scheduler();
    return measure_seed_sequential_threshold(
        scheduler.size(), [&scheduler](std::span<const std::int32_t> input) {
          return par_iter(input)
              .with_sequential_threshold(0)
              .on(scheduler)
              .map([](std::int32_t x) { return 2 * std::int64_t{x}; })
              .sum();
        });
  } catch (...) {
    return kEveryInputInline;  // no default scheduler: every input inline
  }
}
}  // namespace detail
}  // namespace parlab::par

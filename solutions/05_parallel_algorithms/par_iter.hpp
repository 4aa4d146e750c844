// Lab 5 (parallel algorithms), reference solution: par_iter, a lazy parallel-iterator API in the
// style of Rayon on the lab 4 work-stealing scheduler: sources, adapters and consumers, adaptive
// splitting (split again only where work was stolen) and a sequential fallback for small inputs.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
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

#include "common/data.hpp"
#include "parallel_loops.hpp"
#include "scheduler.hpp"

namespace parlab::par {

using steal::Scheduler;

namespace detail {
/// The default threshold, measured where the code runs; see default_sequential_threshold().
inline std::size_t calibrated_sequential_threshold() noexcept;

/// Inputs of fewer than this many elements run inline: the default threshold plus one, so that
/// a consumer's test is one load and one compare. 0 means "not measured yet": no input is below
/// it, so the first consumer takes the out-of-line path, which measures. A set or measured
/// value is never 0.
// relaxed: a tuning knob; a consumer that reads a stale value is still correct.
inline std::atomic<std::size_t> inline_below{0};

/// inline_below's value for a threshold (the largest threshold already means every input).
constexpr std::size_t inline_below_for(std::size_t threshold) noexcept {
  return threshold == std::numeric_limits<std::size_t>::max() ? threshold : threshold + 1;
}
}  // namespace detail

/// Inputs of at most this many elements run inline on the caller, as a plain loop, unless a
/// pipeline says otherwise (ParIter::with_sequential_threshold). Thread-safe.
///
/// Measured where the code runs, not fixed: unless set_default_sequential_threshold() was
/// called, the first call measures, once per process, what going parallel costs here and
/// derives the threshold from it (a constant measured on one machine was wrong on the next: the
/// cost of waking a thread differs tens of times between two 2-vCPU VMs). The measurement times
/// the seed's pipeline (2*x summed over int32), forced parallel on steal::default_scheduler()
/// (P workers), against the plain loop at six sizes from 4 Ki to 128 Ki elements, nine
/// alternating rounds each (about a millisecond where a fork costs a few microseconds). From the
/// medians it takes c, the median over the sizes of what going parallel costs beyond sharing the
/// loop's work perfectly, and t, the loop's cost per element. In parallel, n elements take about
/// c + n*t/P, inline n*t; the two meet at n = c * P / ((P - 1) * t), which is the threshold
/// (every input when P == 1). Around it the parallel path is at most a few tens of
/// percent slower than the loop, and above it faster. The unit is "elements of cheap work": a
/// pipeline whose items cost k times more should divide it by k (with_sequential_threshold).
/// labs/05_parallel_algorithms/README.md shows the measured curve.
inline std::size_t default_sequential_threshold() noexcept {
  // The measured value is stored in the same word that set_default_sequential_threshold()
  // writes, so that consumers read one word.
  const std::size_t below = detail::inline_below.load(std::memory_order_relaxed);
  return below != 0 ? below - 1 : detail::calibrated_sequential_threshold();
}

/// Changes the process-wide default threshold (0: always go parallel). Thread-safe; consumers
/// that have already started keep the value they read.
inline void set_default_sequential_threshold(std::size_t elements) noexcept {
  detail::inline_below.store(detail::inline_below_for(elements), std::memory_order_relaxed);
}

namespace detail {

// ---- The producer protocol -----------------------------------------------------------------
//
// A pipeline is a producer: a base sequence of size() positions, and drive(first, last, sink),
// which calls sink(position, item) for every item that base positions [first, last) produce,
// in order, on the calling thread. Adapters wrap a producer and transform what reaches the sink
// (map changes the item, filter drops some); consumers supply the sink (add to a sum, push into
// a vector). Nothing is computed until a consumer drives the pipeline: that is the laziness.
//
// Because every piece of the base range can be driven independently, the splitter below can
// cut the range anywhere and hand the pieces to different workers; the consumer then combines
// the pieces' results left to right.
//
// A sink returns void, or bool where false means "stop, the answer is known" (any/all). feed()
// turns both into bool; for void sinks the constant folds away and the loop stays a plain loop.
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
  /// Where the cache lines of the elements begin, for cuts on line boundaries.
  [[nodiscard]] steal::detail::Cut lines() const noexcept {
    return steal::detail::cut_at_cache_lines(data_.data());
  }
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
  // Unsigned arithmetic: last - first may not fit in I (par_range(INT_MIN, INT_MAX)). The
  // difference is cast back to U before it widens: for a type narrower than int, U - U is
  // computed in int and is negative when last's bits are below first's (int8_t -100 to 100:
  // 100 - 156), where U's own arithmetic wraps to the width (200).
  RangeProducer(I first, I last) noexcept
      : first_(first),
        size_(last > first ? static_cast<std::size_t>(
                                 static_cast<U>(static_cast<U>(last) - static_cast<U>(first)))
                           : 0) {}
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] steal::detail::Cut lines() const noexcept { return {}; }  // no memory to read
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
  [[nodiscard]] steal::detail::Cut lines() const noexcept { return inner_.lines(); }
  template <class Sink>
  bool drive(std::size_t first, std::size_t last, Sink& sink) const {
    auto mapped = [&](std::size_t position, auto&& item) {
      return feed(sink, position, std::invoke(f_, std::forward<decltype(item)>(item)));
    };
    return inner_.drive(first, last, mapped);
  }

 private:
  Inner inner_;
  // No storage for a stateless function: the producer of par_iter(v).map(f) stays two words,
  // which a call takes in registers.
  [[no_unique_address]] F f_;
};

/// The items of the inner producer for which keep(item) is true.
template <class Inner, class Keep>
class FilterProducer {
 public:
  using item_type = typename Inner::item_type;
  static constexpr bool kIndexed = false;  // item k no longer comes from base position k
  FilterProducer(Inner inner, Keep keep) : inner_(std::move(inner)), keep_(std::move(keep)) {}
  [[nodiscard]] std::size_t size() const noexcept { return inner_.size(); }
  [[nodiscard]] steal::detail::Cut lines() const noexcept { return inner_.lines(); }
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
  [[nodiscard]] steal::detail::Cut lines() const noexcept { return inner_.lines(); }
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
//
// Rayon's rule, with a larger first plan. A fresh pipeline plans `splits` = kPiecesPerWorker x
// the number of workers: each split halves the plan, so the range is cut into about
// 2 x kPiecesPerWorker pieces per worker. When a piece turns out to have been stolen (the task
// that runs it is on another worker than the one that forked it), some worker ran dry: the
// piece plans at least one more split per worker (Rayon's own reset) and splits again, so extra
// pieces appear where the load is. A piece is never cut below min_len, and always cut while
// longer than max_len.
//
// Why a first plan of eight per worker and not Rayon's one: a piece that has started can no
// longer be split, so the last piece to finish decides the end of the call. With 2 pieces per
// worker on 2 workers, a quarter of the input can be left running on one worker while the other
// has nothing to steal: the imbalanced loads then reach an efficiency of only about 0.86
// (linear costs) and 0.72 (heavy-tailed costs). Eight times the plan makes the last piece a few
// percent of the work.
//
// Why a stolen piece resets to one split per worker and not to the whole first plan again: the
// full reset was tried, and on cheap items it fed a chain of steals. A stolen half cut into 32
// pieces is stolen back piece by piece, each steal cuts again, and the data moves between cores
// every time: at n = 10^5 on 2 workers, ~350 tasks and ~10 steals per call, 23 us where lab 4's
// map_sum (16 leaves) took 7.5 us. With Rayon's reset the same call ran about 40 tasks; and a
// stolen piece no longer than the first plan's pieces is not cut again (first_leaf_): stealing
// one moves it whole, so at the tail the workers trade leaves instead of cutting them finer.
// That brought it to ~33 tasks, ~1.5 steals and 9.3 us.
inline constexpr std::size_t kPiecesPerWorker = 8;

class Splitter {
 public:
  Splitter(std::size_t length, std::size_t workers, std::size_t min_len,
           std::size_t max_len) noexcept
      : workers_(workers),
        splits_(kPiecesPerWorker * workers),
        first_leaf_(length / (2 * kPiecesPerWorker * workers)),
        min_len_(min_len < 1 ? 1 : min_len),
        max_len_(max_len < 1 ? 1 : max_len) {}

  /// No piece is cut shorter than this.
  [[nodiscard]] std::size_t min_len() const noexcept { return min_len_; }
  /// How long the first plan's pieces are.
  [[nodiscard]] std::size_t first_leaf() const noexcept { return first_leaf_; }
  /// Whether a piece of `length` elements should be cut in two; `stolen` says whether it
  /// migrated to another worker since its parent split it.
  bool try_split(std::size_t length, bool stolen) noexcept {
    if (length / 2 < min_len_) {
      return false;
    }
    if (stolen && length > first_leaf_) {
      splits_ = splits_ / 2 > workers_ ? splits_ / 2 : workers_;
      return true;
    }
    if (splits_ > 0 || length > max_len_) {
      splits_ /= 2;
      return true;
    }
    return false;
  }

 private:
  std::size_t workers_;
  std::size_t splits_;
  std::size_t first_leaf_;  // how long the first plan's pieces are
  std::size_t min_len_;
  std::size_t max_len_;
};

/// Runs the pieces. `cut` says where to cut a piece (lab 4's detail::Cut: on a cache line of
/// the input where pieces span several, else the middle).
template <class Leaf, class Combine>
auto split_and_run(Scheduler& scheduler, std::size_t first, std::size_t last, Splitter splitter,
                   bool stolen, const steal::detail::Cut& cut, Leaf& leaf, Combine& combine)
    -> decltype(leaf(first, last)) {
  if (!splitter.try_split(last - first, stolen)) {
    // Only the first leaf can start inside a line (when the input does): its few elements
    // before the first line boundary run as a piece of their own, so the rest starts on one,
    // unless that would make a piece shorter than min_len.
    const std::size_t start = cut.boundary(first);
    if (start != first && start < last && start - first >= splitter.min_len() &&
        last - start >= splitter.min_len()) {
      auto head = leaf(first, start);
      return combine(std::move(head), leaf(start, last));
    }
    return leaf(first, last);
  }
  std::size_t middle = cut(first, last);
  if (middle - first < splitter.min_len() || last - middle < splitter.min_len()) {
    middle = first + (last - first) / 2;  // a line boundary may not shorten a piece below min_len
  }
  const std::optional<std::size_t> forked_on = Scheduler::current_worker();
  auto [left, right] = scheduler.join(
      [&] { return split_and_run(scheduler, first, middle, splitter, false, cut, leaf, combine); },
      [&] {
        // A different worker than the forking one means a thief took this half.
        const bool migrated = Scheduler::current_worker() != forked_on;
        return split_and_run(scheduler, middle, last, splitter, migrated, cut, leaf, combine);
      });
  return combine(std::move(left), std::move(right));
}

/// Everything a pipeline carries besides its producer: how to split and where to run.
/// Plain words only (no std::optional): every adapter copies these, and on the inline path the
/// compiler must be able to keep them in registers, or tiny inputs pay for the copies.
struct Options {
  static constexpr std::size_t kUseDefault = std::numeric_limits<std::size_t>::max();
  std::size_t min_len = 1;
  std::size_t max_len = std::numeric_limits<std::size_t>::max();
  std::size_t sequential_threshold = kUseDefault;  // kUseDefault: the process default
  Scheduler* scheduler = nullptr;                  // nullptr: the caller's or the default one
};

}  // namespace detail

/// A lazy parallel pipeline: a source (par_iter, par_range), any number of adapters (map,
/// filter, enumerate) and tuning calls (with_min_len, with_max_len, with_sequential_threshold,
/// on), ended by one consumer (sum, reduce, for_each, count, min, max, any, all, collect) that
/// runs it.
///
/// How a consumer runs: an input of at most the sequential threshold's elements is processed
/// inline on the calling thread, as a plain loop (no scheduler involved, none created). Larger
/// inputs run on the scheduler (the one given with on(), else the calling worker's, else
/// parlab::steal::default_scheduler()), cut adaptively (see detail::Splitter); the caller waits.
/// Called from a worker of that scheduler, it runs there and helps (nested use is fine). One
/// exception: a caller outside a 1-worker scheduler runs the input inline too, since handing
/// it to a single worker and waiting can only add time.
///
/// Order: every consumer sees items in input order within a piece and combines pieces left to
/// right, so reduce needs an associative operation but not a commutative one, and collect keeps
/// input order. The grouping (where pieces begin) varies from run to run.
///
/// Functions passed to adapters and consumers are called concurrently from several threads,
/// through a const reference; they must be safe to call that way. If one throws, the consumer
/// rethrows that exception on the caller once every piece has finished (pieces that had not
/// started may still run). The input must stay alive and unmodified (except by for_each through
/// the pipeline's own references) until the consumer returns.
///
/// Example (the seed's program):
/// ```
/// std::int64_t total = par_iter(data).map([](std::int32_t x) { return 2 * std::int64_t{x};
/// }).sum();
/// ```
template <class Producer>
class ParIter {
 public:
  /// What each item is (may be a reference into the input).
  using item_type = typename Producer::item_type;
  /// The type collect(), min() and max() hold items in.
  using value_type = std::remove_cvref_t<item_type>;

  /// A pipeline over `producer` with the given tuning (made by par_iter() and par_range()).
  ParIter(Producer producer, detail::Options options)
      : producer_(std::move(producer)), options_(options) {}

  // ---- adapters: each returns a new pipeline; nothing runs yet ------------------------------

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
  /// Only before filter(): a filtered pipeline has no cheap way to number its items.
  [[nodiscard]] auto enumerate() const {
    static_assert(Producer::kIndexed,
                  "enumerate() must come before filter(): after filtering, the k-th item's "
                  "number depends on how many items every earlier piece kept");
    return make(detail::EnumerateProducer<Producer>(producer_));
  }

  // ---- tuning ---------------------------------------------------------------------------------

  /// Never cut the input into pieces shorter than `length` elements (default 1).
  [[nodiscard]] ParIter with_min_len(std::size_t length) const {
    ParIter copy = *this;
    copy.options_.min_len = length < 1 ? 1 : length;
    return copy;
  }
  /// Always cut pieces longer than `length` elements, unless min_len forbids it.
  [[nodiscard]] ParIter with_max_len(std::size_t length) const {
    ParIter copy = *this;
    copy.options_.max_len = length;
    return copy;
  }
  /// Inputs of at most `elements` elements run inline on the caller (0: always parallel).
  [[nodiscard]] ParIter with_sequential_threshold(std::size_t elements) const {
    ParIter copy = *this;
    // kUseDefault - 1 already means "every input": no input has that many elements.
    copy.options_.sequential_threshold =
        elements < detail::Options::kUseDefault ? elements : detail::Options::kUseDefault - 1;
    return copy;
  }
  /// Runs on `scheduler` (which must outlive the consumer call).
  [[nodiscard]] ParIter on(Scheduler& scheduler) const {
    ParIter copy = *this;
    copy.options_.scheduler = &scheduler;
    return copy;
  }

  // ---- consumers: each runs the pipeline ----------------------------------------------------

  /// Calls f(item) for every item, in parallel; returns when all calls have finished.
  template <class F>
  void for_each(F f) const {
    auto leaf = [&](const Producer& producer, std::size_t first, std::size_t last) {
      auto sink = [&](std::size_t, auto&& item) {
        std::invoke(f, std::forward<decltype(item)>(item));
      };
      producer.drive(first, last, sink);
      return std::monostate{};
    };
    run(leaf, [](std::monostate, std::monostate) { return std::monostate{}; });
  }

  /// The sum of the items, accumulated in parlab::sum_type_t (64 bits for integers), from a
  /// value-initialised zero. Floating-point sums are grouped differently from a loop's.
  [[nodiscard]] auto sum() const {
    using Sum = sum_type_t<value_type>;
    auto leaf = [&](const Producer& producer, std::size_t first, std::size_t last) {
      Sum total{};
      auto sink = [&total](std::size_t, auto&& item) { total += static_cast<Sum>(item); };
      producer.drive(first, last, sink);
      return total;
    };
    return run(leaf, [](Sum left, Sum right) { return left + right; });
  }

  /// op(... op(op(identity, item0), item1) ..., itemN), grouped as the splitter cut the input:
  /// each piece folds from `identity`, pieces combine left to right with op.
  /// @pre op is associative (commutativity not needed) and identity is its identity element;
  ///      op(T, item) and op(T, T) return something convertible to T.
  template <class T, class Op>
  [[nodiscard]] T reduce(T identity, Op op) const {
    auto leaf = [&](const Producer& producer, std::size_t first, std::size_t last) {
      T accumulator = identity;
      auto sink = [&](std::size_t, auto&& item) {
        accumulator = std::invoke(op, std::move(accumulator), std::forward<decltype(item)>(item));
      };
      producer.drive(first, last, sink);
      return accumulator;
    };
    return run(leaf, [&](T left, T right) -> T {
      return std::invoke(op, std::move(left), std::move(right));
    });
  }

  /// The number of items (after any filter).
  [[nodiscard]] std::size_t count() const {
    auto leaf = [&](const Producer& producer, std::size_t first, std::size_t last) {
      std::size_t items = 0;
      auto sink = [&items](std::size_t, auto&&) { ++items; };
      producer.drive(first, last, sink);
      return items;
    };
    return run(leaf, std::plus<std::size_t>());
  }

  /// The first smallest item (as std::min_element finds it), or nullopt when there is none.
  template <class Compare = std::less<>>
  [[nodiscard]] std::optional<value_type> min(Compare less = {}) const {
    return extreme([&less](const value_type& candidate, const value_type& best) {
      return std::invoke(less, candidate, best);  // strictly smaller replaces: first one wins
    });
  }
  /// The first largest item (as std::max_element finds it), or nullopt when there is none.
  template <class Compare = std::less<>>
  [[nodiscard]] std::optional<value_type> max(Compare less = {}) const {
    return extreme([&less](const value_type& candidate, const value_type& best) {
      return std::invoke(less, best, candidate);  // strictly larger replaces: first one wins
    });
  }

  /// Whether pred(item) holds for some item. Stops early (every piece soon) once one is found.
  template <class Pred>
  [[nodiscard]] bool any(Pred pred) const {
    // relaxed: `found` is only a hint for other pieces to stop early; the answer itself travels
    // back through the pieces' return values, which join() publishes.
    std::atomic<bool> found{false};
    auto leaf = [&](const Producer& producer, std::size_t first, std::size_t last) {
      bool here = false;
      auto sink = [&](std::size_t, auto&& item) {
        if (std::invoke(pred, std::as_const(item))) {
          here = true;
          found.store(true, std::memory_order_relaxed);
          return false;
        }
        return !found.load(std::memory_order_relaxed);
      };
      producer.drive(first, last, sink);
      return here;
    };
    return run(leaf, [](bool left, bool right) { return left || right; });
  }
  /// Whether pred(item) holds for every item (true for no items). Stops early on a failure.
  template <class Pred>
  [[nodiscard]] bool all(Pred pred) const {
    return !any([&pred](const auto& item) { return !std::invoke(pred, item); });
  }

  /// Every item, in input order, in a std::vector<value_type>.
  [[nodiscard]] std::vector<value_type> collect() const {
    // Each piece fills its own vector; pieces combine by listing their vectors in order
    // (cheap: no element moves), and one final pass concatenates.
    using Pieces = std::vector<std::vector<value_type>>;
    auto leaf = [&](const Producer& producer, std::size_t first, std::size_t last) {
      std::vector<value_type> items;
      if constexpr (Producer::kIndexed) {
        items.reserve(last - first);
      }
      auto sink = [&items](std::size_t, auto&& item) {
        items.emplace_back(std::forward<decltype(item)>(item));
      };
      producer.drive(first, last, sink);
      Pieces pieces;
      pieces.push_back(std::move(items));
      return pieces;
    };
    Pieces pieces = run(leaf, [](Pieces left, Pieces right) {
      left.insert(left.end(), std::make_move_iterator(right.begin()),
                  std::make_move_iterator(right.end()));
      return left;
    });
    if (pieces.size() == 1) {
      return std::move(pieces.front());
    }
    std::size_t total = 0;
    for (const auto& piece : pieces) {
      total += piece.size();
    }
    std::vector<value_type> result;
    result.reserve(total);
    for (auto& piece : pieces) {
      result.insert(result.end(), std::make_move_iterator(piece.begin()),
                    std::make_move_iterator(piece.end()));
    }
    return result;
  }

 private:
  template <class Other>
  ParIter<Other> make(Other producer) const {
    return ParIter<Other>(std::move(producer), options_);
  }

  /// Runs leaf(producer, first, last) over pieces of [0, size()) and folds the pieces' results
  /// with combine, left before right. The sequential fallback and the choice of scheduler live
  /// here.
  template <class Leaf, class Combine>
  auto run(Leaf leaf, Combine combine) const
      -> std::invoke_result_t<Leaf&, const Producer&, std::size_t, std::size_t> {
    const std::size_t n = producer_.size();
    const std::size_t set = options_.sequential_threshold;
    const bool small = set == detail::Options::kUseDefault
                           ? n < detail::inline_below.load(std::memory_order_relaxed)
                           : n <= set;
    if (small || n / 2 < options_.min_len) {
      return leaf(producer_, 0, n);  // the fallback: a plain loop on the calling thread
    }
    // Copies, not `this`: an object whose address reaches an out-of-line call must be in memory
    // before the branch, so every tiny input would pay for storing the pipeline. Passed as
    // words, the pipeline stays in registers on the inline path.
    return run_parallel(producer_, set, options_.min_len, options_.max_len, options_.scheduler,
                        std::move(leaf), std::move(combine));
  }

  /// The slow path, kept out of line so that the inline path above stays a bare loop.
  template <class Leaf, class Combine>
  [[gnu::noinline]] static auto run_parallel(Producer producer, std::size_t set,
                                             std::size_t min_len, std::size_t max_len,
                                             Scheduler* scheduler, Leaf leaf, Combine combine)
      -> std::invoke_result_t<Leaf&, const Producer&, std::size_t, std::size_t> {
    const std::size_t n = producer.size();
    if (set == detail::Options::kUseDefault && n <= default_sequential_threshold()) {
      return leaf(producer, 0, n);  // the first consumer of the process: measured just now
    }
    if (scheduler == nullptr) {
      scheduler = Scheduler::current();
    }
    if (scheduler == nullptr) {
      scheduler = &steal::default_scheduler();
    }
    if (scheduler->size() == 1 && Scheduler::current() != scheduler) {
      // One worker cannot run two pieces at once, and the caller would only wait for it: the
      // hand-off would be pure cost.
      return leaf(producer, 0, n);
    }
    auto piece = [&](std::size_t first, std::size_t last) { return leaf(producer, first, last); };
    const detail::Splitter splitter(n, scheduler->size(), min_len, max_len);
    // Cuts on cache lines where the first plan's pieces span several (see lab 4's map_sum).
    const steal::detail::Cut cut = producer.lines().for_pieces_of(splitter.first_leaf());
    return scheduler->run([&] {
      return detail::split_and_run(*scheduler, 0, n, splitter, false, cut, piece, combine);
    });
  }

  /// The first item that no later item replaces: min and max differ only in `replaces`.
  template <class Replaces>
  std::optional<value_type> extreme(Replaces replaces) const {
    using Best = std::optional<value_type>;
    auto leaf = [&](const Producer& producer, std::size_t first, std::size_t last) {
      Best best;
      auto sink = [&](std::size_t, auto&& item) {
        if (!best.has_value() || replaces(item, *best)) {
          best.emplace(std::forward<decltype(item)>(item));
        }
      };
      producer.drive(first, last, sink);
      return best;
    };
    return run(leaf, [&](Best left, Best right) {
      if (!left.has_value() || (right.has_value() && replaces(*right, *left))) {
        return right;
      }
      return left;
    });
  }

  Producer producer_;
  detail::Options options_;
};

/// A parallel iterator over the elements of a contiguous range (a std::vector, std::array,
/// std::span, ...), by reference: `const T&` for a const range, `T&` otherwise (so for_each can
/// update elements in place). The range must outlive the pipeline's consumer call.
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

/// Measures what default_sequential_threshold() documents. Never throws: if the default
/// scheduler cannot start, every input runs inline.
inline std::size_t measure_sequential_threshold() noexcept {
  using Clock = std::chrono::steady_clock;
  constexpr std::size_t kEveryInput = std::numeric_limits<std::size_t>::max() - 1;
  // Six sizes from 4 Ki to 128 Ki elements (16 KiB to 512 KiB: in cache, so what is measured is
  // the parallel path's cost, not the memory bus), nine rounds each: under a millisecond where a
  // fork costs a few microseconds, a few milliseconds where it costs fifty.
  constexpr std::size_t kFirstSize = std::size_t{1} << 12;
  constexpr std::size_t kSizes = 6;
  constexpr int kRounds = 9;  // odd: a true median; medians, because single runs vary by 1.5x
  const auto median = [](std::vector<double> samples) {
    std::nth_element(samples.begin(), samples.begin() + samples.size() / 2, samples.end());
    return samples[samples.size() / 2];
  };
  const auto elapsed_ns = [](Clock::time_point start) {
    return std::chrono::duration<double, std::nano>(Clock::now() - start).count();
  };
  try {
    Scheduler& scheduler = steal::default_scheduler();
    const double workers = static_cast<double>(scheduler.size());
    if (scheduler.size() < 2) {
      return kEveryInput;  // one worker: going parallel can only add time
    }
    // The seed's input; the values come through a volatile so that no sum can be folded.
    std::vector<std::int32_t> data(kFirstSize << (kSizes - 1));
    volatile std::int32_t salt = 7;
    for (std::size_t i = 0; i < data.size(); ++i) {
      data[i] = static_cast<std::int32_t>(i) ^ salt;
    }
    volatile std::int64_t sink = 0;
    // At each size, c = (parallel time) - (loop time) / P: what going parallel costs beyond
    // sharing the loop's work perfectly. t = loop time per element, at the largest size.
    std::vector<double> costs;
    double t = 0.0;
    for (std::size_t n = kFirstSize; n <= data.size(); n *= 2) {
      const std::span<const std::int32_t> input(data.data(), n);
      // The two contenders alternate, so that both see the same state of the machine; one
      // untimed round first warms the caches and wakes the workers.
      std::vector<double> parallel_ns;
      std::vector<double> loop_ns;
      for (int round = 0; round <= kRounds; ++round) {
        auto start = Clock::now();
        sink = sink + par_iter(input)
                          .with_sequential_threshold(0)
                          .on(scheduler)
                          .map([](std::int32_t x) { return 2 * std::int64_t{x}; })
                          .sum();
        const double parallel = elapsed_ns(start);
        start = Clock::now();
        std::int64_t total = 0;
        for (const std::int32_t x : input) {
          total += 2 * std::int64_t{x};
        }
        sink = sink + total;
        const double loop = elapsed_ns(start);
        if (round > 0) {
          parallel_ns.push_back(parallel);
          loop_ns.push_back(loop);
        }
      }
      const double loop = median(loop_ns);
      costs.push_back(std::max(median(parallel_ns) - loop / workers, 0.0));
      t = loop / static_cast<double>(n);
    }
    // Parallel (c + n*t/P) and inline (n*t) meet at n = c * P / ((P - 1) * t).
    const double c = median(costs);
    return static_cast<std::size_t>(std::ceil(c * workers / ((workers - 1.0) * std::max(t, 1e-3))));
  } catch (...) {
    return kEveryInput;
  }
}

inline std::size_t calibrated_sequential_threshold() noexcept {
  // Measured on first use; a function-local static is initialised once, thread-safely. The
  // value is then stored where default_sequential_threshold() looks first, unless the user set
  // one meanwhile (the compare-exchange leaves a set value alone). relaxed: a tuning knob.
  static const std::size_t threshold = measure_sequential_threshold();
  std::size_t expected = 0;
  inline_below.compare_exchange_strong(expected, inline_below_for(threshold),
                                       std::memory_order_relaxed);
  return threshold;
}

}  // namespace detail

}  // namespace parlab::par

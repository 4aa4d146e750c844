// Lab 2 (zero-copy threads): benchmarks of zero_copy::map_sum on the seed's workload
// (sum_doubled/zero_copy_threads/<n>/<threads>) and on the imbalanced loads, beside lab 1 and the
// peers; and the false-sharing pair, false_sharing/<variant>/<n>/<threads>.
#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "common/bench/bench_support.hpp"
#include "common/cache_line.hpp"
// Angle brackets on purpose: a quoted include would find the starter beside this file even
// when the solution flavour is being built; <> searches only the flavour's include path.
#include <zero_copy_threads.hpp>

namespace {

using parlab::bench::doubled;

// ---- The false-sharing pair -------------------------------------------------------------
// Every variant runs the seed's workload on `threads` std::jthreads, one even chunk each, and
// adds into a per-thread result slot. They differ only in where the running sum lives and in
// how it is updated:
//   adjacent_slots   std::atomic<int64_t> slots side by side (up to 8 threads share a line),
//                    updated with a relaxed fetch_add per element (a locked add on x86-64);
//   padded_slots     the same slots and instructions, each slot alone on its cache line;
//   adjacent_stores  adjacent slots updated with a relaxed load and a relaxed store per element
//   padded_stores    (plain moves on x86-64, no lock), and the same padded;
//   local_sum        a local variable (a register), written to a padded slot once at the end.
// Within each pair the instructions are identical, so the gap is the memory layout alone. The
// relaxed atomics keep the compiler from holding the sum in a register or vectorising the loop.
// The fetch_add pair shows false sharing plainly, the load/store pair much less: the core's
// store buffer absorbs the lost line (see the handout).
// The threads are created inside the timed region, as in map_sum; at n >= 1e6 that is noise.

enum class Update { fetch_add, load_store };

using AtomicSum = std::atomic<std::int64_t>;
inline constexpr std::size_t kSlotsPerLine = parlab::kCacheLineSize / sizeof(AtomicSum);

/// One cache line's worth of slots, aligned to a line boundary.
struct SlotLine {
  alignas(parlab::kCacheLineSize) std::array<AtomicSum, kSlotsPerLine> slot{};
};
static_assert(sizeof(SlotLine) == parlab::kCacheLineSize, "a SlotLine is exactly one line");

/// One running sum per thread, thread i's at slot i * Stride of an array of whole lines:
/// Stride 1 packs up to kSlotsPerLine threads' sums into one line (adjacent), Stride
/// kSlotsPerLine gives each sum a line of its own (padded). Nothing else differs.
template <Update How, std::size_t Stride>
std::int64_t sum_into_slots(std::span<const std::int32_t> data, std::size_t threads) {
  std::vector<SlotLine> lines((threads * Stride + kSlotsPerLine - 1) / kSlotsPerLine);
  const auto slot = [&](std::size_t i) -> AtomicSum& {
    return lines[i * Stride / kSlotsPerLine].slot[i * Stride % kSlotsPerLine];
  };
  {
    std::vector<std::jthread> workers;
    workers.reserve(threads);
    for (std::size_t i = 0; i < threads; ++i) {
      const parlab::ChunkRange range = parlab::even_chunk(data.size(), threads, i);
      workers.emplace_back([chunk = data.subspan(range.begin, range.size()), &sum = slot(i)] {
        for (const std::int32_t x : chunk) {
          // relaxed: only this thread touches the slot until join(), which orders it for the
          // reader; atomic only so that every element really updates memory.
          if constexpr (How == Update::fetch_add) {
            sum.fetch_add(doubled(x), std::memory_order_relaxed);
          } else {
            sum.store(sum.load(std::memory_order_relaxed) + doubled(x), std::memory_order_relaxed);
          }
        }
      });
    }
  }  // joined
  std::int64_t total = 0;
  for (std::size_t i = 0; i < threads; ++i) {
    total += slot(i).load(std::memory_order_relaxed);  // relaxed: join() ordered the writes
  }
  return total;
}

/// The way map_sum does it: sum in a local, write the padded slot once.
std::int64_t sum_into_locals(std::span<const std::int32_t> data, std::size_t threads) {
  std::vector<parlab::CacheAligned<std::int64_t>> slots(threads);
  {
    std::vector<std::jthread> workers;
    workers.reserve(threads);
    for (std::size_t i = 0; i < threads; ++i) {
      const parlab::ChunkRange range = parlab::even_chunk(data.size(), threads, i);
      workers.emplace_back([chunk = data.subspan(range.begin, range.size()), &slot = slots[i]] {
        std::int64_t sum = 0;
        for (const std::int32_t x : chunk) {
          sum += doubled(x);
        }
        slot.value = sum;
      });
    }
  }  // joined: join() makes each slot's write visible here
  std::int64_t total = 0;
  for (const auto& slot : slots) {
    total += slot.value;
  }
  return total;
}

/// n = 10^6 and 10^7 by default: large enough that thread creation is noise, small enough to
/// stay quick. PARLAB_BENCH_FALSE_SHARING_SIZES overrides.
std::vector<std::size_t> false_sharing_sizes() {
  return parlab::bench::list_from_env("PARLAB_BENCH_FALSE_SHARING_SIZES", {1'000'000, 10'000'000});
}

/// Registers false_sharing/<variant>/<n>/<threads>, checked once untimed like the other stages.
void register_false_sharing(const std::string& variant,
                            std::int64_t (*run)(std::span<const std::int32_t>, std::size_t)) {
  for (const std::size_t n : false_sharing_sizes()) {
    for (const std::size_t t : parlab::bench::thread_counts()) {
      benchmark::RegisterBenchmark(
          parlab::bench::name("false_sharing", variant, n, t).c_str(),
          [=](benchmark::State& state) {
            const auto data = parlab::bench::cached_seed_data(n);
            if (run(data, t) != parlab::seed_sum_doubled(n)) {
              state.SkipWithError("wrong result");
              return;
            }
            for (auto _ : state) {
              auto sum = run(data, t);
              benchmark::DoNotOptimize(sum);
            }
            state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
            state.counters["threads"] = static_cast<double>(t);
          })
          ->UseRealTime()
          ->Unit(benchmark::kMicrosecond);
    }
  }
}

[[maybe_unused]] const bool registered = [] {
  parlab::bench::register_sum_doubled(
      "zero_copy_threads", parlab::bench::no_setup,
      [](int, std::span<const std::int32_t> data, std::size_t threads) {
        return parlab::zero_copy::map_sum(data, threads, doubled);
      });

  // Static halves: one even chunk per thread, whatever the chunk costs. The item's global index
  // is its chunk's offset in the caller's buffer plus its place in the chunk: zero copy at work.
  parlab::bench::register_imbalanced(
      "zero_copy_threads", parlab::bench::no_setup,
      [](int, std::span<const std::uint32_t> costs, std::size_t threads) {
        std::vector<parlab::CacheAligned<std::uint64_t>> partial(std::min(threads, costs.size()));
        parlab::zero_copy::for_each_chunk(
            costs, threads, [&](std::span<const std::uint32_t> chunk, std::size_t index) {
              const auto first = static_cast<std::size_t>(chunk.data() - costs.data());
              std::uint64_t sum = 0;
              for (std::size_t j = 0; j < chunk.size(); ++j) {
                sum += parlab::bench::item_work(costs, first + j);
              }
              partial[index].value = sum;
            });
        std::uint64_t total = 0;
        for (const auto& slot : partial) {
          total += slot.value;
        }
        return total;
      });

  register_false_sharing("adjacent_slots", sum_into_slots<Update::fetch_add, 1>);
  register_false_sharing("padded_slots", sum_into_slots<Update::fetch_add, kSlotsPerLine>);
  register_false_sharing("adjacent_stores", sum_into_slots<Update::load_store, 1>);
  register_false_sharing("padded_stores", sum_into_slots<Update::load_store, kSlotsPerLine>);
  register_false_sharing("local_sum", sum_into_locals);
  return true;
}();

}  // namespace

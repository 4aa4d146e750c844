// Lab 3 (thread pool): benchmarks of both pools. Per-task overhead beside a std::thread per task
// and oneTBB's task_group; map_sum on the seed's workload and on the imbalanced loads (names
// <workload>/<stage>/<n>/<threads>, beside the peers of common/bench/peers_bench.cpp); and many
// tiny tasks from several submitting threads, where one queue per worker pays off.
#include <oneapi/tbb/task_arena.h>
#include <oneapi/tbb/task_group.h>

#include <atomic>
#include <barrier>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <numeric>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "common/bench/bench_support.hpp"
// Angle brackets on purpose: a quoted include would find the starter beside this file even
// when the solution flavour is being built; <> searches only the flavour's include path.
#include <multi_queue_pool.hpp>
#include <thread_pool.hpp>

namespace {

namespace bench = parlab::bench;
using parlab::pool::MultiQueuePool;
using parlab::pool::ThreadPool;

// ---- Per-task overhead: n empty tasks submitted, then every result awaited ----

// n = 1 is the round trip of one task (submit, a worker wakes, runs it, the caller wakes);
// n = 1000 submits a batch before waiting, so queueing cost dominates over wake-ups.
const std::vector<std::size_t> overhead_sizes = {1, 1'000};

// Registers task_overhead/<stage>/<n>/<threads> for every size and thread count. measure(state,
// n, threads) builds its contender outside the timed loop, runs the loop, and returns false if it
// had to skip the benchmark (SkipWithError).
template <class Measure>
void register_overhead(const std::string& stage, Measure measure) {
  for (const std::size_t n : overhead_sizes) {
    for (const std::size_t t : bench::thread_counts()) {
      benchmark::RegisterBenchmark(
          bench::name("task_overhead", stage, n, t).c_str(),
          [n, t, measure](benchmark::State& state) {
            if (!measure(state, n, t)) {
              return;
            }
            state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
            state.counters["threads"] = static_cast<double>(t);
          })
          ->UseRealTime()
          ->Unit(benchmark::kMicrosecond);
    }
  }
}

template <class Pool>
void register_pool_overhead(const std::string& stage) {
  register_overhead(stage, [](benchmark::State& state, std::size_t n, std::size_t t) {
    try {
      Pool pool(t);
      std::vector<std::future<void>> results;
      results.reserve(n);
      for (auto _ : state) {
        for (std::size_t i = 0; i < n; ++i) {
          results.push_back(pool.submit([] {}));
        }
        for (auto& result : results) {
          result.get();
        }
        results.clear();
      }
    } catch (const std::exception& error) {
      state.SkipWithError(error.what());
      return false;
    }
    return true;
  });
}

void register_thread_per_task_overhead() {
  for (const std::size_t n : overhead_sizes) {
    // One thread per task: n threads are created and joined, so "threads" is n.
    benchmark::RegisterBenchmark(
        bench::name("task_overhead", "thread_per_task", n, n).c_str(),
        [n](benchmark::State& state) {
          std::vector<std::thread> threads;
          threads.reserve(n);
          for (auto _ : state) {
            for (std::size_t i = 0; i < n; ++i) {
              threads.emplace_back([] {});
            }
            for (auto& thread : threads) {
              thread.join();
            }
            threads.clear();
          }
          state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
          state.counters["threads"] = static_cast<double>(n);
        })
        ->UseRealTime()
        ->Unit(benchmark::kMicrosecond);
  }
}

void register_tbb_overhead() {
  register_overhead("tbb_task_group", [](benchmark::State& state, std::size_t n, std::size_t t) {
    tbb::task_arena arena(static_cast<int>(t));
    arena.initialize();
    for (auto _ : state) {
      // task_group::wait() lets the waiting thread run queued tasks itself: the "help instead
      // of block" that lab 4's join brings.
      arena.execute([n] {
        tbb::task_group group;
        for (std::size_t i = 0; i < n; ++i) {
          group.run([] {});
        }
        group.wait();
      });
    }
    return true;
  });
}

// oneTBB under lab 3's contract: the caller stays outside the arena, and every task hands its
// result back through its own std::promise, collected with std::future::get(). task_group (above)
// is the cheaper contract: its waiting caller runs tasks itself and nothing is allocated per
// result. This one is the fair yardstick for a pool whose submit() returns a std::future.
struct FulfilPromise {
  // mutable: task_arena::enqueue calls its function object as const.
  mutable std::promise<void> promise;
  void operator()() const { promise.set_value(); }
};

void register_tbb_enqueue_overhead() {
  register_overhead("tbb_arena_enqueue", [](benchmark::State& state, std::size_t n, std::size_t t) {
    tbb::task_arena arena(static_cast<int>(t));
    arena.initialize();
    std::vector<std::future<void>> results;
    results.reserve(n);
    for (auto _ : state) {
      for (std::size_t i = 0; i < n; ++i) {
        std::promise<void> promise;
        results.push_back(promise.get_future());
        arena.enqueue(FulfilPromise{std::move(promise)});
      }
      for (auto& result : results) {
        result.get();
      }
      results.clear();
    }
    return true;
  });
}

// ---- Many tiny tasks from several submitters ----

/// `submitters` threads, started once, that each run job(i) whenever run_once() is called; the
/// timed loop then measures the job, not thread creation.
class SubmitterGang {
 public:
  SubmitterGang(std::size_t submitters, std::function<void(std::size_t)> job)
      : start_(static_cast<std::ptrdiff_t>(submitters + 1)),
        done_(static_cast<std::ptrdiff_t>(submitters + 1)),
        job_(std::move(job)) {
    threads_.reserve(submitters);
    for (std::size_t i = 0; i < submitters; ++i) {
      threads_.emplace_back([this, i] {
        for (;;) {
          start_.arrive_and_wait();
          // relaxed: the barrier orders the store in the destructor before this load.
          if (stop_.load(std::memory_order_relaxed)) {
            return;
          }
          try {
            job_(i);
          } catch (...) {
            failed_.store(true, std::memory_order_relaxed);  // relaxed: read after the barrier
          }
          done_.arrive_and_wait();
        }
      });
    }
  }
  SubmitterGang(const SubmitterGang&) = delete;
  SubmitterGang& operator=(const SubmitterGang&) = delete;
  ~SubmitterGang() {
    stop_.store(true, std::memory_order_relaxed);  // relaxed: published by the barrier
    start_.arrive_and_wait();
    for (auto& thread : threads_) {
      thread.join();
    }
  }

  /// Runs every submitter's job once; false if any job threw.
  bool run_once() {
    start_.arrive_and_wait();
    done_.arrive_and_wait();
    return !failed_.load(std::memory_order_relaxed);  // relaxed: the barrier orders it
  }

 private:
  std::barrier<> start_;
  std::barrier<> done_;
  std::function<void(std::size_t)> job_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> failed_{false};
  std::vector<std::thread> threads_;
};

constexpr std::size_t kTinyTasksPerSubmitter = 10'000;
const std::vector<std::size_t> submitter_counts = {1, 2, 4};

// tiny_tasks_<S>sub/<stage>/<S * 10,000 tasks>/<workers>: S threads each submit 10,000 tasks that
// return 1, then wait for all of their own results.
template <class Pool>
void register_tiny_tasks(const std::string& stage) {
  for (const std::size_t submitters : submitter_counts) {
    for (const std::size_t t : bench::thread_counts()) {
      const std::size_t tasks = submitters * kTinyTasksPerSubmitter;
      benchmark::RegisterBenchmark(
          bench::name("tiny_tasks_" + std::to_string(submitters) + "sub", stage, tasks, t).c_str(),
          [submitters, t, tasks](benchmark::State& state) {
            try {
              Pool pool(t);
              std::atomic<bool> wrong{false};
              SubmitterGang gang(submitters, [&pool, &wrong](std::size_t) {
                std::vector<std::future<int>> results;
                results.reserve(kTinyTasksPerSubmitter);
                for (std::size_t i = 0; i < kTinyTasksPerSubmitter; ++i) {
                  results.push_back(pool.submit([] { return 1; }));
                }
                int sum = 0;
                for (auto& result : results) {
                  sum += result.get();
                }
                if (sum != static_cast<int>(kTinyTasksPerSubmitter)) {
                  wrong.store(true, std::memory_order_relaxed);  // relaxed: read after the barrier
                }
              });
              for (auto _ : state) {
                if (!gang.run_once()) {
                  state.SkipWithError("a submitter's job threw");
                  break;
                }
              }
              if (state.error_occurred()) {
                return;
              }
              if (wrong.load(std::memory_order_relaxed)) {
                state.SkipWithError("wrong result");
                return;
              }
            } catch (const std::exception& error) {
              state.SkipWithError(error.what());
              return;
            }
            state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(tasks));
            state.counters["threads"] = static_cast<double>(t);
            state.counters["submitters"] = static_cast<double>(submitters);
          })
          ->UseRealTime()
          ->Unit(benchmark::kMicrosecond);
    }
  }
}

// ---- map_sum: the seed's workload and the imbalanced loads ----

template <class Pool>
auto make_pool(std::size_t threads) {
  return std::make_shared<Pool>(threads);
}

template <class Pool>
void register_map_sum(const std::string& stage) {
  bench::register_sum_doubled(stage, make_pool<Pool>,
                              [](const std::shared_ptr<Pool>& pool,
                                 std::span<const std::int32_t> data, std::size_t threads) {
                                return parlab::pool::map_sum(*pool, data, threads, bench::doubled);
                              });
}

/// A pool and the item indices 0..n-1 that map_sum maps (item_work needs the index).
template <class Pool>
struct ImbalancedContext {
  std::shared_ptr<Pool> pool;
  std::vector<std::uint32_t> indices;
};

// chunks_per_thread = 1: static chunks, one per worker (the lab's map_sum as the benchmark
// calls it elsewhere). A larger value over-decomposes: the same pool, more and smaller tasks.
template <class Pool>
void register_imbalanced_map_sum(const std::string& stage, std::size_t chunks_per_thread) {
  bench::register_imbalanced(
      stage,
      [](std::size_t threads) {
        ImbalancedContext<Pool> context{std::make_shared<Pool>(threads),
                                        std::vector<std::uint32_t>(10'000)};
        std::iota(context.indices.begin(), context.indices.end(), 0U);
        return context;
      },
      [chunks_per_thread](const ImbalancedContext<Pool>& context,
                          std::span<const std::uint32_t> costs, std::size_t threads) {
        return parlab::pool::map_sum(
            *context.pool, context.indices, threads * chunks_per_thread,
            [costs](std::uint32_t i) { return bench::item_work(costs, i); });
      });
}

[[maybe_unused]] const bool registered = [] {
  register_pool_overhead<ThreadPool>("thread_pool");
  register_pool_overhead<MultiQueuePool>("multi_queue_pool");
  register_tbb_overhead();
  register_tbb_enqueue_overhead();
  register_thread_per_task_overhead();

  register_tiny_tasks<ThreadPool>("thread_pool");
  register_tiny_tasks<MultiQueuePool>("multi_queue_pool");

  register_map_sum<ThreadPool>("thread_pool");
  register_map_sum<MultiQueuePool>("multi_queue_pool");

  register_imbalanced_map_sum<ThreadPool>("thread_pool", 1);
  register_imbalanced_map_sum<MultiQueuePool>("multi_queue_pool", 1);
  register_imbalanced_map_sum<ThreadPool>("thread_pool_64_chunks_per_thread", 64);
  return true;
}();

}  // namespace

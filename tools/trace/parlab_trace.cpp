// parlab_trace: runs one workload under lab 2 (static halves), lab 3 (a thread pool with static
// chunks) and lab 4 (work stealing), traces who ran what when, and measures lab 4's work and
// span. Driven by scripts/trace, which draws the timelines. Built from the reference solutions.
//
// Usage: parlab_trace OUT_DIR WORKLOAD WORKERS
//   WORKLOAD: imbalanced_linear | imbalanced_heavy (2,000 items, see common/workload.hpp)
// Writes OUT_DIR/lab2.json, lab3.json, lab4.json (Chrome trace-event JSON), work_span.md,
// fib5_dag.dot and reduce16_dag.dot.
#include <parallel_loops.hpp>
#include <scheduler.hpp>
#include <thread_pool.hpp>
#include <zero_copy_threads.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/trace.hpp"
#include "common/work_span.hpp"
#include "common/workload.hpp"

namespace {

namespace fs = std::filesystem;
using parlab::trace::Event;

constexpr std::size_t kItems = 2'000;

std::vector<std::uint32_t> make_costs(const std::string& workload) {
  if (workload == "imbalanced_linear") {
    return parlab::linear_costs(kItems, 2'000);
  }
  if (workload == "imbalanced_heavy") {
    return parlab::heavy_tailed_costs(kItems, 400, 2024);
  }
  throw std::invalid_argument("unknown workload '" + workload +
                              "' (expected imbalanced_linear or imbalanced_heavy)");
}

// Threads that have no worker index of their own (lab 2's, lab 3's) record trace::thread_index();
// renumber them 0, 1, ... in order of their first event so every stage shows workers 0..P-1.
void renumber_workers(std::vector<Event>& events) {
  std::map<std::uint32_t, std::uint32_t> dense;
  for (const Event& event : events) {
    dense.try_emplace(event.worker, static_cast<std::uint32_t>(dense.size()));
  }
  for (Event& event : events) {
    event.worker = dense.at(event.worker);
  }
}

void write_trace(const fs::path& path, std::vector<Event> events, const std::string& name,
                 bool renumber) {
  if (renumber) {
    renumber_workers(events);
  }
  std::ofstream out(path);
  parlab::trace::write_chrome_json(out, events, name);
  if (!out) {
    throw std::runtime_error("cannot write " + path.string());
  }
}

std::uint64_t item(std::span<const std::uint32_t> costs, std::size_t i) {
  return parlab::burn(costs[i], i);
}

template <class F>
std::int64_t time_ns(F&& f) {
  const std::int64_t start = parlab::trace::now_ns();
  f();
  return parlab::trace::now_ns() - start;
}

std::uint64_t fib(parlab::steal::Scheduler& scheduler, int n) {
  if (n < 2) {
    return static_cast<std::uint64_t>(n);
  }
  auto [x, y] =
      scheduler.join([&] { return fib(scheduler, n - 1); }, [&] { return fib(scheduler, n - 2); });
  return x + y;
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  if (!out) {
    throw std::runtime_error("cannot write " + path.string());
  }
}

int run(const fs::path& out, const std::string& workload, std::size_t workers) {
  fs::create_directories(out);
  const std::vector<std::uint32_t> costs = make_costs(workload);
  const std::span<const std::uint32_t> items(costs);
  namespace trace = parlab::trace;

  // Lab 2: one thread per chunk, static halves.
  trace::set_enabled(true);
  parlab::zero_copy::for_each_chunk(
      items, workers, [&](std::span<const std::uint32_t> chunk, std::size_t index) {
        const std::size_t offset = static_cast<std::size_t>(chunk.data() - items.data());
        for (std::size_t i = 0; i < chunk.size(); ++i) {
          const trace::TaskScope scope(static_cast<std::uint32_t>(index), "item");
          (void)item(items, offset + i);
        }
      });
  trace::set_enabled(false);
  write_trace(out / "lab2.json", trace::take_events(), "lab 2: static halves", false);

  // Lab 3: a pool with one task per chunk (static chunks again, but reused threads).
  {
    parlab::pool::ThreadPool pool(workers);
    std::vector<std::size_t> indices(costs.size());
    for (std::size_t i = 0; i < indices.size(); ++i) {
      indices[i] = i;
    }
    trace::set_enabled(true);
    (void)parlab::pool::map_sum(pool, indices, workers, [&](std::size_t i) {
      const trace::TaskScope scope(trace::thread_index(), "item");
      return item(items, i);
    });
    trace::set_enabled(false);
    // The pool's own task events use its worker indices; the items use thread indices: keep
    // only the items so the two numberings do not mix.
    auto events = trace::take_events();
    std::erase_if(events, [](const Event& e) { return std::string(e.label) != "item"; });
    write_trace(out / "lab3.json", std::move(events), "lab 3: thread pool, static chunks", true);
  }

  // Lab 4: work stealing, one item per leaf.
  parlab::steal::Scheduler scheduler(workers);
  trace::set_enabled(true);
  parlab::steal::parallel_for(scheduler, 0, costs.size(), 1, [&](std::size_t i) {
    const auto worker = parlab::steal::Scheduler::current_worker();
    const trace::TaskScope scope(static_cast<std::uint32_t>(worker.value_or(workers)), "item");
    (void)item(items, i);
  });
  trace::set_enabled(false);
  auto lab4_events = trace::take_events();
  std::erase_if(lab4_events, [](const Event& e) {
    return e.kind == trace::EventKind::task && std::string(e.label) != "item";
  });
  write_trace(out / "lab4.json", std::move(lab4_events), "lab 4: work stealing", false);

  // Work and span of the same loop on lab 4, beside its measured time on P workers.
  namespace ws = parlab::work_span;
  const auto loop = [&] {
    parlab::steal::parallel_for(scheduler, 0, costs.size(), 1,
                                [&](std::size_t i) { (void)item(items, i); });
  };
  std::vector<std::int64_t> plain;
  for (int pass = 0; pass < 5; ++pass) {
    plain.push_back(time_ns([&] { scheduler.run(loop); }));
  }
  std::sort(plain.begin(), plain.end());
  const ws::Totals totals = scheduler.run([&] { return ws::measure(loop); });
  const double t1 = static_cast<double>(totals.work_ns) / 1e6;
  const double tinf = static_cast<double>(totals.span_ns) / 1e6;
  const double tp = static_cast<double>(plain[2]) / 1e6;
  const double p = static_cast<double>(workers);
  char report[2048];
  std::snprintf(report, sizeof report,
                "### Work and span: %s, %zu items, lab 4 parallel_for (grain 1), P = %zu\n\n"
                "| quantity | value |\n|---|---:|\n"
                "| work T1 (sum of all strands) | %.2f ms |\n"
                "| span T-inf (longest chain) | %.3f ms |\n"
                "| parallelism T1 / T-inf | %.0f |\n"
                "| lower bound max(T1/P, T-inf) | %.2f ms |\n"
                "| measured T_P (median of 5, untraced) | %.2f ms |\n"
                "| T_P / bound | %.2f |\n\n"
                "Work and span are measured in wall-clock time on P workers, so T1 includes the\n"
                "slowdown of running beside other workers (shared caches, a shared VM).\n",
                workload.c_str(), costs.size(), workers, t1, tinf, totals.parallelism(),
                std::max(t1 / p, tinf), tp, tp / std::max(t1 / p, tinf));
  write_text(out / "work_span.md", report);
  std::cout << report;

  // Fork-join DAGs of two small computations, each strand labelled with its worker.
  ws::Dag fib_dag;
  (void)scheduler.run([&] { return ws::measure([&] { (void)fib(scheduler, 5); }, &fib_dag); });
  write_text(out / "fib5_dag.dot",
             ws::to_dot(fib_dag, "fib(5): one join per call, strands by worker"));
  ws::Dag reduce_dag;
  (void)scheduler.run([&] {
    return ws::measure(
        [&] {
          (void)parlab::steal::parallel_reduce(scheduler, 0, 16, 1, std::uint64_t{0}, std::plus<>(),
                                               [&](std::size_t i) { return item(items, i); });
        },
        &reduce_dag);
  });
  write_text(
      out / "reduce16_dag.dot",
      ws::to_dot(reduce_dag, "parallel_reduce over 16 elements (grain 1), strands by worker"));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: parlab_trace OUT_DIR imbalanced_linear|imbalanced_heavy WORKERS\n"
                 "(scripts/trace is the friendly way to run it)\n";
    return 2;
  }
  try {
    const unsigned long workers = std::stoul(argv[3]);
    if (workers == 0 || workers > 256) {
      throw std::invalid_argument("WORKERS must be between 1 and 256");
    }
    return run(argv[1], argv[2], workers);
  } catch (const std::exception& error) {
    std::cerr << "parlab_trace: " << error.what() << '\n';
    return 1;
  }
}

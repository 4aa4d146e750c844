// Work and span of fork-join computations, measured as OpenCilk's Cilkscale does: every strand
// (a stretch of code between forks and joins) is timed, work T1 adds all strands up, and span
// T-infinity follows the longest chain through the fork-join DAG. Part of common/; the lab 4
// solution's join() reports into it. Optionally records the DAG itself as a Graphviz file.
#pragma once

#include <algorithm>
#include <cstdint>
#include <exception>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common/trace.hpp"

namespace parlab::work_span {

/// Work (T1: total time in strands) and span (T-infinity: the longest chain), in nanoseconds.
struct Totals {
  std::int64_t work_ns = 0;  ///< T1
  std::int64_t span_ns = 0;  ///< T-infinity
  /// Parallelism T1 / T-infinity: the most speedup any number of workers could give.
  [[nodiscard]] double parallelism() const {
    return span_ns > 0 ? static_cast<double>(work_ns) / static_cast<double>(span_ns) : 0.0;
  }
};

/// One strand of the recorded DAG: which thread ran it and for how long.
struct Node {
  std::uint32_t id = 0;      ///< dense id, 0 is the root's first strand
  std::int32_t worker = -1;  ///< the worker index set by set_worker_index(), -1 off-pool
  std::int64_t ns = 0;       ///< the strand's duration
};

/// The fork-join DAG of one measured computation: strands and the dependencies between them.
struct Dag {
  std::vector<Node> nodes;                                     ///< every strand
  std::vector<std::pair<std::uint32_t, std::uint32_t>> edges;  ///< (before, after)
};

/// The clock strands are timed with: nanoseconds from any fixed origin. Thread-safe to call.
using Clock = std::int64_t (*)() noexcept;

/// Replaces the clock (trace::now_ns by default); tests use a virtual clock so that work and
/// span come out exactly. Not thread-safe: call while nothing is being measured.
void set_clock(Clock clock) noexcept;

/// Tells the work/span recorder which worker the calling thread is (the lab 4 workers call this
/// once at start); other threads are labelled "caller".
void set_worker_index(std::int32_t index) noexcept;

namespace detail {

// The accounting of one function invocation (the root, or one side of a join): its totals so
// far, when its current strand started, and the DAG node that strand will become.
struct Frame {
  Totals totals;
  std::int64_t strand_start = 0;
  std::uint32_t first_node = 0;  // the node its first strand became (or will become)
  std::uint32_t open_node = 0;   // the node id of the strand now running
  Dag* dag = nullptr;            // where nodes and edges go, or nullptr when not recording
  std::mutex* dag_mutex = nullptr;
};

/// The frame of the measured computation the calling thread is running, or nullptr. It is the
/// switch: join() pays one thread-local load when nothing is being measured.
extern thread_local Frame* current;

/// Reads the clock set by set_clock().
std::int64_t now() noexcept;

std::uint32_t new_node(Frame& frame);
void close_strand(Frame& frame);
void add_edge(Frame& frame, std::uint32_t from, std::uint32_t to);

// Runs f as a child frame of `parent` (on whichever thread calls this), then closes it.
template <class F>
decltype(auto) run_child(Frame& child, F& f) {
  Frame* const saved = current;
  current = &child;
  child.strand_start = detail::now();
  struct Restore {
    Frame& child;
    Frame* saved;
    ~Restore() {
      close_strand(child);
      current = saved;
    }
  } restore{child, saved};
  return f();
}

}  // namespace detail

/// Whether the calling thread is inside measure(): join() implementations test this first.
inline bool active() noexcept { return detail::current != nullptr; }

/// Runs `join(a2, b2)` where a2 and b2 wrap `a` and `b` in child frames, and charges the
/// result to the calling frame: work adds both children, span adds the longer child. `join`
/// must run both callables to completion (on any threads) before it returns or throws.
/// Call only when active().
template <class Join, class A, class B>
decltype(auto) measured_join(Join&& join, A&& a, B&& b) {
  detail::Frame& parent = *detail::current;
  detail::close_strand(parent);
  const std::uint32_t fork_node = parent.open_node;
  detail::Frame left{{}, 0, 0, 0, parent.dag, parent.dag_mutex};
  detail::Frame right{{}, 0, 0, 0, parent.dag, parent.dag_mutex};
  left.first_node = left.open_node = detail::new_node(left);
  right.first_node = right.open_node = detail::new_node(right);
  detail::add_edge(parent, fork_node, left.first_node);
  detail::add_edge(parent, fork_node, right.first_node);
  auto a2 = [&]() -> decltype(auto) { return detail::run_child(left, a); };
  auto b2 = [&]() -> decltype(auto) { return detail::run_child(right, b); };
  struct Merge {
    detail::Frame& parent;
    detail::Frame& left;
    detail::Frame& right;
    ~Merge() {
      parent.totals.work_ns += left.totals.work_ns + right.totals.work_ns;
      parent.totals.span_ns += std::max(left.totals.span_ns, right.totals.span_ns);
      parent.open_node = detail::new_node(parent);
      detail::add_edge(parent, left.open_node, parent.open_node);
      detail::add_edge(parent, right.open_node, parent.open_node);
      parent.strand_start = detail::now();
      detail::current = &parent;
    }
  } merge{parent, left, right};
  return join(a2, b2);
}

/// Measures `f` (which runs on the calling thread and may call join() any number of times, at
/// any depth): returns its work and span, and records its DAG into `dag` when given. Nested
/// calls of measure() on one thread are not supported.
template <class F>
Totals measure(F&& f, Dag* dag = nullptr) {
  std::mutex dag_mutex;
  detail::Frame root{{}, 0, 0, 0, dag, &dag_mutex};
  root.first_node = root.open_node = detail::new_node(root);
  detail::Frame* const saved = detail::current;
  detail::current = &root;
  root.strand_start = detail::now();
  try {
    f();
  } catch (...) {
    detail::close_strand(root);
    detail::current = saved;
    throw;
  }
  detail::close_strand(root);
  detail::current = saved;
  return root.totals;
}

/// The DAG as a Graphviz digraph: one node per strand, labelled with its worker and duration,
/// coloured by worker.
std::string to_dot(const Dag& dag, const std::string& title);

}  // namespace parlab::work_span

// Work and span of fork-join computations (see work_span.hpp). Part of common/.
#include "common/work_span.hpp"

#include <sstream>

namespace parlab::work_span {
namespace {
thread_local std::int32_t worker_index = -1;
Clock clock_function = &trace::now_ns;
}  // namespace

namespace detail {
thread_local Frame* current = nullptr;

std::int64_t now() noexcept { return clock_function(); }

std::uint32_t new_node(Frame& frame) {
  if (frame.dag == nullptr) {
    return 0;
  }
  const std::scoped_lock lock(*frame.dag_mutex);
  const auto id = static_cast<std::uint32_t>(frame.dag->nodes.size());
  frame.dag->nodes.push_back({id, -1, 0});
  return id;
}

void close_strand(Frame& frame) {
  const std::int64_t took = now() - frame.strand_start;
  frame.totals.work_ns += took;
  frame.totals.span_ns += took;
  if (frame.dag != nullptr) {
    const std::scoped_lock lock(*frame.dag_mutex);
    Node& node = frame.dag->nodes[frame.open_node];
    node.worker = worker_index;
    node.ns += took;
  }
}

void add_edge(Frame& frame, std::uint32_t from, std::uint32_t to) {
  if (frame.dag != nullptr) {
    const std::scoped_lock lock(*frame.dag_mutex);
    frame.dag->edges.emplace_back(from, to);
  }
}

}  // namespace detail

void set_worker_index(std::int32_t index) noexcept { worker_index = index; }

void set_clock(Clock clock) noexcept { clock_function = clock; }

std::string to_dot(const Dag& dag, const std::string& title) {
  static constexpr const char* kColours[] = {"#8dd3c7", "#ffffb3", "#bebada", "#fb8072",
                                             "#80b1d3", "#fdb462", "#b3de69", "#fccde5"};
  std::ostringstream out;
  out << "digraph fork_join {\n  label=\"" << title << "\";\n  labelloc=t;\n"
      << "  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=10];\n";
  for (const Node& node : dag.nodes) {
    const char* fill = node.worker < 0 ? "#dddddd" : kColours[node.worker % 8];
    out << "  n" << node.id << " [label=\""
        << (node.worker < 0 ? std::string("caller") : "worker " + std::to_string(node.worker))
        << "\\n"
        << node.ns / 1000.0 << " µs\", fillcolor=\"" << fill << "\"];\n";
  }
  for (const auto& [from, to] : dag.edges) {
    out << "  n" << from << " -> n" << to << ";\n";
  }
  out << "}\n";
  return out.str();
}

}  // namespace parlab::work_span

// Unit tests for common/work_span.hpp: work and span of known DAGs, and the DAG export.
#include "common/work_span.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <vector>

#include "common/workload.hpp"

namespace parlab::work_span {
namespace {

// A join that runs b on another thread, as a stolen job would be, but after a: strands are
// timed in wall-clock time, so running the sides at once on an oversubscribed test machine
// would stretch them. (Cilkscale, too, measures work and span on a serial execution.)
const auto threaded_join = [](auto& a, auto& b) {
  auto left = a();
  auto right = std::async(std::launch::async, [&] { return b(); }).get();
  return std::pair{left, right};
};

// A virtual clock: time advances only when a leaf "runs", by exactly kLeafNs. Strands are then
// timed exactly, so work and span must equal their analytic values, whatever the machine's load.
constexpr std::int64_t kLeafNs = 1'000;
std::atomic<std::int64_t> virtual_ns{0};
std::int64_t virtual_clock() noexcept { return virtual_ns.load(); }

struct VirtualClock {
  VirtualClock() { set_clock(&virtual_clock); }
  ~VirtualClock() { set_clock(&trace::now_ns); }
  VirtualClock(const VirtualClock&) = delete;
  VirtualClock& operator=(const VirtualClock&) = delete;
};

std::uint64_t leaf() {
  virtual_ns.fetch_add(kLeafNs);
  return 1;
}

std::uint64_t tree(int leaves) {
  if (leaves == 1) {
    return leaf();
  }
  auto a = [&] { return tree(leaves / 2); };
  auto b = [&] { return tree(leaves - leaves / 2); };
  const auto [x, y] = measured_join(threaded_join, a, b);
  return x + y;
}

TEST(WorkSpan, ABalancedTreeOfEqualLeavesHasWorkNTimesALeafAndSpanOfOneLeaf) {
  const VirtualClock clock;
  std::uint64_t leaves = 0;
  const Totals totals = measure([&] { leaves = tree(16); });
  ASSERT_EQ(leaves, 16U);
  EXPECT_EQ(totals.work_ns, 16 * kLeafNs) << "T1 is the sum of the 16 leaves";
  EXPECT_EQ(totals.span_ns, kLeafNs) << "T-inf is one root-to-leaf path: one leaf";
  EXPECT_DOUBLE_EQ(totals.parallelism(), 16.0);
}

TEST(WorkSpan, AnUnbalancedTreeHasTheSpanOfItsDeepestChain) {
  // join(leaf, join(leaf, leaf) followed by a leaf): T1 = 4 leaves, T-inf = 2 leaves.
  const VirtualClock clock;
  const Totals totals = measure([] {
    auto one = [] { return leaf(); };
    auto two = [&] {
      const auto [x, y] = measured_join(threaded_join, one, one);
      return x + y + leaf();
    };
    (void)measured_join(threaded_join, one, two);
  });
  EXPECT_EQ(totals.work_ns, 4 * kLeafNs);
  EXPECT_EQ(totals.span_ns, 2 * kLeafNs);
}

TEST(WorkSpan, ASerialChainHasSpanEqualToWork) {
  const VirtualClock clock;
  const Totals totals = measure([] {
    for (int i = 0; i < 8; ++i) {
      (void)leaf();
    }
  });
  EXPECT_EQ(totals.work_ns, 8 * kLeafNs);
  EXPECT_EQ(totals.span_ns, 8 * kLeafNs) << "no fork: every strand is on the critical path";
}

TEST(WorkSpan, MeasuresRealTimeByDefault) {
  const Totals totals = measure([] { (void)burn(20'000); });
  EXPECT_GT(totals.work_ns, 0);
  EXPECT_EQ(totals.work_ns, totals.span_ns);
}

TEST(WorkSpan, IsOffOutsideMeasure) {
  EXPECT_FALSE(active());
  bool inside = false;
  (void)measure([&] { inside = active(); });
  EXPECT_TRUE(inside);
  EXPECT_FALSE(active());
}

TEST(WorkSpan, RecordsTheForkJoinDagOfFibFour) {
  // fib(4) with a join at every call with n >= 2: 4 joins, each adding 2 child strands and a
  // continuation strand to the root's single strand: 1 + 4 * 3 = 13 strands, 4 * 4 = 16 edges.
  struct Fib {
    static int run(int n) {
      if (n < 2) {
        return n;
      }
      auto a = [n] { return run(n - 1); };
      auto b = [n] { return run(n - 2); };
      const auto [x, y] = measured_join(threaded_join, a, b);
      return x + y;
    }
  };
  Dag dag;
  int result = 0;
  (void)measure([&] { result = Fib::run(4); }, &dag);
  EXPECT_EQ(result, 3);
  EXPECT_EQ(dag.nodes.size(), 13U);
  EXPECT_EQ(dag.edges.size(), 16U);
  const std::string dot = to_dot(dag, "fib(4)");
  EXPECT_NE(dot.find("digraph fork_join"), std::string::npos);
  EXPECT_NE(dot.find("n0 -> n1"), std::string::npos);
}

TEST(WorkSpan, KeepsCountingWhenASideThrows) {
  auto a = [] { return 1; };
  auto b = []() -> int { throw std::runtime_error("b failed"); };
  EXPECT_THROW((void)measure([&] { (void)measured_join(threaded_join, a, b); }),
               std::runtime_error);
  EXPECT_FALSE(active()) << "measure() must restore the thread's state after an exception";
}

}  // namespace
}  // namespace parlab::work_span

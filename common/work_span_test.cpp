// Unit tests for common/work_span.hpp: work and span of known DAGs, and the DAG export.
#include "common/work_span.hpp"

#include <gtest/gtest.h>

#include <algorithm>
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

std::uint64_t leaf() { return burn(20'000); }

// The median time of one leaf, measured the way measure() sees it.
double leaf_ns() {
  std::vector<double> samples;
  for (int i = 0; i < 7; ++i) {
    samples.push_back(static_cast<double>(measure([] { (void)leaf(); }).work_ns));
  }
  std::sort(samples.begin(), samples.end());
  return samples[3];
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
  const double one = leaf_ns();
  const Totals totals = measure([] { (void)tree(16); });
  // Analytic: T1 = 16 leaves, T-inf = one leaf (the forks and joins themselves cost little).
  EXPECT_NEAR(static_cast<double>(totals.work_ns) / one, 16.0, 16.0 * 0.35)
      << "work should be the sum of the 16 leaves";
  EXPECT_NEAR(static_cast<double>(totals.span_ns) / one, 1.0, 0.6)
      << "span should be one root-to-leaf path: one leaf plus fork/join overhead";
  EXPECT_GT(totals.parallelism(), 8.0);
}

TEST(WorkSpan, ASerialChainHasSpanEqualToWork) {
  const Totals totals = measure([] {
    for (int i = 0; i < 8; ++i) {
      (void)leaf();
    }
  });
  EXPECT_EQ(totals.work_ns, totals.span_ns) << "no fork: every strand is on the critical path";
  EXPECT_NEAR(totals.parallelism(), 1.0, 1e-9);
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

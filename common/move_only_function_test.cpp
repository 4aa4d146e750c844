// Unit tests for common/move_only_function.hpp: move-only targets, where a target is stored
// (inside the object or on the heap), moves, destruction and the empty function.
#include "common/move_only_function.hpp"

#include <gtest/gtest.h>

#include <array>
#include <future>
#include <memory>
#include <span>
#include <string>

namespace parlab {
namespace {

// Counts how many of its copies are alive, so that a test can see each target destroyed once.
struct Tracked {
  explicit Tracked(int* alive) : alive(alive) { ++*alive; }
  Tracked(Tracked&& other) noexcept : alive(other.alive) { ++*alive; }
  Tracked(const Tracked&) = delete;
  Tracked& operator=(const Tracked&) = delete;
  Tracked& operator=(Tracked&&) = delete;
  ~Tracked() { --*alive; }
  int* alive;
};

TEST(MoveOnlyFunction, CallsAMoveOnlyTarget) {
  MoveOnlyFunction<int(int)> f = [p = std::make_unique<int>(40)](int x) { return *p + x; };
  ASSERT_TRUE(f);
  EXPECT_EQ(f(2), 42);
}

TEST(MoveOnlyFunction, KeepsALabThreeTaskInsideTheObject) {
  // The shape of a lab 3 map_sum task: a promise beside a span and an empty function object.
  std::promise<long> promise;
  const std::array<int, 3> data{1, 2, 3};
  auto task = [promise = std::move(promise), chunk = std::span<const int>(data),
               f = [](int x) { return 2L * x; }]() mutable {
    long sum = 0;
    for (int x : chunk) {
      sum += f(x);
    }
    promise.set_value(sum);
  };
  EXPECT_TRUE(MoveOnlyFunction<void()>::kStoredInline<decltype(task)>)
      << "a lab 3 task of " << sizeof(task) << " bytes should fit in "
      << MoveOnlyFunction<void()>::kInlineSize << " bytes, so that queueing it allocates nothing";
}

TEST(MoveOnlyFunction, StoresALargeTargetOnTheHeapAndStillCallsIt) {
  std::array<char, 256> big{};
  big[255] = 'z';
  auto large = [big] { return big[255]; };
  EXPECT_FALSE(MoveOnlyFunction<char()>::kStoredInline<decltype(large)>);
  MoveOnlyFunction<char()> f = large;
  MoveOnlyFunction<char()> moved = std::move(f);
  EXPECT_EQ(moved(), 'z');
}

TEST(MoveOnlyFunction, MovingTransfersTheTargetAndEmptiesTheSource) {
  int alive = 0;
  {
    MoveOnlyFunction<int()> a = [t = Tracked(&alive)] { return *t.alive; };
    EXPECT_EQ(alive, 1) << "constructing from a temporary lambda must leave exactly one target";
    MoveOnlyFunction<int()> b = std::move(a);
    EXPECT_FALSE(a) << "a moved-from MoveOnlyFunction is empty";  // NOLINT(bugprone-use-after-move)
    EXPECT_EQ(alive, 1) << "moving must end the source's target, not copy it";
    EXPECT_EQ(b(), 1);

    MoveOnlyFunction<int()> c = [] { return 7; };
    c = std::move(b);  // destroys c's own target first
    EXPECT_FALSE(b);   // NOLINT(bugprone-use-after-move)
    EXPECT_EQ(alive, 1);
    EXPECT_EQ(c(), 1);
  }
  EXPECT_EQ(alive, 0) << "every target must be destroyed exactly once";
}

TEST(MoveOnlyFunction, AssigningNullptrDestroysTheTarget) {
  int alive = 0;
  MoveOnlyFunction<void()> f = [t = Tracked(&alive)] {};
  ASSERT_EQ(alive, 1);
  f = nullptr;
  EXPECT_EQ(alive, 0);
  EXPECT_FALSE(f);
}

TEST(MoveOnlyFunction, CallingAnEmptyFunctionThrowsBadFunctionCall) {
  MoveOnlyFunction<void()> empty;
  EXPECT_FALSE(empty);
  EXPECT_THROW(empty(), std::bad_function_call);
  MoveOnlyFunction<void()> null = nullptr;
  EXPECT_THROW(null(), std::bad_function_call);
}

TEST(MoveOnlyFunction, PassesArgumentsThroughAndDiscardsAResultForVoid) {
  MoveOnlyFunction<void(std::string&)> append = [](std::string& s) {
    s += "!";
    return s.size();  // discarded: the signature returns void
  };
  std::string text = "hi";
  append(text);
  EXPECT_EQ(text, "hi!");
}

}  // namespace
}  // namespace parlab

// Unit tests for common/fifo_queue.hpp: first in, first out across growth and wrap-around, memory
// kept by pops, elements released when popped, and the empty queue's error.
#include "common/fifo_queue.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <memory>
#include <stdexcept>

namespace parlab {
namespace {

TEST(FifoQueue, PopsInTheOrderOfPushesAcrossGrowthAndWrapAround) {
  FifoQueue<int> queue;
  int next_in = 0;
  int next_out = 0;
  // Interleave pushes and pops so that the front moves around the buffer while it grows.
  for (int round = 0; round < 50; ++round) {
    for (int i = 0; i < 7; ++i) {
      queue.push(next_in++);
    }
    for (int i = 0; i < 5; ++i) {
      ASSERT_EQ(queue.pop(), next_out++) << "round " << round << ": not first in, first out";
    }
  }
  EXPECT_EQ(queue.size(), static_cast<std::size_t>(next_in - next_out));
  while (!queue.empty()) {
    ASSERT_EQ(queue.pop(), next_out++);
  }
  EXPECT_EQ(next_out, next_in);
}

TEST(FifoQueue, PopsNeverGiveMemoryBack) {
  FifoQueue<int> queue;
  for (int i = 0; i < 1000; ++i) {
    queue.push(i);
  }
  const std::size_t grown = queue.capacity();
  EXPECT_GE(grown, 1000U);
  while (!queue.empty()) {
    queue.pop();
  }
  EXPECT_EQ(queue.capacity(), grown)
      << "pops must not free: in a pool the pops run on workers, the pushes on the submitter";
  for (int i = 0; i < 1000; ++i) {
    queue.push(i);
  }
  EXPECT_EQ(queue.capacity(), grown) << "a queue no longer than before must not allocate again";
}

TEST(FifoQueue, ReleasesWhatAnElementOwnsWhenItIsPopped) {
  FifoQueue<std::shared_ptr<int>> queue;
  auto owned = std::make_shared<int>(42);
  queue.push(owned);
  queue.push(nullptr);
  ASSERT_EQ(owned.use_count(), 2);
  {
    const auto popped = queue.pop();
    EXPECT_EQ(*popped, 42);
  }
  EXPECT_EQ(owned.use_count(), 1)
      << "the popped slot must be reset, not left holding a moved-from or stale element";
}

TEST(FifoQueue, PoppingAnEmptyQueueThrowsLogicError) {
  FifoQueue<int> queue;
  EXPECT_THROW(queue.pop(), std::logic_error);
  queue.push(1);
  queue.pop();
  EXPECT_THROW(queue.pop(), std::logic_error);
}

}  // namespace
}  // namespace parlab

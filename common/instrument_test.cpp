// Unit tests for common/instrument.hpp: copy counting, thread recording, CPU time.
#include "common/instrument.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace parlab {
namespace {

TEST(CopyCounted, CountsCopiesAndMovesSeparately) {
  CopyCounts counts;
  const std::vector<int> values = {1, 2, 3};
  auto counted = make_copy_counted(std::span<const int>(values), counts);
  EXPECT_EQ(counts.copies, 0U) << "wrapping is not copying";
  auto copy = counted;
  EXPECT_EQ(counts.copies, 3U);
  auto moved = std::move(copy);
  EXPECT_EQ(counts.copies, 3U) << "moving a vector moves no element";
  EXPECT_EQ(moved[2].value(), 3);
  CopyCounted<int> one = counted[0];
  one = counted[1];
  EXPECT_EQ(counts.copies, 5U);
  one = CopyCounted<int>(9, counts);
  EXPECT_EQ(counts.moves, 1U);
}

TEST(ThreadRecorder, CountsDistinctThreadsOnce) {
  ThreadRecorder recorder;
  for (int i = 0; i < 100; ++i) {
    recorder.record();
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        recorder.record();
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(recorder.distinct_count(), 4U);
  EXPECT_TRUE(recorder.saw(std::this_thread::get_id()));
  recorder.clear();
  EXPECT_EQ(recorder.distinct_count(), 0U);
  recorder.record();
  EXPECT_EQ(recorder.distinct_count(), 1U) << "after clear() a thread records itself again";
}

TEST(ThreadRecorder, WrapRecordsThenCalls) {
  ThreadRecorder recorder;
  auto twice = recorder.wrap([](int x) { return 2 * x; });
  EXPECT_EQ(twice(21), 42);
  EXPECT_TRUE(recorder.saw(std::this_thread::get_id()));
}

TEST(ProcessCpuTime, GrowsWhileBusy) {
  const auto before = process_cpu_time();
  volatile std::uint64_t x = 0;
  while (process_cpu_time() - before < std::chrono::milliseconds(2)) {
    x = x + 1;
  }
  EXPECT_GE(process_cpu_time() - before, std::chrono::milliseconds(2));
}

}  // namespace
}  // namespace parlab

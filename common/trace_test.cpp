// Unit tests for common/trace.hpp: recording switch, per-thread buffers, Chrome JSON export.
#include "common/trace.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

namespace parlab::trace {
namespace {

TEST(Trace, RecordsNothingWhileOff) {
  set_enabled(false);
  (void)take_events();
  { const TaskScope scope(0); }
  EXPECT_TRUE(take_events().empty()) << "a TaskScope must not record while tracing is off";
}

TEST(Trace, CollectsEveryThreadsEventsInTimeOrder) {
  (void)take_events();
  set_enabled(true);
  std::vector<std::thread> threads;
  for (std::uint32_t worker = 0; worker < 3; ++worker) {
    threads.emplace_back([worker] {
      for (int i = 0; i < 100; ++i) {
        const TaskScope scope(worker);
      }
      record_steal(worker, (worker + 1) % 3, now_ns());
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  set_enabled(false);
  const auto events = take_events();
  ASSERT_EQ(events.size(), 303U);
  for (std::size_t i = 1; i < events.size(); ++i) {
    EXPECT_LE(events[i - 1].begin_ns, events[i].begin_ns);
  }
  EXPECT_TRUE(take_events().empty()) << "take_events() removes what it returns";
}

TEST(Trace, WritesChromeTraceEventJsonWithOneTrackPerWorker) {
  const std::vector<Event> events = {{EventKind::task, 0, 0, 1'000, 5'000, "task"},
                                     {EventKind::task, 1, 0, 2'000, 3'000, "task"},
                                     {EventKind::steal, 1, 0, 2'000, 2'000, "steal"}};
  std::ostringstream out;
  write_chrome_json(out, events, "lab 4");
  const auto json = nlohmann::json::parse(out.str());
  std::set<int> tracks;
  int tasks = 0;
  int steals = 0;
  for (const auto& event : json.at("traceEvents")) {
    if (event.at("ph") == "X") {
      ++tasks;
      tracks.insert(event.at("tid").get<int>());
    } else if (event.at("ph") == "i") {
      ++steals;
      EXPECT_EQ(event.at("args").at("victim"), 0);
    }
  }
  EXPECT_EQ(tasks, 2);
  EXPECT_EQ(steals, 1);
  EXPECT_EQ(tracks, (std::set<int>{0, 1}));
  EXPECT_DOUBLE_EQ(json.at("traceEvents")[3].at("dur").get<double>(), 4.0) << "4000 ns is 4 µs";
}

TEST(Trace, GivesEachThreadItsOwnDenseIndex) {
  const std::uint32_t mine = thread_index();
  EXPECT_EQ(thread_index(), mine);
  std::uint32_t other = mine;
  std::thread([&] { other = thread_index(); }).join();
  EXPECT_NE(other, mine);
}

}  // namespace
}  // namespace parlab::trace

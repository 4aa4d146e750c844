// Bounded waits for concurrency tests: a deadlock fails the test with a message instead of
// hanging the test run. Test-only; part of common/testing.
#pragma once

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <string>
#include <thread>
#include <utility>

namespace parlab::testing {

/// Runs `f` on a helper thread and waits at most `limit` for it. If `f` returns in time, its
/// exception (if any) is rethrown here. If it does not, a deadlock is assumed: the process
/// prints `what` and exits with status 3, because a stuck thread cannot be recovered.
template <class F>
void finish_within(std::chrono::milliseconds limit, const std::string& what, F f) {
  std::packaged_task<void()> task(std::move(f));
  std::future<void> done = task.get_future();
  std::thread runner(std::move(task));
  if (done.wait_for(limit) == std::future_status::timeout) {
    std::fprintf(stderr,
                 "\nFAILED: %s did not finish within %lld ms.\n"
                 "A deadlock or a lost wake-up is the usual cause: some thread waits for an event "
                 "that nobody will signal.\n",
                 what.c_str(), static_cast<long long>(limit.count()));
    std::fflush(stderr);
    std::_Exit(3);
  }
  runner.join();
  done.get();
}

/// Polls `condition` (every 100 µs) until it holds or `limit` passes; returns its last value.
template <class Condition>
bool eventually(std::chrono::milliseconds limit, Condition condition) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return condition();
    }
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  return true;
}

}  // namespace parlab::testing

// Instrumentation for tests (see instrument.hpp). Part of common/.
#include "common/instrument.hpp"

#include <cerrno>
#include <ctime>
#include <system_error>

namespace parlab {
namespace {

std::atomic<std::uint64_t> next_generation{1};
thread_local std::uint64_t last_recorded_generation = 0;

std::uint64_t new_generation() {
  // relaxed: only uniqueness matters, and fetch_add gives it under any ordering.
  return next_generation.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

ThreadRecorder::ThreadRecorder() : generation_(new_generation()) {}

void ThreadRecorder::record() {
  // relaxed: a stale generation only sends us through the mutex, which is always correct.
  const std::uint64_t generation = generation_.load(std::memory_order_relaxed);
  if (last_recorded_generation == generation) {
    return;
  }
  const std::scoped_lock lock(mutex_);
  ids_.insert(std::this_thread::get_id());
  last_recorded_generation = generation;
}

std::size_t ThreadRecorder::distinct_count() const {
  const std::scoped_lock lock(mutex_);
  return ids_.size();
}

bool ThreadRecorder::saw(std::thread::id id) const {
  const std::scoped_lock lock(mutex_);
  return ids_.contains(id);
}

std::vector<std::thread::id> ThreadRecorder::threads() const {
  const std::scoped_lock lock(mutex_);
  return {ids_.begin(), ids_.end()};
}

void ThreadRecorder::clear() {
  const std::scoped_lock lock(mutex_);
  ids_.clear();
  generation_.store(new_generation(), std::memory_order_relaxed);  // relaxed: see record()
}

std::chrono::nanoseconds process_cpu_time() {
  timespec now{};
  if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now) != 0) {
    throw std::system_error(errno, std::generic_category(),
                            "clock_gettime(CLOCK_PROCESS_CPUTIME_ID)");
  }
  return std::chrono::seconds(now.tv_sec) + std::chrono::nanoseconds(now.tv_nsec);
}

}  // namespace parlab

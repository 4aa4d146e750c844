// Counts the threads that really ran some code, by kernel thread id: the observer behind the
// "no thread per task" rule of labs 3-5 (a [[rule]] in their grading.toml). Test-only.
//
// Why not parlab::ThreadRecorder's std::thread::id: on Linux it is a pthread_t, the address of
// the thread's control block, and glibc reuses a joined thread's stack and block for the next
// thread. Code that starts and joins one thread per task, one after another, then shows a single
// std::thread::id. A kernel thread id (gettid) is unique among live threads and is handed out in
// increasing order, reused only after the pid counter wraps (pid_max, 4 million on 64-bit), so
// distinct gettid values count the threads created, short-lived ones included.
#pragma once

#include <sys/syscall.h>
#include <unistd.h>

#include <cstddef>
#include <mutex>
#include <set>
#include <utility>

namespace parlab::testing {

/// The calling thread's kernel thread id.
inline long kernel_thread_id() { return static_cast<long>(::syscall(SYS_gettid)); }

/// Records which kernel threads called record() (or a function made by wrap()).
/// Thread safe: record() may be called from any number of threads at once.
///
/// Example, the rule of lab 3:
/// @code
///   ThreadCensus census;
///   for (int i = 0; i < 10'000; ++i) pool.submit(census.wrap([] {}));
///   pool.wait_until_idle();
///   EXPECT_LE(census.distinct_count(), pool.size());  // no thread per task
/// @endcode
class ThreadCensus {
 public:
  /// Records the calling thread's kernel thread id. Thread-safe.
  void record() {
    const long id = kernel_thread_id();
    const std::scoped_lock lock(mutex_);
    ids_.insert(id);
  }

  /// Wraps `f` so that every call records the calling thread first.
  template <class F>
  auto wrap(F f) {
    return [this, f = std::move(f)](auto&&... args) mutable -> decltype(auto) {
      record();
      return f(std::forward<decltype(args)>(args)...);
    };
  }

  /// How many distinct kernel threads have recorded themselves.
  [[nodiscard]] std::size_t distinct_count() const {
    const std::scoped_lock lock(mutex_);
    return ids_.size();
  }

  /// Whether the calling thread has been recorded.
  [[nodiscard]] bool saw_this_thread() const {
    const long id = kernel_thread_id();
    const std::scoped_lock lock(mutex_);
    return ids_.count(id) != 0;
  }

 private:
  mutable std::mutex mutex_;
  std::set<long> ids_;
};

}  // namespace parlab::testing

// Tracing of schedulers: per-worker task intervals and steals, exported as Chrome trace-event
// JSON (Perfetto, chrome://tracing). Part of common/; the lab 3 and lab 4 solutions record into it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace parlab::trace {

namespace detail {
extern std::atomic<bool> enabled_flag;
}

/// Whether tracing is on. Instrumented code tests this first, so tracing costs one predictable
/// branch when off. Thread-safe.
inline bool enabled() noexcept {
  // relaxed: the switch publishes no data; a thread that sees it late records a little less.
  return detail::enabled_flag.load(std::memory_order_relaxed);
}

/// Turns tracing on or off for the whole process. Turn it on before the traced work starts and
/// off after it ends; events recorded in between are kept until take_events().
void set_enabled(bool on) noexcept;

/// Nanoseconds since a process-wide epoch (steady clock).
std::int64_t now_ns() noexcept;

/// What an Event describes.
enum class EventKind : std::uint8_t {
  task,   ///< worker ran a task from begin_ns to end_ns
  steal,  ///< worker (the thief) took a task from other (the victim) at begin_ns
};

/// One recorded event. `label` must point to a string that outlives the trace (a literal).
struct Event {
  EventKind kind = EventKind::task;  ///< a task interval or a steal
  std::uint32_t worker = 0;          ///< the worker that ran the task, or the thief
  std::uint32_t other = 0;           ///< the victim of a steal; unused for tasks
  std::int64_t begin_ns = 0;         ///< start (now_ns() clock)
  std::int64_t end_ns = 0;           ///< end; equal to begin_ns for a steal
  const char* label = "task";        ///< the event's name in the trace viewer
};

/// Records that `worker` ran a task over [begin_ns, end_ns]. Thread-safe; lock-free in the
/// common case (each thread appends to its own buffer). Call only when enabled().
void record_task(std::uint32_t worker, std::int64_t begin_ns, std::int64_t end_ns,
                 const char* label = "task");

/// Records that `thief` stole a task from `victim` at `at_ns`. Call only when enabled().
void record_steal(std::uint32_t thief, std::uint32_t victim, std::int64_t at_ns);

/// A small dense index for the calling thread (0, 1, 2, ... in order of first call), for code
/// whose threads have no worker index of their own (lab 2's one thread per chunk).
std::uint32_t thread_index() noexcept;

/// Records the enclosing scope as one task of `worker` when tracing is on.
class TaskScope {
 public:
  /// Starts timing a task of `worker` if tracing is on; `label` must be a literal.
  explicit TaskScope(std::uint32_t worker, const char* label = "task") noexcept
      : worker_(worker), label_(label), begin_(enabled() ? now_ns() : -1) {}
  TaskScope(const TaskScope&) = delete;
  TaskScope& operator=(const TaskScope&) = delete;
  ~TaskScope() {
    if (begin_ >= 0) {
      record_task(worker_, begin_, now_ns(), label_);
    }
  }

 private:
  std::uint32_t worker_;
  const char* label_;
  std::int64_t begin_;
};

/// Removes and returns every event recorded so far, from all threads, ordered by begin time.
/// Call when the traced work has finished (events recorded concurrently may land in the next
/// call). Thread-safe.
std::vector<Event> take_events();

/// Writes `events` as Chrome trace-event JSON: one process named `process_name`, one track
/// (thread) per worker named "worker N", tasks as complete ("X") events and steals as instant
/// ("i") events with the victim in their arguments. Times are in microseconds from the first event.
/// Defined in trace_json.cpp: link parlab_trace_json to call it.
void write_chrome_json(std::ostream& out, const std::vector<Event>& events,
                       const std::string& process_name);

}  // namespace parlab::trace

// Tracing of schedulers (see trace.hpp). Part of common/.
#include "common/trace.hpp"

#include <algorithm>
#include <memory>
#include <mutex>

namespace parlab::trace {
namespace detail {
std::atomic<bool> enabled_flag{false};
}  // namespace detail

namespace {

// Each thread appends to its own buffer; the buffer's mutex is uncontended except while
// take_events() drains it, so recording stays cheap.
struct Buffer {
  std::mutex mutex;
  std::vector<Event> events;
};

struct Registry {
  std::mutex mutex;
  std::vector<std::shared_ptr<Buffer>> buffers;  // shared: a buffer outlives its thread
};

Registry& registry() {
  static Registry instance;
  return instance;
}

Buffer& this_thread_buffer() {
  thread_local std::shared_ptr<Buffer> buffer = [] {
    auto created = std::make_shared<Buffer>();
    Registry& all = registry();
    const std::scoped_lock lock(all.mutex);
    all.buffers.push_back(created);
    return created;
  }();
  return *buffer;
}

void append(const Event& event) {
  Buffer& buffer = this_thread_buffer();
  const std::scoped_lock lock(buffer.mutex);
  buffer.events.push_back(event);
}

const std::chrono::steady_clock::time_point epoch = std::chrono::steady_clock::now();
std::atomic<std::uint32_t> next_thread_index{0};

}  // namespace

void set_enabled(bool on) noexcept {
  detail::enabled_flag.store(on, std::memory_order_relaxed);  // relaxed: see enabled()
}

std::int64_t now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() -
                                                              epoch)
      .count();
}

void record_task(std::uint32_t worker, std::int64_t begin_ns, std::int64_t end_ns,
                 const char* label) {
  append({EventKind::task, worker, 0, begin_ns, end_ns, label});
}

void record_steal(std::uint32_t thief, std::uint32_t victim, std::int64_t at_ns) {
  append({EventKind::steal, thief, victim, at_ns, at_ns, "steal"});
}

std::uint32_t thread_index() noexcept {
  // relaxed: only uniqueness of the indices matters.
  thread_local const std::uint32_t index =
      next_thread_index.fetch_add(1, std::memory_order_relaxed);
  return index;
}

std::vector<Event> take_events() {
  std::vector<Event> all;
  Registry& everyone = registry();
  const std::scoped_lock lock(everyone.mutex);
  for (const auto& buffer : everyone.buffers) {
    const std::scoped_lock buffer_lock(buffer->mutex);
    all.insert(all.end(), buffer->events.begin(), buffer->events.end());
    buffer->events.clear();
  }
  std::sort(all.begin(), all.end(),
            [](const Event& a, const Event& b) { return a.begin_ns < b.begin_ns; });
  return all;
}

}  // namespace parlab::trace

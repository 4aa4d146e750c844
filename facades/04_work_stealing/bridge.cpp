// Lab 4's reference scheduler behind bridge.hpp: compiled with the reference's headers, into
// the library parlab_lab04_reference (facades/from_source.cmake), never into a student's program.
#include "bridge.hpp"

#include <scheduler.hpp>

namespace parlab::lab04_reference {

/// Every reference scheduler a facade program creates is a Handle, so current() can be mapped
/// back to the facade that owns it. (The reference's own default_scheduler() is never called:
/// the facade has its own.)
class Handle : public steal::Scheduler {
 public:
  Handle(std::size_t workers, void* owner) : steal::Scheduler(workers), owner_(owner) {}
  explicit Handle(void* owner) : owner_(owner) {}
  [[nodiscard]] void* owner() const noexcept { return owner_; }

 private:
  void* owner_;
};

namespace {
Stats to_stats(const steal::WorkerStats& stats) noexcept {
  return {stats.tasks_run, stats.steals_attempted, stats.steals_succeeded};
}
}  // namespace

Handle* create(std::optional<std::size_t> workers, void* owner) {
  return workers ? new Handle(*workers, owner) : new Handle(owner);
}

void destroy(Handle* handle) noexcept { delete handle; }

std::size_t size(const Handle* handle) noexcept { return handle->size(); }

void join(Handle* handle, Call a, Call b) {
  handle->join([a] { a.call(a.context); }, [b] { b.call(b.context); });
}

void run(Handle* handle, Call f) {
  handle->run([f] { f.call(f.context); });
}

Stats stats(const Handle* handle, std::size_t worker) { return to_stats(handle->stats(worker)); }

Stats total_stats(const Handle* handle) { return to_stats(handle->total_stats()); }

void* current_owner() noexcept {
  steal::Scheduler* scheduler = steal::Scheduler::current();
  return scheduler != nullptr ? static_cast<Handle*>(scheduler)->owner() : nullptr;
}

std::optional<std::size_t> current_worker() noexcept { return steal::Scheduler::current_worker(); }

}  // namespace parlab::lab04_reference

// The facade of lab 4's reference (include/scheduler.hpp): each call goes through bridge.hpp to
// the reference scheduler compiled into the same library (bridge.cpp).
#include <scheduler.hpp>

#include "bridge.hpp"

namespace parlab::steal {
inline namespace prebuilt {

namespace {
lab04_reference::Call to_call(detail::ErasedCall f) noexcept { return {f.call, f.context}; }

WorkerStats to_stats(const lab04_reference::Stats& stats) noexcept {
  return {stats.tasks_run, stats.steals_attempted, stats.steals_succeeded};
}
}  // namespace

struct Scheduler::Reference {
  lab04_reference::Handle* handle;
  ~Reference() { lab04_reference::destroy(handle); }
};

Scheduler::Scheduler(std::size_t workers)
    : reference_(new Reference{lab04_reference::create(workers, this)}) {}

Scheduler::Scheduler() : reference_(new Reference{lab04_reference::create(std::nullopt, this)}) {}

Scheduler::~Scheduler() = default;

std::size_t Scheduler::size() const noexcept { return lab04_reference::size(reference_->handle); }

void Scheduler::join_erased(detail::ErasedCall a, detail::ErasedCall b) {
  lab04_reference::join(reference_->handle, to_call(a), to_call(b));
}

void Scheduler::run_erased(detail::ErasedCall f) {
  lab04_reference::run(reference_->handle, to_call(f));
}

WorkerStats Scheduler::stats(std::size_t worker) const {
  return to_stats(lab04_reference::stats(reference_->handle, worker));
}

WorkerStats Scheduler::total_stats() const {
  return to_stats(lab04_reference::total_stats(reference_->handle));
}

Scheduler* Scheduler::current() noexcept {
  return static_cast<Scheduler*>(lab04_reference::current_owner());
}

std::optional<std::size_t> Scheduler::current_worker() noexcept {
  return lab04_reference::current_worker();
}

Scheduler& default_scheduler() {
  static Scheduler scheduler;
  return scheduler;
}

}  // namespace prebuilt
}  // namespace parlab::steal

// Lab 4, parts B and C (work stealing): the out-of-line half of the scheduler (worker threads,
// stealing, sleeping). This is one of the student's files: the only files you edit in lab 4.
#include "scheduler.hpp"

#include <algorithm>

namespace parlab::steal {

// TODO(lab 4, task C1): The sleep protocol. Idle workers spin briefly, then sleep; pushing work
// wakes a sleeper, and a finished stolen job wakes the worker waiting for it. Write a comment
// block here that names the race you prevent (the lost wake-up) and says which of your accesses
// play the roles of the argument in docs/background/sleeping.md (or argues afresh, if your
// protocol is another). Checked by sleeping_test.cpp.

Scheduler::Scheduler(std::size_t workers) {
  // TODO(lab 4, task B1): Reject 0 workers, create the deques, start the worker threads.
  (void)workers;
  throw NotImplemented("lab 4, Scheduler::Scheduler in labs/04_work_stealing/scheduler.cpp");
}

Scheduler::Scheduler() : Scheduler(std::max(1U, std::thread::hardware_concurrency())) {}

Scheduler::~Scheduler() = default;  // TODO(lab 4, task B1): Stop, join the workers.

std::size_t Scheduler::size() const noexcept {
  return 0;  // TODO(lab 4, task B1): The number of workers.
}

WorkerStats Scheduler::stats(std::size_t worker) const {
  // TODO(lab 4, task B6): Checked by join_test.cpp.
  (void)worker;
  throw NotImplemented("lab 4, Scheduler::stats in labs/04_work_stealing/scheduler.cpp");
}

WorkerStats Scheduler::total_stats() const {
  throw NotImplemented("lab 4, Scheduler::total_stats in labs/04_work_stealing/scheduler.cpp");
}

Scheduler* Scheduler::current() noexcept {
  return nullptr;  // TODO(lab 4, task B1): The calling worker's scheduler.
}

std::optional<std::size_t> Scheduler::current_worker() noexcept {
  return std::nullopt;  // TODO(lab 4, task B1): The calling worker's index.
}

Scheduler& default_scheduler() {
  throw NotImplemented("lab 4, default_scheduler in labs/04_work_stealing/scheduler.cpp");
}

}  // namespace parlab::steal

// Lab 4, parts B and C (work stealing), reference solution: the out-of-line half of the scheduler —
// worker threads, finding work (own deque, stealing, the injector), and the sleep protocol.
#include "scheduler.hpp"

#include "common/spin.hpp"
#include "common/trace.hpp"
#include "common/work_span.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <string>

namespace parlab::steal {

// ---- The sleep protocol ---------------------------------------------------------------------
//
// The race it prevents is the lost wake-up: a worker finds every deque empty, a job is pushed by
// someone who sees nobody asleep, and the worker then sleeps through it. Why the protocol below
// cannot lose one is argued once, in docs/background/sleeping.md ("Why it cannot lose a
// wake-up"); this block maps its steps to the code.
//
// The protocol: prepare, re-check, commit (its parts are in sleep.hpp, model-checked by
// sleep_model_test.cpp; sleep_state below is the worker's SleepWord, sleepers_ a SleeperCount).
//   W: 1. prepare: sleep_state = kSleepy; ++sleepers_        (announce "I may sleep")
//      2. re-check: look for work once more (every deque, the injector, its latch, termination)
//         found some: cancel (sleep_state = kAwake) and run it
//      3. commit: sleep_state.wait(kSleepy): blocks only while the word is still kSleepy
//   P: push the job; seq_cst fence; if sleepers_ != 0: find a kSleepy worker, set it to kAwake
//      (exchange, so that exactly one waker claims it) and notify it.
// W's fence is the one inside steal(), between its loads of top and bottom; a join latch, the
// injector (injected_count_) and termination (terminating_) use seq_cst accesses instead.
//
// Cost when nobody sleeps: one fence and one load per push. Idle workers first spin, then yield,
// then sleep in the kernel and use no CPU (see IdlePolicy below).

namespace {

/// What an idle worker does between two searches for work: spin for kSpinFor, then yield for
/// kYieldFor, then sleep. Bounded in time, not in rounds: one `pause` takes ~10 cycles on some
/// CPUs and ~140 on others, so a count of pauses tuned on one machine spins ten times longer or
/// shorter on the next. (The first version spun 32 rounds of 32 pauses: ~2 us between two looks
/// at the deques on this project's Xeon VM, which added microseconds to every steal and every
/// join wait.) Now a look comes every few pauses, and the clock decides when to stop.
///
/// Each phase lasts kSpinBeforeSleep (common/spin.hpp: about one VM wake-up, the competitive
/// spin-then-block bound). After ~100 us idle, no CPU is used (the idle-CPU test allows 1 % of a
/// core after 10 ms idle).
class IdlePolicy {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::microseconds kSpinFor = kSpinBeforeSleep;
  static constexpr std::chrono::microseconds kYieldFor = kSpinBeforeSleep;
  static constexpr unsigned kMaxPauses = 8;  // ~0.1-1 us between two looks at the deques

  /// Work was found: the next idle period starts from scratch.
  void reset() noexcept { idle_ = false; }
  /// Nothing was found: waits a little. Returns false once it is time to sleep instead.
  bool back_off() noexcept {
    const Clock::time_point now = Clock::now();
    if (!idle_) {
      idle_ = true;
      since_ = now;
      pauses_ = 1;
    }
    const Clock::duration idle_for = now - since_;
    if (idle_for < kSpinFor) {
      for (unsigned i = 0; i < pauses_; ++i) {
        cpu_relax();
      }
      pauses_ = pauses_ < kMaxPauses ? pauses_ * 2 : kMaxPauses;
      return true;
    }
    if (idle_for < kSpinFor + kYieldFor) {
      std::this_thread::yield();
      return true;
    }
    idle_ = false;
    return false;
  }

 private:
  bool idle_ = false;
  Clock::time_point since_{};
  unsigned pauses_ = 1;
};

std::uint64_t next_random(std::uint64_t& state) noexcept {
  // xorshift64*: good enough to spread victims, and no shared state.
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  return state * 0x2545F4914F6CDD1DULL;
}

}  // namespace

namespace detail {

void JoinLatch::set() noexcept {
  WorkerContext* waiter = waiter_;  // read before the store: the waiter may return right after it
  // LatchFlag::set: a seq_cst store, release (the job's result is visible to a probe() that
  // sees it) and a place in the total order with the waiter's sleep announcement (see the
  // protocol above).
  flag_.set();
  waiter->scheduler->wake(*waiter);  // touches only scheduler-owned state, never *this
}

void BlockingLatch::set() noexcept {
  // The notify happens under the lock, and wait() takes the lock before it returns, so the
  // waiter cannot destroy *this (it lives in the waiter's frame) while we still use it.
  const std::scoped_lock lock(mutex_);
  done_.store(true, std::memory_order_release);  // release: pairs with the acquire in wait()
  signal_.notify_one();
}

void BlockingLatch::wait() noexcept {
  // Block only when the answer is slow to come. On a VM, waking a blocked thread costs tens of
  // microseconds, about the time of a whole sum over 10^5 elements, so the caller first polls:
  // ~20 us of pauses (small jobs finish within it), then yields (which hands the CPU to workers
  // that need it, but keeps this thread runnable), then blocks: yielding before blocking keeps a
  // job that ends soon after the pauses from paying a wake-up (docs/decisions.md, lab 4).
  constexpr int kPauses = 2000;
  constexpr int kYields = 100;
  // acquire: pairs with the release in set(); the job's outcome is visible once we see true.
  for (int i = 0; i < kPauses && !done_.load(std::memory_order_acquire); ++i) {
    cpu_relax();
  }
  for (int i = 0; i < kYields && !done_.load(std::memory_order_acquire); ++i) {
    std::this_thread::yield();
  }
  // Even when done_ is already true, take the lock: set() may still be inside its critical
  // section, and *this must outlive it.
  std::unique_lock lock(mutex_);
  signal_.wait(lock, [this] { return done_.load(std::memory_order_acquire); });
}

}  // namespace detail

Scheduler::Scheduler(std::size_t workers) {
  if (workers == 0) {
    throw std::invalid_argument("steal::Scheduler: the number of workers must be at least 1");
  }
  workers_.reserve(workers);
  for (std::size_t i = 0; i < workers; ++i) {
    workers_.push_back(std::make_unique<detail::WorkerContext>(*this, i));
    workers_.back()->rng_state = 0x9E3779B97F4A7C15ULL * (i + 1);
  }
  // With two or more workers, worker 0 is the caller's seat and has no thread of its own (see
  // the class comment): a thread that calls run() from outside sits there instead of waiting.
  has_seat_ = workers > 1;
  try {
    for (std::size_t i = has_seat_ ? 1 : 0; i < workers; ++i) {
      detail::WorkerContext* context = workers_[i].get();
      context->thread = std::thread([this, context] { worker_main(*context); });
    }
  } catch (...) {
    stop_workers();
    throw;
  }
}

Scheduler::SeatClaim::SeatClaim(Scheduler& scheduler) noexcept : scheduler_(&scheduler) {
  std::atomic<bool>& taken = scheduler.seat_taken_.value;
  // The relaxed load first: a caller that finds the seat taken does not write its cache line.
  // acquire on the exchange: pairs with the release in the destructor, so this holder sees
  // everything the previous one did to the seat's worker (its deque's owner-side state, its
  // counters, its random state).
  if (scheduler.has_seat_ && !taken.load(std::memory_order_relaxed) &&
      !taken.exchange(true, std::memory_order_acquire)) {
    seat_ = scheduler.workers_.front().get();
    detail::current_context = seat_;
    work_span::set_worker_index(0);  // scripts/trace labels this thread's strands "worker 0"
  }
}

Scheduler::SeatClaim::~SeatClaim() {
  if (seat_ != nullptr) {
    // Every job this thread pushed as worker 0 has been popped back or finished by its thief
    // (each join waits for its b), so the seat's deque is empty: nothing is left behind.
    work_span::set_worker_index(-1);
    detail::current_context = nullptr;
    scheduler_->seat_taken_.value.store(false, std::memory_order_release);
  }
}

Scheduler::Scheduler() : Scheduler(std::max<std::size_t>(1, std::thread::hardware_concurrency())) {}

Scheduler::~Scheduler() { stop_workers(); }

void Scheduler::stop_workers() noexcept {
  // seq_cst: in the total order with a sleeper's kSleepy store and its re-check of terminating_.
  terminating_.value.store(true, std::memory_order_seq_cst);
  for (auto& worker : workers_) {
    wake(*worker);
  }
  for (auto& worker : workers_) {
    if (worker->thread.joinable()) {
      worker->thread.join();
    }
  }
}

WorkerStats Scheduler::stats(std::size_t worker) const {
  if (worker >= workers_.size()) {
    throw std::out_of_range("steal::Scheduler::stats: worker " + std::to_string(worker) +
                            " of a scheduler with " + std::to_string(workers_.size()) + " workers");
  }
  const detail::WorkerContext& context = *workers_[worker];
  // relaxed: statistics; each counter is exact, the three are not a consistent snapshot.
  return {context.tasks_run.load(std::memory_order_relaxed),
          context.steals_attempted.load(std::memory_order_relaxed),
          context.steals_succeeded.load(std::memory_order_relaxed)};
}

WorkerStats Scheduler::total_stats() const {
  WorkerStats total;
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    total += stats(i);
  }
  return total;
}

void Scheduler::worker_main(detail::WorkerContext& self) {
  detail::current_context = &self;
  work_span::set_worker_index(static_cast<std::int32_t>(self.index));  // labels DAG strands
  work_until(self, nullptr);
  detail::current_context = nullptr;
}

void Scheduler::execute(detail::WorkerContext& self, detail::Job& job) noexcept {
  self.count(self.tasks_run);
  job.execute(&job);
}

detail::Job* Scheduler::find_work(detail::WorkerContext& self) {
  if (const std::optional<detail::Job*> job = self.deque.pop()) {
    return *job;
  }
  const std::size_t n = workers_.size();
  if (n > 1) {
    // Random victim, then every other worker once, starting there.
    const std::size_t start = static_cast<std::size_t>(next_random(self.rng_state) % n);
    for (std::size_t i = 0; i < n; ++i) {
      detail::WorkerContext& victim = *workers_[(start + i) % n];
      if (&victim == &self) {
        continue;
      }
      while (true) {
        self.count(self.steals_attempted);
        const StealResult<detail::Job*> got = victim.deque.steal();
        if (got.succeeded()) {
          self.count(self.steals_succeeded);
          if (trace::enabled()) [[unlikely]] {  // scripts/trace: who stole from whom, when
            trace::record_steal(static_cast<std::uint32_t>(self.index),
                                static_cast<std::uint32_t>(victim.index), trace::now_ns());
          }
          return got.value;
        }
        if (got.status == StealStatus::empty) {
          break;
        }
        // lost_race: somebody else made progress on this victim; there may be more there.
      }
    }
  }
  // seq_cst: the sleeper's half of the injector's Dekker pair (see inject()).
  if (injected_count_.value.load(std::memory_order_seq_cst) != 0) {
    const std::scoped_lock lock(injector_mutex_);
    if (!injector_.empty()) {
      detail::Job* job = injector_.front();
      injector_.pop_front();
      // relaxed: the mutex orders the queue; the counter is only a hint for lock-free checks.
      injected_count_.value.fetch_sub(1, std::memory_order_relaxed);
      return job;
    }
  }
  return nullptr;
}

void Scheduler::work_until(detail::WorkerContext& self, const detail::JoinLatch* latch) {
  IdlePolicy idle;
  while (true) {
    if (latch != nullptr ? latch->probe()
                         // acquire: nothing to read after it; pairs with stop_workers().
                         : terminating_.value.load(std::memory_order_acquire)) {
      return;
    }
    if (detail::Job* job = find_work(self)) {
      execute(self, *job);
      idle.reset();
      continue;
    }
    if (idle.back_off()) {
      continue;
    }
    sleep(self, latch);
  }
}

void Scheduler::sleep(detail::WorkerContext& self, const detail::JoinLatch* latch) {
  // Prepare, re-check, commit (sleep.hpp). The re-check looks at every deque (find_work's steals
  // each contain the seq_cst fence that pairs with announce_work()'s), the injector, the latch
  // we wait for, and termination.
  detail::Job* job = nullptr;
  sleep_unless(self.sleep_word, sleepers_.value, [&] {
    job = find_work(self);
    return job != nullptr ||
           (latch != nullptr ? latch->probe()
                             // seq_cst: pairs with the store in stop_workers().
                             : terminating_.value.load(std::memory_order_seq_cst));
  });
  if (job != nullptr) {
    execute(self, *job);
  }
}

bool Scheduler::wake(detail::WorkerContext& worker) noexcept { return worker.sleep_word.wake(); }

void Scheduler::wake_one() noexcept {
  const std::size_t n = workers_.size();
  // relaxed: a rotating starting point spreads wake-ups over the workers; any value is correct.
  const std::size_t start = next_to_wake_.fetch_add(1, std::memory_order_relaxed);
  for (std::size_t i = 0; i < n; ++i) {
    if (wake(*workers_[(start + i) % n])) {
      return;
    }
  }
}

void Scheduler::inject(detail::Job& job) {
  {
    const std::scoped_lock lock(injector_mutex_);
    injector_.push_back(&job);
    // seq_cst: the pusher's half of a Dekker pair with a sleeper's sleepers_ increment: either
    // the sleeper's re-check sees this count, or our load of sleepers_ below sees the sleeper.
    injected_count_.value.fetch_add(1, std::memory_order_seq_cst);
  }
  if (sleepers_.value.anyone_may_sleep()) {
    wake_one();
  }
}

Scheduler& default_scheduler() {
  static Scheduler scheduler;
  return scheduler;
}

}  // namespace parlab::steal

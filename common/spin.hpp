// Spin-waiting, shared by the pools of lab 3 and the scheduler of lab 4: one step of a spin
// (cpu_relax) and how long an idle worker spins before it sleeps (kSpinBeforeSleep).
#pragma once

#include <chrono>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace parlab {

/// How long an idle worker spins (looking for work now and then) before it sleeps in the
/// kernel. Sleeping costs the next piece of work a futex wake-up and the worker the time the
/// kernel takes to run it again: a few microseconds on bare metal, 25-50 us when the worker's
/// vCPU has halted in a VM. Spinning for about as long
/// as that wake-up at most doubles the price of an idle episode that ends in sleep (the classic
/// spin-then-block bound), and saves the whole wake-up when work comes back within the window,
/// as it does when a caller submits, waits and submits again. The price: after its last piece
/// of work each worker burns up to this much CPU before it sleeps; an idle pool then uses none.
inline constexpr std::chrono::microseconds kSpinBeforeSleep{50};

/// One step of a spin-wait: the CPU's pause instruction where there is one (it frees the core's
/// resources for a hyper-thread sibling and avoids a memory-order flush when the wait ends).
/// One pause lasts ~10 cycles on some CPUs and ~140 on others: bound a spin by the clock, not
/// by a count of these.
inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#endif
}

}  // namespace parlab

// A hook in every allocation of a test program: a count of all of them, and a pause that one
// thread can arm for its own next allocation (a point in the middle of an operation that
// allocates, reached without touching the code under test). Test-only; part of common/testing.
//
// Include this header in exactly one source file of a test program: it replaces the global
// operator new and delete, which the standard allows once per program. ThreadSanitizer's runtime
// defines operator new itself, so under TSan nothing is replaced, PARLAB_ALLOCATION_HOOK is 0 and
// the tests that need the hook skip themselves (the release and asan builds check them).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>

#if defined(__SANITIZE_THREAD__)
#define PARLAB_ALLOCATION_HOOK 0
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PARLAB_ALLOCATION_HOOK 0
#endif
#endif
#ifndef PARLAB_ALLOCATION_HOOK
#define PARLAB_ALLOCATION_HOOK 1
#endif

namespace parlab::testing::allocation {

/// Every call of operator new and new[] in the program so far (0 without the hook).
inline std::atomic<std::size_t> count{0};

/// When set, the calling thread's next allocation calls it once (and clears it) before it
/// allocates; other threads' allocations pass through.
inline thread_local void (*pause_in_next)() = nullptr;

}  // namespace parlab::testing::allocation

#if PARLAB_ALLOCATION_HOOK
// g++ flags free() inside operator delete as a new/delete mismatch; here it is the point.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
void* operator new(std::size_t size) {
  parlab::testing::allocation::count.fetch_add(1, std::memory_order_relaxed);
  if (void (*pause)() = parlab::testing::allocation::pause_in_next) {
    parlab::testing::allocation::pause_in_next = nullptr;
    pause();
  }
  if (void* memory = std::malloc(size == 0 ? 1 : size)) {
    return memory;
  }
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return ::operator new(size); }
void operator delete(void* memory) noexcept { std::free(memory); }
void operator delete[](void* memory) noexcept { ::operator delete(memory); }
void operator delete(void* memory, std::size_t) noexcept { ::operator delete(memory); }
void operator delete[](void* memory, std::size_t) noexcept { ::operator delete(memory); }
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif  // PARLAB_ALLOCATION_HOOK

// Lab 4's reference behind a narrow, non-template interface: the one place where the facade
// (facade.cpp, which sees include/scheduler.hpp) and the reference (bridge.cpp, which sees the
// reference's scheduler.hpp) meet. No file includes both schedulers' headers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace parlab::lab04_reference {

/// A callable behind a pointer, as the facade's detail::ErasedCall.
struct Call {
  void (*call)(void* context);
  void* context;
};

/// The reference's per-worker counters, field for field.
struct Stats {
  std::uint64_t tasks_run;
  std::uint64_t steals_attempted;
  std::uint64_t steals_succeeded;
};

/// A reference scheduler that knows the facade object owning it (`owner`).
class Handle;

/// A scheduler of `workers` workers, or one per hardware thread when `workers` is nullopt.
/// @throws what the reference's constructor throws.
Handle* create(std::optional<std::size_t> workers, void* owner);
void destroy(Handle* handle) noexcept;
std::size_t size(const Handle* handle) noexcept;
void join(Handle* handle, Call a, Call b);
void run(Handle* handle, Call f);
Stats stats(const Handle* handle, std::size_t worker);
Stats total_stats(const Handle* handle);
/// The owner given to create() of the scheduler whose worker the caller is, or nullptr.
void* current_owner() noexcept;
std::optional<std::size_t> current_worker() noexcept;

}  // namespace parlab::lab04_reference

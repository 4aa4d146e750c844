// A move-only, type-erased callable: parlab's stand-in for C++23's std::move_only_function, which
// g++ 12 and clang 14 offer only in C++23 mode. Part of common/; the pools of labs 3-5 queue their
// tasks in it.
#pragma once

#include <cstddef>
#include <functional>
#include <new>
#include <type_traits>
#include <utility>

namespace parlab {

template <class Signature>
class MoveOnlyFunction;

/// Holds any callable with the signature R(Args...) that can be move-constructed, whether or not
/// it can be copied: a lambda that owns a std::unique_ptr or a std::promise is the reason this
/// type exists. std::function cannot hold such a lambda (it requires a copyable target), and
/// std::packaged_task, the classic answer, stores its callable in a std::function in some
/// standard libraries (Microsoft's), so it is no portable way around that requirement either.
///
/// Semantics follow std::move_only_function: moving transfers the target and leaves the source
/// empty; calling an empty MoveOnlyFunction throws std::bad_function_call.
///
/// Storage: a target of at most kInlineSize bytes (six pointers) whose move constructor cannot
/// throw lives inside the object; a larger one lives on the heap (one allocation per
/// construction, none per move or call). Six pointers hold a lab 3 task, i.e. a std::promise
/// (three pointers) beside a callable with a span and a small function object: such a task
/// allocates nothing here. That matters for the pools: a task is built on the submitting thread
/// and destroyed on a worker, so a heap target is freed by a thread that did not allocate it,
/// and with glibc's malloc the submitter and the workers then contend for one arena's lock (the
/// lab 3 handout, "Where the time goes").
///
/// Thread safety: like any object, one MoveOnlyFunction may not be used by two threads at once
/// without synchronisation; distinct objects are independent.
///
/// Example:
/// @code
///   auto owned = std::make_unique<int>(41);
///   parlab::MoveOnlyFunction<int()> f = [p = std::move(owned)] { return *p + 1; };
///   int answer = f();  // 42; std::function<int()> f = ... would not compile
/// @endcode
template <class R, class... Args>
class MoveOnlyFunction<R(Args...)> {
 public:
  /// The largest target, in bytes, stored without a heap allocation.
  static constexpr std::size_t kInlineSize = 6 * sizeof(void*);

  /// True when a target of type F (decayed) is stored inside the object, not on the heap.
  template <class F>
  static constexpr bool kStoredInline =
      sizeof(F) <= kInlineSize &&
      alignof(F) <= alignof(std::max_align_t) && std::is_nothrow_move_constructible_v<F>;

  /// An empty function: operator bool is false.
  MoveOnlyFunction() noexcept = default;
  /// An empty function, as from nullptr (like std::function).
  MoveOnlyFunction(std::nullptr_t) noexcept {}  // NOLINT(google-explicit-constructor)

  /// Takes ownership of `f` (moved or copied into the object or onto the heap, as `F&&` allows).
  /// @throws whatever constructing the decayed F throws, and std::bad_alloc if it goes on the
  ///         heap and allocating fails; the function is then not constructed.
  template <class F>
  requires(!std::is_same_v<std::remove_cvref_t<F>, MoveOnlyFunction> &&
           std::is_constructible_v<std::decay_t<F>, F> &&
           std::is_invocable_r_v<R, std::decay_t<F>&, Args...>)
      MoveOnlyFunction(F&& f)  // NOLINT(google-explicit-constructor): converts like std::function
  {
    using Target = std::decay_t<F>;
    if constexpr (kStoredInline<Target>) {
      ::new (static_cast<void*>(storage_)) Target(std::forward<F>(f));
      ops_ = &kInlineOps<Target>;
    } else {
      ::new (static_cast<void*>(storage_)) Target*(new Target(std::forward<F>(f)));
      ops_ = &kHeapOps<Target>;
    }
  }

  /// Moves the target; the moved-from function is empty.
  MoveOnlyFunction(MoveOnlyFunction&& other) noexcept { take(other); }

  /// Destroys this function's target, then moves `other`'s; the moved-from function is empty.
  MoveOnlyFunction& operator=(MoveOnlyFunction&& other) noexcept {
    if (this != &other) {
      reset();
      take(other);
    }
    return *this;
  }

  MoveOnlyFunction(const MoveOnlyFunction&) = delete;
  MoveOnlyFunction& operator=(const MoveOnlyFunction&) = delete;
  ~MoveOnlyFunction() { reset(); }

  /// Destroys the target, if any, leaving the function empty.
  MoveOnlyFunction& operator=(std::nullptr_t) noexcept {
    reset();
    return *this;
  }

  /// Calls the target with `args`.
  /// @throws std::bad_function_call if empty; otherwise whatever the target throws.
  R operator()(Args... args) {
    if (ops_ == nullptr) {
      throw std::bad_function_call();
    }
    return ops_->call(storage_, std::forward<Args>(args)...);
  }

  /// True when the function holds a target.
  explicit operator bool() const noexcept { return ops_ != nullptr; }

 private:
  // What the object knows about its target's type: one table per type and storage, so the object
  // itself is the storage and a pointer (no virtual base, no allocation for small targets).
  struct Ops {
    R (*call)(void* storage, Args&&... args);
    void (*move)(void* to, void* from) noexcept;  // moves the target and ends it at `from`
    void (*destroy)(void* storage) noexcept;
  };

  template <class T>
  static T& inline_target(void* storage) noexcept {
    return *std::launder(static_cast<T*>(storage));
  }
  template <class T>
  static T*& heap_target(void* storage) noexcept {
    return *std::launder(static_cast<T**>(storage));
  }
  template <class T>
  static R invoke(T& target, Args&&... args) {
    if constexpr (std::is_void_v<R>) {
      std::invoke(target, std::forward<Args>(args)...);  // a non-void result is discarded
    } else {
      return std::invoke(target, std::forward<Args>(args)...);
    }
  }

  template <class T>
  static constexpr Ops kInlineOps{[](void* storage, Args&&... args) -> R {
                                    return invoke(inline_target<T>(storage),
                                                  std::forward<Args>(args)...);
                                  },
                                  [](void* to, void* from) noexcept {
                                    T& source = inline_target<T>(from);
                                    ::new (to) T(std::move(source));
                                    source.~T();
                                  },
                                  [](void* storage) noexcept { inline_target<T>(storage).~T(); }};

  template <class T>
  static constexpr Ops kHeapOps{
      [](void* storage, Args&&... args) -> R {
        return invoke(*heap_target<T>(storage), std::forward<Args>(args)...);
      },
      [](void* to, void* from) noexcept { ::new (to) T*(heap_target<T>(from)); },
      [](void* storage) noexcept { delete heap_target<T>(storage); }};

  void take(MoveOnlyFunction& other) noexcept {
    if (other.ops_ != nullptr) {
      other.ops_->move(storage_, other.storage_);
      ops_ = other.ops_;
      other.ops_ = nullptr;
    }
  }

  void reset() noexcept {
    if (ops_ != nullptr) {
      const Ops* ops = ops_;
      ops_ = nullptr;  // empty before the target's destructor runs, whatever that destructor does
      ops->destroy(storage_);
    }
  }

  alignas(std::max_align_t) std::byte storage_[kInlineSize];
  const Ops* ops_ = nullptr;  // null when empty
};

}  // namespace parlab

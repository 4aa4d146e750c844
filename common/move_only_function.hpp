// A move-only, type-erased callable: parlab's stand-in for C++23's std::move_only_function, which
// g++ 12 and clang 14 offer only in C++23 mode. Part of common/; the pools of labs 3-5 queue their
// tasks in it.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
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
/// empty; calling an empty MoveOnlyFunction throws std::bad_function_call. The target lives on
/// the heap (one allocation per construction, none per move or call): simple and fast enough
/// for the pools of labs 3-5, whose tasks also allocate a future's shared state.
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
  /// An empty function: operator bool is false.
  MoveOnlyFunction() noexcept = default;
  /// An empty function, as from nullptr (like std::function).
  MoveOnlyFunction(std::nullptr_t) noexcept {}  // NOLINT(google-explicit-constructor)

  /// Takes ownership of `f` (moved or copied into the heap, as `F&&` allows).
  /// @throws whatever allocating or constructing the decayed F throws.
  template <class F>
  requires(!std::is_same_v<std::remove_cvref_t<F>, MoveOnlyFunction> &&
           std::is_constructible_v<std::decay_t<F>, F> &&
           std::is_invocable_r_v<R, std::decay_t<F>&, Args...>)
      MoveOnlyFunction(F&& f)  // NOLINT(google-explicit-constructor): converts like std::function
      : target_(std::make_unique<Target<std::decay_t<F>>>(std::forward<F>(f))) {}

  /// Moves the target; the moved-from function is empty.
  ///@{
  MoveOnlyFunction(MoveOnlyFunction&&) noexcept = default;
  MoveOnlyFunction& operator=(MoveOnlyFunction&&) noexcept = default;
  ///@}
  MoveOnlyFunction(const MoveOnlyFunction&) = delete;
  MoveOnlyFunction& operator=(const MoveOnlyFunction&) = delete;
  ~MoveOnlyFunction() = default;

  /// Destroys the target, if any, leaving the function empty.
  MoveOnlyFunction& operator=(std::nullptr_t) noexcept {
    target_.reset();
    return *this;
  }

  /// Calls the target with `args`.
  /// @throws std::bad_function_call if empty; otherwise whatever the target throws.
  R operator()(Args... args) {
    if (!target_) {
      throw std::bad_function_call();
    }
    return target_->call(std::forward<Args>(args)...);
  }

  /// True when the function holds a target.
  explicit operator bool() const noexcept { return target_ != nullptr; }

 private:
  struct Callable {
    Callable() = default;
    Callable(const Callable&) = delete;
    Callable& operator=(const Callable&) = delete;
    virtual ~Callable() = default;
    virtual R call(Args&&... args) = 0;
  };

  template <class F>
  struct Target final : Callable {
    template <class G>
    explicit Target(G&& g) : f(std::forward<G>(g)) {}
    R call(Args&&... args) override {
      if constexpr (std::is_void_v<R>) {
        std::invoke(f, std::forward<Args>(args)...);  // a non-void result is discarded
      } else {
        return std::invoke(f, std::forward<Args>(args)...);
      }
    }
    F f;
  };

  std::unique_ptr<Callable> target_;
};

}  // namespace parlab

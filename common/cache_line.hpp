// The cache-line size parlab pads shared data to, so that two threads' hot data never share a
// line (false sharing). Part of common/; labs 2-5 use it.
#pragma once

#include <cstddef>
#include <new>

namespace parlab {

#if defined(__cpp_lib_hardware_interference_size) && !defined(__clang__)
// g++ warns that the value may differ between -mtune settings (-Winterference-size); parlab
// builds every translation unit with the same flags, so the value is consistent here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winterference-size"
inline constexpr std::size_t kCacheLineSize = std::hardware_destructive_interference_size;
#pragma GCC diagnostic pop
#else
/// 64 bytes: the line size of every x86-64 and most AArch64 cores.
inline constexpr std::size_t kCacheLineSize = 64;
#endif

/// A value alone on its cache line(s).
template <class T>
struct alignas(kCacheLineSize) CacheAligned {
  T value{};  ///< the padded value
};

}  // namespace parlab

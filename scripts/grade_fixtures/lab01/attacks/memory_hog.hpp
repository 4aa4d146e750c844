
// Attack (grader fixture): allocate and touch far more memory than the grader allows. No rule of
// the policy names memory: the sandbox's address-space limit must stop it.
#include <cstddef>
#include <cstring>
#include <new>
inline const int parlab_attack_memory = [] {
  const std::size_t size = std::size_t{64} << 30;
  char* block = new char[size];
  std::memset(block, 1, size);
  return static_cast<int>(block[size - 1]);
}();

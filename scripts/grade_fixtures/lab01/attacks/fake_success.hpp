
// Attack (grader fixture): print GoogleTest's success lines, then leave before any test runs.
#include <iostream>
inline const int parlab_attack_fake = [] {
  std::cout << "[==========] Running 1 test from 1 test suite.\n[  PASSED  ] 1 test.\n" << std::flush;
  std::quick_exit(0);
  return 0;
}();


// Attack (grader fixture): start thousands of processes.
#include <unistd.h>
inline const int parlab_attack_forks = [] {
  for (int i = 0; i < 5000; ++i) {
    if (fork() == 0) {
      sleep(600);
    }
  }
  return 0;
}();

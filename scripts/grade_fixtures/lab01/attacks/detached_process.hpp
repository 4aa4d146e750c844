
// Attack (grader fixture): leave a detached process behind (free to rewrite results.json later).
#include <unistd.h>
inline const int parlab_attack_daemon = [] {
  if (fork() == 0) {
    setsid();
    sleep(600);
  }
  return 0;
}();

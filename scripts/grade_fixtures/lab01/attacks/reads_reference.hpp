
// Attack (grader fixture, class c; graded with --no-policy): while the tests run, read a reference
// solution (the sealed tree's copy, next to the build folder, or the checkout's) and print it
// into the test's output, which reaches results.json.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
inline const int parlab_attack_reads_reference = [] {
  const char* files[] = {"../../tree/solutions/01_copying_threads/copying_threads.hpp",
                         "../../../tree/solutions/01_copying_threads/copying_threads.hpp",
                         "@CHECKOUT@/solutions/01_copying_threads/copying_threads.hpp"};
  for (const char* file : files) {
    const int fd = open(file, O_RDONLY);
    char text[200] = {};
    if (fd >= 0 && read(fd, text, sizeof text - 1) > 0) {
      std::printf("LEAKED REFERENCE: %s\n", text);
    }
  }
  return 0;
}();


// Attack (grader fixture, class e; graded with --no-policy): fill /tmp with files just under the
// per-file size limit, one after another, and leave them there.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <vector>
inline const int parlab_attack_fills_tmp = [] {
  std::vector<char> block(1 << 20, 'x');
  for (int file = 0; file < 64; ++file) {
    char name[64];
    std::snprintf(name, sizeof name, "/tmp/parlab-attack-fills-tmp-%d", file);
    const int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
      break;
    }
    for (int mib = 0; mib < 60; ++mib) {
      if (write(fd, block.data(), block.size()) < 0) {
        break;
      }
    }
    close(fd);
  }
  return 0;
}();


// Attack (grader fixture): glibc's exported internal aliases, which no deny-list names: open a
// file with __open, write to it with __write, and replace the process with execveat.
extern "C" int __open(const char*, int, ...);
extern "C" long __write(int, const void*, unsigned long);
extern "C" int execveat(int, const char*, char* const[], char* const[], int) noexcept;
inline const int parlab_attack_alias = [] {
  const int fd = __open("report.xml", 0101, 0644);
  __write(fd, "<testsuites/>", 13);
  char* const none[] = {nullptr};
  return execveat(fd, "", none, none, 0x1000);
}();

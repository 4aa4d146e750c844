
// Attack (grader fixture): fill the disk. With the policy, std::ofstream alone scores 0; graded
// with --no-policy, the sandbox's file-size limit stops the write.
#include <fstream>
#include <string>
inline const int parlab_attack_file = [] {
  std::ofstream out("/tmp/parlab-attack-huge-file", std::ios::binary);
  const std::string block(1 << 20, 'x');
  for (int i = 0; i < 4096; ++i) {
    out << block;
  }
  return 0;
}();

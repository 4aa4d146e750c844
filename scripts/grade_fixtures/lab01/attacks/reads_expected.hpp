
// Attack (grader fixture): read the tests' expected values from the test file on disk.
#include <fstream>
#include <sstream>
#include <string>
inline std::string parlab_attack_expected() {
  std::ifstream in("labs/01_copying_threads/copying_threads_test.cpp");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}


// Attack (grader fixture, graded with --no-policy so that only the sandbox stands in the way):
// start thousands of detached processes that outlive the test, try the network, then end the
// process with status 0 before any test has run.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
inline const int parlab_attack_escape = [] {
  for (int i = 0; i < 3000; ++i) {
    const pid_t child = fork();
    if (child < 0) {
      break;  // the process limit
    }
    if (child == 0) {
      setsid();
      sleep(600);
      std::_Exit(0);
    }
  }
  const int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(53);
  to.sin_addr.s_addr = htonl(0x01010101);
  if (s >= 0 && connect(s, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0) {
    write(1, "NETWORK REACHED\n", 16);
  }
  std::_Exit(0);
  return 0;
}();

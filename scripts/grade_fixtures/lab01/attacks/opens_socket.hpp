
// Attack (grader fixture): talk to the network.
#include <sys/socket.h>
inline const int parlab_attack_socket = socket(AF_INET, SOCK_STREAM, 0);

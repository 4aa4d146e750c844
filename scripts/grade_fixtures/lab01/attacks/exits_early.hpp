
// Attack (grader fixture): end every test process with status 0 before main() runs.
#include <cstdlib>
inline const int parlab_attack_exit = (std::_Exit(0), 0);

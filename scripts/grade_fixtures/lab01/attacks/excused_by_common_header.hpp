
// Attack (grader fixture): include a common/ header that calls std::_Exit, so that the symbol
// looks like the release's, and end the test early with the name pasted by a macro.
#include "common/testing/bounded.hpp"
#define PARLAB_ATTACK_PASTE(a, b) a##b
inline const int parlab_attack_exit = (std::PARLAB_ATTACK_PASTE(_Ex, it)(0), 0);


// Attack (grader fixture): name <gtest/gtest.h> with a macro, so no #include line shows it, and
// reach GoogleTest's listeners with names pasted by a macro.
#define PARLAB_ATTACK_HEADER <gtest/gtest.h>
#include PARLAB_ATTACK_HEADER
#define PARLAB_ATTACK_PASTE(a, b) a##b
struct ParlabAttackListener : PARLAB_ATTACK_PASTE(tes, ting)::EmptyTestEventListener {};

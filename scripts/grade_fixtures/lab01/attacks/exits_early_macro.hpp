
// Attack (grader fixture): the same early exit with the name pasted by a macro, so no token of
// the source says _Exit; only the compiled object's undefined symbols do.
#define PARLAB_ATTACK_PASTE(a, b) a##b
extern "C" [[noreturn]] void PARLAB_ATTACK_PASTE(_Ex, it)(int) noexcept;
inline const int parlab_attack_exit = (PARLAB_ATTACK_PASTE(_Ex, it)(0), 0);

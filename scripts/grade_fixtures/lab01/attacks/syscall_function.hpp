
// Attack (grader fixture): glibc's syscall() the function (a call, not a syscall instruction),
// declared by <atomic>'s own headers, its name pasted by a macro: exit_group(0) before any test.
#define PARLAB_ATTACK_PASTE(a, b) a##b
extern "C" long PARLAB_ATTACK_PASTE(sys, call)(long, ...) noexcept;
inline const long parlab_attack_exit = PARLAB_ATTACK_PASTE(sys, call)(231, 0);

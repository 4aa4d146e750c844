
// Attack (grader fixture): the exit system call issued by hand, with the asm keyword pasted by a
// macro: no token says asm and no symbol says exit; only the disassembly shows the syscall.
#define PARLAB_ATTACK_PASTE(a, b) a##b
inline long parlab_attack_raw_exit() {
  long result = 60;  // SYS_exit on x86-64
  PARLAB_ATTACK_PASTE(__as, m__) volatile("syscall" : "+a"(result) : "D"(0L) : "rcx", "r11", "memory");
  return result;
}
inline const long parlab_attack_raw = parlab_attack_raw_exit();

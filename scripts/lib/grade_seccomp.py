"""The last step before a test program starts under scripts/grade: a seccomp filter (Debian's
python3-seccomp, libseccomp's own binding) that allows only the system calls the labs' tests need,
then exec of the test program. Run by grade_launch.py inside the sandbox, in every sandbox kind:

    /usr/bin/python3 grade_seccomp.py --verdict-fd N [--sanitized] -- PROGRAM [ARGS...]

What a test may do once the filter is loaded: threads (clone only with CLONE_THREAD; clone3 says
ENOSYS so that glibc falls back to clone), memory (mmap, mprotect, madvise, brk ...), futexes,
clocks and sleeps, scheduling of its own threads, signals to itself (so that abort() and a crash
still end it with their own signal), reading files (open/openat with read-only flags only), writing
to stdout, stderr and the verdict channel only, and exit. Everything else is refused: exec (but
the one below), opening a file for writing, creating, removing or renaming files, sockets,
signals to other processes, fork-like clones, ptrace, process_vm_*, and the rest.

A refused call traps (SIGSYS): the test main's handler (common/testing/test_main.cpp) reports the
call's number on the verdict channel and the process dies of SIGSYS; the launcher names the call
("made a system call the grader forbids: openat for writing"). A few harmless probes (ioctl other
than isatty's, prctl other than naming a thread) fail with an error instead, as they would on a
system without them.

The one exec allowed is ours: execve is allowed only when its path argument is the exact pointer
this process passes (a buffer of this Python process, gone with the exec; the new program would
have to guess a random address, and a wrong guess kills it outright: no SIGSYS handler can
ignore that one)."""

from __future__ import annotations

import ctypes
import errno
import os
import sys

sys.path.append("/usr/lib/python3/dist-packages")  # run with -I -S (a faster start): Debian's binding
import seccomp  # noqa: E402
from seccomp import ALLOW, EQ, ERRNO, KILL_PROCESS, MASKED_EQ, TRAP, Arg  # noqa: E402

# Flag bits (x86-64 Linux, the grader's platform; asm-generic values).
CLONE_VM = 0x00000100
CLONE_THREAD = 0x00010000
O_WRITE_FLAGS = 0o3 | 0o100 | 0o1000 | 0o2000 | 0o20000000  # O_ACCMODE|O_CREAT|O_TRUNC|O_APPEND|__O_TMPFILE
TCGETS = 0x5401
PR_SET_PDEATHSIG, PR_SET_NAME, PR_GET_NAME, PR_GET_DUMPABLE, PR_SET_DUMPABLE = 1, 15, 16, 3, 4
O_RDWR_CREAT_EXCL = 0o2 | 0o100  # ThreadSanitizer's temporary file (O_EXCL is outside the mask)
PR_SET_PTRACER, PR_SET_VMA = 0x59616D61, 0x53564D41

# Allowed whatever their arguments: they touch only the process itself.
ALWAYS = [
    # memory
    "brk", "mmap", "munmap", "mprotect", "madvise", "mremap", "mlock", "munlock", "msync", "mincore",
    # threads and their synchronisation
    "futex", "set_robust_list", "get_robust_list", "set_tid_address", "rseq", "membarrier",
    "arch_prctl", "gettid", "getpid", "getppid", "sched_yield", "sched_getaffinity",
    "sched_getparam", "sched_getscheduler", "sched_get_priority_max", "sched_get_priority_min",
    "getcpu",
    # signals (to itself: tgkill and kill are checked below)
    "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigpending", "rt_sigsuspend",
    "rt_sigtimedwait", "sigaltstack", "restart_syscall",
    # time
    "clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep", "gettimeofday", "time", "times",
    "getrusage",
    # reading: files opened read-only, and facts about the process
    "read", "pread64", "readv", "preadv", "close", "fstat", "newfstatat", "statx", "lseek",
    "getdents", "getdents64", "readlink", "readlinkat", "access", "faccessat", "faccessat2", "getcwd", "uname",
    "getuid", "geteuid", "getgid", "getegid", "getgroups", "getrandom", "poll", "ppoll",
    # the end
    "exit", "exit_group",
]
# The sanitizers' extras: LeakSanitizer stops the world with a tracer (a clone sharing memory,
# without CLONE_THREAD) that ptraces the test's own threads and is waited for.
SANITIZED = ["ptrace", "wait4", "waitid"]


def build(verdict_fd: int, sanitized: bool, exec_path: int, audit: bool = False) -> seccomp.SyscallFilter:
    """The filter of one test process (pid: this process, which becomes the test program). With
    `audit`, a call the filter would refuse is allowed and logged by the kernel instead (dmesg:
    "audit: type=1326 ... syscall=N"): how to find what a new lab's tests need."""
    # Under sanitizers a refused call fails with EPERM instead of trapping: the sanitizer's own
    # helpers (its symbolizer, a forked child) must not be taken for the test (they inherit the
    # channel, and a trap would name their call on it).
    refused = seccomp.SyscallFilter(defaction=seccomp.LOG if audit else ERRNO(errno.EPERM) if sanitized else TRAP)
    pid = os.getpid()
    for name in ALWAYS:
        refused.add_rule(ALLOW, name)
    for fd in sorted({1, 2, verdict_fd} - {-1}):
        refused.add_rule(ALLOW, "write", Arg(0, EQ, fd))
        refused.add_rule(ALLOW, "writev", Arg(0, EQ, fd))
    refused.add_rule(ALLOW, "openat", Arg(2, MASKED_EQ, O_WRITE_FLAGS, 0))
    refused.add_rule(ALLOW, "open", Arg(1, MASKED_EQ, O_WRITE_FLAGS, 0))
    refused.add_rule(ALLOW, "fcntl", Arg(1, EQ, 1))  # F_GETFD
    refused.add_rule(ALLOW, "fcntl", Arg(1, EQ, 3))  # F_GETFL
    refused.add_rule(ALLOW, "tgkill", Arg(0, EQ, pid))
    refused.add_rule(ALLOW, "kill", Arg(0, EQ, pid))
    refused.add_rule(ALLOW, "kill", Arg(0, EQ, 0), Arg(1, EQ, 0))  # "is anyone there?" probes
    # Its own limits (pid 0): reading them, or setting them within the hard limits the sandbox set
    # (ThreadSanitizer turns core files off); never another process's.
    refused.add_rule(ALLOW, "prlimit64", Arg(0, EQ, 0))
    refused.add_rule(ALLOW, "getrlimit")
    refused.add_rule(ALLOW, "clone", Arg(0, MASKED_EQ, CLONE_THREAD, CLONE_THREAD))
    refused.add_rule(ERRNO(errno.ENOSYS), "clone3")  # glibc then falls back to clone
    refused.add_rule(ALLOW, "ioctl", Arg(1, EQ, TCGETS))  # isatty()
    refused.add_rule(ERRNO(errno.ENOTTY), "ioctl", Arg(1, seccomp.NE, TCGETS))
    for option in (PR_SET_NAME, PR_GET_NAME, PR_GET_DUMPABLE, PR_SET_VMA):
        refused.add_rule(ALLOW, "prctl", Arg(0, EQ, option))
    if sanitized:
        for name in SANITIZED:
            refused.add_rule(ALLOW, name)
        refused.add_rule(ALLOW, "clone", Arg(0, MASKED_EQ, CLONE_THREAD | CLONE_VM, CLONE_VM))
        for option in (PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_PTRACER):
            refused.add_rule(ALLOW, "prctl", Arg(0, EQ, option))
        # AddressSanitizer probes memory by writing it into a pipe of its own; a write to any fd is
        # safe while no file can be opened for writing (the test inherits only 0, 1, 2 and the
        # channel). ThreadSanitizer tries a temporary file (its read-only data's shadow) and does
        # without when refused.
        refused.add_rule(ALLOW, "pipe2")
        # A race or memory error is symbolized by llvm-symbolizer, which the sanitizer forks and
        # runs: under the same filter (inherited), so it can write no file and signal no one; the
        # sanitizer stage can only take points away.
        for name in ("stat", "lstat", "dup2", "dup3", "fcntl", "vfork", "fork"):
            refused.add_rule(ALLOW, name)
        refused.add_rule(ALLOW, "clone", Arg(0, MASKED_EQ, CLONE_THREAD, 0))
        refused.add_rule(ALLOW, "write", Arg(0, seccomp.NE, 1))  # with the rules above: every fd
        refused.add_rule(ERRNO(errno.EACCES), "open", Arg(1, seccomp.MASKED_EQ, O_WRITE_FLAGS, O_RDWR_CREAT_EXCL))
    refused.add_rule(ALLOW, "sched_setaffinity", Arg(0, EQ, 0))  # its own threads only
    if not sanitized:  # (there, EPERM is already what every refused call gets)
        refused.add_rule(ERRNO(errno.EPERM), "sched_setaffinity", Arg(0, seccomp.NE, 0))
    if sanitized:
        refused.add_rule(ALLOW, "execve")
        return refused
    refused.add_rule(ALLOW, "execve", Arg(0, EQ, exec_path))
    # Any other exec kills at once (no handler can ignore it), so the path pointer cannot be guessed
    # one try after another.
    refused.add_rule(KILL_PROCESS, "execve", Arg(0, seccomp.NE, exec_path))
    refused.add_rule(KILL_PROCESS, "execveat")
    return refused


def main(argv: list[str]) -> int:
    verdict_fd, sanitized, audit = -1, False, False
    while argv and argv[0] != "--":
        option = argv.pop(0)
        if option == "--verdict-fd":
            verdict_fd = int(argv.pop(0))
        elif option == "--sanitized":
            sanitized = True
        elif option == "--audit":
            audit = True
        else:
            print(f"grade_seccomp.py: unknown option {option}", file=sys.stderr)
            return 2
    program = argv[1:]
    if not program:
        print("usage: grade_seccomp.py [--verdict-fd N] [--sanitized] [--audit] -- PROGRAM [ARGS...]",
              file=sys.stderr)
        return 2
    libc = ctypes.CDLL(None, use_errno=True)
    path = ctypes.create_string_buffer(os.fsencode(program[0]))
    args = (ctypes.c_char_p * (len(program) + 1))(*[os.fsencode(a) for a in program], None)
    env = [os.fsencode(f"{k}={v}") for k, v in os.environ.items()]
    envp = (ctypes.c_char_p * (len(env) + 1))(*env, None)
    sys.stdout.flush()
    sys.stderr.flush()
    build(verdict_fd, sanitized, ctypes.addressof(path), audit).load()
    libc.execve(path, args, envp)
    os.write(2, f"grade_seccomp.py: cannot run {program[0]}: {os.strerror(ctypes.get_errno())}\n".encode())
    return 127


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

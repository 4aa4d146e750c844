"""The grader's sandbox: how every command that compiles or runs a submission's code is wrapped.

Three kinds (scripts/grade --sandbox; `auto` picks the first that works):
  bwrap  bubblewrap: own user, PID, network, IPC and mount namespaces; only /usr (read-only), the
         lab's sealed source tree (read-only), its build folder (read-write while building) and
         the test's own report folder (read-write) are visible; a private /tmp; the whole PID
         namespace dies with the command (--die-with-parent, and PID 1 leaving kills the rest).
  user   no namespaces (a container such as Gradescope's forbids them): the command runs as an
         unprivileged uid that owns nothing of the grader's; everything else is hidden by file
         permissions; every process of that uid is killed after each lab.
  none   for debugging the grader only: the command runs as the grader.
All kinds apply resource limits (prlimit): processes, address space, file size, CPU time.
When the grader runs as root, bwrap and user both run as a sandbox uid of the grading run's own
(claim_uid: the first free one of UID_RANGE, held with a lock file for the whole run, or
PARLAB_SANDBOX_UID), so that the process limit counts only the submission's processes, no file of
the grader is writable to them, and two gradings side by side never kill or read each other's."""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import fcntl
import hashlib
import json
import os
import pathlib
import pwd
import shutil
import signal
import subprocess
import time

UID_RANGE = range(64123, 64123 + 64)  # uids no account uses, one per grading run at a time
LOCKS = pathlib.Path("/run/lock/parlab-sandbox")  # root's: <uid>.lock, held while a run uses uid
_held: list[int] = []  # the lock file descriptors this process holds (closed when it exits)
KINDS = ("auto", "bwrap", "user", "none")


@dataclasses.dataclass(frozen=True)
class Limits:
    processes: int = 512  # RLIMIT_NPROC counts threads too, per uid
    memory_bytes: int | None = 4 << 30  # RLIMIT_AS; None under sanitizers (their shadow memory)
    file_bytes: int = 64 << 20  # RLIMIT_FSIZE: the largest file one process may write
    cpu_seconds: int = 600  # RLIMIT_CPU per process

    def prlimit(self, extra_processes: int = 0) -> list[str]:
        memory = self.memory_bytes if self.memory_bytes is not None else "unlimited"
        return ["prlimit", f"--nproc={self.processes + extra_processes}", f"--as={memory}",
                f"--fsize={self.file_bytes}", f"--cpu={self.cpu_seconds}", "--core=0"]


# bwrap's private /tmp (a tmpfs: memory) holds at most this much in all, whatever the file limit;
# a test cannot create a file there at all (its seccomp filter refuses), a build's compiler can.
TMP_BYTES = 512 << 20

BUILD_LIMITS = Limits(processes=512, memory_bytes=6 << 30, file_bytes=1 << 30, cpu_seconds=900)


def test_limits(timeout: float, sanitized: bool) -> Limits:
    return Limits(processes=512, memory_bytes=None if sanitized else 4 << 30,
                  file_bytes=64 << 20, cpu_seconds=int(timeout * 4) + 30)


# Environment variables a sandboxed command gets; nothing else of the grader's passes through
# (a compiler launcher such as ccache is dropped on purpose: a shared cache would let one
# submission's build write what another's reads).
PASS_ENV = ("PATH", "LANG", "LC_ALL", "TZ", "TERM")


def clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: os.environ[k] for k in PASS_ENV if k in os.environ}
    env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    env.update(HOME="/tmp", TMPDIR="/tmp")
    env.update(extra or {})
    return env


@dataclasses.dataclass
class Sandbox:
    kind: str  # bwrap | user | none
    uid: int | None  # the uid commands run as; None: the grader's own
    why: str = ""  # how it was chosen (said in the report)
    # RLIMIT_NPROC counts every process of a uid: running as the grader's own uid (not root), the
    # processes it already has are added so that the limit bounds only the submission's.
    extra_processes: int = 0

    # ---- wrapping a command ------------------------------------------------------------------

    def wrap(self, argv: list[str], *, limits: Limits, readable: list[pathlib.Path],
             writable: list[pathlib.Path], env: dict[str, str], cwd: pathlib.Path | None = None,
             binds: dict[str, pathlib.Path] | None = None,
             masks: list[pathlib.Path] | None = None, tmp_bytes: int | None = None) -> list[str]:
        """The command line that runs argv in this sandbox. `readable` and `writable` are the only
        grader folders it sees (bwrap) or may write (user: by ownership, set up by the caller);
        `binds` maps a path inside the sandbox to a writable folder outside (bwrap only); each of
        `masks` (folders inside `readable`) is covered by an empty one (bwrap; the user sandbox
        relies on their permissions, which the caller sets). `tmp_bytes` bounds bwrap's private
        /tmp (a tmpfs in memory; default TMP_BYTES)."""
        prefix = self._drop()
        command = prefix + limits.prlimit(self.extra_processes)
        if self.kind == "bwrap":
            command += bwrap_args(readable, writable, env, cwd, binds or {}, masks or [],
                                  tmp_bytes or TMP_BYTES)
        else:
            command += ["env", "-i"] + [f"{k}={v}" for k, v in sorted(env.items())]
        return command + ["--"] + argv if self.kind == "bwrap" else command + argv

    def _drop(self) -> list[str]:
        if self.uid is None or self.kind == "none":
            return []
        return ["setpriv", f"--reuid={self.uid}", f"--regid={self.uid}", "--clear-groups",
                "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"]

    # ---- files the sandboxed uid may write or must not read -----------------------------------

    def give(self, folder: pathlib.Path) -> None:
        """Makes folder (created if needed) writable to the sandbox and to nobody else."""
        folder.mkdir(parents=True, exist_ok=True)
        if self.uid is not None and self.kind != "none":
            os.chown(folder, self.uid, self.uid)
        folder.chmod(0o700)

    def take_back(self, folder: pathlib.Path) -> None:
        """Closes a folder the sandbox owned: its processes can no longer enter it."""
        if folder.exists() and self.uid is not None and self.kind != "none":
            os.chown(folder, os.getuid(), os.getgid())
            folder.chmod(0o700)

    # ---- after each lab -------------------------------------------------------------------------

    def kill_all(self) -> int:
        """Kills every process of the sandbox uid (user kind; bwrap's die with their namespace) and
        returns how many were alive. Never touches a process of any other uid."""
        if self.uid is None or self.kind == "none":
            return 0
        alive = 0
        for _ in range(200):  # a killed process on a busy machine can take seconds to be gone
            pids = processes_of(self.uid)
            if not pids:
                break
            alive = max(alive, len(pids))
            # kill(-1) as that uid signals exactly the processes that uid may signal: its own.
            subprocess.run(self._drop() + ["kill", "-KILL", "-1"], check=False,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(0.05)
            reap_zombies()
        return alive


def become_subreaper() -> None:
    """Orphans of the commands this process starts become its children instead of PID 1's, which
    in a container may never reap them: a zombie still counts against the sandbox's process limit.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def reap_zombies() -> None:
    """Collects the exit status of every child that has ended (never blocks)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def children_of(pid: int) -> list[int]:
    found = []
    for entry in pathlib.Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            if len(fields) > 1 and fields[1] == str(pid) and fields[0] not in ("Z", "X"):
                found.append(int(entry.name))
    return found


def kill_children() -> int:
    """Kills and reaps every living child of this process (a subreaper: the orphans a test left
    are its children now) until none is left; returns how many there were."""
    killed = 0
    for _ in range(50):
        reap_zombies()
        pids = children_of(os.getpid())
        if not pids:
            break
        killed += len(pids)
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.02)
    reap_zombies()
    return killed


def processes_of(uid: int) -> list[int]:
    pids = []
    for entry in pathlib.Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid != uid:
                    continue
                state = (entry / "stat").read_text().rpartition(")")[2].split()[0]
            except (OSError, IndexError):
                continue
            if state not in ("Z", "X"):  # a zombie is dead already; its parent has yet to reap it
                pids.append(int(entry.name))
    return pids


def bwrap_args(readable: list[pathlib.Path], writable: list[pathlib.Path], env: dict[str, str],
               cwd: pathlib.Path | None, binds: dict[str, pathlib.Path],
               masks: list[pathlib.Path] = (), tmp_bytes: int = 0) -> list[str]:
    args = ["bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--clearenv",
            "--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin", "--symlink", "usr/sbin",
            "/sbin", "--symlink", "usr/lib", "/lib"]
    if pathlib.Path("/lib64").exists():
        args += ["--symlink", "usr/lib64", "/lib64"]
    for name in ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "alternatives", "localtime"):
        if pathlib.Path("/etc", name).exists():
            args += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
    args += ["--proc", "/proc", "--dev", "/dev", "--size", str(tmp_bytes or TMP_BYTES), "--tmpfs", "/tmp"]
    for path in readable:
        args += ["--ro-bind", str(path), str(path)]
    for path in writable:
        args += ["--bind", str(path), str(path)]
    for path in masks:
        args += ["--tmpfs", str(path), "--remount-ro", str(path)]
    for inside, outside in binds.items():
        args += ["--bind", str(outside), inside]
    for key, value in sorted(env.items()):
        args += ["--setenv", key, value]
    if cwd is not None:
        args += ["--chdir", str(cwd)]
    return args


def claim_uid() -> int:
    """The sandbox uid of this grading run: PARLAB_SANDBOX_UID if set, else the first uid of
    UID_RANGE that no other run holds and no process uses. Its lock (an flock on LOCKS/<uid>.lock,
    released when this process ends, however it ends) is held for the rest of the run. Raises
    RuntimeError when PARLAB_SANDBOX_UID is held by another run, or every uid of the range is."""
    LOCKS.mkdir(parents=True, exist_ok=True, mode=0o755)
    LOCKS.chmod(0o755)
    asked = os.environ.get("PARLAB_SANDBOX_UID")
    if asked is not None:
        uid = int(asked)
        if uid == 0:
            raise ValueError("PARLAB_SANDBOX_UID must not be 0")
        if not _lock(uid):
            raise RuntimeError(f"the sandbox uid {uid} (PARLAB_SANDBOX_UID) is used by another grading "
                               f"run right now; two runs sharing a uid would kill each other's processes")
        return uid
    for uid in UID_RANGE:
        if _lock(uid):
            if not processes_of(uid) and _unnamed(uid):
                return uid
            os.close(_held.pop())
    raise RuntimeError(f"every sandbox uid ({UID_RANGE.start}-{UID_RANGE.stop - 1}) is used by another "
                       f"grading run; wait for one to finish")


def release_uids() -> None:
    """Gives back every uid this process claimed (for a caller that only asked which sandbox
    works, such as the grader's self-test, whose gradings claim their own)."""
    while _held:
        os.close(_held.pop())


def try_hold(uid: int) -> bool:
    """Takes uid's lock if no grading run holds it (release_uids gives it back): for the grader's
    self-test, which checks that a finished run left no process of its uid behind."""
    return _lock(uid)


def _lock(uid: int) -> bool:
    fd = os.open(LOCKS / f"{uid}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return False
    _held.append(fd)
    return True


def _unnamed(uid: int) -> bool:
    try:
        return pwd.getpwuid(uid).pw_name == "parlab-sandbox"
    except KeyError:
        return True


def _works(box: Sandbox) -> tuple[bool, str]:
    probe = box.wrap(["true"], limits=Limits(), readable=[], writable=[], env=clean_env())
    try:
        done = subprocess.run(probe, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        return False, str(error)
    return done.returncode == 0, done.stdout.strip()[-200:]


def choose(kind: str) -> Sandbox:
    """The sandbox to use: `kind` as asked, or for `auto` bwrap if it works here, else user (as
    root), else none. Raises RuntimeError when the kind asked for cannot work."""
    root = os.geteuid() == 0
    uid = claim_uid() if root else None
    own = 0 if root else len(processes_of(os.getuid())) + 64
    if uid is not None:
        with_name = None
        try:
            with_name = pwd.getpwuid(uid).pw_name
        except KeyError:
            pass
        if with_name and with_name != "parlab-sandbox":
            raise RuntimeError(f"the sandbox uid {uid} belongs to the account {with_name!r}; set "
                               f"PARLAB_SANDBOX_UID to an unused uid")
    if kind in ("auto", "bwrap") and shutil.which("bwrap"):
        box = Sandbox("bwrap", uid, extra_processes=own)
        ok, why = _works(box)
        if ok:
            box.why = "bubblewrap namespaces" + (f", uid {uid}" if uid else ", the grader's uid")
            return box
        if kind == "bwrap":
            raise RuntimeError(f"--sandbox bwrap: bubblewrap cannot run here: {why}")
        failed = f"bubblewrap cannot run here ({why or 'no reason given'})"
    elif kind == "bwrap":
        raise RuntimeError("--sandbox bwrap: bubblewrap (Debian's bubblewrap package) is not installed")
    else:
        failed = "bubblewrap is not installed" if kind == "auto" else ""
    if kind in ("auto", "user"):
        if root:
            box = Sandbox("user", uid)
            ok, why = _works(box)
            if ok:
                box.why = f"unprivileged uid {uid} with resource limits" + (f"; {failed}" if failed else "")
                return box
            raise RuntimeError(f"the user sandbox cannot run here: {why}")
        if kind == "user":
            raise RuntimeError("--sandbox user needs the grader to run as root (to drop to another uid)")
    return Sandbox("none", None, extra_processes=own, why="NO SANDBOX: the submission ran as the grader"
                   + (f" ({failed}; not root, so no unprivileged uid either)" if failed else ""))


def raise_signal_of(status: int) -> int:
    """Exit status of a wrapper whose child died of a signal: bwrap and prlimit report 128 + n;
    re-raising n lets CTest see a crash rather than a failure."""
    if status > 128 and status - 128 in (signal.SIGSEGV, signal.SIGABRT, signal.SIGILL,
                                         signal.SIGFPE, signal.SIGBUS, signal.SIGKILL,
                                         signal.SIGXCPU, signal.SIGXFSZ, signal.SIGSYS):
        return status - 128
    return 0


@contextlib.contextmanager
def folder_closed(folder: pathlib.Path, mode: int = 0o700):
    """Keeps folder at `mode` (the user sandbox must not read the checkout's solutions/) while any
    grading run of this machine is inside this block, and gives it back its own mode when the last
    one leaves. Runs that overlap share the mask: each enters its pid in LOCKS/<key>.json under an
    flock, and the last to leave (pids of runs that died are dropped) restores the mode the first
    one saw. A single restore per run would reopen the folder while another run still grades."""
    LOCKS.mkdir(parents=True, exist_ok=True, mode=0o755)
    key = hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:16]
    state_path = LOCKS / f"closed-{key}.json"

    def update(change) -> None:
        fd = os.open(LOCKS / f"closed-{key}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                state = json.loads(state_path.read_text())
            except (OSError, ValueError):
                state = {"mode": folder.stat().st_mode & 0o777, "pids": []}
            state["pids"] = [pid for pid in state["pids"] if pid != os.getpid() and _alive(pid)]
            change(state)
            if state["pids"]:
                folder.chmod(mode)
                state_path.write_text(json.dumps(state))
            else:
                folder.chmod(state["mode"])
                state_path.unlink(missing_ok=True)
        finally:
            os.close(fd)

    update(lambda state: state["pids"].append(os.getpid()))
    try:
        yield
    finally:
        update(lambda state: None)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

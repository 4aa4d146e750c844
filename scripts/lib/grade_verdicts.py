"""How the grader reads what happened to a test: the launcher's record of the test process (exit
status, signal, timeout, and the records the test main wrote on its verdict channel), CTest's
captured output (for the teaching message), sanitizer reports, and compiler errors. Pure functions
over text, unit-tested in scripts/tests/test_grade_verdicts.py.

A test passes only when its process exited 0 AND its verdict channel carried exactly what the test
main writes for that test and nothing else: its start, its end saying "passed", and "run
complete" (written before static destructors run). A submission that ends the process early
(exit(0) from a static initialiser), prints a fake "[  PASSED  ]" line, or rewrites a report after
the tests gets no points; a test main's record written twice (a forgery beside the real one) is
refused too."""

from __future__ import annotations

import dataclasses
import json
import pathlib
import re

from ctest_results import GTEST_FRAME
from grade_results import Outcome, clip

NOT_IMPLEMENTED = "not implemented yet"

SIGNALS = [  # CTest's words for how a test died -> plain words
    ("segfault", "SIGSEGV, a segmentation fault: an invalid memory access (a dangling reference to a "
                 "chunk, a vector or a stack frame that is gone, or an index out of range)"),
    ("abort", "SIGABRT, aborted: usually std::terminate, from an exception that escaped a thread or "
              "a std::thread destroyed while still joinable"),
    ("illegal", "SIGILL, an illegal instruction: often a function that falls off its end without "
                "returning a value"),
    ("numerical", "SIGFPE, an arithmetic fault such as an integer division by zero"),
    ("bus", "SIGBUS, a bus error: an invalid memory access"),
    ("child killed", "killed by a signal (out of memory, or the machine stopped it)"),
    ("cpu time", "SIGXCPU: it used more CPU time than the grader allows"),
    ("file size", "SIGXFSZ: it wrote a file larger than the grader allows"),
    ("bad system call", "SIGSYS: it made a system call the grader forbids"),
]



def compiler_errors(log_text: str, tree: pathlib.Path) -> str:
    """The first compiler errors of a build log, paths shown relative to the checkout."""
    text = log_text.replace(str(tree) + "/", "")
    lines = text.splitlines()
    picked: list[str] = []
    taken: set[int] = set()
    for index, line in enumerate(lines):
        if index in taken or not re.search(r"\berror\b", line) or line.startswith(("ninja:", "FAILED:")):
            continue
        for near in range(index, min(index + 4, len(lines))):  # the error and its caret lines
            if near not in taken:
                taken.add(near)
                picked.append(lines[near])
        if len(picked) >= 24:
            break
    return "\n".join(picked[:24]) if picked else "\n".join(lines[-24:])



def build_stopped(status: int, output: str, limit: float) -> str:
    """Plain words when a build did not fail by itself but was stopped (its time limit, a signal,
    a compiler killed for memory), else "": such a build is never called "does not compile"."""
    if status == 124:
        return f"it took longer than the grader allows ({limit:g} s)"
    if status < 0 or status in (128 + 9, 128 + 15):
        number = -status if status < 0 else status - 128
        return f"the build's processes were killed (signal {number}), not by a compiler error"
    killed = re.search(r"(Killed signal terminated program \S+|killed by signal \d+|"
                       r"virtual memory exhausted|out of memory allocating|cannot allocate memory)", output)
    if status != 0 and killed:
        return (f"the compiler was stopped ({killed.group(1)}): it ran out of the memory the grader "
                f"allows a build, or something killed it")
    return ""


def signal_words(detail: str) -> str:
    lower = detail.lower()
    for key, words in SIGNALS:
        if key in lower:
            return words
    return f"it died ({detail})"


def failure_excerpt(output: str) -> str:
    """The first gtest failure: its file:line, the assertion and the teaching message."""
    lines = output.splitlines()
    for index, line in enumerate(lines):
        if "Failure" in line or "threw an exception" in line or "what():" in line:
            return "\n".join(lines[index:index + 12])
    return "\n".join(lines[-12:])


def describe(outcome: Outcome, status: str, detail: str, output: str, seconds: float,
             timeout: float, hint: str) -> None:
    """Fills outcome's status and plain words from a test's final status (final_status)."""
    outcome.seconds = seconds
    outcome.output = clip(output)
    if status == "passed":
        outcome.status, outcome.words = "passed", "passed"
    elif status == "timeout":
        outcome.status = "timeout"
        bounded = re.search(r"did not finish within (\d+) ms", output)
        if bounded:
            outcome.words = (f"timed out: its own bounded wait gave up after "
                             f"{int(bounded.group(1)) / 1000:g} s: {hint}")
        else:
            outcome.words = f"timed out after {timeout:g} s: {hint}"
    elif status == "crashed":
        outcome.status = "crashed"
        if "std::bad_alloc" in output:
            outcome.words = ("crashed: it ran out of memory (std::bad_alloc: the grader allows each "
                             "test 4 GiB of address space)")
        else:
            outcome.words = f"crashed ({signal_words(detail)})"
    elif status == "not-run":
        outcome.status = "not-run"
        outcome.words = "did not run (its test program is missing)"
    elif status == "forbidden":
        outcome.status = "crashed"
        outcome.words = (f"crashed: it made a system call the grader forbids: {detail} (a test may "
                         f"only compute, use threads, read files and print)")
    elif status == "ended-early":
        outcome.status = "failed"
        outcome.words = {
            "unfinished": "failed: the program ended while the test ran (an exit() call?): it exited "
                          "with status 0 but GoogleTest never finished this test",
            "incomplete": "failed: the program ended after the test but before the test run "
                          "completed (an exit() call?), so the grader cannot trust its result",
            "forged": "failed: the test's verdict channel carried records GoogleTest does not write "
                      "(a forged verdict?), so the grader cannot trust its result",
        }.get(detail, "failed: the program ended before the test ran (an exit() call?): it exited "
                      "with status 0 but GoogleTest never reported this test")
    else:
        outcome.status = "failed"
        if NOT_IMPLEMENTED in output:
            outcome.words = f"failed: {NOT_IMPLEMENTED} (the starter still throws NotImplemented)"
        else:
            # The test's own sentence first (the rule), as scripts/test shows it: GoogleTest's
            # frame lines ("Value of: ...", "Expected: ...") are skipped; the output keeps them.
            lines = [line for line in failure_excerpt(output).splitlines()
                     if line.strip() and "Failure" not in line]
            first = next((line.strip() for line in lines if not GTEST_FRAME.match(line)),
                         lines[0].strip() if lines else "")
            outcome.words = "failed" + (f": {first[:160]}" if first else "")


def not_implemented(outcome: Outcome) -> bool:
    return outcome.status == "failed" and NOT_IMPLEMENTED in outcome.words


FRAME = re.compile(r"^(\s*#\d+) (.*) (\S+:\d+(?::\d+)?)(?: \(.*\))?$")


def readable_frame(line: str, tree: str) -> str:
    """A sanitizer stack frame without template arguments (a lambda inside map_sum<...> is a
    thousand characters long) and with paths relative to the checkout."""
    line = line.replace(tree + "/", "")
    match = FRAME.match(line)
    if not match:
        return line if len(line) <= 240 else line[:240] + " ..."
    function = match.group(2)
    for _ in range(20):
        shorter = re.sub(r"<[^<>]*>", "", function)
        if shorter == function:
            break
        function = shorter
    if len(function) > 140:
        function = function[:140] + " ..."
    return f"{match.group(1)} {function} at {match.group(3)}"


def sanitizer_report(output: str, tree: str = "") -> tuple[str, str] | None:
    """(kind, first report) when a sanitizer spoke in the output."""
    lines = [readable_frame(line, tree) for line in output.splitlines()]
    markers = [("WARNING: ThreadSanitizer:", "race", "ThreadSanitizer"),
               ("ERROR: AddressSanitizer:", "memory-error", "AddressSanitizer"),
               ("ERROR: LeakSanitizer:", "memory-error", "LeakSanitizer"),
               ("runtime error:", "memory-error", "UndefinedBehaviorSanitizer")]
    for index, line in enumerate(lines):
        for marker, kind, tool in markers:
            if marker in line:
                report = []
                for follow in lines[index:index + 60]:
                    report.append(follow)
                    if follow.startswith("SUMMARY:"):
                        break
                return kind, "\n".join(report)
    return None




@dataclasses.dataclass
class GtestVerdict:
    """What the verdict channel says about one test: passed | failed | skipped | absent (never
    started) | unfinished (started, never ended) | incomplete (ended, but the run never completed)
    | forged (records the test main does not write) | forbidden (a refused system call, in `call`)."""
    state: str
    message: str = ""
    call: str = ""


# A refused system call's name -> plain words (grade_seccomp.py's filter).
CALL_WORDS = {"open": "open for writing", "openat": "openat for writing", "creat": "creat (a new file)",
              "execve": "execve (running another program)", "execveat": "execveat (running another program)",
              "clone": "clone (a new process)", "fork": "fork", "vfork": "vfork", "socket": "socket (the network)",
              "connect": "connect (the network)", "kill": "kill (a signal to another process)",
              "unlink": "unlink (removing a file)", "unlinkat": "unlinkat (removing a file)",
              "rename": "rename", "renameat": "renameat", "renameat2": "renameat2",
              "ptrace": "ptrace", "write": "write to a file other than stdout and stderr",
              "pwrite64": "pwrite64 (writing a file)"}


def call_name(number: int) -> str:
    """The name of x86-64 system call `number` (libseccomp's table), else its number."""
    try:
        import seccomp  # noqa: PLC0415 - Debian's python3-seccomp, only where the grader runs
        return seccomp.resolve_syscall(seccomp.Arch.NATIVE, number).decode()
    except (ImportError, ValueError, OSError, AttributeError):
        return f"system call {number}"


def verdict_from_channel(text: str, test: str) -> GtestVerdict:
    """The verdict of `test` ('Suite.Name') from the records its process wrote on the verdict
    channel (common/testing/test_main.cpp says what they are)."""
    records = [line.split("\t") for line in text.split("\n") if line]
    for fields in records:
        if fields[0] == "forbidden" and len(fields) == 2 and fields[1].isdigit():
            name = call_name(int(fields[1]))
            return GtestVerdict("forbidden", call=CALL_WORDS.get(name, name))
    kinds = [fields[0] for fields in records]
    shapes = {"start": 2, "end": 4, "complete": 2}
    if any(shapes.get(fields[0]) != len(fields) for fields in records) \
            or any(kinds.count(kind) > 1 for kind in shapes) \
            or any(fields[1] != test for fields in records if fields[0] in ("start", "end")) \
            or kinds not in (["start", "end", "complete"], ["start", "end"], ["start"], ["complete"], []):
        return GtestVerdict("forged", "its verdict channel carried records the test main does not write")
    if "start" not in kinds:
        return GtestVerdict("absent")
    if "end" not in kinds:
        return GtestVerdict("unfinished")
    state, message = records[1][2], records[1][3]
    if state not in ("passed", "failed", "skipped"):
        return GtestVerdict("forged", f"an unknown test state {state[:40]!r}")
    if state == "passed" and "complete" not in kinds:
        return GtestVerdict("incomplete")
    if state == "passed" and records[2][1] != "0":
        return GtestVerdict("failed", "the test run reported a failure")
    return GtestVerdict(state, message)


@dataclasses.dataclass
class LaunchRecord:
    """The launcher's record of one test process (grade_launch.py)."""
    exit: int | None
    signal: int | None
    timed_out: bool
    seconds: float = 0.0
    channel: str = ""  # the verdict channel's records, as read
    channel_overflow: bool = False


def read_launch_record(path: pathlib.Path) -> LaunchRecord | None:
    try:
        data = json.loads(path.read_text())
        return LaunchRecord(exit=data.get("exit"), signal=data.get("signal"),
                            timed_out=bool(data.get("timed_out")), seconds=float(data.get("seconds", 0)),
                            channel=str(data.get("channel", "")),
                            channel_overflow=bool(data.get("channel_overflow")))
    except (OSError, ValueError, TypeError):
        return None


SIGNAL_NAMES = {11: "segfault", 6: "abort", 4: "illegal", 8: "numerical", 7: "bus", 9: "child killed",
                24: "cpu time", 25: "file size", 31: "bad system call"}
SIGNAL_WORDS_EXTRA = {
    24: "killed for using more CPU time than the sandbox allows (SIGXCPU)",
    25: "killed for writing a file larger than the sandbox allows (SIGXFSZ)",
}


def final_status(ctest_status: str, record: LaunchRecord | None, verdict: GtestVerdict) -> tuple[str, str]:
    """(status, detail) of a test from the launcher's record and the verdict channel's (CTest's
    word counts only for a test the launcher never ran). status is one of passed, failed, timeout,
    crashed, forbidden, not-run, ended-early; detail is a signal's name for crashed, the refused
    call for forbidden, what was wrong for ended-early."""
    if record is None:  # the launcher never ran it: CTest's word, but never a pass
        return ("not-run", "") if ctest_status in ("not-run", "passed") else (ctest_status, "")
    if record.timed_out:
        return "timeout", ""
    if verdict.state == "forbidden":
        return "forbidden", verdict.call
    if record.signal:
        return "crashed", SIGNAL_NAMES.get(record.signal, f"signal {record.signal}")
    if record.exit == 3 and ctest_status == "timeout":  # parlab's bounded waits
        return "timeout", ""
    if record.exit != 0:
        return ("timeout", "") if record.exit == 3 else ("failed", "")
    if record.channel_overflow:
        return "ended-early", "forged"
    if verdict.state == "passed":
        return "passed", ""
    if verdict.state == "failed":
        return "failed", ""
    return "ended-early", verdict.state

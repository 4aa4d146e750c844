"""How the grader reads what happened to a test: GoogleTest's own XML report, the launcher's record
of the test process (exit status, signal, timeout), CTest's captured output (for the teaching
message), sanitizer reports, and compiler errors. Pure functions over text, unit-tested in
scripts/tests/test_grade_verdicts.py.

A test passes only when its process exited 0 AND GoogleTest's report exists, names that test and
says it ran and passed: a submission that ends the process early (exit(0) from a static
initialiser) or prints a fake "[  PASSED  ]" line gets no points."""

from __future__ import annotations

import dataclasses
import json
import pathlib
import re
import xml.etree.ElementTree as ET

from grade_results import Outcome, clip

NOT_IMPLEMENTED = "not implemented yet"
REPORT_LIMIT = 4 << 20  # bytes of a GoogleTest report the grader is willing to parse

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
    elif status == "ended-early":
        outcome.status = "failed"
        outcome.words = ("failed: the program ended before the test ran (an exit() call?): it exited "
                         "with status 0 but GoogleTest never reported this test")
    else:
        outcome.status = "failed"
        if NOT_IMPLEMENTED in output:
            outcome.words = f"failed: {NOT_IMPLEMENTED} (the starter still throws NotImplemented)"
        else:
            first = next((line.strip() for line in failure_excerpt(output).splitlines()
                          if line.strip() and "Failure" not in line), "")
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
    """What GoogleTest's XML report says about one test: ran | passed | failed | skipped | absent."""
    state: str
    message: str = ""


def read_gtest_report(path: pathlib.Path, test: str) -> GtestVerdict:
    """The verdict of `test` ('Suite.Name') in a GoogleTest XML report written by that test's
    process. A missing, oversized, unparsable or silent report is 'absent'."""
    try:
        if path.stat().st_size > REPORT_LIMIT:
            return GtestVerdict("absent", "its report is too large to be GoogleTest's")
        root = ET.fromstring(path.read_bytes())
    except (OSError, ET.ParseError):
        return GtestVerdict("absent")
    return verdict_from_xml(root, test)


def verdict_from_xml(root: ET.Element, test: str) -> GtestVerdict:
    suite_name, _, name = test.partition(".")
    found = [case for case in root.iter("testcase")
             if case.get("classname") == suite_name and case.get("name") == name]
    if len(found) != 1:
        return GtestVerdict("absent")
    case = found[0]
    failures = case.findall("failure") + case.findall("error")
    if failures:
        return GtestVerdict("failed", (failures[0].get("message") or "").strip())
    if case.get("status") != "run" or case.get("result", "completed") != "completed":
        return GtestVerdict("skipped" if case.get("result") == "skipped"
                            or case.findall("skipped") else "absent")
    return GtestVerdict("passed")


@dataclasses.dataclass
class LaunchRecord:
    """The launcher's record of one test process (grade_launch.py)."""
    exit: int | None
    signal: int | None
    timed_out: bool
    seconds: float = 0.0


def read_launch_record(path: pathlib.Path) -> LaunchRecord | None:
    try:
        data = json.loads(path.read_text())
        return LaunchRecord(exit=data.get("exit"), signal=data.get("signal"),
                            timed_out=bool(data.get("timed_out")), seconds=float(data.get("seconds", 0)))
    except (OSError, ValueError, TypeError):
        return None


SIGNAL_NAMES = {11: "segfault", 6: "abort", 4: "illegal", 8: "numerical", 7: "bus", 9: "child killed",
                24: "cpu time", 25: "file size"}
SIGNAL_WORDS_EXTRA = {
    24: "killed for using more CPU time than the sandbox allows (SIGXCPU)",
    25: "killed for writing a file larger than the sandbox allows (SIGXFSZ)",
}


def final_status(ctest_status: str, record: LaunchRecord | None, verdict: GtestVerdict) -> tuple[str, str]:
    """(status, detail) of a test from the three witnesses. status is one of passed, failed,
    timeout, crashed, not-run, ended-early; detail is a signal's name for crashed."""
    if record is None:  # the launcher never ran it: CTest's word, but never a pass
        return ("not-run", "") if ctest_status in ("not-run", "passed") else (ctest_status, "")
    if record.timed_out:
        return "timeout", ""
    if record.signal:
        return "crashed", SIGNAL_NAMES.get(record.signal, f"signal {record.signal}")
    if record.exit == 3 and ctest_status == "timeout":  # parlab's bounded waits
        return "timeout", ""
    if record.exit != 0:
        return ("timeout", "") if record.exit == 3 else ("failed", "")
    if verdict.state == "passed":
        return "passed", ""
    if verdict.state == "failed":
        return "failed", ""
    return "ended-early", verdict.state

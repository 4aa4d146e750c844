"""Reads CTest's dashboard file (Testing/<tag>/Test.xml, written by `ctest -T Test`) into
per-test records, telling a clean failure apart from a crash or a timeout. JUnit output cannot:
it marks all three as plain failures. Used by scripts/test and scripts/grade."""

from __future__ import annotations

import base64
import dataclasses
import pathlib
import re
import xml.etree.ElementTree as ET
import zlib

# Test names are <flavour>.<labNN|common>.<Suite>.<Test> (see parlab_add_lab in CMakeLists.txt).
NAME = re.compile(r"^(?P<flavour>lab|solution|common)\.(?P<lab>lab\d\d|[^.]+)\.(?P<test>.+)$")


@dataclasses.dataclass
class TestResult:
    name: str
    flavour: str
    lab: str  # "lab01" ..., or "common"
    test: str  # Suite.Test
    status: str  # passed | failed | timeout | crashed | not-run
    detail: str  # CTest's own words: "Failed", "Timeout", "SEGFAULT", "Subprocess aborted" ...
    seconds: float
    output: str


def _measurement(test: ET.Element, name: str) -> str:
    for named in test.iter("NamedMeasurement"):
        if named.get("name") == name:
            value = named.find("Value")
            return (value.text or "") if value is not None else ""
    return ""


def _output(test: ET.Element) -> str:
    """The test's output. CTest stores long output zlib-compressed and base64-encoded."""
    value = test.find("Results/Measurement/Value")
    if value is None or not value.text:
        return ""
    if value.get("encoding") == "base64":
        raw = base64.b64decode(value.text)
        if value.get("compression") == "gzip":  # CTest's name for it; the data is a zlib stream
            raw = zlib.decompress(raw)
        return raw.decode("utf-8", errors="replace")
    return value.text


def _classify(xml_status: str, exit_code: str, exit_value: str) -> str:
    if xml_status == "passed":
        return "passed"
    if xml_status == "notrun":
        return "not-run"
    if exit_code == "Timeout":
        return "timeout"
    # parlab's bounded waits exit with status 3 when a wait times out inside the test.
    if exit_code == "Failed" and exit_value == "3":
        return "timeout"
    if exit_code == "Failed":
        return "failed"
    return "crashed"  # SEGFAULT, Subprocess aborted, Illegal, Child killed, ...


def read(test_xml: pathlib.Path) -> list[TestResult]:
    root = ET.parse(test_xml).getroot()
    results = []
    for test in root.iter("Test"):
        if test.get("Status") is None:  # the <TestList> entries have no status
            continue
        name = test.findtext("Name") or ""
        match = NAME.match(name)
        flavour, lab, short = (match["flavour"], match["lab"], match["test"]) if match else ("", "", name)
        if flavour == "common":
            lab = "common"
        exit_code = _measurement(test, "Exit Code")
        exit_value = _measurement(test, "Exit Value")
        seconds = _measurement(test, "Execution Time")
        output = _output(test)
        results.append(
            TestResult(
                name=name,
                flavour=flavour,
                lab=lab,
                test=short,
                status=_classify(test.get("Status", ""), exit_code, exit_value),
                detail=exit_code or test.get("Status", ""),
                seconds=float(seconds) if seconds else 0.0,
                output=output,
            )
        )
    return results


def latest_test_xml(build_dir: pathlib.Path) -> pathlib.Path:
    """The Test.xml of the most recent `ctest -T Test` run in build_dir."""
    tag_file = build_dir / "Testing" / "TAG"
    tag = tag_file.read_text().splitlines()[0].strip()
    return build_dir / "Testing" / tag / "Test.xml"


# CTest's words for a test killed by a signal, and the signal's usual name.
_SIGNALS = [("segfault", "SIGSEGV"), ("subprocess aborted", "SIGABRT"), ("illegal", "SIGILL"),
            ("numerical", "SIGFPE"), ("bus error", "SIGBUS"), ("child killed", "SIGKILL"),
            ("interrupt", "SIGINT")]

# Lines GoogleTest writes around an assertion's own message: the expressions and their values.
GTEST_FRAME = re.compile(
    r"^(Expected equality of these values:|Expected: |Value of: |  Actual: |Which is: |"
    r"Failed$|Expected .*, actual: |The difference between |Expected: \(|With diff:|"
    r"\s{2,}\S)")


def signal_of(result: TestResult) -> str:
    """The signal that killed a crashed test ('SIGSEGV'), or CTest's own words when unknown."""
    lower = result.detail.lower()
    return next((name for key, name in _SIGNALS if key in lower), result.detail or "unknown signal")


def first_message_line(result: TestResult) -> str:
    """One line that says why a test did not pass: a sanitizer's report, parlab's bounded-wait
    message, a NotImplemented exception ("not implemented yet: ..."), or the teaching message
    of the first failed GoogleTest assertion (GoogleTest's lines around it are skipped)."""
    lines = result.output.splitlines()
    for line in lines:
        for marker in ("WARNING: ThreadSanitizer:", "ERROR: AddressSanitizer:",
                       "ERROR: LeakSanitizer:", "runtime error:"):
            if marker in line:
                return line[line.index(marker):].removeprefix("WARNING: ").removeprefix("ERROR: ").strip()
    for line in lines:
        if line.startswith("FAILED: ") and "did not finish within" in line:
            return line.removeprefix("FAILED: ").strip()
    exception = re.compile(r'C\+\+ exception with description "(.*)" thrown in ')
    for index, line in enumerate(lines):
        if not re.search(r"(:\d+|unknown file): Failure$", line):
            continue
        block = []
        for follow in lines[index + 1:]:
            if follow.startswith("[  FAILED  ]") or re.search(r"(:\d+|unknown file): Failure$", follow):
                break
            block.append(follow)
        for follow in block:
            match = exception.search(follow)
            if match:
                return match.group(1)
            if follow.strip() and not GTEST_FRAME.match(follow):
                return follow.strip()
        return next((f.strip() for f in block if f.strip()), "")
    for line in lines:  # no assertion failed: an uncaught exception or a sanitizer's summary
        if "what():" in line or line.startswith("terminate called"):
            return line.strip()
    return ""

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

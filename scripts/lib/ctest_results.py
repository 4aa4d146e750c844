"""Reads CTest's dashboard file (Testing/<tag>/Test.xml, written by `ctest -T Test`) into
per-test records, telling a clean failure apart from a crash or a timeout. JUnit output cannot:
it marks all three as plain failures. Used by scripts/test and scripts/grade."""

from __future__ import annotations

import dataclasses
import pathlib
import re
import xml.etree.ElementTree as ET

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
        output = test.findtext("Results/Measurement/Value") or ""
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

"""The grader's results: one Outcome per graded test, a LabReport per lab, the Report of a run.
Shared by scripts/lib/grade.py (which fills them) and grade_report.py (which writes them)."""

from __future__ import annotations

import dataclasses
import time

import grading_manifest

OUTPUT_LIMIT = 6000  # characters of test output kept per test in results.json / JUnit


def clip(text: str, limit: int = OUTPUT_LIMIT) -> str:
    text = text.strip("\n")
    if len(text) <= limit:
        return text
    return text[: limit // 3] + "\n[... cut ...]\n" + text[-(2 * limit) // 3:]


@dataclasses.dataclass
class Outcome:
    lab: str
    part: str
    test: str
    max_score: float
    status: str  # passed failed timeout crashed not-run not-compiled untrusted missing race
    #              memory-error rule-broken
    words: str = ""  # plain words for the student, one line
    output: str = ""  # detail: the test's output, the sanitizer's report, the compiler errors
    seconds: float = 0.0
    visibility: str = "visible"

    @property
    def score(self) -> float:
        return self.max_score if self.status == "passed" else 0.0


@dataclasses.dataclass
class LabReport:
    manifest: grading_manifest.Manifest
    compiled: bool = False
    outcomes: list[Outcome] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)  # integrity, manifest, rules
    perf: list[dict] = dataclasses.field(default_factory=list)

    @property
    def score(self) -> float:
        return sum(o.score for o in self.outcomes)

    @property
    def max_score(self) -> float:
        return self.manifest.max_points


@dataclasses.dataclass
class Report:
    labs: list[LabReport] = dataclasses.field(default_factory=list)
    errors: list[str] = dataclasses.field(default_factory=list)  # grader or manifest errors
    header: list[str] = dataclasses.field(default_factory=list)
    started: float = dataclasses.field(default_factory=time.time)

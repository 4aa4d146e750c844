"""The grader's results: one Outcome per graded test, a LabReport per lab, the Report of a run.
Shared by scripts/lib/grade.py (which fills them) and grade_report.py (which writes them)."""

from __future__ import annotations

import dataclasses
import re
import time

import grading_manifest

# Size budgets of every report (characters): what a submission prints, or makes the compiler
# print, must never make a report large or invalid (one 8 MB compiler line once made a 26 MB
# results.json and a 136 MB JUnit file with raw control characters in it).
OUTPUT_LIMIT = 6000  # one test's output in results.json / JUnit
NOTE_LIMIT = 8000  # one note of a lab (compiler errors, the policy's findings ...)
WORDS_LIMIT = 400  # one line of plain words
LAB_LIMIT = 60000  # all the test outputs of one lab; past it each is cut to SPENT_LIMIT
SPENT_LIMIT = 300
TEXT_LIMIT = 200000  # the printed report, which results.json carries as its "output"

# C0 and C1 control characters except \n and \t, and what XML 1.0 cannot carry at all.
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def clean(text: str) -> str:
    """Text without control characters (\n and \t kept): safe for a terminal, JSON and XML."""
    return CONTROL.sub("", text)


def clip(text: str, limit: int = OUTPUT_LIMIT) -> str:
    """At most about `limit` characters of clean text: its head and its tail, and how much was cut
    between them."""
    if len(text) > 4 * limit:  # clean only what is kept: an 8 MB text costs no more than a small one
        head = clean(text[:2 * limit]).lstrip("\n")[:limit // 3]
        tail = clean(text[-2 * limit:]).rstrip("\n")[-(limit - limit // 3):]
        return f"{head}\n[... {len(text) - len(head) - len(tail)} characters cut ...]\n{tail}"
    text = clean(text).strip("\n")
    if len(text) <= limit:
        return text
    head = limit // 3
    tail = limit - head
    return f"{text[:head]}\n[... {len(text) - head - tail} characters cut ...]\n{text[-tail:]}"


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

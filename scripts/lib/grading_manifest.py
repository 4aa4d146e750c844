"""Reads and checks a lab's grading manifest (labs/NN_name/grading.toml; the format is described
at the top of lab 1's and in docs/grading.md). Used by scripts/grade and scripts/release-student."""

from __future__ import annotations

import dataclasses
import pathlib
import re
import tomllib

VISIBILITIES = {"visible", "hidden", "after_due_date", "after_published"}
SANITIZERS = {"thread", "address"}
DEFAULT_TIMEOUT_HINT = "a deadlock, a lost wake-up or a loop that never ends is the usual cause"


class ManifestError(Exception):
    """The manifest is missing, unreadable or inconsistent: an instructor's error, not a student's."""


@dataclasses.dataclass
class Part:
    id: str
    title: str
    tests: dict[str, float]  # "Suite.Test" -> points
    timeout_hint: str
    visibility: str


@dataclasses.dataclass
class Rule:
    test: str
    parts: list[str]
    says: str


@dataclasses.dataclass
class Perf:
    benchmark: str
    ratio: float
    points: float


@dataclasses.dataclass
class Manifest:
    number: str  # "01"
    folder: pathlib.Path  # the lab's folder in the checkout (labs/NN_name)
    student_files: list[str]
    protected_files: list[str]
    timeout: int
    sanitizers: list[str]
    sanitize_timeout: int
    parts: list[Part]
    rules: list[Rule]
    perf: list[Perf]
    depends: list[str]  # from the lab's CMakeLists.txt (DEPENDS 01 02)

    @property
    def name(self) -> str:
        return self.folder.name  # "01_copying_threads"

    @property
    def max_points(self) -> float:
        return sum(sum(part.tests.values()) for part in self.parts)

    def part_of(self, test: str) -> Part | None:
        for part in self.parts:
            if test in part.tests:
                return part
        return None


def _get(table: dict, key: str, kind, default=None, where: str = ""):
    value = table.get(key, default)
    if value is None:
        raise ManifestError(f"{where}: '{key}' is missing")
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind):
        raise ManifestError(f"{where}: '{key}' should be a {kind.__name__}, not {value!r}")
    return value


def depends_of(lab_folder: pathlib.Path) -> list[str]:
    """The DEPENDS list of the parlab_add_lab call in the lab's CMakeLists.txt."""
    try:
        text = (lab_folder / "CMakeLists.txt").read_text()
    except OSError:
        return []
    match = re.search(r"\bDEPENDS((?:\s+\d\d)+)", text)
    return match.group(1).split() if match else []


def has_reference(root: pathlib.Path, lab: str) -> bool:
    """Whether later labs can build on lab `lab`'s reference: it has a facade
    (facades/NN_name/include/, PARLAB_DEPS_FLAVOUR=reference)."""
    return any((root / "facades").glob(f"{lab}_*/include"))


def load(lab_folder: pathlib.Path) -> Manifest:
    path = lab_folder / "grading.toml"
    where = str(path)
    try:
        data = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise ManifestError(f"{where} does not exist: lab {lab_folder.name[:2]} cannot be graded") from None
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ManifestError(f"{where}: {error}") from None
    number = lab_folder.name[:2]
    if _get(data, "lab", int, where=where) != int(number):
        raise ManifestError(f"{where}: 'lab' is {data['lab']}, but the folder is lab {number}")
    student_files = _get(data, "student_files", list, where=where)
    protected_files = _get(data, "protected_files", list, [], where=where)
    for file in student_files + protected_files:
        if not isinstance(file, str) or file.startswith("/") or ".." in pathlib.PurePath(file).parts:
            raise ManifestError(f"{where}: {file!r} is not a path inside the lab folder")
    if not student_files:
        raise ManifestError(f"{where}: student_files is empty")
    if set(student_files) & set(protected_files):
        raise ManifestError(f"{where}: a file cannot be both a student file and protected")
    sanitizers = _get(data, "sanitizers", list, [], where=where)
    if not set(sanitizers) <= SANITIZERS:
        raise ManifestError(f"{where}: sanitizers must be among {sorted(SANITIZERS)}")

    parts = []
    seen_tests: set[str] = set()
    for index, raw in enumerate(_get(data, "part", list, where=where)):
        pwhere = f"{where}: part {index + 1}"
        tests = _get(raw, "tests", dict, where=pwhere)
        for test, points in tests.items():
            if not isinstance(points, (int, float)) or isinstance(points, bool) or points < 0:
                raise ManifestError(f"{pwhere}: the points of {test} should be a number >= 0")
            if test in seen_tests:
                raise ManifestError(f"{pwhere}: {test} is listed in two parts")
            seen_tests.add(test)
        visibility = _get(raw, "visibility", str, "visible", where=pwhere)
        if visibility not in VISIBILITIES:
            raise ManifestError(f"{pwhere}: visibility must be one of {sorted(VISIBILITIES)}")
        parts.append(Part(id=_get(raw, "id", str, where=pwhere),
                          title=_get(raw, "title", str, where=pwhere),
                          tests={t: float(p) for t, p in tests.items()},
                          timeout_hint=_get(raw, "timeout_hint", str, DEFAULT_TIMEOUT_HINT, where=pwhere),
                          visibility=visibility))
    if len({part.id for part in parts}) != len(parts):
        raise ManifestError(f"{where}: two parts share an id")

    rules = []
    for index, raw in enumerate(_get(data, "rule", list, [], where=where)):
        rwhere = f"{where}: rule {index + 1}"
        rule = Rule(test=_get(raw, "test", str, where=rwhere), parts=_get(raw, "parts", list, where=rwhere),
                    says=_get(raw, "says", str, where=rwhere))
        if rule.test not in seen_tests:
            raise ManifestError(f"{rwhere}: its test {rule.test} is in no part")
        unknown = set(rule.parts) - {part.id for part in parts}
        if unknown:
            raise ManifestError(f"{rwhere}: unknown parts {sorted(unknown)}")
        rules.append(rule)

    perf = []
    for index, raw in enumerate(_get(data, "perf", list, [], where=where)):
        fwhere = f"{where}: perf {index + 1}"
        perf.append(Perf(benchmark=_get(raw, "benchmark", str, where=fwhere),
                         ratio=_get(raw, "ratio", float, 1.25, where=fwhere),
                         points=_get(raw, "points", float, 0.0, where=fwhere)))

    return Manifest(number=number, folder=lab_folder, student_files=student_files,
                    protected_files=protected_files, timeout=_get(data, "timeout", int, 60, where=where),
                    sanitizers=sanitizers,
                    sanitize_timeout=_get(data, "sanitize_timeout", int, 300, where=where),
                    parts=parts, rules=rules, perf=perf, depends=depends_of(lab_folder))


def check_against(manifest: Manifest, ctest_names: list[str]) -> list[str]:
    """Manifest errors against the tests CTest registered for the lab (names without the
    '<flavour>.labNN.' prefix): tests missing from the manifest, and manifest tests CTest lacks."""
    listed = {test for part in manifest.parts for test in part.tests}
    registered = set(ctest_names)
    errors = [f"lab {manifest.number}: test {test} is not in grading.toml (it would score nothing)"
              for test in sorted(registered - listed)]
    errors += [f"lab {manifest.number}: grading.toml lists {test}, which is not a test of the lab"
               for test in sorted(listed - registered)]
    return errors

"""One case of the grader's self-test (grade_selftest.py runs them): the submission folder a case
of scripts/grade_fixtures/labNN/cases.json describes, its grading, and the checks of the report
(score, per-test status, phrases, valid results.json, JUnit and Classroom files, files an attack
must not have written, and no process of the submission left alive)."""

from __future__ import annotations

import base64
import glob
import json
import os
import pathlib
import re
import shutil
import subprocess
import tempfile
import threading
import xml.etree.ElementTree as ET

import grade_sandbox
import grading_manifest

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "scripts" / "grade_fixtures"


def lab_folder(lab: str, under: pathlib.Path) -> pathlib.Path:
    return next((under).glob(f"{lab}_*"))


def make_submission(case: dict, lab: str, fixtures: pathlib.Path, into: pathlib.Path) -> None:
    """A submission folder for a case: the base's student files (starter = labs/, solution =
    solutions/), a patch applied to them (`git apply`, paths as in the repository, e.g.
    solutions/01_copying_threads/copying_threads.hpp), snippets appended to lab files, a
    whole folder laid over it, and symbolic links ('links': {path in the submission: target});
    @CHECKOUT@ in a student file or a link's target becomes this checkout's path."""
    make_files(case, lab, fixtures, into)
    for path, target in case.get("links", {}).items():
        link = into / path
        link.parent.mkdir(parents=True, exist_ok=True)
        if link.is_dir() and not link.is_symlink():
            shutil.rmtree(link)
        elif link.exists() or link.is_symlink():
            link.unlink()
        link.symlink_to(target.replace("@CHECKOUT@", str(ROOT)))


def make_files(case: dict, lab: str, fixtures: pathlib.Path, into: pathlib.Path) -> None:
    lab_dir = lab_folder(lab, ROOT / "labs")
    manifest = grading_manifest.load(lab_dir)
    base = case.get("base", "none")
    into.mkdir(parents=True, exist_ok=True)
    if base not in ("starter", "solution"):
        if case.get("files"):
            shutil.copytree(fixtures / case["files"], into, dirs_exist_ok=True)
        return
    side = "labs" if base == "starter" else "solutions"
    with tempfile.TemporaryDirectory(prefix="parlab-fixture-") as scratch:
        work = pathlib.Path(scratch) / side / lab_dir.name
        work.mkdir(parents=True)
        files = list(manifest.student_files) + list(case.get("append", {}))
        for file in files:
            source = (ROOT / side / lab_dir.name / file)
            if not source.is_file():
                source = lab_dir / file
            (work / file).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, work / file)
        if case.get("patch"):
            subprocess.run(["git", "apply", "--unidiff-zero", str(fixtures / case["patch"])],
                           cwd=scratch, check=True)
        for file, snippet in case.get("append", {}).items():
            with open(work / file, "a") as out:
                out.write((fixtures / snippet).read_text())
        for file in files:
            text = (work / file).read_text().replace("@CHECKOUT@", str(ROOT))
            target = into / pathlib.PurePath(file).name if case.get("flat") else into / "labs" / lab_dir.name / file
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
    if case.get("files"):
        shutil.copytree(fixtures / case["files"], into, dirs_exist_ok=True)


def statuses_from_junit(path: pathlib.Path) -> dict[str, str]:
    statuses = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        if case.get("classname", "").endswith(".perf") or case.get("classname") == "grader":
            continue
        status = "passed"
        if case.find("failure") is not None:
            status = "failed"
        elif case.find("error") is not None:
            status = case.find("error").get("type", "error")
        statuses[case.get("name")] = status
    return statuses


def check_outputs(out: pathlib.Path) -> tuple[dict, list[str]]:
    """Validates results.json (Gradescope's fields), the JUnit XML and the Classroom result."""
    problems = []
    results = json.loads((out / "results.json").read_text())
    for key in ("score", "execution_time", "output", "tests"):
        if key not in results:
            problems.append(f"results.json lacks '{key}'")
    for test in results.get("tests", []):
        for key in ("name", "score", "max_score", "output", "visibility"):
            if key not in test:
                problems.append(f"results.json test {test.get('name')} lacks '{key}'")
        if test.get("score", 0) > test.get("max_score", 0):
            problems.append(f"results.json test {test.get('name')} scores above its maximum")
    total = sum(t.get("score", 0) for t in results.get("tests", []))
    if abs(total - results.get("score", -1)) > 1e-9:
        problems.append(f"results.json score {results.get('score')} != the sum of its tests {total}")
    ET.parse(out / "junit.xml")
    classroom = json.loads(base64.b64decode((out / "classroom.txt").read_text()))
    if classroom.get("version") != 1 or "max_score" not in classroom:
        problems.append("the Classroom result lacks version 1 / max_score")
    return results, problems


def run_case(case: dict, lab: str, fixtures: pathlib.Path, scratch: pathlib.Path,
             grade: pathlib.Path) -> list[str]:
    submission = scratch / "submission" / case["name"]
    make_submission(case, lab, fixtures, submission)
    out = scratch / "out" / case["name"]
    out.mkdir(parents=True)
    command = [str(grade), "--lab", lab, "--dir", str(submission), "--json", str(out / "results.json"),
               "--junit", str(out / "junit.xml"), "--classroom", str(out / "classroom.txt"),
               *case.get("args", [])]
    env = dict(os.environ, PARLAB_NO_INSTALL="1", **case.get("env", {}))
    done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    (out / "report.txt").write_text(done.stdout)
    problems = []
    if done.returncode != case.get("exit", 0):
        problems.append(f"exit status {done.returncode}, expected {case.get('exit', 0)}")
    try:
        results, more = check_outputs(out)
        problems += more
        statuses = statuses_from_junit(out / "junit.xml")
    except (OSError, ValueError, ET.ParseError) as error:
        return problems + [f"its files are missing or invalid: {error}"]
    if "score" in case and abs(results["score"] - case["score"]) > 1e-9:
        problems.append(f"score {results['score']:g}, expected {case['score']}")
    for test, status in case.get("statuses", {}).items():
        if statuses.get(test) != status:
            problems.append(f"{test} is {statuses.get(test)}, expected {status}")
    if "all_status" in case:
        odd = {t: s for t, s in statuses.items() if s != case["all_status"]}
        if odd or not statuses:
            problems.append(f"expected every test {case['all_status']}, but {odd or 'there are none'}")
    for status, count in case.get("at_least", {}).items():
        seen = sum(s == status for s in statuses.values())
        if seen < count:
            problems.append(f"{seen} tests are {status}, expected at least {count}")
    if "max_bytes" in case:  # the reports stay small and clean whatever the submission printed
        for name in ("results.json", "junit.xml", "report.txt"):
            size = (out / name).stat().st_size
            if size > case["max_bytes"]:
                problems.append(f"{name} is {size} bytes, expected at most {case['max_bytes']}")
        strings = "".join(strings_of(results)) + (out / "junit.xml").read_text() + done.stdout
        controls = sorted({f"{ord(c):#04x}" for c in strings if ord(c) < 32 and c not in "\n\t"})
        if controls:
            problems.append(f"the reports carry control characters {controls}")
    if case.get("all_status") == "policy":  # which policy step stopped it, as cases.json says
        step = "the compiled submission breaks the policy; tests not run" if case.get("after_build") \
            else "the submission breaks the policy; not built"
        if step not in done.stdout:
            problems.append(f"the grader's log does not say {step!r}")
    for phrase in case.get("text", []):
        if phrase not in done.stdout:
            problems.append(f"the report does not say {phrase!r}")
    for phrase in case.get("absent", []):
        if phrase in done.stdout or phrase in json.dumps(results):
            problems.append(f"the report says {phrase!r}")
    for pattern in case.get("no_files", []):  # what an attack wrote outside the grader's folders
        found = glob.glob(pattern)
        if found:
            problems.append(f"{found[0]} exists after the grading")
            for path in found:
                pathlib.Path(path).unlink(missing_ok=True)
    problems += leftovers(done.stdout)
    return problems


def strings_of(value) -> list[str]:
    """Every string inside a parsed JSON value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings_of(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings_of(v)]
    return []


SANDBOX_UID = re.compile(r"^\s*sandbox: \w+ \([^)\n]*?\buid (\d+)", re.MULTILINE)
_uid_check = threading.Lock()  # grade_sandbox's held locks are one list per process


def leftovers(report: str) -> list[str]:
    """Processes a graded submission left alive: any of the sandbox uid its report names, or any
    running a program built in a grading's work folder (the 'none' sandbox runs as the grader).
    Gradings run side by side, so only the report's own uid counts, and only while nobody holds
    it: a grading that claimed it after this one ended found none of its processes alive (a uid
    with processes is never claimed), so neither can there be any now."""
    uids = {int(uid) for uid in SANDBOX_UID.findall(report)}
    alive = []
    with _uid_check:
        for uid in sorted(uids):
            if not grade_sandbox.try_hold(uid):
                continue
            try:
                alive += grade_sandbox.processes_of(uid)
            finally:
                grade_sandbox.release_uids()
    for entry in pathlib.Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            state = (entry / "stat").read_text().rpartition(")")[2].split()[0]
            if state in ("Z", "X") or entry.stat().st_uid in grade_sandbox.UID_RANGE:
                continue
            exe = os.readlink(entry / "exe")
        except OSError:
            continue
        if "parlab-grade-" in exe:
            alive.append(int(entry.name))
    if not alive:
        return []
    return [f"{len(alive)} process(es) of the submission are still alive: {' '.join(map(str, alive[:10]))}"]

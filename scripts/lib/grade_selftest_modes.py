"""The grader's self-test beyond the fixture cases (grade_selftest.py runs them): the other ways a
submission is graded (GitHub Classroom in place, Gradescope's run_autograder, the user sandbox),
a manifest that misses a test, a [[rule]] gate, two gradings at once, and every lab's reference."""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import xml.etree.ElementTree as ET

import grading_manifest
from grade_selftest_cases import (FIXTURES, ROOT, lab_folder, leftovers, make_submission, run_case,
                                  statuses_from_junit)


def copy_of_checkout(scratch: pathlib.Path) -> pathlib.Path:
    copy = scratch / "checkout"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(".git", "build", "__pycache__"))
    return copy


def manifest_cases(lab: str, fixtures: pathlib.Path, scratch: pathlib.Path) -> dict[str, list[str]]:
    """A manifest that misses a test is reported; a failed [[rule]] zeroes its parts."""
    copy = copy_of_checkout(scratch)
    manifest = lab_folder(lab, copy / "labs") / "grading.toml"
    original = manifest.read_text()
    env = dict(os.environ, PARLAB_NO_INSTALL="1")
    failures: dict[str, list[str]] = {}

    lines = original.splitlines()
    dropped = next(i for i, line in enumerate(lines) if line.startswith('"'))
    test = lines[dropped].split('"')[1]
    manifest.write_text("\n".join(lines[:dropped] + lines[dropped + 1:]) + "\n")
    done = subprocess.run([str(copy / "scripts/grade"), "--check-manifests", "--lab", lab],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    expected = f"test {test} is not in grading.toml"
    if done.returncode != 1 or expected not in done.stdout:
        failures["manifest_missing_test"] = [f"exit {done.returncode}, output:\n{done.stdout[-800:]}"]

    # The rule gate, on lab 1's crash fixture: UsesOneNewThreadPerChunkNeverTheCaller (part C)
    # crashes, and a rule naming it gates part A, whose tests all pass.
    if lab == "01":
        manifest.write_text(original + '\n[[rule]]\ntest = "CopyingThreads.UsesOneNewThreadPerChunkNeverTheCaller"\n'
                            'parts = ["A"]\nsays = "a rule of the grader\'s self-test"\n')
        out = scratch / "out" / "rule_gate"
        out.mkdir(parents=True)
        crash = scratch / "submission" / "rule_gate"
        make_submission({"base": "solution", "patch": "crash.patch"}, lab, fixtures, crash)
        done = subprocess.run([str(copy / "scripts/grade"), "--lab", lab, "--dir", str(crash),
                               "--junit", str(out / "junit.xml")],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        (out / "report.txt").write_text(done.stdout)
        try:
            statuses = statuses_from_junit(out / "junit.xml")
        except (OSError, ET.ParseError) as error:
            statuses = {"?": str(error)}
        gated = statuses.get("CopyingThreads.RejectsZeroKWithAClearMessage")
        if gated != "rule-broken" or "rule check failed" not in done.stdout or "score: 14 / 23" not in done.stdout:
            failures["rule_gate"] = [f"RejectsZero... is {gated}; report:\n{done.stdout[-1200:]}"]
    return failures


def grade_and_check(command: list[str], out: pathlib.Path, expect_score: float, phrases: list[str],
                    cwd: pathlib.Path | None = None, env: dict | None = None) -> list[str]:
    """Runs a grading command that writes out/results.json; checks exit 0, score and phrases."""
    done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          cwd=cwd, env=dict(os.environ, PARLAB_NO_INSTALL="1", **(env or {})))
    (out / "report.txt").write_text(done.stdout)
    problems = [] if done.returncode == 0 else [f"exit status {done.returncode}"]
    try:
        results = json.loads((out / "results.json").read_text())
    except (OSError, ValueError) as error:
        return problems + [f"no valid results.json: {error}"] + leftovers(done.stdout)
    if abs(results.get("score", -1) - expect_score) > 1e-9:
        problems.append(f"score {results.get('score')}, expected {expect_score}")
    text = done.stdout + results.get("output", "")
    problems += [f"the report does not say {p!r}" for p in phrases if p not in text]
    return problems + leftovers(text)


def lab_files(lab: str, side: str) -> dict[str, pathlib.Path]:
    folder = lab_folder(lab, ROOT / "labs")
    return {f: ROOT / side / folder.name / f for f in grading_manifest.load(folder).student_files}


def mode_cases(lab: str, fixtures: pathlib.Path, scratch: pathlib.Path, only: list[str]) -> dict[str, list[str]]:
    """The other ways a submission is graded: GitHub Classroom's in-place run in a student release
    with the reference laid over it, Gradescope's run_autograder (as root, AUTOGRADER_ROOT in a
    temp folder), and the user sandbox (as root); each with the honest reference (full marks) and
    with an attack (0, and nothing left alive)."""
    failures: dict[str, list[str]] = {}
    folder = lab_folder(lab, ROOT / "labs")
    maximum = grading_manifest.load(folder).max_points
    cases = json.loads((fixtures / "cases.json").read_text())
    attack = cases.get("mode_attack", {})
    # Every attack that the policy stops before the build (cheap) is also graded in the Classroom
    # and Gradescope modes: the policy must hold whichever way a submission comes in. Of those it
    # stops only after a build, one is: the object checks are the same for every attack once built.
    stopped = [case for case in cases.get("cases", []) if case.get("all_status") == "policy" and case.get("append")]
    stopped = [c for c in stopped if not c.get("after_build")] + [c for c in stopped if c.get("after_build")][:1]
    attacks = [("attack", attack)] + [
        (f"attack_{case['name']}", {"append": case["append"], "text": case.get("text", [])}) for case in stopped]

    def wanted(name: str) -> bool:
        return not only or name in only

    if wanted("classroom"):  # a student release; the reference laid over it, graded in place
        release = scratch / "release"
        done = subprocess.run([str(ROOT / "scripts/release-student"), str(release), "--lab", str(int(lab)),
                               "--no-check"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              env=dict(os.environ, PARLAB_NO_INSTALL="1"))
        if done.returncode != 0:
            failures["classroom"] = [f"release-student failed:\n{done.stdout[-800:]}"]
        else:
            problems = []
            for name, expect, phrases, appends in (
                    [("honest", maximum, ["sandbox: "], {})]
                    + [(n, 0, a.get("text", []), a.get("append", {})) for n, a in attacks]):
                out = scratch / "out" / f"classroom_{name}"
                out.mkdir(parents=True)
                for file, source in lab_files(lab, "solutions").items():
                    shutil.copyfile(source, release / "labs" / folder.name / file)
                for file, snippet in appends.items():
                    with open(release / "labs" / folder.name / file, "a") as target:
                        target.write((fixtures / snippet).read_text())
                problems += [f"{name}: {p}" for p in grade_and_check(
                    [str(release / "scripts/grade"), "--lab", lab, "--json", str(out / "results.json"),
                     "--classroom", str(out / "classroom.txt")], out, expect, phrases, cwd=release)]
            if problems:
                failures["classroom"] = problems
    if wanted("gradescope") and os.geteuid() == 0:
        problems = []
        for name, expect, phrases, appends in (
                [("honest", maximum, ["sandbox: "], {})]
                + [(n, 0, a.get("text", []), a.get("append", {})) for n, a in attacks]):
            root = scratch / f"autograder_{name}"
            shutil.copytree(ROOT, root / "source", ignore=shutil.ignore_patterns(".git", "build", "__pycache__"))
            (root / "source" / "grade-args").write_text(f"--lab\n{lab}\n")
            submission = root / "submission" / "labs" / folder.name
            submission.mkdir(parents=True)
            for file, source in lab_files(lab, "solutions").items():
                shutil.copyfile(source, submission / file)
                if file in appends:
                    with open(submission / file, "a") as target:
                        target.write((fixtures / appends[file]).read_text())
            out = scratch / "out" / f"gradescope_{name}"
            out.mkdir(parents=True)
            problems += [f"{name}: {p}" for p in grade_and_check(
                [str(root / "source/scripts/gradescope/run_autograder")], out, expect, phrases,
                env={"AUTOGRADER_ROOT": str(root)})]
            shutil.copyfile(root / "results" / "results.json", out / "results.json") if (
                root / "results" / "results.json").is_file() else None
            problems = [p for p in problems if "no valid results.json" not in p]
            problems += [f"{name}: {p}" for p in check_results_file(root / "results" / "results.json",
                                                                    expect, phrases)]
        if problems:
            failures["gradescope"] = problems
    if wanted("user_sandbox") and os.geteuid() == 0:
        problems = []
        for name, case in (("honest", {"name": "user_honest", "base": "solution", "score": maximum,
                                       "args": ["--sandbox", "user"], "text": ["sandbox: user"]}),
                           ("attack", dict(attack.get("sandbox_case", {}), name="user_attack",
                                           args=["--sandbox", "user", "--no-policy"]))):
            problems += [f"{name}: {p}" for p in run_case(case, lab, fixtures, scratch, ROOT / "scripts" / "grade")]
        if problems:
            failures["user_sandbox"] = problems
    return failures


def check_results_file(path: pathlib.Path, expect: float, phrases: list[str]) -> list[str]:
    try:
        results = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        return [f"no valid {path}: {error}"]
    problems = []
    if abs(results.get("score", -1) - expect) > 1e-9:
        problems.append(f"score {results.get('score')}, expected {expect}")
    text = results.get("output", "") + json.dumps(results.get("tests", []))
    return problems + [f"results.json does not say {p!r}" for p in phrases if p not in text]


def honest_all_labs(scratch: pathlib.Path) -> list[str]:
    """Every lab's reference laid over as one --dir submission must score full marks: the policy,
    the sealed trees and the launcher must leave every honest test alone (the model checks and
    their Relacy headers included), not only lab 1's."""
    submission = scratch / "submission" / "honest_all_labs"
    maximum = 0.0
    for folder in sorted((ROOT / "labs").glob("[0-9][0-9]_*")):
        if not (folder / "grading.toml").is_file() or not (ROOT / "solutions" / folder.name).is_dir():
            continue
        manifest = grading_manifest.load(folder)
        maximum += manifest.max_points
        for file in manifest.student_files:
            target = submission / "labs" / folder.name / file
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(ROOT / "solutions" / folder.name / file, target)
    out = scratch / "out" / "honest_all_labs"
    out.mkdir(parents=True)
    return grade_and_check([str(ROOT / "scripts" / "grade"), "--dir", str(submission),
                            "--json", str(out / "results.json")], out, maximum, ["sandbox: "])


def honest_side_by_side(scratch: pathlib.Path, first: dict | None = None) -> tuple[list[str], list[str]]:
    """Two gradings of lab 1's reference at once, as a course's autograder runs them: each claims a
    sandbox uid of its own (with PARLAB_SANDBOX_UID set, the second takes that uid + 10), so
    neither's clean-up kills the other's compiler or tests, and both score full marks. The first
    is the case `first` of cases.json when given (full_marks: the same submission, so the two share
    its build), checked as that case; returns (the pair's problems, the first case's problems)."""
    maximum = grading_manifest.load(lab_folder("01", ROOT / "labs")).max_points
    runs = []
    for index in range(0 if first is None else 1, 2):
        submission = scratch / "submission" / f"side_by_side_{index}"
        make_submission({"base": "solution"}, "01", FIXTURES / "lab01", submission)
        out = scratch / "out" / f"side_by_side_{index}"
        out.mkdir(parents=True)
        env = dict(os.environ, PARLAB_NO_INSTALL="1")
        if os.environ.get("PARLAB_SANDBOX_UID") and index == 1:
            env["PARLAB_SANDBOX_UID"] = str(int(os.environ["PARLAB_SANDBOX_UID"]) + 10)
        command = [str(ROOT / "scripts" / "grade"), "--lab", "01", "--dir", str(submission),
                   "--json", str(out / "results.json"), "--jobs", "1"]
        runs.append((index, out, subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                                   text=True, env=env)))
    first_problems = [] if first is None else run_case(first, "01", FIXTURES / "lab01", scratch,
                                                       ROOT / "scripts" / "grade")
    problems = [f"run 1 ({first['name']}) failed: see that case"] if first_problems else []
    for index, out, process in runs:
        output, _ = process.communicate()
        (out / "report.txt").write_text(output)
        problems += [f"run {index + 1}: {p}" for p in ([] if process.returncode == 0 else
                                                       [f"exit status {process.returncode}"])
                     + check_results_file(out / "results.json", maximum, ["sandbox: "])
                     + leftovers(output)]
    return problems, first_problems

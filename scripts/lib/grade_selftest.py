"""The grader's own tests: grades the fixture submissions of scripts/grade_fixtures/labNN/cases.json
and checks each report (score, per-test status, plain-words phrases, valid results.json, JUnit
and Classroom files, no process of the submission left alive); grades the reference and one
attack in the other modes (Classroom in place, Gradescope's run_autograder, the user sandbox);
then checks that a manifest missing a test is reported, and that a [[rule]] gate zeroes its
parts. Run by scripts/lib/grade_selftest.sh."""

from __future__ import annotations

import argparse
import base64
import glob
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

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
    import grading_manifest  # noqa: PLC0415 - beside this file

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
    problems += leftovers(submission)
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


def sandbox_uids() -> set[int]:
    import grade_sandbox  # noqa: PLC0415 - beside this file

    uids = set(grade_sandbox.UID_RANGE)
    if os.environ.get("PARLAB_SANDBOX_UID"):
        uids |= {int(os.environ["PARLAB_SANDBOX_UID"]), int(os.environ["PARLAB_SANDBOX_UID"]) + 10}
    return uids


def leftovers(submission: pathlib.Path) -> list[str]:
    """Processes the graded submission left alive: any of a sandbox uid, or any running a
    program built from it (the 'none' sandbox runs as the grader)."""
    uids = sandbox_uids()
    alive = []
    for entry in pathlib.Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            state = (entry / "stat").read_text().rpartition(")")[2].split()[0]
            if state in ("Z", "X"):
                continue
            owner = entry.stat().st_uid
            exe = os.readlink(entry / "exe") if owner not in uids else ""
        except OSError:
            continue
        if owner in uids or "parlab-grade-" in exe:
            alive.append(entry.name)
    if not alive:
        return []
    return [f"{len(alive)} process(es) of the submission are still alive: {' '.join(alive[:10])}"]


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
        return problems + [f"no valid results.json: {error}"]
    if abs(results.get("score", -1) - expect_score) > 1e-9:
        problems.append(f"score {results.get('score')}, expected {expect_score}")
    text = done.stdout + results.get("output", "")
    problems += [f"the report does not say {p!r}" for p in phrases if p not in text]
    return problems


def lab_files(lab: str, side: str) -> dict[str, pathlib.Path]:
    import grading_manifest  # noqa: PLC0415 - beside this file

    folder = lab_folder(lab, ROOT / "labs")
    return {f: ROOT / side / folder.name / f for f in grading_manifest.load(folder).student_files}


def mode_cases(lab: str, fixtures: pathlib.Path, scratch: pathlib.Path, only: list[str]) -> dict[str, list[str]]:
    """The other ways a submission is graded: GitHub Classroom's in-place run in a student release
    with the reference laid over it, Gradescope's run_autograder (as root, AUTOGRADER_ROOT in a
    temp folder), and the user sandbox (as root); each with the honest reference (full marks) and
    with an attack (0, and nothing left alive)."""
    failures: dict[str, list[str]] = {}
    folder = lab_folder(lab, ROOT / "labs")
    maximum = __import__("grading_manifest").load(folder).max_points
    cases = json.loads((fixtures / "cases.json").read_text())
    attack = cases.get("mode_attack", {})
    # Every attack that the policy stops (no build needed, so cheap) is also graded in the
    # Classroom and Gradescope modes: the policy must hold whichever way a submission comes in.
    attacks = [("attack", attack)] + [
        (f"attack_{case['name']}", {"append": case["append"], "text": case.get("text", [])})
        for case in cases.get("cases", []) if case.get("all_status") == "policy" and case.get("append")]

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
                problems += [f"{name}: {p}" for p in leftovers(release)]
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
            problems += [f"{name}: {p}" for p in leftovers(root)]
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
    import grading_manifest  # noqa: PLC0415 - beside this file

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


def honest_side_by_side(scratch: pathlib.Path) -> list[str]:
    """Two gradings of lab 1's reference at once, as a course's autograder runs them: each claims a
    sandbox uid of its own (with PARLAB_SANDBOX_UID set, the second takes that uid + 10), so
    neither's clean-up kills the other's compiler or tests, and both score full marks."""
    import grading_manifest  # noqa: PLC0415 - beside this file

    folder = lab_folder("01", ROOT / "labs")
    maximum = grading_manifest.load(folder).max_points
    runs = []
    for index in range(2):
        submission = scratch / "submission" / f"side_by_side_{index}"
        make_submission({"base": "solution"}, "01", FIXTURES / "lab01", submission)
        out = scratch / "out" / f"side_by_side_{index}"
        out.mkdir(parents=True)
        env = dict(os.environ, PARLAB_NO_INSTALL="1")
        if os.environ.get("PARLAB_SANDBOX_UID") and index == 1:
            env["PARLAB_SANDBOX_UID"] = str(int(os.environ["PARLAB_SANDBOX_UID"]) + 10)
        command = [str(ROOT / "scripts" / "grade"), "--lab", "01", "--dir", str(submission),
                   "--json", str(out / "results.json"), "--jobs", "1"]
        runs.append((out, subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                           text=True, env=env)))
    problems = []
    for index, (out, process) in enumerate(runs):
        output, _ = process.communicate()
        (out / "report.txt").write_text(output)
        problems += [f"run {index + 1}: {p}" for p in ([] if process.returncode == 0 else
                                                       [f"exit status {process.returncode}"])
                     + check_results_file(out / "results.json", maximum, ["sandbox: "])]
    return problems + leftovers(scratch)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--case", action="append", default=[], help="run only these cases")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args()
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
    grade = ROOT / "scripts" / "grade"
    import grade_sandbox  # noqa: PLC0415 - beside this file

    try:
        sandbox_kind = grade_sandbox.choose("auto").kind
        grade_sandbox.release_uids()  # each grading claims its own
    except RuntimeError as error:
        print(f"no sandbox: {error}")
        sandbox_kind = "none"
    print(f"sandbox on this machine: {sandbox_kind}", flush=True)
    scratch = pathlib.Path(tempfile.mkdtemp(prefix="parlab-grade-selftest-"))
    failed = 0
    started = time.time()
    try:
        for cases_file in sorted(FIXTURES.glob("lab*/cases.json")):
            spec = json.loads(cases_file.read_text())
            lab = spec["lab"]
            if not list((ROOT / "labs").glob(f"{lab}_*")):
                print(f"skip {cases_file.parent.name}: lab {lab} is not in this checkout")
                continue
            for case in spec["cases"]:
                if args.case and case["name"] not in args.case:
                    continue
                if "--no-policy" in case.get("args", []) and sandbox_kind == "none":
                    print(f"skip lab{lab}/{case['name']}: no sandbox works on this machine (not root, no "
                          f"bubblewrap): nothing would stop the attack")
                    continue
                begun = time.time()
                problems = run_case(case, lab, cases_file.parent, scratch, grade)
                verdict = "ok  " if not problems else "FAIL"
                print(f"{verdict} lab{lab}/{case['name']} ({time.time() - begun:.0f} s)", flush=True)
                for problem in problems:
                    print(f"       {problem}")
                failed += bool(problems)
            modes = ("classroom", "gradescope", "user_sandbox")
            # The other modes grade a lab whose cases.json names an attack for them (lab 1's); a
            # cases.json with only submissions to grade (labs 3 to 5) skips them.
            if "mode_attack" in spec and (not args.case or any(c in args.case for c in modes)):
                begun = time.time()
                failures = mode_cases(lab, cases_file.parent, scratch, [c for c in args.case if c in modes])
                for name in modes:
                    if args.case and name not in args.case:
                        continue
                    verdict = "ok  " if name not in failures else "FAIL"
                    print(f"{verdict} lab{lab}/{name}", flush=True)
                    for problem in failures.get(name, []):
                        print(f"       {problem}")
                print(f"     ({time.time() - begun:.0f} s)")
                failed += len(failures)
            # The manifest cases edit lab 1's manifest (their expected words are lab 1's).
            if "mode_attack" in spec and (not args.case or any(
                    c in args.case for c in ("manifest_missing_test", "rule_gate"))):
                begun = time.time()
                failures = manifest_cases(lab, cases_file.parent, scratch)
                for name in ("manifest_missing_test", "rule_gate"):
                    verdict = "ok  " if name not in failures else "FAIL"
                    print(f"{verdict} lab{lab}/{name}", flush=True)
                    for problem in failures.get(name, []):
                        print(f"       {problem}")
                print(f"     ({time.time() - begun:.0f} s)")
                failed += len(failures)
        if not args.case or "honest_side_by_side" in args.case:
            begun = time.time()
            problems = honest_side_by_side(scratch)
            print(f"{'ok  ' if not problems else 'FAIL'} lab01/honest_side_by_side: two gradings at once "
                  f"both score full marks ({time.time() - begun:.0f} s)", flush=True)
            for problem in problems:
                print(f"       {problem}")
            failed += bool(problems)
        if not args.case or "honest_all_labs" in args.case:
            begun = time.time()
            problems = honest_all_labs(scratch)
            print(f"{'ok  ' if not problems else 'FAIL'} every lab's reference scores full marks "
                  f"({time.time() - begun:.0f} s)", flush=True)
            for problem in problems:
                print(f"       {problem}")
            failed += bool(problems)
    finally:
        if args.keep or failed:
            print(f"reports kept in {scratch}/out")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    print(f"grader self-test: {'all passed' if not failed else f'{failed} FAILED'} in {time.time() - started:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

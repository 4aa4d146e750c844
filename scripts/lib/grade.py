"""scripts/grade's engine: runs the grading stages. For each lab: check the submission's files
against the policy (grade_policy.py), build the lab's student flavour in a copy of the checkout
(grade_intake.py) where the reference solutions of that lab and later ones are masked, inside the
sandbox (grade_sandbox.py; the machinery every stage shares is grade_stage.py), check the compiled
objects against the policy (grade_policy_objects.py), run its tests through CTest with each test
program in the sandbox (grade_launch.py), decide each verdict from GoogleTest's own report
(grade_verdicts.py), score it with the lab's grading.toml (grading_manifest.py), and hand the
results (grade_results.py) to grade_report.py for the score table, Gradescope's results.json,
JUnit XML and GitHub Classroom's result. Optional stages: --sanitize (grade_sanitize.py: tsan/asan
re-runs) and --perf (grade_perf.py: student vs reference benchmarks). Whatever goes wrong, it
still writes its files: see main()."""

from __future__ import annotations

import argparse
import contextlib
import os
import pathlib
import re
import shutil
import sys
import tempfile
import traceback

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import grade_intake as intake  # noqa: E402
from grade_intake import global_protected, protected_paths  # noqa: E402,F401 - scripts/release-student
import grade_policy  # noqa: E402
import grade_sandbox  # noqa: E402
import grade_verdicts as verdicts  # noqa: E402
import grading_manifest  # noqa: E402
from grade_perf import perf_stage  # noqa: E402
from grade_policy_objects import policy_after_build  # noqa: E402
from grade_report import points, write_outputs  # noqa: E402
from grade_results import LabReport, Outcome, Report  # noqa: E402
from grade_sanitize import sanitize_stage  # noqa: E402
from grade_stage import (BUILD_LIMIT, ROOT, Setup, apply_rules, backstop_timeout, configure,  # noqa: E402
                         depends, deps_options, lab_folders, lab_manifest, launcher_config, log,
                         open_tree, outcomes_all, registered_tests, run_ctest, sandboxed_build,
                         stage_build, verdict_of, with_dependencies)


def prepare(setup: Setup, report: Report) -> None:
    """Finds the submission's student files and checks the protected ones' integrity."""
    args, checkout, manifests = setup.args, setup.checkout, setup.manifests
    hashes, hash_source = intake.trusted_hashes(checkout, args.checksums)
    if args.dir:
        root = intake.submission_root(args.dir)
        every = [lab_manifest(setup, lab) for lab in setup.folders]
        basenames = [pathlib.PurePath(f).name for m in every if m for f in m.student_files]
        layout = "nested (labs/NN_name/<file>)" if (root / "labs").is_dir() else "flat (<file>)"
        report.header.append(f"submission: {args.dir} ({layout})")
        used: set[pathlib.Path] = set()
        for manifest in every:
            if manifest is None:
                continue
            lab = manifest.number
            lab_report = next((r for r in report.labs if r.manifest.number == lab), None)
            setup.files[lab] = {}
            for file in manifest.student_files:
                flat_ok = basenames.count(pathlib.PurePath(file).name) == 1
                rejected: list[str] = []
                found = intake.find_in_submission(root, manifest.name, file, flat_ok, rejected)
                setup.files[lab][file] = found
                if found is None:
                    if lab_report and rejected:
                        lab_report.notes.append(f"{file}: the submission's copy was rejected "
                                                f"({'; '.join(rejected)}): graded the starter")
                    elif lab_report:
                        lab_report.notes.append(f"{file} is not in the submission: graded the starter")
                    continue
                used.add(found.resolve())
            if lab_report is None:
                continue
            for path in intake.protected_paths(manifest):
                file = path.split("/", 2)[2]
                found = intake.find_in_submission(root, manifest.name, file, False)
                if found is None:
                    continue
                used.add(found.resolve())
                expected = hashes.get(path) or intake.sha256(checkout / path)
                if intake.sha256(found) != expected:
                    lab_report.notes.append(
                        f"integrity: the submission's {path} differs from the release's "
                        f"(sha256 {intake.sha256(found)[:12]} != {expected[:12]}); it was ignored and the "
                        f"release's copy graded")
        for path in intake.global_protected(checkout):
            found, _ = intake.resolve_in_submission(root, path)
            if found is not None:
                used.add(found.resolve())
                expected = hashes.get(path) or intake.sha256(checkout / path)
                if intake.sha256(found) != expected:
                    report.errors.append(f"integrity: the submission's {path} differs from the "
                                         f"release's; it was ignored")
        others = [p for p in root.rglob("*") if p.is_file() and p.resolve() not in used
                  and ".git" not in p.parts]
        if others:
            report.header.append(f"ignored {len(others)} other file(s) of the submission "
                                 f"(only the manifests' student files are graded)")
        return
    # Grading this checkout in place: its protected files must match the release's hashes.
    report.header.append(f"checkout: {checkout}")
    if not hashes:
        report.header.append(f"integrity: no {intake.CHECKSUMS} (not a student release): not checked")
        return
    report.header.append(f"integrity: checked against {hash_source}")
    for lab, manifest in manifests.items():
        lab_report = next(r for r in report.labs if r.manifest.number == lab)
        for path in intake.protected_paths(manifest) + intake.global_protected(checkout):
            if path not in hashes:
                continue
            actual = checkout / path
            if not actual.is_file() or intake.sha256(actual) != hashes[path]:
                lab_report.notes.append(f"integrity: {path} differs from the release: the "
                                        f"lab's tests are not trusted and score 0")


def policy_before_build(setup: Setup, manifest: grading_manifest.Manifest,
                        tree: pathlib.Path) -> list[grade_policy.Violation]:
    """Each student file's raw tokens, includes and directives, before anything is built."""
    folder = tree / "labs" / manifest.name
    lab_files = {p.name for p in folder.iterdir() if p.is_file()}
    dep_files = set()
    for dep in depends(setup, manifest.number):
        dep_manifest = lab_manifest(setup, dep)
        if dep_manifest:
            dep_files |= {pathlib.PurePath(f).name for f in dep_manifest.student_files}
    problems = []
    for file in manifest.student_files:
        try:
            tokens = grade_policy.raw_tokens(folder / file)
        except RuntimeError as error:
            setup.report.errors.append(f"policy: {error}; only the compiled objects were checked")
            return problems
        if isinstance(tokens, str):
            problems.append(grade_policy.could_not_read(tokens, f"labs/{manifest.name}/{file}"))
            continue
        problems += grade_policy.check_source(setup.policy, f"labs/{manifest.name}/{file}", tokens,
                                              lab_files, dep_files)
    return problems


def policy_broken(lab_report: LabReport, problems: list[grade_policy.Violation]) -> None:
    lines = [p.words() for p in problems[:12]]
    more = f"\n(and {len(problems) - 12} more)" if len(problems) > 12 else ""
    lab_report.notes.append("policy: the submission breaks the grading policy, so this lab scores "
                            "0:\n" + "\n".join(lines) + more)
    outcomes_all(lab_report, "policy", "not graded: the lab breaks the grading policy (the rule, the "
                 "file and the line are in the lab's notes)", "\n".join(lines) + more)


def grade_lab_plain(setup: Setup, lab_report: LabReport) -> None:
    manifest = lab_report.manifest
    lab = manifest.number
    untrusted = any(note.startswith("integrity:") and "not trusted" in note for note in lab_report.notes)
    with open_tree(setup, lab) as sealed:
        tree = sealed.tree
        problems = [] if setup.args.no_policy else policy_before_build(setup, manifest, tree)
        if problems:
            log(f"lab {lab}: the submission breaks the policy; not built")
            policy_broken(lab_report, problems)
            return
        timeout = setup.args.timeout or manifest.timeout
        build, ok, output = stage_build(setup, "plain", dict(
            CMAKE_BUILD_TYPE="Release", PARLAB_BENCHMARKS="OFF",
            PARLAB_TEST_TIMEOUT=str(backstop_timeout(setup, False)), **deps_options(setup)))
        if not ok:
            lab_report.notes.append("CMake could not configure the lab (an error in the course files, "
                                    "not in the submission):\n" + "\n".join(output.splitlines()[-20:]))
            outcomes_all(lab_report, "not-run", "not graded: the build could not be configured")
            return
        registered = registered_tests(build, lab)
        for error in grading_manifest.check_against(manifest, list(registered)):
            lab_report.notes.append(f"manifest error: {error}")
        log(f"lab {lab}: building the student flavour ({setup.box.kind} sandbox)")
        status, output = sandboxed_build(setup, sealed, build, [f"lab{lab}_lab"], f"build-lab{lab}.log")
        stopped = verdicts.build_stopped(status, output, BUILD_LIMIT)
        if stopped:
            lab_report.notes.append(f"the build was stopped: {stopped}")
            outcomes_all(lab_report, "not-compiled", f"not graded: the build was stopped: {stopped}",
                         "\n".join(output.splitlines()[-24:]))
            return
        if status != 0:
            errors = verdicts.compiler_errors(output, tree)
            lab_report.notes.append("does not compile; the compiler said:\n" + errors)
            outcomes_all(lab_report, "not-compiled", "not graded: the lab does not compile (see the "
                         "compiler errors in the lab's report)", errors)
            return
        lab_report.compiled = True
        problems = [] if setup.args.no_policy else policy_after_build(setup, manifest, sealed, build)
        if problems:
            log(f"lab {lab}: the compiled submission breaks the policy; tests not run")
            policy_broken(lab_report, problems)
            return
        if untrusted:
            outcomes_all(lab_report, "untrusted", "not graded: a protected file of the lab was edited")
            return
        log(f"lab {lab}: running its tests")
        reports = setup.work / "reports" / f"plain-lab{lab}"
        reports.mkdir(parents=True, exist_ok=True)
        backstop = sum(registered.values()) + 300  # each test has its own limit; this is a backstop
        with sealed.for_tests() as view:
            launcher_config(setup, view, build, reports, timeout, False, {})
            results = run_ctest(setup, build, lab, wall_limit=backstop)
    for part in manifest.parts:
        for test, value in part.tests.items():
            outcome = Outcome(lab, part.id, test, value, "missing", visibility=part.visibility)
            if test not in registered:
                outcome.words = "not graded: the test does not exist (a manifest error)"
            else:
                status, detail, output, seconds = verdict_of(reports, test, results.get(test))
                verdicts.describe(outcome, status, detail, output.replace(str(tree) + "/", ""),
                                  seconds, timeout, part.timeout_hint)
            lab_report.outcomes.append(outcome)
    apply_rules(lab_report)


def grade(args: argparse.Namespace, report: Report) -> None:
    checkout = ROOT
    folders = lab_folders(checkout)
    labs = args.lab or sorted(n for n, f in folders.items() if (f / "grading.toml").is_file())
    if not labs:
        report.errors.append("no lab to grade: no labs/NN_name/grading.toml in this checkout")
        return
    manifests = {}
    for lab in labs:
        if lab not in folders:
            report.errors.append(f"there is no lab {lab} in this checkout")
            continue
        try:
            manifests[lab] = grading_manifest.load(folders[lab])
        except grading_manifest.ManifestError as error:
            report.errors.append(f"manifest error: {error}")
    report.labs = [LabReport(manifest=m) for m in manifests.values()]
    if not manifests:
        return
    grade_sandbox.become_subreaper()
    box = grade_sandbox.choose(args.sandbox)
    report.header.append(f"sandbox: {box.kind} ({box.why})")
    policy = grade_policy.load()
    if args.no_policy:
        report.header.append("policy: NOT CHECKED (--no-policy, for testing the sandbox only)")
    work = pathlib.Path(args.workdir) if args.workdir else pathlib.Path(
        tempfile.mkdtemp(prefix="parlab-grade-"))
    if args.workdir:
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
    work = work.resolve()
    work.chmod(0o711)  # the sandbox's uid may pass through, never list or read what is not opened
    setup = Setup(args=args, checkout=checkout, work=work, logs=work / "logs",
                  have_solutions=(checkout / "solutions").is_dir(), jobs=args.jobs, box=box,
                  policy=policy, folders=folders, manifests=manifests, report=report)
    setup.logs.mkdir(parents=True, exist_ok=True)
    setup.logs.chmod(0o700)
    solutions = checkout / "solutions"
    with contextlib.ExitStack() as closed:
        # The user sandbox must not read the checkout's references (bwrap mounts over them), and
        # the folder stays closed until the last grading run of this checkout ends.
        if solutions.is_dir() and box.kind == "user":
            closed.enter_context(grade_sandbox.folder_closed(solutions))
        grade_all(setup)


def grade_all(setup: Setup) -> None:
    """Every stage of every lab; whatever happens, no process of the submission outlives it."""
    args, report, box, work = setup.args, setup.report, setup.box, setup.work
    try:
        prepare(setup, report)
        if os.environ.get("PARLAB_GRADE_INJECT_FAULT"):  # the grader's own tests use this
            raise RuntimeError("a fault injected by PARLAB_GRADE_INJECT_FAULT")
        for lab_report in report.labs:
            grade_lab_plain(setup, lab_report)
        if args.sanitize:
            sanitize_stage(setup, report, args.sanitize)
        if args.perf:
            perf_stage(setup, report, with_dependencies(list(setup.manifests), setup.folders))
    finally:
        left = box.kill_all()
        if left:
            report.header.append(f"killed {left} process(es) the submission left behind")
        if args.keep or args.workdir:
            report.header.append(f"work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


# ---------------------------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="scripts/grade", description=__doc__)
    parser.add_argument("--lab", action="append", default=[], help="lab number (repeatable)")
    parser.add_argument("--dir", type=pathlib.Path, help="submission folder (student files only)")
    parser.add_argument("--json", type=pathlib.Path, help="Gradescope results.json to write")
    parser.add_argument("--junit", type=pathlib.Path, help="JUnit XML to write")
    parser.add_argument("--classroom", type=pathlib.Path, help="GitHub Classroom result (base64) to write")
    parser.add_argument("--checksums", type=pathlib.Path, help="trusted sha256 list (default labs/checksums.sha256)")
    parser.add_argument("--perf", action="store_true", help="also compare benchmarks with the reference")
    parser.add_argument("--perf-runs", type=int, default=5, help="alternating runs per benchmark (5)")
    parser.add_argument("--sanitize", nargs="?", const="thread,address", default="",
                        help="re-run under sanitizers: thread,address (default both)")
    parser.add_argument("--timeout", type=int, help="seconds per test, overriding the manifests")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="parallel builds and tests")
    parser.add_argument("--workdir", help="build here (wiped first, kept after) instead of a temp folder")
    parser.add_argument("--keep", action="store_true", help="keep the temporary work folder")
    parser.add_argument("--sandbox", choices=grade_sandbox.KINDS, default="auto",
                        help="how student code runs: bwrap, user (root only), none (debugging)")
    parser.add_argument("--no-policy", action="store_true",
                        help="skip the policy checks (only to test the sandbox on its own)")
    parser.add_argument("--points-table", action="store_true",
                        help="print each lab's points as a Markdown table (for its handout) and stop")
    parser.add_argument("--check-manifests", action="store_true",
                        help="only check every manifest against the tests CTest registers")
    args = parser.parse_args(argv)
    labs = []
    for lab in args.lab:
        if not re.fullmatch(r"\d{1,2}", lab):
            parser.error(f"--lab takes a number such as 1 or 03, not {lab!r}")
        labs.append(f"{int(lab):02d}")
    args.lab = sorted(set(labs))
    kinds = [k for k in args.sanitize.split(",") if k]
    for kind in kinds:
        if kind not in grading_manifest.SANITIZERS:
            parser.error(f"--sanitize takes thread and/or address, not {kind!r}")
    args.sanitize = kinds
    if args.dir is not None and not args.dir.is_dir():
        parser.error(f"--dir {args.dir}: not a folder")
    if args.timeout is not None and args.timeout < 1:
        parser.error("--timeout must be at least 1 second")
    if args.perf_runs < 1:
        parser.error("--perf-runs must be at least 1")
    return args


def check_manifests(args: argparse.Namespace) -> int:
    """Configures the checkout (no build) and compares every manifest with CTest's test list."""
    folders = lab_folders(ROOT)
    labs = args.lab or sorted(folders)
    problems = []
    with tempfile.TemporaryDirectory(prefix="parlab-manifests-") as scratch:
        build = pathlib.Path(scratch) / "build"
        ok, output = configure(ROOT, build, with_dependencies(labs, folders),
                               {"PARLAB_BENCHMARKS": "OFF", "PARLAB_FLAVOURS": "lab"},
                               pathlib.Path(scratch), "manifests")
        if not ok:
            print(output, file=sys.stderr)
            return 2
        for lab in labs:
            try:
                manifest = grading_manifest.load(folders[lab])
            except grading_manifest.ManifestError as error:
                problems.append(str(error))
                continue
            problems += grading_manifest.check_against(manifest, list(registered_tests(build, lab)))
            for file in manifest.student_files + manifest.protected_files:
                if not (folders[lab] / file).is_file():
                    problems.append(f"lab {lab}: grading.toml names {file}, which is not in {folders[lab]}")
            print(f"lab {lab}: {len(manifest.parts)} parts, {points(manifest.max_points)} points")
    for problem in problems:
        print(f"manifest error: {problem}")
    return 1 if problems else 0


def points_table(args: argparse.Namespace) -> int:
    """The handout's points table, straight from the manifest, so the two cannot disagree."""
    folders = lab_folders(ROOT)
    for lab in args.lab or sorted(n for n, f in folders.items() if (f / "grading.toml").is_file()):
        try:
            manifest = grading_manifest.load(folders[lab])
        except (grading_manifest.ManifestError, KeyError) as error:
            print(f"manifest error: {error}", file=sys.stderr)
            return 1
        print("| Part | Test | Points |\n|---|---|---:|")
        for part in manifest.parts:
            for test, value in part.tests.items():
                print(f"| {part.id}: {part.title} | `{test}` | {points(value)} |")
        print(f"| | **Total** | **{points(manifest.max_points)}** |\n")
    return 0


def main(argv: list[str]) -> int:
    args = parse_args(argv)  # usage errors exit 2 here, before any file is promised
    if args.points_table:
        return points_table(args)
    if args.check_manifests:
        return check_manifests(args)
    report = Report()
    status = 0
    try:
        grade(args, report)
    except BaseException as error:  # noqa: BLE001 - even Ctrl-C still writes the files
        report.errors.append("the grader itself failed (not the submission's fault):\n"
                             + "".join(traceback.format_exception(error)))
        status = 2
    if write_outputs(args, report):
        status = 2
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

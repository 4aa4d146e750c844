"""What every grading stage of scripts/grade shares (grade.py runs the stages; grade_sanitize.py
and grade_perf.py are two of them): running a command, the source tree sealed for one lab, the one
way a command runs in the sandbox (in_sandbox), configuring and building a stage's build folder,
the test launcher's configuration, CTest's run and each test's verdict, and the rule gates."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import ctest_results  # noqa: E402
import grade_intake as intake  # noqa: E402
import grade_policy  # noqa: E402
import grade_sandbox  # noqa: E402
import grade_verdicts as verdicts  # noqa: E402
import grading_manifest  # noqa: E402
from grade_results import LabReport, Outcome, Report  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
LAUNCHER = pathlib.Path(__file__).resolve().parent / "grade_launch.py"
SECCOMP_STAGE = pathlib.Path(__file__).resolve().parent / "grade_seccomp.py"
PYTHON = "/usr/bin/python3"
BUILD_LIMIT = 900  # seconds one lab's build may take (a template explosion must not hang us)


def log(message: str) -> None:
    print(f"==> {message}", file=sys.stderr, flush=True)


def run(command: list[str], log_file: pathlib.Path | None = None, env: dict | None = None,
        cwd: pathlib.Path | None = None, timeout: float | None = None) -> tuple[int, str]:
    """Runs a command, returns (exit status, combined output); never raises for a failing command.
    On `timeout` the command's whole process group is killed (CTest's test processes included)."""
    try:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                   errors="replace", env=env, cwd=cwd, start_new_session=True,
                                   stdin=subprocess.DEVNULL)
    except OSError as error:
        return 127, f"{command[0]}: {error}"
    try:
        output, _ = process.communicate(timeout=timeout)
        status = process.returncode
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        status = 124
        output = (output or "") + f"\n[grader: stopped after {timeout:.0f} s]"
    except BaseException:  # Ctrl-C or a kill of the grader: take the command's processes along
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        raise
    if log_file is not None:
        log_file.write_text(output)
    return status, output


@dataclasses.dataclass
class Setup:
    args: argparse.Namespace
    checkout: pathlib.Path
    work: pathlib.Path
    logs: pathlib.Path
    have_solutions: bool
    jobs: int
    box: grade_sandbox.Sandbox
    policy: grade_policy.Policy
    folders: dict[str, pathlib.Path]
    manifests: dict[str, grading_manifest.Manifest]
    # lab -> student file -> the submission's copy (None: the checkout's own, in place or starter)
    files: dict[str, dict[str, pathlib.Path | None]] = dataclasses.field(default_factory=dict)
    configured: dict[str, tuple[bool, str]] = dataclasses.field(default_factory=dict)
    report: Report = dataclasses.field(default_factory=Report)


def lab_folders(checkout: pathlib.Path) -> dict[str, pathlib.Path]:
    return {p.name[:2]: p for p in sorted((checkout / "labs").glob("[0-9][0-9]_*")) if p.is_dir()}


def with_dependencies(labs: list[str], folders: dict[str, pathlib.Path]) -> list[str]:
    wanted, pending = set(), list(labs)
    while pending:
        lab = pending.pop()
        if lab in wanted or lab not in folders:
            continue
        wanted.add(lab)
        pending += grading_manifest.depends_of(folders[lab])
    return sorted(wanted)


def lab_manifest(setup: Setup, lab: str) -> grading_manifest.Manifest | None:
    if lab in setup.manifests:
        return setup.manifests[lab]
    try:
        return grading_manifest.load(setup.folders[lab])
    except (grading_manifest.ManifestError, OSError, KeyError):
        return None


def depends(setup: Setup, lab: str) -> list[str]:
    return [d for d in with_dependencies([lab], setup.folders) if d != lab]


def the_tree(setup: Setup) -> pathlib.Path:
    """The source tree every lab is built from: a copy of the checkout (no version control, builds,
    fixtures or links), the submission's student files laid over it. Made once."""
    tree = setup.work / "tree"
    if tree.is_dir():
        return tree
    intake.make_tree(setup.checkout, tree, "99", sorted(setup.folders))
    for other, files in setup.files.items():
        folder = setup.folders[other]
        for file, found in files.items():
            if found is not None:
                target = tree / "labs" / folder.name / file
                shutil.copyfile(found, target)
                target.chmod(0o644)
    tree.chmod(0o700)
    return tree


def sealed_for(setup: Setup, tree: pathlib.Path, lab: str) -> list[pathlib.Path]:
    """The solutions folders lab `lab` must not see: its own and every one it does not build on."""
    solutions = tree / "solutions"
    names = sorted(p.name for p in solutions.iterdir()) if solutions.is_dir() else []
    return [solutions / name for name in sorted(intake.sealed_solutions(names, lab, depends(setup, lab)))]


@dataclasses.dataclass
class Sealed:
    """What the sandbox sees while lab `lab` is graded: the tree, minus `masks` while it builds,
    minus `test_masks` (every reference, those it builds on too) while its tests run."""
    tree: pathlib.Path
    masks: list[pathlib.Path]
    test_masks: list[pathlib.Path] = dataclasses.field(default_factory=list)

    @contextlib.contextmanager
    def for_tests(self):
        """The tests' view: no reference source at all. The references of the labs this one builds
        on are compiled in by now (labs 4 and 5 are headers: the build needed them, the tests do
        not), so a test cannot read one and print it into the report."""
        extra = [m for m in self.test_masks if m not in self.masks]
        for folder in extra:
            folder.chmod(0o000)
        try:
            yield Sealed(self.tree, self.test_masks, self.test_masks)
        finally:
            for folder in extra:
                folder.chmod(0o755)


@contextlib.contextmanager
def open_tree(setup: Setup, lab: str):
    """The tree, sealed for lab `lab`: the solutions it must not see are covered by an empty
    folder (bwrap) and unreadable (mode 000, owned by the grader) for the user sandbox. Only the
    stage's build folder being used is the sandbox's; the others are closed. Every process the
    sandbox left is killed afterwards."""
    tree = the_tree(setup)
    masks = sealed_for(setup, tree, lab)
    solutions = tree / "solutions"
    every = sorted(p for p in solutions.iterdir() if p.is_dir()) if solutions.is_dir() else []
    for folder in masks:
        folder.chmod(0o000)
    tree.chmod(0o755)
    try:
        yield Sealed(tree, masks, every)
    finally:
        tree.chmod(0o700)
        for folder in masks:
            folder.chmod(0o755)
        left = setup.box.kill_all()
        if left:
            log(f"lab {lab}: killed {left} process(es) the submission left behind")
        for build in (setup.work / "build").glob("*"):
            setup.box.take_back(build)


def deps_options(setup: Setup) -> dict[str, str]:
    """The labs a graded lab builds on come from their references, as `scripts/test
    --with-reference` takes them (facades/): built from solutions/ in the instructors' repository,
    the prebuilt reference/labNN/ in a release. One unfinished lab does not cost points twice."""
    del setup  # the same in a release and in the instructors' repository
    return {"PARLAB_FLAVOURS": "lab", "PARLAB_DEPS_FLAVOUR": "reference"}


def configure(tree: pathlib.Path, build: pathlib.Path, labs: list[str], options: dict[str, str],
              logs: pathlib.Path, name: str) -> tuple[bool, str]:
    """Configures (as the grader: CMake reads only the release's files and runs no student code).
    A compiler launcher (ccache) is switched off: the build runs in the sandbox, where a cache
    shared between submissions must not be writable."""
    command = ["cmake", "-S", str(tree), "-B", str(build), "-G", "Ninja",
               f"-DPARLAB_ONLY_LABS={';'.join(labs)}", "-DPARLAB_WERROR=OFF",
               "-DCMAKE_CXX_COMPILER_LAUNCHER=", "-DCMAKE_C_COMPILER_LAUNCHER="]
    command += [f"-D{key}={value}" for key, value in options.items()]
    env = {k: v for k, v in os.environ.items() if not k.endswith("_COMPILER_LAUNCHER")}
    status, output = run(command, logs / f"configure-{name}.log", env=env)
    return status == 0, output


def registered_tests(build: pathlib.Path, lab: str) -> dict[str, float]:
    """'Suite.Test' -> timeout in seconds, for the lab flavour of lab `lab` ('01')."""
    status, output = run(["ctest", "--test-dir", str(build), "--show-only=json-v1",
                          "-R", rf"^lab\.lab{lab}\."])
    if status != 0:
        return {}
    tests = {}
    try:
        for test in json.loads(output).get("tests", []):
            timeout = 0.0
            for prop in test.get("properties", []):
                if prop.get("name") == "TIMEOUT":
                    timeout = float(prop.get("value") or 0)
            tests[test["name"].split(".", 2)[2]] = timeout
    except (ValueError, KeyError, IndexError):
        return {}
    return tests


def chown_tree(path: pathlib.Path, uid: int, read_only: bool = False) -> None:
    """Gives path and everything under it to uid; `read_only` also takes write permission away
    from everyone but the owner (what a build left group- or world-writable)."""
    os.chown(path, uid, uid)
    for folder, dirs, files in os.walk(path):
        for name in dirs + files:
            entry = os.path.join(folder, name)
            with contextlib.suppress(OSError):
                os.lchown(entry, uid, uid)
                if read_only and not os.path.islink(entry):
                    mode = os.lstat(entry).st_mode
                    if mode & 0o022:
                        os.chmod(entry, mode & ~0o022)


# Files CTest reads (and may run commands from) in a build folder, and their digests as the
# grader's configure wrote them, taken before the sandbox first touched that folder.
CTEST_INPUTS = ("CTestTestfile.cmake", "CTestCustom.cmake", "CTestCustom.ctest", "DartConfiguration.tcl")


_ctest_inputs: dict[pathlib.Path, dict[str, str]] = {}


def ctest_inputs(build: pathlib.Path) -> dict[str, str]:
    found = {}
    for folder, _, files in os.walk(build):
        for name in files:
            if name in CTEST_INPUTS:
                path = pathlib.Path(folder, name)
                found[str(path.relative_to(build))] = intake.sha256(path)
    return found


def in_sandbox(setup: Setup, sealed: Sealed, build: pathlib.Path, argv: list[str], *,
               limits: grade_sandbox.Limits = grade_sandbox.BUILD_LIMITS, writable: bool = False,
               env: dict[str, str] | None = None) -> list[str]:
    """The command line that runs argv in the sandbox, in `build`, seeing the sealed tree (its
    masks covered) and `build`: read-only, or writable while a build writes it. Every stage runs
    the submission's code (and every tool that reads what the submission built) through here."""
    return setup.box.wrap(argv, limits=limits, readable=[sealed.tree] + ([] if writable else [build]),
                          writable=[build] if writable else [], env=env or grade_sandbox.clean_env(),
                          cwd=build, masks=sealed.masks)


def sandboxed_build(setup: Setup, sealed: Sealed, build: pathlib.Path, targets: list[str],
                    log_name: str) -> tuple[int, str]:
    """Builds targets in the sandbox: the sealed tree read-only, the build folder writable while
    it builds. Afterwards the folder is the grader's again and read-only to the sandbox, so that
    nothing a test could write is read by what the grader runs as itself (CTest, its launcher)."""
    box = setup.box
    _ctest_inputs.setdefault(build, ctest_inputs(build))
    scratch = build / ".sandbox-tmp"  # the compiler's temporary files (TMPDIR), gone afterwards
    scratch.mkdir(exist_ok=True)
    env = grade_sandbox.clean_env()
    if box.kind != "bwrap":  # bwrap has a private /tmp of bounded size; the others share the real one
        env.update(TMPDIR=str(scratch))
    if box.uid is not None and box.kind != "none":
        chown_tree(build, box.uid)
    command = in_sandbox(setup, sealed, build,
                         ["cmake", "--build", str(build), "--target", *targets, "-j", str(setup.jobs)],
                         writable=True, env=env)
    try:
        return run(command, setup.logs / log_name, timeout=BUILD_LIMIT, cwd=build)
    finally:
        box.kill_all()  # nothing of the build may go on writing once the folder is taken back
        shutil.rmtree(scratch, ignore_errors=True)
        if box.uid is not None and box.kind != "none":
            chown_tree(build, os.getuid(), read_only=True)
            build.chmod(0o755)  # the tests (as the sandbox's uid) read and run what is in it


def launcher_path(setup: Setup, build: pathlib.Path) -> pathlib.Path:
    return setup.work / "launch" / f"{build.name}.json"


def launcher_command(setup: Setup, build: pathlib.Path) -> str:
    """PARLAB_TEST_LAUNCHER's value for a stage's build (its configuration is written per lab)."""
    return ";".join([PYTHON, str(LAUNCHER), str(launcher_path(setup, build))])


def launcher_config(setup: Setup, sealed: Sealed, build: pathlib.Path, reports: pathlib.Path,
                    timeout: float, sanitized: bool, env: dict[str, str]) -> None:
    """Writes the launcher's configuration for the lab about to be tested, and the grader's own
    copy of the exec stage (grade_seccomp.py) that the sandbox runs before each test program."""
    limits = grade_sandbox.test_limits(timeout, sanitized)
    stage = setup.work / "exec" / SECCOMP_STAGE.name
    if not stage.is_file():
        stage.parent.mkdir(parents=True, exist_ok=True)
        stage.parent.chmod(0o755)
        shutil.copyfile(SECCOMP_STAGE, stage)
        stage.chmod(0o644)
    config = {"kind": setup.box.kind, "uid": setup.box.uid, "reports": str(reports),
              "extra_processes": setup.box.extra_processes, "masks": [str(m) for m in sealed.masks],
              "readable": [str(sealed.tree), str(build)], "timeout": timeout, "env": env,
              "limits": dataclasses.asdict(limits), "exec_stage": str(stage), "python": PYTHON,
              "sanitized": sanitized}
    path = launcher_path(setup, build)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(config))


def run_ctest(setup: Setup, build: pathlib.Path, lab: str,
              wall_limit: float | None = None) -> dict[str, ctest_results.TestResult]:
    testing = build / "Testing"
    shutil.rmtree(testing, ignore_errors=True)
    expected = _ctest_inputs.get(build)
    if expected is not None and ctest_inputs(build) != expected:
        changed = sorted(set(expected.items()) ^ set(ctest_inputs(build).items()))
        setup.report.errors.append(f"the build folder's CTest files are not the ones the grader's "
                                   f"configure wrote ({changed[0][0]} changed): the tests were not "
                                   f"run, so that the grader runs nothing the submission wrote")
        return {}
    run(["ctest", "--test-dir", str(build), "-T", "Test", "-R", rf"^lab\.lab{lab}\.", "-j",
         str(setup.jobs), "--no-compress-output"], setup.logs / f"ctest-{build.name}.log",
        timeout=wall_limit)
    try:
        return {r.test: r for r in ctest_results.read(ctest_results.latest_test_xml(build))}
    except (OSError, IndexError, ET.ParseError):
        return {}


def verdict_of(reports: pathlib.Path, test: str, result: ctest_results.TestResult | None
               ) -> tuple[str, str, str, float]:
    """(status, detail, output, seconds) of one test from the launcher's record (its exit status
    and its verdict channel's records) and CTest's captured output (for the words only)."""
    name = test if result is None else result.test
    record = verdicts.read_launch_record(reports / (safe_name(name) + ".status.json"))
    verdict = verdicts.verdict_from_channel(record.channel if record else "", name)
    ctest_status = result.status if result else "not-run"
    status, detail = verdicts.final_status(ctest_status, record, verdict)
    output = result.output if result else ""
    seconds = record.seconds if record else (result.seconds if result else 0.0)
    return status, detail, output, seconds


def safe_name(test: str) -> str:
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in test)[:200] or "unnamed"


def outcomes_all(lab_report: LabReport, status: str, words: str, output: str = "") -> None:
    manifest = lab_report.manifest
    lab_report.outcomes = [Outcome(manifest.number, part.id, test, value, status, words, output,
                                   visibility=part.visibility)
                           for part in manifest.parts for test, value in part.tests.items()]


def stage_build(setup: Setup, stage: str, options: dict[str, str]) -> tuple[pathlib.Path, bool, str]:
    """A stage's build folder (plain, thread, address), configured once for every graded lab and
    the labs they build on. Configuring runs no student code; building and testing do, lab by lab,
    each in the sandbox with what that lab may not see masked."""
    build = setup.work / "build" / stage
    if stage not in setup.configured:
        all_labs = with_dependencies(list(setup.manifests), setup.folders)
        options = dict(options, PARLAB_TEST_LAUNCHER=launcher_command(setup, build))
        log(f"configuring the {stage} build")
        setup.configured[stage] = configure(the_tree(setup), build, all_labs, options, setup.logs, stage)
    ok, output = setup.configured[stage]
    return build, ok, output


def backstop_timeout(setup: Setup, sanitized: bool) -> int:
    """CTest's own timeout, above every launcher's (which stops each test at its manifest's)."""
    longest = max((m.sanitize_timeout if sanitized else m.timeout) for m in setup.manifests.values())
    return int(setup.args.timeout or longest) + 60


def apply_rules(lab_report: LabReport) -> None:
    for rule in lab_report.manifest.rules:
        gate = next((o for o in lab_report.outcomes if o.test == rule.test), None)
        if gate is None or gate.status == "passed":
            continue
        if verdicts.not_implemented(gate):  # the starter: nothing was broken, nothing is done yet
            lab_report.notes.append(f"rule check not made ({rule.test}): not implemented yet")
            continue
        lab_report.notes.append(f"rule check failed ({rule.test}: {gate.words}): {rule.says}; "
                                f"parts {', '.join(rule.parts)} score 0")
        for outcome in lab_report.outcomes:
            if outcome.part in rule.parts and outcome.status == "passed" and outcome.test != rule.test:
                outcome.status = "rule-broken"
                outcome.words = f"passed, but scores 0: the rule check failed ({rule.says})"


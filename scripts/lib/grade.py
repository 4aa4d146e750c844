"""scripts/grade's engine: the grading stages. For each lab: check the submission's files against
the policy (grade_policy.py), build the lab's student flavour in a copy of the checkout
(grade_intake.py) where the reference solutions of that lab and later ones are masked, inside
the sandbox
(grade_sandbox.py), run its tests through CTest with each test program in the sandbox
(grade_launch.py), decide each verdict from GoogleTest's own report (grade_verdicts.py), score
it with the lab's grading.toml (grading_manifest.py), and hand the results (grade_results.py) to
grade_report.py for the score table, Gradescope's results.json, JUnit XML and GitHub Classroom's
result. Optional stages: --sanitize (tsan/asan re-runs) and --perf (student vs reference
benchmarks). Whatever goes wrong, it still writes its files: see main()."""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import dataclasses
import json
import os
import pathlib
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
import xml.etree.ElementTree as ET

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import ctest_results  # noqa: E402
import grade_intake as intake  # noqa: E402
from grade_intake import global_protected, protected_paths  # noqa: E402,F401 - scripts/release-student
import grade_policy  # noqa: E402
import grade_sandbox  # noqa: E402
import grade_verdicts as verdicts  # noqa: E402
import grading_manifest  # noqa: E402
from grade_report import points, write_outputs  # noqa: E402
from grade_results import LabReport, Outcome, Report, clip  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
LAUNCHER = pathlib.Path(__file__).resolve().parent / "grade_launch.py"
SECCOMP_STAGE = pathlib.Path(__file__).resolve().parent / "grade_seccomp.py"
PYTHON = "/usr/bin/python3"
BUILD_LIMIT = 900  # seconds one lab's build may take (a template explosion must not hang us)
REFERENCE_BENCH = "reference/parlab_bench_reference"  # shipped by scripts/release-student


def log(message: str) -> None:
    print(f"==> {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Commands


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


# ---------------------------------------------------------------------------------------------
# The grading run


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
    command = box.wrap(["cmake", "--build", str(build), "--target", *targets, "-j", str(setup.jobs)],
                       limits=grade_sandbox.BUILD_LIMITS, readable=[sealed.tree], writable=[build],
                       env=env, cwd=build, masks=sealed.masks)
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


def lab_objects(build: pathlib.Path, manifest: grading_manifest.Manifest) -> list[pathlib.Path]:
    """The objects compiled from the lab's student flavour: its library and its test programs."""
    folder = build / "labs" / manifest.name / "CMakeFiles"
    lab = f"lab{manifest.number}"
    return sorted(p for p in folder.glob("*.dir/**/*.o")
                  if p.relative_to(folder).parts[0].startswith((f"parlab_{lab}_lab.", f"{lab}_lab_")))


def is_test_object(build: pathlib.Path, manifest: grading_manifest.Manifest, obj: pathlib.Path) -> bool:
    """A test program's object (the release's test file, the student's headers compiled in), not
    one compiled from a student .cpp file (the lab's library, parlab_labNN_lab)."""
    folder = build / "labs" / manifest.name / "CMakeFiles"
    return not obj.relative_to(folder).parts[0].startswith(f"parlab_lab{manifest.number}_lab.")


def student_paths(setup: Setup, manifest: grading_manifest.Manifest, tree: pathlib.Path) -> set[str]:
    """The student files the lab's objects may include: its own and those of the labs it builds on."""
    paths = set()
    for lab in [manifest.number, *depends(setup, manifest.number)]:
        lab_man = lab_manifest(setup, lab)
        if lab_man is not None:
            paths |= {os.path.normpath(tree / "labs" / lab_man.name / f) for f in lab_man.student_files}
    return paths


def could_not_read(why: str, where: str = "the lab's objects") -> grade_policy.Violation:
    """What the grader could not read fails closed: the lab scores 0 and the report says why."""
    return grade_policy.Violation("readable source", "what the grader cannot check scores 0", where,
                                  f"the grader could not read your file: {why}")


def preprocessed_units(setup: Setup, sealed: Sealed, build: pathlib.Path, objects: list[pathlib.Path]
                       ) -> tuple[dict[pathlib.Path, grade_policy.Unit], list[grade_policy.Violation]]:
    """Each object's translation unit as the compiler saw it: its compile command (ninja's
    compilation database) rerun with -E in the sandbox. Whatever fails, fails closed."""
    box = setup.box

    def sandboxed(argv: list[str], timeout: float) -> tuple[int, str]:
        return run(box.wrap(argv, limits=grade_sandbox.BUILD_LIMITS, readable=[sealed.tree, build], writable=[],
                            env=grade_sandbox.clean_env(), cwd=build, masks=sealed.masks), timeout=timeout)

    status, output = sandboxed(["ninja", "-C", str(build), "-t", "compdb"], 120)
    try:
        database = json.loads(output[output.index("["):]) if status == 0 else None
    except ValueError:
        database = None
    if not isinstance(database, list):
        return {}, [could_not_read(f"ninja's compilation database (exit status {status})")]
    commands = {os.path.normpath(os.path.join(e.get("directory", str(build)), e.get("output", ""))): e
                for e in database if isinstance(e, dict)}
    units: dict[pathlib.Path, grade_policy.Unit] = {}
    problems: list[grade_policy.Violation] = []

    def one(obj: pathlib.Path) -> None:
        entry = commands.get(os.path.normpath(obj))
        if entry is None or "command" not in entry:
            problems.append(could_not_read(f"no compile command for {obj.relative_to(build)}"))
            return
        argv = grade_policy.preprocess_command(entry["command"]) + ["-w"]
        status, text = sandboxed(argv, 300)
        if status != 0:
            problems.append(could_not_read(f"preprocessing {obj.relative_to(build)} failed "
                                           f"(exit status {status}): {text[-300:]}"))
            return
        units[obj] = grade_policy.parse_unit(text)

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, setup.jobs)) as pool:
        list(pool.map(one, objects))
    return units, problems


def policy_after_build(setup: Setup, manifest: grading_manifest.Manifest, sealed: Sealed,
                       build: pathlib.Path) -> list[grade_policy.Violation]:
    """The compiled objects against the policy: each translation unit as the compiler saw it (the
    student files' own lines after preprocessing; who included which header), the headers each
    object included, its instructions, and its undefined symbols against the allow-list, where a
    header explains a symbol only when the grader's own files (not a student file) included it."""
    begun = time.monotonic()
    tree = sealed.tree
    objects = lab_objects(build, manifest)
    if not objects:
        return []
    problems: list[grade_policy.Violation] = []
    box = setup.box
    deps = box.wrap(["ninja", "-C", str(build), "-t", "deps", *[str(o.relative_to(build)) for o in objects]],
                    limits=grade_sandbox.BUILD_LIMITS, readable=[tree, build], writable=[],
                    env=grade_sandbox.clean_env(), cwd=build, masks=sealed.masks)
    status, output = run(deps, timeout=120)
    headers_of = {}
    for obj, headers in grade_policy.parse_ninja_deps(output).items():
        headers_of[obj] = [os.path.normpath(h if h.startswith("/") else str(build / h)) for h in headers]
    allowed = ["/usr/", f"{tree}/common/", f"{tree}/labs/{manifest.name}/", f"{build}/"]
    for dep in depends(setup, manifest.number):
        name = setup.folders[dep].name
        allowed += [f"{tree}/labs/{name}/", f"{tree}/solutions/{name}/", f"{tree}/facades/{name}/"]
    for obj, headers in headers_of.items():
        problems += grade_policy.check_dependencies(setup.policy, obj, headers, allowed)

    student = student_paths(setup, manifest, tree)
    units, unreadable = preprocessed_units(setup, sealed, build, objects)
    problems += unreadable

    def show(path: str) -> str:
        return os.path.relpath(path, tree) if path.startswith(f"{tree}/") else path

    for unit in units.values():
        problems += grade_policy.check_unit(setup.policy, unit, student, show)

    objdump = box.wrap(["objdump", "-d", "--no-show-raw-insn", *map(str, objects)],
                       limits=grade_sandbox.BUILD_LIMITS, readable=[tree, build], writable=[],
                       env=grade_sandbox.clean_env(), cwd=build, masks=sealed.masks)
    status, output = run(objdump, timeout=300)
    for problem in grade_policy.check_instructions(setup.policy, output):
        problem.where = os.path.relpath(problem.where.split(" in ")[0], build) + " in " + \
            problem.where.partition(" in ")[2]
        problems.append(problem)
    nm = box.wrap(["nm", "-u", "--format=posix", "-A", *map(str, objects)],
                  limits=grade_sandbox.BUILD_LIMITS, readable=[tree, build], writable=[],
                  env=grade_sandbox.clean_env(), cwd=build, masks=sealed.masks)
    status, output = run(nm, timeout=120)
    if status != 0:
        problems.append(could_not_read(f"nm failed on the lab's objects (exit status {status})"))
    by_object: dict[str, list[str]] = {}
    for line in output.splitlines():
        where, _, rest = line.partition(": ")
        if rest:
            by_object.setdefault(where, []).append(rest)
    for obj in objects:
        unit = units.get(obj)
        if unit is None:
            continue  # already a violation: it could not be preprocessed
        grader = {os.path.normpath(f) for f in grade_policy.grader_files(unit, student)}
        problems += grade_policy.check_symbols(
            setup.policy, os.path.relpath(obj, build),
            grade_policy.undefined_symbols("\n".join(by_object.get(str(obj), []))),
            is_test_object(build, manifest, obj), grader, {os.path.normpath(f) for f in unit.parent})
    defined = box.wrap(["nm", "-g", "--defined-only", "--format=posix", "-A", *map(str, objects)],
                       limits=grade_sandbox.BUILD_LIMITS, readable=[tree, build], writable=[],
                       env=grade_sandbox.clean_env(), cwd=build, masks=sealed.masks)
    status, output = run(defined, timeout=120)
    if status != 0:
        problems.append(could_not_read(f"nm failed on the lab's objects (exit status {status})"))
    definitions: dict[str, list[str]] = {}
    for line in output.splitlines():
        where, _, rest = line.partition(": ")
        if rest:
            definitions.setdefault(where, []).append(rest)
    for where, lines in definitions.items():
        problems += grade_policy.check_definitions(setup.policy, os.path.relpath(where, build),
                                                   grade_policy.defined_symbols("\n".join(lines)))
    seen, unique = set(), []
    for problem in problems:
        key = (problem.rule, problem.what)
        if key not in seen:
            seen.add(key)
            unique.append(problem)
    log(f"lab {manifest.number}: policy checks of the objects took {time.monotonic() - begun:.1f} s")
    return unique


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
            problems.append(could_not_read(tokens, f"labs/{manifest.name}/{file}"))
            continue
        problems += grade_policy.check_source(setup.policy, f"labs/{manifest.name}/{file}", tokens,
                                              lab_files, dep_files)
    return problems


def outcomes_all(lab_report: LabReport, status: str, words: str, output: str = "") -> None:
    manifest = lab_report.manifest
    lab_report.outcomes = [Outcome(manifest.number, part.id, test, value, status, words, output,
                                   visibility=part.visibility)
                           for part in manifest.parts for test, value in part.tests.items()]


def policy_broken(lab_report: LabReport, problems: list[grade_policy.Violation]) -> None:
    lines = [p.words() for p in problems[:12]]
    more = f"\n(and {len(problems) - 12} more)" if len(problems) > 12 else ""
    lab_report.notes.append("policy: the submission breaks the grading policy, so this lab scores "
                            "0:\n" + "\n".join(lines) + more)
    outcomes_all(lab_report, "policy", "not graded: the lab breaks the grading policy (the rule, the "
                 "file and the line are in the lab's notes)", "\n".join(lines) + more)


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


SANITIZER_OPTIONS = {
    "thread": {"CMAKE_CXX_COMPILER": "clang++", "PARLAB_SANITIZER": "thread"},
    "address": {"CMAKE_CXX_COMPILER": "g++", "PARLAB_SANITIZER": "address"},
}
SANITIZER_NAMES = {"thread": "ThreadSanitizer", "address": "AddressSanitizer+UBSan"}


def sanitize_stage(setup: Setup, report: Report, kinds: list[str]) -> None:
    symbolizer = shutil.which("llvm-symbolizer") or shutil.which("llvm-symbolizer-14") or ""
    where = f" external_symbolizer_path={symbolizer}" if symbolizer else ""
    env = {"TSAN_OPTIONS": "halt_on_error=1 second_deadlock_stack=1" + where,
           "ASAN_OPTIONS": "detect_leaks=1:abort_on_error=1",
           "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1"}
    for kind in kinds:
        labs = [r for r in report.labs if r.compiled and kind in r.manifest.sanitizers
                and not any(o.status in ("untrusted", "policy") for o in r.outcomes)]
        for lab_report in labs:
            sanitize_lab(setup, lab_report, kind, env)


def sanitize_lab(setup: Setup, lab_report: LabReport, kind: str, env: dict[str, str]) -> None:
    manifest = lab_report.manifest
    lab = manifest.number
    timeout = setup.args.timeout or manifest.sanitize_timeout
    with open_tree(setup, lab) as sealed:
        tree = sealed.tree
        build, ok, output = stage_build(setup, kind, dict(
            SANITIZER_OPTIONS[kind], CMAKE_BUILD_TYPE="RelWithDebInfo",
            CMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g", PARLAB_BENCHMARKS="OFF",
            PARLAB_TEST_TIMEOUT=str(backstop_timeout(setup, True)), **deps_options(setup)))
        if not ok:
            lab_report.notes.append(f"the {SANITIZER_NAMES[kind]} build could not be configured:\n"
                                    + "\n".join(output.splitlines()[-15:]))
            return
        log(f"lab {lab}: building and running under {SANITIZER_NAMES[kind]}")
        status, output = sandboxed_build(setup, sealed, build, [f"lab{lab}_lab"], f"build-lab{lab}-{kind}.log")
        if status != 0:
            lab_report.notes.append(f"the {SANITIZER_NAMES[kind]} build failed (not counted):\n"
                                    + verdicts.compiler_errors(output, tree))
            return
        reports = setup.work / "reports" / f"{kind}-lab{lab}"
        reports.mkdir(parents=True, exist_ok=True)
        with sealed.for_tests() as view:
            launcher_config(setup, view, build, reports, timeout, True, env)
            results = run_ctest(setup, build, lab)
    best: tuple[int, str, str] | None = None
    for outcome in lab_report.outcomes:
        if outcome.status != "passed":
            continue
        status, detail, output, seconds = verdict_of(reports, outcome.test, results.get(outcome.test))
        found = verdicts.sanitizer_report(output, str(tree))
        if found:
            outcome.status = found[0]
            what = "a data race" if found[0] == "race" else "a memory error"
            outcome.words = (f"passed, but {SANITIZER_NAMES[kind]} found {what} (its "
                             f"first report is in the test's output)")
            # llvm-symbolizer 14 loses frames whose names are huge (a lambda wrapped in
            # templates): the lab's note quotes the report with the fewest lost frames.
            lost = found[1].count("<null>")
            if best is None or lost < best[0]:
                best = (lost, outcome.test, found[1])
            outcome.output = clip(found[1] + "\n\n" + output)
        elif status != "passed":
            scratch = Outcome(outcome.lab, outcome.part, outcome.test, 0, "")
            hint = manifest.part_of(outcome.test)
            verdicts.describe(scratch, status, detail, output, seconds, float(timeout),
                              hint.timeout_hint if hint else grading_manifest.DEFAULT_TIMEOUT_HINT)
            outcome.status = scratch.status
            outcome.words = f"passed, but under {SANITIZER_NAMES[kind]} it {scratch.words}"
            outcome.output = scratch.output
    if best is not None:
        lab_report.notes.append(f"first sanitizer report ({best[1]}):\n"
                                + "\n".join([line for line in best[2].splitlines()
                                             if " at /usr/" not in line][:16]))
    apply_rules(lab_report)


def bench_time(command: list[str], name: str) -> tuple[float | None, str]:
    status, output = run([*command, f"--benchmark_filter=^{re.escape(name)}(/real_time)?$",
                          "--benchmark_format=json"], timeout=300)
    try:
        data = json.loads(output[output.index("{"):])
        entry = next(b for b in data["benchmarks"] if b.get("name", "").startswith(name))
    except (ValueError, StopIteration, KeyError, TypeError, AttributeError):
        return None, f"no result (exit status {status}): {output[-300:]}"
    if entry.get("error_occurred"):
        return None, str(entry.get("error_message", "error"))
    scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}.get(entry.get("time_unit", "ns"), 1e-9)
    return float(entry["real_time"]) * scale, ""


def reference_bench(setup: Setup, all_labs: list[str]) -> tuple[list[str] | None, str]:
    """The reference's benchmark command: built from solutions/ outside the sandbox (in a folder
    the sandbox cannot read), else the prebuilt binary a student release ships, else None and why."""
    if setup.have_solutions:
        build = setup.work / "build" / "perf-reference"
        options = dict(CMAKE_BUILD_TYPE="Release", PARLAB_BENCHMARKS="ON", PARLAB_NATIVE="ON",
                       PARLAB_FLAVOURS="solution", PARLAB_DEPS_FLAVOUR="")
        ok, output = configure(setup.checkout, build, all_labs, options, setup.logs, "perf-reference")
        status, output = (run(["cmake", "--build", str(build), "--target", "parlab_bench_solution",
                               "-j", str(setup.jobs)], setup.logs / "build-perf-reference.log")
                          if ok else (1, output))
        if status != 0:
            return None, "the reference's benchmarks do not build:\n" + "\n".join(output.splitlines()[-15:])
        return [str(build / "parlab_bench_solution")], "built from solutions/"
    shipped = setup.checkout / REFERENCE_BENCH
    if shipped.is_file() and os.access(shipped, os.X_OK):
        return [str(shipped)], f"the prebuilt {REFERENCE_BENCH}"
    return None, (f"--perf needs the reference's benchmarks: this checkout has neither solutions/ nor "
                  f"the prebuilt {REFERENCE_BENCH} that scripts/release-student ships")


def perf_stage(setup: Setup, report: Report, all_labs: list[str]) -> None:
    labs = [r for r in report.labs if r.compiled and r.manifest.perf
            and not any(o.status in ("untrusted", "policy") for o in r.outcomes)]
    if not labs:
        return
    reference, source = reference_bench(setup, all_labs)
    if reference is None:
        report.errors.append(source)
        return
    report.header.append(f"perf: reference benchmarks: {source}")
    # The student's side: a tree with no solution at all; a lab that did not compile (or broke the
    # policy) is benchmarked with its starter so that the binary links.
    tree = setup.work / "trees" / "perf"
    intake.make_tree(setup.checkout, tree, "00", [])
    graded_ok = {r.manifest.number for r in report.labs if r.compiled
                 and not any(o.status in ("untrusted", "policy") for o in r.outcomes)}
    for lab, files in setup.files.items():
        if lab in setup.manifests and lab not in graded_ok:
            continue
        for file, found in files.items():
            if found is not None:
                target = tree / "labs" / setup.folders[lab].name / file
                shutil.copyfile(found, target)
                target.chmod(0o644)
    for lab_report in report.labs:
        if lab_report.manifest.number not in graded_ok:
            for file in lab_report.manifest.student_files:
                shutil.copyfile(setup.checkout / "labs" / lab_report.manifest.name / file,
                                tree / "labs" / lab_report.manifest.name / file)
    build = setup.work / "build" / "perf-student"
    options = dict(CMAKE_BUILD_TYPE="Release", PARLAB_BENCHMARKS="ON", PARLAB_NATIVE="ON",
                   PARLAB_FLAVOURS="lab", PARLAB_DEPS_FLAVOUR="")
    log("perf stage: building the student's benchmarks")
    try:
        ok, output = configure(tree, build, all_labs, options, setup.logs, "perf-student")
        status, output = (sandboxed_build(setup, Sealed(tree, []), build, ["parlab_bench_lab"],
                                          "build-perf-student.log")
                          if ok else (1, output))
        if status != 0:
            report.errors.append("perf: the student's benchmarks do not build:\n"
                                 + verdicts.compiler_errors(output, tree))
            return
        student = setup.box.wrap([str(build / "parlab_bench_lab")], limits=grade_sandbox.test_limits(300, False),
                                 readable=[tree, build], writable=[], env=grade_sandbox.clean_env(), cwd=build)
        perf_runs(setup, labs, student, reference)
    finally:
        tree.chmod(0o700)
        setup.box.kill_all()


def perf_runs(setup: Setup, labs: list[LabReport], student: list[str], reference: list[str]) -> None:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    runs = setup.args.perf_runs
    for lab_report in labs:
        for perf in lab_report.manifest.perf:
            log(f"lab {lab_report.manifest.number}: {perf.benchmark}, {runs} alternating runs")
            times: dict[str, list[float]] = {"student": [], "reference": []}
            problem = ""
            for index in range(runs):
                order = [("student", student), ("reference", reference)]
                for who, command in order if index % 2 == 0 else order[::-1]:
                    seconds, error = bench_time(command, perf.benchmark)
                    if seconds is None:
                        problem = problem or f"{who}: {error}"
                    else:
                        times[who].append(seconds)
            entry = {"lab": lab_report.manifest.number, "benchmark": perf.benchmark,
                     "max_ratio": perf.ratio, "points": perf.points, "cores": cores, "runs": runs}
            if times["student"] and times["reference"]:
                entry["student_s"] = statistics.median(times["student"])
                entry["reference_s"] = statistics.median(times["reference"])
                entry["ratio"] = entry["student_s"] / entry["reference_s"]
                entry["passed"] = not problem and entry["ratio"] <= perf.ratio
            else:
                entry["passed"] = False
            entry["problem"] = problem
            lab_report.perf.append(entry)


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
    solutions_mode = solutions.stat().st_mode & 0o777 if solutions.is_dir() else None
    try:
        if solutions_mode is not None and box.kind == "user":
            solutions.chmod(0o700)  # the user sandbox must not read the checkout's references
        prepare(setup, report)
        if os.environ.get("PARLAB_GRADE_INJECT_FAULT"):  # the grader's own tests use this
            raise RuntimeError("a fault injected by PARLAB_GRADE_INJECT_FAULT")
        for lab_report in report.labs:
            grade_lab_plain(setup, lab_report)
        if args.sanitize:
            sanitize_stage(setup, report, args.sanitize)
        if args.perf:
            perf_stage(setup, report, with_dependencies(list(manifests), folders))
    finally:
        left = box.kill_all()
        if left:
            report.header.append(f"killed {left} process(es) the submission left behind")
        if solutions_mode is not None and box.kind == "user":
            solutions.chmod(solutions_mode)
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

"""scripts/grade's engine: builds the student flavour of each lab in a scratch copy of the checkout
(with a submission's student files laid over it), runs each lab's tests through CTest, scores them
with the lab's grading.toml (grading_manifest.py), and hands the results (grade_results.py) to
grade_report.py for the score table, Gradescope's results.json, JUnit XML and GitHub Classroom's
result. Optional stages: --sanitize (tsan/asan re-runs) and --perf (student vs reference
benchmarks). Whatever goes wrong, it still writes its files: see main()."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import hashlib
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
import traceback
import xml.etree.ElementTree as ET

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import ctest_results  # noqa: E402
import grading_manifest  # noqa: E402
from grade_report import points, write_outputs  # noqa: E402
from grade_results import LabReport, Outcome, Report, clip  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
CHECKSUMS = "labs/checksums.sha256"
# Files every lab relies on besides its own protected files (checked by hash like them).
GLOBAL_PROTECTED = ["CMakeLists.txt", "CMakePresets.json"]
GLOBAL_PROTECTED_DIRS = ["common"]
BUILD_LIMIT = 900  # seconds one lab's build may take (a template explosion must not hang us)

SIGNALS = [  # CTest's words for how a test died -> plain words
    ("segfault", "SIGSEGV, a segmentation fault: an invalid memory access (a dangling reference to a "
                 "chunk, a vector or a stack frame that is gone, or an index out of range)"),
    ("abort", "SIGABRT, aborted: usually std::terminate, from an exception that escaped a thread or "
              "a std::thread destroyed while still joinable"),
    ("illegal", "SIGILL, an illegal instruction: often a function that falls off its end without "
                "returning a value"),
    ("numerical", "SIGFPE, an arithmetic fault such as an integer division by zero"),
    ("bus", "SIGBUS, a bus error: an invalid memory access"),
    ("child killed", "killed by a signal (out of memory, or the machine stopped it)"),
]


def log(message: str) -> None:
    print(f"==> {message}", file=sys.stderr, flush=True)


def sha256(path: pathlib.Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------------------------------------
# Commands


def run(command: list[str], log_file: pathlib.Path | None = None, env: dict | None = None,
        cwd: pathlib.Path | None = None, timeout: float | None = None) -> tuple[int, str]:
    """Runs a command, returns (exit status, combined output); never raises for a failing command.
    On `timeout` the command's whole process group is killed (CTest's test processes included)."""
    try:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                   errors="replace", env=env, cwd=cwd, start_new_session=True)
    except OSError as error:
        return 127, f"{command[0]}: {error}"
    try:
        output, _ = process.communicate(timeout=timeout)
        status = process.returncode
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
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
# The submission: where its files are, what it overlays, what it tried to change


def submission_root(folder: pathlib.Path) -> pathlib.Path:
    """The folder that holds labs/ (nested layout) or the files themselves (flat layout). An
    upload that is one folder (a zipped repository, parlab-main/) is entered."""
    current = folder
    for _ in range(3):
        if (current / "labs").is_dir():
            return current
        entries = [e for e in current.iterdir() if not e.name.startswith((".", "__MACOSX"))]
        if len(entries) == 1 and entries[0].is_dir():
            current = entries[0]
            continue
        break
    return current if (current / "labs").is_dir() else folder


def find_in_submission(root: pathlib.Path, lab_folder: str, file: str,
                       flat_ok: bool) -> pathlib.Path | None:
    """The submission's copy of a lab file, or None. Symbolic links are never followed: a link
    could pull a file of the grading machine into the build and its errors into the report."""
    nested = root / "labs" / lab_folder / file
    if nested.is_file() and not nested.is_symlink():
        return nested
    flat = root / pathlib.PurePath(file).name
    if flat_ok and flat.is_file() and not flat.is_symlink():
        return flat
    return None


def trusted_hashes(checkout: pathlib.Path, checksums: pathlib.Path | None) -> tuple[dict[str, str], str]:
    """Path -> sha256 that the release had, and where they came from. --checksums wins, then the
    checkout's labs/checksums.sha256 (written by scripts/release-student); failing both, the
    checkout's own files are the truth (an instructor's checkout grading --dir submissions)."""
    source = checksums or (checkout / CHECKSUMS)
    if source.is_file():
        hashes = {}
        for line in source.read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                digest, _, path = line.partition("  ")
                hashes[path.strip()] = digest.strip()
        return hashes, str(source)
    return {}, ""


def protected_paths(manifest: grading_manifest.Manifest) -> list[str]:
    return [f"labs/{manifest.name}/{file}" for file in manifest.protected_files]


def global_protected(checkout: pathlib.Path) -> list[str]:
    paths = [p for p in GLOBAL_PROTECTED if (checkout / p).is_file()]
    for folder in GLOBAL_PROTECTED_DIRS:
        paths += sorted(str(p.relative_to(checkout)) for p in (checkout / folder).rglob("*")
                        if p.is_file() and "__pycache__" not in p.parts)
    return paths


def copy_checkout(checkout: pathlib.Path, destination: pathlib.Path) -> None:
    def ignore(folder: str, names: list[str]) -> set[str]:
        skip = {n for n in names if n in {".git", "__pycache__"} or n.startswith(".configure-")}
        if pathlib.Path(folder).resolve() == checkout.resolve():
            skip |= {n for n in names if n == "build" or n.startswith("build-")}
        return skip

    shutil.copytree(checkout, destination, ignore=ignore, symlinks=True)


# ---------------------------------------------------------------------------------------------
# Building and testing


def compiler_errors(log_text: str, tree: pathlib.Path) -> str:
    """The first compiler errors of a build log, paths shown relative to the checkout."""
    text = log_text.replace(str(tree) + "/", "")
    lines = text.splitlines()
    picked: list[str] = []
    taken: set[int] = set()
    for index, line in enumerate(lines):
        if index in taken or not re.search(r"\berror\b", line) or line.startswith(("ninja:", "FAILED:")):
            continue
        for near in range(index, min(index + 4, len(lines))):  # the error and its caret lines
            if near not in taken:
                taken.add(near)
                picked.append(lines[near])
        if len(picked) >= 24:
            break
    return "\n".join(picked[:24]) if picked else "\n".join(lines[-24:])


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


def configure(tree: pathlib.Path, build: pathlib.Path, labs: list[str], options: dict[str, str],
              logs: pathlib.Path, name: str) -> tuple[bool, str]:
    command = ["cmake", "-S", str(tree), "-B", str(build), "-G", "Ninja",
               f"-DPARLAB_ONLY_LABS={';'.join(labs)}", "-DPARLAB_WERROR=OFF"]
    command += [f"-D{key}={value}" for key, value in options.items()]
    status, output = run(command, logs / f"configure-{name}.log")
    return status == 0, output


def run_ctest(build: pathlib.Path, lab: str, jobs: int, env: dict | None = None,
              wall_limit: float | None = None) -> list[ctest_results.TestResult]:
    testing = build / "Testing"
    shutil.rmtree(testing, ignore_errors=True)
    run(["ctest", "--test-dir", str(build), "-T", "Test", "-R", rf"^lab\.lab{lab}\.", "-j", str(jobs),
         "--no-compress-output"], build / f"ctest-lab{lab}.log", env=env, timeout=wall_limit)
    try:
        return ctest_results.read(ctest_results.latest_test_xml(build))
    except (OSError, IndexError, ET.ParseError):
        return []


def signal_words(detail: str) -> str:
    lower = detail.lower()
    for key, words in SIGNALS:
        if key in lower:
            return words
    return f"it died ({detail})"


def failure_excerpt(output: str) -> str:
    """The first gtest failure: its file:line, the assertion and the teaching message."""
    lines = output.splitlines()
    for index, line in enumerate(lines):
        if "Failure" in line or "threw an exception" in line or "what():" in line:
            return "\n".join(lines[index:index + 12])
    return "\n".join(lines[-12:])


def describe(outcome: Outcome, result: ctest_results.TestResult, timeout: float, hint: str) -> None:
    outcome.seconds = result.seconds
    outcome.output = clip(result.output)
    if result.status == "passed":
        outcome.status, outcome.words = "passed", "passed"
    elif result.status == "timeout":
        outcome.status = "timeout"
        bounded = re.search(r"did not finish within (\d+) ms", result.output)
        if bounded:
            outcome.words = (f"timed out: its own bounded wait gave up after "
                             f"{int(bounded.group(1)) / 1000:g} s: {hint}")
        else:
            outcome.words = f"timed out after {timeout:g} s: {hint}"
    elif result.status == "crashed":
        outcome.status = "crashed"
        outcome.words = f"crashed ({signal_words(result.detail)})"
    elif result.status == "not-run":
        outcome.status = "not-run"
        outcome.words = "did not run (its test program is missing)"
    else:
        outcome.status = "failed"
        if "not implemented yet" in result.output:
            outcome.words = "failed: not implemented yet (the starter still throws NotImplemented)"
        else:
            first = next((line.strip() for line in failure_excerpt(result.output).splitlines()
                          if line.strip() and "Failure" not in line), "")
            outcome.words = "failed" + (f": {first[:160]}" if first else "")


FRAME = re.compile(r"^(\s*#\d+) (.*) (\S+:\d+(?::\d+)?)(?: \(.*\))?$")


def readable_frame(line: str, tree: str) -> str:
    """A sanitizer stack frame without template arguments (a lambda inside map_sum<...> is a
    thousand characters long) and with paths relative to the checkout."""
    line = line.replace(tree + "/", "")
    match = FRAME.match(line)
    if not match:
        return line if len(line) <= 240 else line[:240] + " ..."
    function = match.group(2)
    for _ in range(20):
        shorter = re.sub(r"<[^<>]*>", "", function)
        if shorter == function:
            break
        function = shorter
    if len(function) > 140:
        function = function[:140] + " ..."
    return f"{match.group(1)} {function} at {match.group(3)}"


def sanitizer_report(output: str, tree: str = "") -> tuple[str, str] | None:
    """(kind, first report) when a sanitizer spoke in the output."""
    lines = [readable_frame(line, tree) for line in output.splitlines()]
    markers = [("WARNING: ThreadSanitizer:", "race", "ThreadSanitizer"),
               ("ERROR: AddressSanitizer:", "memory-error", "AddressSanitizer"),
               ("ERROR: LeakSanitizer:", "memory-error", "LeakSanitizer"),
               ("runtime error:", "memory-error", "UndefinedBehaviorSanitizer")]
    for index, line in enumerate(lines):
        for marker, kind, tool in markers:
            if marker in line:
                report = []
                for follow in lines[index:index + 60]:
                    report.append(follow)
                    if follow.startswith("SUMMARY:"):
                        break
                return kind, "\n".join(report)
    return None


# ---------------------------------------------------------------------------------------------
# The grading run


@dataclasses.dataclass
class Setup:
    args: argparse.Namespace
    checkout: pathlib.Path
    work: pathlib.Path
    tree: pathlib.Path
    logs: pathlib.Path
    have_solutions: bool
    jobs: int


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


def prepare(setup: Setup, report: Report, manifests: dict[str, grading_manifest.Manifest]) -> None:
    """Copies the checkout, lays the submission's student files over it, checks integrity."""
    args, checkout = setup.args, setup.checkout
    log(f"copying the checkout to {setup.tree}")
    copy_checkout(checkout, setup.tree)
    hashes, hash_source = trusted_hashes(checkout, args.checksums)
    if args.dir:
        root = submission_root(args.dir)
        basenames = [pathlib.PurePath(f).name for m in manifests.values() for f in m.student_files]
        layout = "nested (labs/NN_name/<file>)" if (root / "labs").is_dir() else "flat (<file>)"
        report.header.append(f"submission: {args.dir} ({layout})")
        used: set[pathlib.Path] = set()
        for lab, manifest in manifests.items():
            lab_report = next(r for r in report.labs if r.manifest.number == lab)
            for file in manifest.student_files:
                flat_ok = basenames.count(pathlib.PurePath(file).name) == 1
                found = find_in_submission(root, manifest.name, file, flat_ok)
                if found is None:
                    lab_report.notes.append(f"{file} is not in the submission: graded the starter")
                    continue
                used.add(found.resolve())
                shutil.copyfile(found, setup.tree / "labs" / manifest.name / file)
            for path in protected_paths(manifest):
                file = path.split("/", 2)[2]
                found = find_in_submission(root, manifest.name, file, False)
                if found is None:
                    continue
                used.add(found.resolve())
                expected = hashes.get(path) or sha256(checkout / path)
                if sha256(found) != expected:
                    lab_report.notes.append(
                        f"integrity: the submission's {path} differs from the release's "
                        f"(sha256 {sha256(found)[:12]} != {expected[:12]}); it was ignored and the "
                        f"release's copy graded")
        for path in global_protected(checkout):
            found = root / path
            if found.is_file() and not found.is_symlink():
                used.add(found.resolve())
                expected = hashes.get(path) or sha256(checkout / path)
                if sha256(found) != expected:
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
        report.header.append(f"integrity: no {CHECKSUMS} (not a student release): not checked")
        return
    report.header.append(f"integrity: checked against {hash_source}")
    for lab, manifest in manifests.items():
        lab_report = next(r for r in report.labs if r.manifest.number == lab)
        for path in protected_paths(manifest) + global_protected(checkout):
            if path not in hashes:
                continue
            actual = checkout / path
            if not actual.is_file() or sha256(actual) != hashes[path]:
                lab_report.notes.append(f"integrity: {path} differs from the release: the "
                                        f"lab's tests are not trusted and score 0")


def grade_lab_plain(setup: Setup, lab_report: LabReport, build: pathlib.Path) -> None:
    manifest = lab_report.manifest
    lab = manifest.number
    untrusted = any(note.startswith("integrity:") and "not trusted" in note for note in lab_report.notes)
    registered = registered_tests(build, lab)
    for error in grading_manifest.check_against(manifest, list(registered)):
        lab_report.notes.append(f"manifest error: {error}")

    def outcomes_all(status: str, words: str, output: str = "") -> None:
        for part in manifest.parts:
            for test, points in part.tests.items():
                lab_report.outcomes.append(Outcome(lab, part.id, test, points, status, words, output,
                                                   visibility=part.visibility))

    log(f"lab {lab}: building the student flavour")
    status, output = run(["cmake", "--build", str(build), "--target", f"lab{lab}_lab",
                          "-j", str(setup.jobs)], setup.logs / f"build-lab{lab}.log",
                         timeout=BUILD_LIMIT)
    if status != 0:
        errors = compiler_errors(output, setup.tree)
        lab_report.notes.append("does not compile; the compiler said:\n" + errors)
        outcomes_all("not-compiled", "not graded: the lab does not compile (see the compiler "
                     "errors in the lab's report)", errors)
        return
    lab_report.compiled = True
    if untrusted:
        outcomes_all("untrusted", "not graded: a protected file of the lab was edited")
        return
    log(f"lab {lab}: running its tests")
    # CTest kills each test at its timeout; this bound on the whole run is only a backstop.
    backstop = sum(registered.values()) + 300
    results = {r.test: r for r in run_ctest(build, lab, setup.jobs, wall_limit=backstop)}
    for part in manifest.parts:
        for test, points in part.tests.items():
            outcome = Outcome(lab, part.id, test, points, "missing", visibility=part.visibility)
            if test not in registered:
                outcome.words = "not graded: the test does not exist (a manifest error)"
            elif test not in results:
                outcome.status, outcome.words = "not-run", "did not run"
            else:
                describe(outcome, results[test], registered.get(test, manifest.timeout),
                         part.timeout_hint)
            lab_report.outcomes.append(outcome)
    apply_rules(lab_report)


def apply_rules(lab_report: LabReport) -> None:
    for rule in lab_report.manifest.rules:
        gate = next((o for o in lab_report.outcomes if o.test == rule.test), None)
        if gate is None or gate.status == "passed":
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


def sanitize_stage(setup: Setup, report: Report, kinds: list[str], all_labs: list[str]) -> None:
    env = dict(os.environ)
    symbolizer = shutil.which("llvm-symbolizer") or shutil.which("llvm-symbolizer-14") or ""
    where = f" external_symbolizer_path={symbolizer}" if symbolizer else ""
    env.update(TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" + where,
               ASAN_OPTIONS="detect_leaks=1:abort_on_error=1",
               UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1")
    for kind in kinds:
        labs = [r for r in report.labs if r.compiled and kind in r.manifest.sanitizers
                and not any(o.status == "untrusted" for o in r.outcomes)]
        if not labs:
            continue
        build = setup.tree / "build" / f"grade-{kind}"
        timeout = max(setup.args.timeout or r.manifest.sanitize_timeout for r in labs)
        options = dict(SANITIZER_OPTIONS[kind], CMAKE_BUILD_TYPE="RelWithDebInfo",
                       CMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g", PARLAB_BENCHMARKS="OFF",
                       PARLAB_TEST_TIMEOUT=str(timeout), **deps_options(setup))
        log(f"sanitizer stage ({SANITIZER_NAMES[kind]}): configuring")
        ok, output = configure(setup.tree, build, all_labs, options, setup.logs, kind)
        if not ok:
            report.errors.append(f"the {SANITIZER_NAMES[kind]} build could not be configured:\n"
                                 + "\n".join(output.splitlines()[-15:]))
            continue
        for lab_report in labs:
            lab = lab_report.manifest.number
            log(f"lab {lab}: building and running under {SANITIZER_NAMES[kind]}")
            status, output = run(["cmake", "--build", str(build), "--target", f"lab{lab}_lab",
                                  "-j", str(setup.jobs)], setup.logs / f"build-lab{lab}-{kind}.log",
                                 timeout=BUILD_LIMIT)
            if status != 0:
                lab_report.notes.append(f"the {SANITIZER_NAMES[kind]} build failed (not counted):\n"
                                        + compiler_errors(output, setup.tree))
                continue
            results = {r.test: r for r in run_ctest(build, lab, setup.jobs, env=env)}
            best: tuple[int, str, str] | None = None
            for outcome in lab_report.outcomes:
                result = results.get(outcome.test)
                if result is None or outcome.status != "passed":
                    continue
                found = sanitizer_report(result.output, str(setup.tree))
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
                    outcome.output = clip(found[1] + "\n\n" + result.output)
                elif result.status != "passed":
                    scratch = Outcome(outcome.lab, outcome.part, outcome.test, 0, "")
                    hint = lab_report.manifest.part_of(outcome.test)
                    describe(scratch, result, float(timeout),
                             hint.timeout_hint if hint else grading_manifest.DEFAULT_TIMEOUT_HINT)
                    outcome.status = scratch.status
                    outcome.words = f"passed, but under {SANITIZER_NAMES[kind]} it {scratch.words}"
                    outcome.output = scratch.output
            if best is not None:
                lab_report.notes.append(f"first sanitizer report ({best[1]}):\n"
                                        + "\n".join([line for line in best[2].splitlines()
                                                     if " at /usr/" not in line][:16]))
            apply_rules(lab_report)


def deps_options(setup: Setup) -> dict[str, str]:
    if setup.have_solutions:
        return {"PARLAB_FLAVOURS": "lab;solution", "PARLAB_DEPS_FLAVOUR": "solution"}
    return {"PARLAB_FLAVOURS": "lab", "PARLAB_DEPS_FLAVOUR": ""}


def bench_time(binary: pathlib.Path, name: str) -> tuple[float | None, str]:
    status, output = run([str(binary), f"--benchmark_filter=^{re.escape(name)}(/real_time)?$",
                          "--benchmark_format=json"], timeout=300)
    try:
        data = json.loads(output[output.index("{"):])
        entry = next(b for b in data["benchmarks"] if b.get("name", "").startswith(name))
    except (ValueError, StopIteration, KeyError):
        return None, f"no result (exit status {status}): {output[-300:]}"
    if entry.get("error_occurred"):
        return None, entry.get("error_message", "error")
    scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[entry.get("time_unit", "ns")]
    return entry["real_time"] * scale, ""


def perf_stage(setup: Setup, report: Report, all_labs: list[str]) -> None:
    labs = [r for r in report.labs if r.compiled and r.manifest.perf]
    if not labs:
        return
    if not setup.have_solutions:
        report.errors.append("--perf needs the reference (solutions/), which this checkout lacks")
        return
    # A lab that did not compile is benchmarked with its starter so that the binary links.
    for lab_report in report.labs:
        if not lab_report.compiled:
            for file in lab_report.manifest.student_files:
                shutil.copyfile(setup.checkout / "labs" / lab_report.manifest.name / file,
                                setup.tree / "labs" / lab_report.manifest.name / file)
    build = setup.tree / "build" / "grade-perf"
    options = dict(CMAKE_BUILD_TYPE="Release", PARLAB_BENCHMARKS="ON", PARLAB_NATIVE="ON",
                   **deps_options(setup))
    log("perf stage: building both benchmark binaries")
    ok, output = configure(setup.tree, build, all_labs, options, setup.logs, "perf")
    status, output = (run(["cmake", "--build", str(build), "--target", "parlab_bench_lab",
                           "parlab_bench_solution", "-j", str(setup.jobs)],
                          setup.logs / "build-perf.log") if ok else (1, output))
    if status != 0:
        report.errors.append("perf: the benchmarks do not build:\n" + compiler_errors(output, setup.tree))
        return
    student, reference = build / "parlab_bench_lab", build / "parlab_bench_solution"
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    runs = setup.args.perf_runs
    for lab_report in labs:
        for perf in lab_report.manifest.perf:
            log(f"lab {lab_report.manifest.number}: {perf.benchmark}, {runs} alternating runs")
            times: dict[str, list[float]] = {"student": [], "reference": []}
            problem = ""
            for index in range(runs):
                order = [("student", student), ("reference", reference)]
                for who, binary in order if index % 2 == 0 else order[::-1]:
                    seconds, error = bench_time(binary, perf.benchmark)
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

    work = pathlib.Path(args.workdir) if args.workdir else pathlib.Path(
        tempfile.mkdtemp(prefix="parlab-grade-"))
    if args.workdir:
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
    setup = Setup(args=args, checkout=checkout, work=work, tree=work / "parlab", logs=work / "logs",
                  have_solutions=(checkout / "solutions").is_dir(), jobs=args.jobs)
    setup.logs.mkdir(parents=True, exist_ok=True)
    try:
        prepare(setup, report, manifests)
        if os.environ.get("PARLAB_GRADE_INJECT_FAULT"):  # the grader's own tests use this
            raise RuntimeError("a fault injected by PARLAB_GRADE_INJECT_FAULT")
        all_labs = with_dependencies(list(manifests), folders)
        build = setup.tree / "build" / "grade"
        timeout = args.timeout or max(m.timeout for m in manifests.values())
        options = dict(CMAKE_BUILD_TYPE="Release", PARLAB_BENCHMARKS="OFF",
                       PARLAB_TEST_TIMEOUT=str(timeout), **deps_options(setup))
        log("configuring")
        ok, output = configure(setup.tree, build, all_labs, options, setup.logs, "plain")
        if not ok:
            report.errors.append("CMake could not configure the build (an error in the course "
                                 "files, not in the submission):\n" + "\n".join(output.splitlines()[-20:]))
            for lab_report in report.labs:
                for part in lab_report.manifest.parts:
                    for test, points in part.tests.items():
                        lab_report.outcomes.append(Outcome(lab_report.manifest.number, part.id, test,
                                                           points, "not-run", "not graded: the build "
                                                           "could not be configured"))
            return
        for lab_report in report.labs:
            grade_lab_plain(setup, lab_report, build)
        if args.sanitize:
            sanitize_stage(setup, report, args.sanitize, all_labs)
        if args.perf:
            perf_stage(setup, report, all_labs)
    finally:
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

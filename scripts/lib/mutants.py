"""The mutation suite behind scripts/mutants/run: applies each classic student bug
(scripts/mutants/labNN/NAME.patch) to a scratch copy of the checkout, rebuilds only the test
executables the bug reaches, and runs that lab's graded tests until one fails. A mutant that no
graded test kills is a rule nobody checks. The patch format is described in scripts/mutants/run.

One scratch tree and one build folder serve every mutant and every run (incremental builds,
ccache when present), so the whole suite stays cheap enough for CI."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import grading_manifest  # noqa: E402

HEADER_KEYS = ("Bug", "Rule", "Killed-by")
TEST_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_/]*$")


class SuiteError(Exception):
    """The suite itself is broken (a bad patch header, a test that does not exist): not a kill."""


@dataclasses.dataclass
class Mutant:
    lab: str  # "03"
    name: str  # "missing_notify"
    path: pathlib.Path
    bug: str
    rule: str
    killed_by: list[str]  # "Suite.Test", in the order they should run
    files: list[str]  # the files the diff touches, relative to the repository root

    @property
    def id(self) -> str:
        return f"lab{self.lab}/{self.name}"


def parse_patch(text: str, lab: str, name: str, path: pathlib.Path) -> Mutant:
    """Reads the header lines (Bug, Rule, Killed-by) before the first 'diff --git' line and the
    files the diff touches. Raises SuiteError with the reason when the patch is malformed."""
    where = f"lab{lab}/{name}.patch"
    header, _, diff = text.partition("\ndiff --git ")
    if text.startswith("diff --git "):
        header, diff = "", text[len("diff --git "):]
    if not diff:
        raise SuiteError(f"{where}: no 'diff --git' line: a mutant is a git diff of solutions/")
    fields: dict[str, str] = {}
    for line in header.splitlines():
        match = re.match(r"^([A-Za-z-]+):\s*(.*?)\s*$", line)
        if match and match.group(1) in HEADER_KEYS:
            if match.group(1) in fields:
                raise SuiteError(f"{where}: '{match.group(1)}:' appears twice")
            fields[match.group(1)] = match.group(2)
    for key in HEADER_KEYS:
        if not fields.get(key):
            raise SuiteError(f"{where}: the header needs a non-empty '{key}:' line")
    killed_by = [test.strip() for test in fields["Killed-by"].split(",") if test.strip()]
    for test in killed_by:
        if not TEST_NAME.match(test):
            raise SuiteError(f"{where}: Killed-by names '{test}', which is not a Suite.Test name")
    files = []
    for line in ("diff --git " + diff).splitlines():
        match = re.match(r"^diff --git a/(\S+) b/(\S+)$", line)
        if match:
            for file in match.groups():
                if not file.startswith("solutions/"):
                    raise SuiteError(f"{where}: it patches {file}; a mutant changes solutions/ only")
                if file not in files:
                    files.append(file)
    if not files:
        raise SuiteError(f"{where}: no 'diff --git a/... b/...' line names a file")
    return Mutant(lab=lab, name=name, path=path, bug=fields["Bug"], rule=fields["Rule"],
                  killed_by=killed_by, files=files)


def discover(mutants_dir: pathlib.Path, labs: list[str] | None = None,
             names: list[str] | None = None) -> list[Mutant]:
    """Every scripts/mutants/labNN/*.patch, sorted by lab and name, filtered by lab numbers
    ("03") and by names ("missing_notify" or "lab03/missing_notify")."""
    mutants = []
    for lab_dir in sorted(mutants_dir.glob("lab[0-9][0-9]")):
        lab = lab_dir.name[3:]
        if labs and lab not in labs:
            continue
        for path in sorted(lab_dir.glob("*.patch")):
            name = path.stem
            if names and name not in names and f"lab{lab}/{name}" not in names:
                continue
            mutants.append(parse_patch(path.read_text(), lab, name, path))
    return mutants


def order_tests(graded: list[str], killed_by: list[str], lab: str) -> list[str]:
    """The graded tests of a lab in the order a mutant runs them: its Killed-by tests first (in
    the header's order), then the others in manifest order. A Killed-by test that is not graded
    is an error of the suite: only a lab's own graded tests may kill its mutants."""
    unknown = [test for test in killed_by if test not in graded]
    if unknown:
        raise SuiteError(f"Killed-by names {', '.join(unknown)}, not a graded test of lab {lab} "
                         f"(labs/{lab}_*/grading.toml)")
    return killed_by + [test for test in graded if test not in killed_by]


def ctest_executables(show_only_json: str, flavour: str = "solution") -> dict[str, str]:
    """Maps 'labNN.Suite.Test' to the executable that runs it, from CTest's
    --show-only=json-v1 output, for the tests of one flavour ('solution.labNN.Suite.Test')."""
    data = json.loads(show_only_json)
    result = {}
    for test in data.get("tests", []):
        name = test.get("name", "")
        command = test.get("command") or []
        if name.startswith(f"{flavour}.") and command:
            result[name[len(flavour) + 1:]] = command[0]
    return result


def executables_from_sources(tree: pathlib.Path, build: pathlib.Path,
                             flavour: str = "solution") -> dict[str, str]:
    """Maps 'labNN.Suite.Test' to its executable by reading the TEST()s of each lab's *_test.cpp,
    as parlab_add_lab does (one executable labNN_<flavour>_<stem> per test file, in the lab's build
    folder). CTest's --show-only omits the command of a test whose executable is not built yet,
    which is every test of a fresh scratch build (CI's case)."""
    result = {}
    for source in sorted(tree.glob("labs/[0-9][0-9]_*/*_test.cpp")):
        lab = source.parent.name[:2]
        exe = build / "labs" / source.parent.name / f"lab{lab}_{flavour}_{source.stem}"
        for suite, name in re.findall(r"^\s*TEST(?:_F)?\(\s*(\w+)\s*,\s*(\w+)\s*\)",
                                      source.read_text(errors="replace"), flags=re.M):
            result[f"lab{lab}.{suite}.{name}"] = str(exe)
    return result


def group_by_executable(tests: list[str], executables: dict[str, str]) -> list[tuple[str, list[str]]]:
    """Splits ordered tests into runs of consecutive tests that share an executable, so that a
    mutant builds an executable only when its turn comes."""
    groups: list[tuple[str, list[str]]] = []
    for test in tests:
        exe = executables[test]
        if groups and groups[-1][0] == exe:
            groups[-1][1].append(test)
        else:
            groups.append((exe, [test]))
    return groups


def first_errors(output: str, lines: int = 12) -> str:
    """The first compiler error lines of a build log (or its tail when none is marked)."""
    errors = [line for line in output.splitlines() if re.search(r"\berror\b:|: error|Error \d", line)]
    chosen = errors[:lines] if errors else output.splitlines()[-lines:]
    return "\n".join("      " + line for line in chosen)


# ---------------------------------------------------------------------------------------------
# Running (everything below touches files and processes).

class Runner:
    def __init__(self, root: pathlib.Path, workdir: pathlib.Path, verbose: bool):
        self.root = root
        self.tree = workdir / "tree"
        self.build = self.tree / "build" / "solution"
        self.verbose = verbose
        self.env = dict(os.environ)
        # git apply in the scratch tree must not find the checkout's repository above it.
        self.env["GIT_CEILING_DIRECTORIES"] = str(workdir.resolve())
        if shutil.which("ccache"):
            self.env.setdefault("CCACHE_BASEDIR", str(self.tree.resolve()))
        self.executables: dict[str, str] = {}

    def log(self, message: str) -> None:
        if self.verbose:
            print(f"   {message}", flush=True)

    def sync(self) -> None:
        """Makes the scratch tree equal to the checkout's files (tracked and untracked, not
        ignored), rewriting only the files that differ so that unchanged files keep their
        timestamps and the build stays incremental."""
        listing = subprocess.run(["git", "ls-files", "-z", "-co", "--exclude-standard"], cwd=self.root,
                                 check=True, capture_output=True).stdout.decode()
        files = sorted({f for f in listing.split("\0") if f and (self.root / f).is_file()})
        self.tree.mkdir(parents=True, exist_ok=True)
        record = self.tree / ".mutants-files"
        previous = set(record.read_text().splitlines()) if record.exists() else set()
        for stale in previous - set(files):
            (self.tree / stale).unlink(missing_ok=True)
        changed = 0
        for file in files:
            source, target = self.root / file, self.tree / file
            data = source.read_bytes()
            if not target.exists() or target.read_bytes() != data:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
                shutil.copymode(source, target)
                changed += 1
        record.write_text("\n".join(files) + "\n")
        self.log(f"scratch tree {self.tree}: {changed} file(s) updated")

    def restore(self, mutant: Mutant) -> None:
        """Puts back the checkout's version of every file the mutant touched."""
        for file in mutant.files:
            source, target = self.root / file, self.tree / file
            if source.exists():
                if not target.exists() or target.read_bytes() != source.read_bytes():
                    shutil.copyfile(source, target)
            else:
                target.unlink(missing_ok=True)

    def configure(self) -> None:
        command = ["cmake", "-S", str(self.tree), "-B", str(self.build), "-G", "Ninja",
                   "-DCMAKE_BUILD_TYPE=Release", "-DPARLAB_FLAVOURS=solution",
                   "-DPARLAB_BENCHMARKS=OFF", "-DPARLAB_ONLY_LABS="]
        if shutil.which("ccache"):
            command.append("-DCMAKE_CXX_COMPILER_LAUNCHER=ccache")
        done = subprocess.run(command, env=self.env, capture_output=True, text=True)
        if done.returncode != 0:
            raise SuiteError("configuring the scratch build failed:\n" + first_errors(done.stdout + done.stderr))
        shown = subprocess.run(["ctest", "--test-dir", str(self.build), "--show-only=json-v1"],
                               env=self.env, capture_output=True, text=True)
        if shown.returncode != 0:
            raise SuiteError("ctest --show-only failed:\n" + first_errors(shown.stdout + shown.stderr))
        self.executables = {**executables_from_sources(self.tree, self.build),
                            **ctest_executables(shown.stdout)}

    def build_targets(self, targets: list[str]) -> tuple[bool, str]:
        done = subprocess.run(["cmake", "--build", str(self.build), "--target", *targets],
                              env=self.env, capture_output=True, text=True)
        return done.returncode == 0, done.stdout + done.stderr

    def run_test(self, lab: str, test: str) -> bool:
        """Runs one graded test through CTest (its timeout applies); True when it passed."""
        name = re.escape(f"solution.lab{lab}.{test}")
        done = subprocess.run(["ctest", "--test-dir", str(self.build), "-R", f"^{name}$",
                               "--no-tests=error"], env=self.env, capture_output=True, text=True)
        return done.returncode == 0

    def executable_of(self, lab: str, test: str) -> str:
        return self.executables[f"lab{lab}.{test}"]

    def graded(self, lab: str) -> list[str]:
        folders = sorted(self.tree.glob(f"labs/{lab}_*"))
        if not folders:
            raise SuiteError(f"there is no labs/{lab}_* folder")
        manifest = grading_manifest.load(folders[0])
        tests = [test for part in manifest.parts for test in part.tests]
        missing = [test for test in tests if f"lab{lab}.{test}" not in self.executables]
        if missing:
            raise SuiteError(f"lab {lab}'s grading.toml lists tests CTest does not have: {', '.join(missing)}")
        return tests

    def run_mutant(self, mutant: Mutant, keep: bool) -> tuple[str, bool]:
        """Returns (the outcome line, killed)."""
        apply = ["git", "apply", "--whitespace=nowarn", str(mutant.path.resolve())]
        check = subprocess.run([*apply[:2], "--check", *apply[2:]], cwd=self.tree, env=self.env,
                               capture_output=True, text=True)
        if check.returncode != 0:
            return "does not apply (an error of the suite):\n" + first_errors(check.stderr), False
        tests = order_tests(self.graded(mutant.lab), mutant.killed_by, mutant.lab)
        subprocess.run(apply, cwd=self.tree, env=self.env, check=True, capture_output=True)
        try:
            ran = 0
            for exe, group in group_by_executable(
                    tests, {t: self.executable_of(mutant.lab, t) for t in tests}):
                target = pathlib.Path(exe).name
                ok, output = self.build_targets([target])
                if not ok and "unknown target" in output:
                    # An executable named apart from its target: build the lab's whole flavour.
                    target = f"lab{mutant.lab}_solution"
                    ok, output = self.build_targets([target])
                if not ok:
                    return f"does not compile (an error of the suite; {target}):\n" + first_errors(output), False
                for test in group:
                    ran += 1
                    if not self.run_test(mutant.lab, test):
                        note = "" if test in mutant.killed_by else \
                            f" (not by its Killed-by {', '.join(mutant.killed_by)}: fix the header)"
                        return f"killed by {test}{note}", True
            return f"SURVIVED (all {ran} graded tests of lab {mutant.lab} passed)", False
        finally:
            if not keep:
                self.restore(mutant)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="scripts/mutants/run", add_help=False)
    parser.add_argument("--root", required=True, type=pathlib.Path)
    parser.add_argument("--workdir", type=pathlib.Path)
    parser.add_argument("--lab", action="append", default=[])
    parser.add_argument("--mutant", action="append", default=[])
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    workdir = (args.workdir or root / "build" / "mutants").resolve()
    labs = [f"{int(lab):02d}" for lab in args.lab]
    try:
        mutants = discover(root / "scripts" / "mutants", labs, args.mutant)
    except SuiteError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not mutants:
        print("error: no mutant matches", file=sys.stderr)
        return 2
    if args.list:
        for mutant in mutants:
            print(f"{mutant.id:40} {mutant.bug}\n{'':40} killed by {', '.join(mutant.killed_by)}")
        print(f"{len(mutants)} mutant(s)")
        return 0
    if args.keep and len(mutants) != 1:
        print("error: --keep leaves a mutant applied in the scratch tree: name one with --mutant",
              file=sys.stderr)
        return 2

    start = time.monotonic()
    runner = Runner(root, workdir, args.verbose)
    try:
        runner.sync()
        runner.configure()
        # No baseline build: each mutant builds only the executables whose turn comes, and the
        # unmutated solutions are built and tested by scripts/test (CI's first step).
        runner.log(f"configured in {time.monotonic() - start:.0f} s")
    except SuiteError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2

    killed = 0
    width = max(len(m.id) for m in mutants)
    for mutant in mutants:
        began = time.monotonic()
        try:
            outcome, was_killed = runner.run_mutant(mutant, args.keep)
        except SuiteError as error:
            outcome, was_killed = f"error of the suite: {error}", False
        killed += was_killed
        print(f"{mutant.id:{width}}  {outcome}  [{time.monotonic() - began:.0f} s]", flush=True)
    print(f"killed {killed} of {len(mutants)}  ({time.monotonic() - start:.0f} s)")
    if args.keep:
        print(f"kept: {mutants[0].id} is applied in {runner.tree}; rebuild with "
              f"'cmake --build {runner.build} --target lab{mutants[0].lab}_solution' and run "
              f"'ctest --test-dir {runner.build} -L lab{mutants[0].lab}'; the next run restores it")
    return 0 if killed == len(mutants) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

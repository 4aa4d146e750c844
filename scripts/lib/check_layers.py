"""The layer check behind scripts/check-layers: every #include in parlab's C++ must point down the
layers drawn in docs/architecture.md, never up or sideways.

Layers, bottom to top: common/ (what every lab uses), the labs (labs/NN_name/ and its reference
solutions/NN_name/, the two flavours of one lab), tools/ (programs assembled from the labs). The
rules, each reported under its name:

  common-is-the-bottom     common/ includes only common/: no lab's or solution's file, by path or
                           by name, and nothing from tools/.
  labs-build-on-earlier    a lab's files (either flavour) include their own lab's student files
                           and those of the labs it DEPENDS on (its CMakeLists.txt), never a later
                           or unrelated lab's; and never by a path into labs/ or solutions/: the
                           flavour is chosen by the include path, not in the source.
  tests-use-angle-brackets a lab's tests and benchmarks include student files as <file.hpp>: a
                           quoted include finds the starter beside the test even in the solution
                           flavour, so the reference would never be tested.
  test-code-stays-out      library code (student files, solutions/, common/ outside common/testing
                           and common/bench) includes nothing from common/testing/ or common/bench/
                           (GoogleTest and Google Benchmark stay out of the libraries).
  nothing-includes-tools   no file outside tools/ includes from tools/ (the top of the layers).

Standard library only; run by Debian's python3 through scripts/check-layers.
"""
from __future__ import annotations

import argparse
import dataclasses
import pathlib
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.MULTILINE)
ADD_LAB = re.compile(r"parlab_add_lab\s*\((.*?)\)", re.DOTALL)
LAB_DIR = re.compile(r"^(\d\d)_[A-Za-z0-9_]+$")
SOURCE_SUFFIXES = {".hpp", ".h", ".cpp", ".cc", ".ipp"}


@dataclasses.dataclass(frozen=True)
class Violation:
    rule: str
    file: str  # relative to the repository root
    line: int
    include: str  # as written, with its brackets or quotes
    why: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: [{self.rule}] #include {self.include}: {self.why}"


@dataclasses.dataclass
class Lab:
    number: str  # "03"
    folder: str  # "03_thread_pool"
    files: list[str]  # the student files (FILES of parlab_add_lab)
    depends: list[str]  # direct DEPENDS, lab numbers


def parse_add_lab(cmake_text: str) -> dict[str, list[str]]:
    """The keyword arguments of the first parlab_add_lab(...) call: {"FILES": [...], ...}.
    A keyword is any all-capitals word, so new keywords need no change here."""
    match = ADD_LAB.search(re.sub(r"#[^\n]*", "", cmake_text))
    if not match:
        return {}
    arguments: dict[str, list[str]] = {}
    current = None
    for token in match.group(1).split():
        if re.fullmatch(r"[A-Z][A-Z_]*", token):
            current = arguments.setdefault(token, [])
        elif current is not None:
            current.append(token)
    return arguments


def read_labs(root: pathlib.Path) -> dict[str, Lab]:
    labs = {}
    for folder in sorted((root / "labs").glob("[0-9][0-9]_*")):
        if not folder.is_dir() or not LAB_DIR.match(folder.name):
            continue
        cmake = folder / "CMakeLists.txt"
        arguments = parse_add_lab(cmake.read_text()) if cmake.is_file() else {}
        labs[folder.name[:2]] = Lab(number=folder.name[:2], folder=folder.name,
                                    files=arguments.get("FILES", []),
                                    depends=arguments.get("DEPENDS", []))
    return labs


def reachable(labs: dict[str, Lab], number: str) -> set[str]:
    """The lab and every lab it builds on, directly or not."""
    seen, pending = set(), [number]
    while pending:
        lab = pending.pop()
        if lab not in seen:
            seen.add(lab)
            pending += labs[lab].depends if lab in labs else []
    return seen


def includes(text: str):
    """(line number, bracket, target) of every #include in a C++ source."""
    for match in INCLUDE.finditer(text):
        yield text.count("\n", 0, match.start()) + 1, match.group(1), match.group(2)


def check(root: pathlib.Path) -> list[Violation]:
    """Every violation of the layer rules under root, in file order."""
    labs = read_labs(root)
    owner: dict[str, set[str]] = {}  # student file name -> the labs that have it
    for lab in labs.values():
        for name in lab.files:
            owner.setdefault(name, set()).add(lab.number)

    violations = []
    for top in ("common", "labs", "solutions", "tools"):
        for path in sorted((root / top).rglob("*")):
            if path.suffix in SOURCE_SUFFIXES and path.is_file():
                violations += check_file(root, path, labs, owner)
    return violations


def check_file(root: pathlib.Path, path: pathlib.Path, labs: dict[str, Lab],
               owner: dict[str, set[str]]) -> list[Violation]:
    relative = path.relative_to(root).as_posix()
    parts = relative.split("/")
    layer = parts[0]
    lab = None
    if layer in ("labs", "solutions") and len(parts) > 2 and LAB_DIR.match(parts[1]):
        lab = parts[1][:2]
    is_test = path.name.endswith(("_test.cpp", "_bench.cpp"))
    if layer == "common":
        is_library = parts[1] not in ("testing", "bench") and not is_test
    elif layer == "solutions":
        is_library = True
    elif layer == "labs" and lab in labs:
        is_library = path.name in labs[lab].files
    else:
        is_library = False

    found = []

    def report(rule: str, line: int, bracket: str, target: str, why: str) -> None:
        shown = f"<{target}>" if bracket == "<" else f'"{target}"'
        found.append(Violation(rule, relative, line, shown, why))

    for line, bracket, target in includes(path.read_text(errors="replace")):
        head = target.split("/")[0]
        name = pathlib.PurePosixPath(target).name
        beside = bracket == '"' and (path.parent / target).is_file()
        # A student file named without a path, not found beside the includer: some lab's.
        by_name = None if beside or "/" in target else owner.get(name)

        if head == "tools" and layer != "tools":
            report("nothing-includes-tools", line, bracket, target,
                   "tools/ is the top layer; move what is shared down to common/")
        if layer == "common":
            if head in ("labs", "solutions"):
                report("common-is-the-bottom", line, bracket, target,
                       "common/ is what every lab uses and may not depend on a lab")
            elif by_name:
                report("common-is-the-bottom", line, bracket, target,
                       f"this is a student file of lab {', '.join(sorted(by_name))}; common/ may "
                       "not depend on a lab (a program built from the labs goes to tools/)")
        if layer in ("labs", "solutions"):
            if head in ("labs", "solutions"):
                report("labs-build-on-earlier", line, bracket, target,
                       "name the file, not its folder: each flavour's include path picks "
                       "labs/ or solutions/")
            elif by_name and lab is not None:
                allowed = reachable(labs, lab)
                if not by_name & allowed:
                    report("labs-build-on-earlier", line, bracket, target,
                           f"a student file of lab {', '.join(sorted(by_name))}, which lab {lab} "
                           f"does not build on (DEPENDS in labs/{labs[lab].folder}/"
                           "CMakeLists.txt)" if lab in labs else
                           f"a student file of lab {', '.join(sorted(by_name))}")
            if layer == "labs" and is_test and bracket == '"' and name in owner \
                    and "/" not in target:
                report("tests-use-angle-brackets", line, bracket, target,
                       f"write #include <{target}>: the quoted form finds the starter beside "
                       "this test in both flavours, so the solution flavour would test the starter")
        if is_library and head == "common" and len(target.split("/")) > 2 \
                and target.split("/")[1] in ("testing", "bench"):
            report("test-code-stays-out", line, bracket, target,
                   "common/testing and common/bench are for tests and benchmarks only; library "
                   "code may not pull in GoogleTest or Google Benchmark")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="scripts/check-layers",
        description="Checks that every #include in common/, labs/, solutions/ and tools/ points "
                    "down the layers of docs/architecture.md. Prints one line per violation "
                    "(file:line: [rule] #include ...: why) and exits 1 if there is any, else 0.",
        epilog="The rules: " + ", ".join(["common-is-the-bottom", "labs-build-on-earlier",
                                          "tests-use-angle-brackets", "test-code-stays-out",
                                          "nothing-includes-tools"])
               + " (docs/architecture.md explains each).")
    parser.add_argument("--root", type=pathlib.Path,
                        default=pathlib.Path(__file__).resolve().parents[2],
                        help="the repository to check (default: this one)")
    parser.add_argument("--quiet", action="store_true", help="print violations only, no summary")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    if not (root / "common").is_dir():
        print(f"check-layers: {root} has no common/ folder: not a parlab checkout", file=sys.stderr)
        return 2
    violations = check(root)
    for violation in violations:
        print(violation)
    if not args.quiet:
        if violations:
            print(f"check-layers: {len(violations)} include(s) break the layers "
                  "(docs/architecture.md says what may depend on what)", file=sys.stderr)
        else:
            print("check-layers: OK: every include points down the layers")
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())

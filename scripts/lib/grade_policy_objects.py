"""The grading policy (grade_policy.py) on a lab's compiled objects, the step scripts/grade runs
after a build: the headers each object really included (ninja's dependency log), each translation
unit as the compiler saw it (its compile command rerun with -E), the instructions (objdump), the
undefined symbols (nm) against an allow-list (the standard library minus what the policy forbids,
the labs' own code, GoogleTest in the release's test objects only), where a header explains a
symbol only when the grader's own files included it, and what each object defines for the whole
program. Every tool runs in the sandbox; whatever the grader cannot read fails closed.
Unit-tested in scripts/tests/test_grade_policy.py and test_grade_stages.py."""

from __future__ import annotations

import concurrent.futures
import json
import os
import pathlib
import re
import time

import grade_policy
import grading_manifest
from grade_policy import Policy, Violation, could_not_read
from grade_stage import Sealed, Setup, depends, in_sandbox, lab_manifest, log, run


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


def preprocessed_units(setup: Setup, sealed: Sealed, build: pathlib.Path, objects: list[pathlib.Path]
                       ) -> tuple[dict[pathlib.Path, grade_policy.Unit], list[Violation]]:
    """Each object's translation unit as the compiler saw it: its compile command (ninja's
    compilation database) rerun with -E in the sandbox. Whatever fails, fails closed."""

    def sandboxed(argv: list[str], timeout: float) -> tuple[int, str]:
        return run(in_sandbox(setup, sealed, build, argv), timeout=timeout)

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
    problems: list[Violation] = []

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


def nm_by_object(setup: Setup, sealed: Sealed, build: pathlib.Path, objects: list[pathlib.Path],
                 options: list[str], problems: list[Violation]) -> dict[str, list[str]]:
    """`nm --format=posix -A` with `options` on the objects, in the sandbox: object -> its lines.
    A failing nm fails closed (a violation in `problems`)."""
    status, output = run(in_sandbox(setup, sealed, build, ["nm", *options, "--format=posix", "-A",
                                                            *map(str, objects)]), timeout=120)
    if status != 0:
        problems.append(could_not_read(f"nm failed on the lab's objects (exit status {status})"))
    by_object: dict[str, list[str]] = {}
    for line in output.splitlines():
        where, _, rest = line.partition(": ")
        if rest:
            by_object.setdefault(where, []).append(rest)
    return by_object


def policy_after_build(setup: Setup, manifest: grading_manifest.Manifest, sealed: Sealed,
                       build: pathlib.Path) -> list[Violation]:
    """The compiled objects against the policy: each translation unit as the compiler saw it (the
    student files' own lines after preprocessing; who included which header), the headers each
    object included, its instructions, and its undefined symbols against the allow-list, where a
    header explains a symbol only when the grader's own files (not a student file) included it."""
    begun = time.monotonic()
    tree = sealed.tree
    objects = lab_objects(build, manifest)
    if not objects:
        return []
    problems: list[Violation] = []
    status, output = run(in_sandbox(setup, sealed, build, ["ninja", "-C", str(build), "-t", "deps",
                                                           *[str(o.relative_to(build)) for o in objects]]),
                         timeout=120)
    headers_of = {}
    for obj, headers in parse_ninja_deps(output).items():
        headers_of[obj] = [os.path.normpath(h if h.startswith("/") else str(build / h)) for h in headers]
    allowed = ["/usr/", f"{tree}/common/", f"{tree}/labs/{manifest.name}/", f"{build}/"]
    for dep in depends(setup, manifest.number):
        name = setup.folders[dep].name
        allowed += [f"{tree}/labs/{name}/", f"{tree}/solutions/{name}/", f"{tree}/facades/{name}/"]
    for obj, headers in headers_of.items():
        problems += check_dependencies(setup.policy, obj, headers, allowed)

    student = student_paths(setup, manifest, tree)
    units, unreadable = preprocessed_units(setup, sealed, build, objects)
    problems += unreadable

    def show(path: str) -> str:
        return os.path.relpath(path, tree) if path.startswith(f"{tree}/") else path

    for unit in units.values():
        problems += grade_policy.check_unit(setup.policy, unit, student, show)

    status, output = run(in_sandbox(setup, sealed, build, ["objdump", "-d", "--no-show-raw-insn",
                                                           *map(str, objects)]), timeout=300)
    for problem in check_instructions(setup.policy, output):
        problem.where = os.path.relpath(problem.where.split(" in ")[0], build) + " in " + \
            problem.where.partition(" in ")[2]
        problems.append(problem)
    undefined = nm_by_object(setup, sealed, build, objects, ["-u"], problems)
    for obj in objects:
        unit = units.get(obj)
        if unit is None:
            continue  # already a violation: it could not be preprocessed
        grader = {os.path.normpath(f) for f in grade_policy.grader_files(unit, student)}
        problems += check_symbols(
            setup.policy, os.path.relpath(obj, build),
            undefined_symbols("\n".join(undefined.get(str(obj), []))),
            is_test_object(build, manifest, obj), grader, {os.path.normpath(f) for f in unit.parent})
    defined = nm_by_object(setup, sealed, build, objects, ["-g", "--defined-only"], problems)
    for where, lines in defined.items():
        problems += check_definitions(setup.policy, os.path.relpath(where, build),
                                      defined_symbols("\n".join(lines)))
    seen, unique = set(), []
    for problem in problems:
        key = (problem.rule, problem.what)
        if key not in seen:
            seen.add(key)
            unique.append(problem)
    log(f"lab {manifest.number}: policy checks of the objects took {time.monotonic() - begun:.1f} s")
    return unique


# ---- the checks (pure: unit-tested) --------------------------------------------------------------


def undefined_symbols(nm_output: str) -> list[str]:
    """Symbol names from `nm -u --format=posix` (name, type, ...)."""
    names = []
    for line in nm_output.splitlines():
        fields = line.split()
        if len(fields) >= 2:
            names.append(fields[0].split("@")[0])
    return names


def explained(policy: Policy, symbol: str, grader_headers: set[str] | frozenset[str],
              all_headers: set[str] | frozenset[str] = frozenset()) -> bool:
    """Whether a header explains a symbol outside the allow-list ([symbols.explained_by]): one
    that the grader's own files included, or a standard library header included by anyone."""
    table = policy.symbols
    if table is None:
        return True
    library = {h for h in all_headers if h.startswith(table.library_roots)}
    for pattern, suffixes in table.explained_by:
        if pattern.search(symbol):
            for header in set(grader_headers) | library:
                if any(header.endswith(s) or (s.endswith("/") and s in header) for s in suffixes):
                    return True
    return False


def symbol_allowed(policy: Policy, symbol: str, test_object: bool) -> bool:
    table = policy.symbols
    if table is None:
        return True
    if any(p.search(symbol) for p in table.denied):
        return False
    if any(p.search(symbol) for p in table.allowed):
        return True
    return test_object and any(p.search(symbol) for p in table.test_objects)


def check_symbols(policy: Policy, shown: str, symbols: list[str], test_object: bool = False,
                  grader_headers: set[str] | frozenset[str] = frozenset(),
                  all_headers: set[str] | frozenset[str] = frozenset()) -> list[Violation]:
    """Violations among an object's undefined symbols: each must be on the allow-list, or be
    explained by a header the grader's own files included (never one a student file included).
    A violation is named after the [[rule]] whose `symbols` match it, else the allow-list."""
    problems = []
    for symbol in symbols:
        if symbol_allowed(policy, symbol, test_object) or explained(policy, symbol, grader_headers, all_headers):
            continue
        rule = next((r for r in policy.rules if any(p.search(symbol) for p in r.symbols)), None)
        if rule is not None:
            problems.append(Violation(rule.name, rule.says, shown, f"calls {symbol}"))
        else:
            says = policy.symbols.says if policy.symbols else ""
            problems.append(Violation("allowed library calls", says, shown, f"calls {symbol}"))
    return problems


def defined_symbols(nm_output: str) -> list[tuple[str, str]]:
    """(name, type) from `nm -g --defined-only --format=posix`."""
    return [(fields[0], fields[1]) for fields in map(str.split, nm_output.splitlines()) if len(fields) >= 2]


INTERPOSED = re.compile(r"^_Z(T[VITS])?N?[VKRO]*(St|S[absiod]|7testing)")


def check_definitions(policy: Policy, shown: str, symbols: list[tuple[str, str]]) -> list[Violation]:
    """What an object defines for the whole program: a C-linkage function (it would
    replace the C library's `write` or `fopen` for GoogleTest too), or a strong definition of a
    standard library or GoogleTest name. Template instantiations are weak and stay allowed."""
    problems = []
    for name, kind in symbols:
        # an unmangled function is extern "C"; an unmangled variable is any C++ global variable
        foreign = not name.startswith(("_Z", "DW.ref.")) and kind in ("T", "W", "i", "I")
        if foreign or (kind not in ("W", "V", "w", "v", "u") and INTERPOSED.match(name)):
            problems.append(Violation("symbol interposition", "a lab may define only its own C++ names: "
                                      "no extern \"C\" function, nothing in std:: or testing::",
                                      shown, f"defines {name}"))
    return problems


def check_instructions(policy: Policy, disassembly: str) -> list[Violation]:
    """Banned instructions in `objdump -d` output; names the object and the function."""
    problems = []
    where, function = "", ""
    for line in disassembly.splitlines():
        if line.endswith(":     file format elf64-x86-64") or ": file format" in line:
            where = line.split(":")[0]
        elif line.endswith(">:"):
            function = line.split("<", 1)[-1].rstrip(">:")
        elif "\t" in line:
            for rule in policy.rules:
                if any(p.search(line.split("\t")[-1]) for p in rule.instructions):
                    problems.append(Violation(rule.name, rule.says, f"{where} in {function[:80]}",
                                              line.split("\t")[-1].strip()))
    return problems


def check_dependencies(policy: Policy, shown: str, headers: list[str], allowed_roots: list[str]) -> list[Violation]:
    """Headers an object was compiled from (ninja -t deps) that lie outside the allowed folders."""
    return [Violation("includes", policy.includes_say, shown, f"#include of {header}")
            for header in headers if not any(header.startswith(root) for root in allowed_roots)]


def parse_ninja_deps(text: str) -> dict[str, list[str]]:
    """`ninja -t deps` output -> object -> the files it depends on."""
    deps: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        if line and not line.startswith(" ") and ":" in line:
            current = line.split(":", 1)[0]
            deps[current] = []
        elif line.startswith("    ") and current is not None:
            deps[current].append(line.strip())
    return deps

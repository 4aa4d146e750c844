"""Prints scripts/test's report from CTest's Test.xml, and a closing 'parlab: N passed, M failed'
line. Two reports:
  --mine (a student's): one line per lab ("lab03  22/37 passed"), then every test of it that did
    not pass: its name, what happened (failed; crashed, and the signal; timed out) and the first
    line of its message. Exit status 1 when any test of the selected labs did not pass.
  otherwise (the instructors' check, CI and scripts/release-student): the reference solutions'
    tests must pass and each starter must compile and fail cleanly (a failure, not a crash or a
    timeout). Exit status 1 when a solution test failed or a starter test crashed or timed out."""

from __future__ import annotations

import argparse
import collections
import pathlib
import sys

import ctest_results
import grading_manifest

ROOT = pathlib.Path(__file__).resolve().parents[2]

WHY = {
    "timeout": "timed out (a deadlock or a lost wake-up is the usual cause)",
    "crashed": "crashed",
    "not-run": "did not run (its executable is missing: did it compile?)",
}


def outcome(result: ctest_results.TestResult) -> str:
    """What happened to a test that did not pass, in a student's words."""
    if result.status == "timeout":
        return "timed out"
    if result.status == "crashed":
        return f"crashed ({ctest_results.signal_of(result)})"
    if result.status == "not-run":
        return "did not run"
    return "failed"


def parts_of(lab: str) -> dict[str, str]:
    """Suite.Test -> the handout's part letter ("B"), in grading.toml's order; empty when
    the lab has no readable manifest (the report then just lists tests in CTest's order)."""
    for folder in (ROOT / "labs").glob(f"{lab.removeprefix('lab')}_*"):
        try:
            manifest = grading_manifest.load(folder)
        except (grading_manifest.ManifestError, OSError):
            return {}
        return {test: part.id for part in manifest.parts for test in part.tests}
    return {}


def report_mine(labs: list[str], uncompiled: set[str], by: dict, build: pathlib.Path) -> int:
    """The student's report: a count per lab, then each test that did not pass, and why."""
    passed = failed = 0
    first_failure = None
    for lab in labs:
        parts = parts_of(lab)
        order = list(parts)
        mine = sorted(by.get((lab, "lab"), []),
                      key=lambda r: (order.index(r.test) if r.test in order else len(order), r.test))
        if lab in uncompiled:
            print(f"{lab}  does not compile (the compiler's errors are above)")
            failed += 1
            continue
        if not mine:
            print(f"{lab}  no test ran (see {build}/ctest.log)")
            failed += 1
            continue
        ok = [r for r in mine if r.status == "passed"]
        passed += len(ok)
        failed += len(mine) - len(ok)
        print(f"{lab}  {len(ok)}/{len(mine)} passed")
        for result in mine:
            if result.status == "passed":
                continue
            part = f" (part {parts[result.test]})" if result.test in parts else ""
            print(f"  {outcome(result)}: {result.test}{part}")
            why = ctest_results.first_message_line(result)
            if result.status == "timeout" and not why:
                why = "a deadlock or a lost wake-up is the usual cause"
            if result.status == "not-run":
                why = "its test program is missing: did it compile?"
            if why:
                print(f"      {why if len(why) <= 200 else why[:200] + ' ...'}")
            first_failure = first_failure or result
    if first_failure:
        print(f"A test's whole output, e.g. the first one's: ctest --test-dir {build} "
              f"-R {first_failure.name} --output-on-failure")
    print(f"parlab: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--build", type=pathlib.Path, required=True, help="CMake build folder")
    parser.add_argument("--labs", default="", help="comma-separated lab numbers to report")
    parser.add_argument("--uncompiled", default="", help="labs whose starter did not compile")
    parser.add_argument("--solutions-only", action="store_true")
    parser.add_argument("--mine", action="store_true", help="the student's report (see above)")
    args = parser.parse_args()

    results = ctest_results.read(ctest_results.latest_test_xml(args.build)) if (
        args.build / "Testing" / "TAG").is_file() else []
    labs = [f"lab{n}" for n in args.labs.split(",") if n]
    uncompiled = {f"lab{n}" for n in args.uncompiled.split(",") if n}
    by = collections.defaultdict(list)
    for result in results:
        by[(result.lab, result.flavour)].append(result)
    if args.mine:
        return report_mine(labs, uncompiled, by, args.build)

    passed = failed = 0
    problems: list[ctest_results.TestResult] = []
    for lab in ["common"] + labs:
        line = f"{lab:7}"
        solution = by.get((lab, "common" if lab == "common" else "solution"), [])
        if solution:
            ok = sum(r.status == "passed" for r in solution)
            passed += ok
            failed += len(solution) - ok
            problems += [r for r in solution if r.status != "passed"]
            line += f"  {'tests' if lab == 'common' else 'solution'} {ok}/{len(solution)} passed"
            line += "" if ok == len(solution) else " FAILING"
        elif lab != "common":
            line += "  solution (none in this checkout)"
        if lab != "common" and not args.solutions_only:
            starter = by.get((lab, "lab"), [])
            unclean = [r for r in starter if r.status not in ("passed", "failed")]
            ok = sum(r.status == "passed" for r in starter)
            if lab in uncompiled:
                line += "   starter DOES NOT COMPILE"
                failed += 1
            elif unclean:
                kinds = collections.Counter(r.status for r in unclean)
                line += f"   starter {ok}/{len(starter)} passed, UNCLEAN: " + ", ".join(
                    f"{count} {kind}" for kind, count in sorted(kinds.items()))
                failed += len(unclean)
                problems += unclean
            elif ok == 0:
                line += f"   starter 0/{len(starter)} (clean failures)"
            else:
                line += f"   starter {ok}/{len(starter)} passed, the rest failed cleanly"
        print(line)

    for result in problems:
        why = WHY.get(result.status, f"failed ({result.detail})")
        print(f"\n--- {result.name}: {why}", file=sys.stderr)
        print("\n".join(result.output.splitlines()[-40:]), file=sys.stderr)
    print(f"parlab: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

"""Prints scripts/test's report from CTest's Test.xml: one line per lab, the failures that
matter, and a closing 'parlab: N passed, M failed' line. Exit status 1 when a solution test
failed or a starter test crashed or timed out (the starters must fail cleanly)."""

from __future__ import annotations

import argparse
import collections
import pathlib
import sys

import ctest_results

WHY = {
    "timeout": "timed out (a deadlock or a lost wake-up is the usual cause)",
    "crashed": "crashed",
    "not-run": "did not run (its executable is missing: did it compile?)",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--build", type=pathlib.Path, required=True, help="CMake build folder")
    parser.add_argument("--labs", default="", help="comma-separated lab numbers to report")
    parser.add_argument("--uncompiled", default="", help="labs whose starter did not compile")
    parser.add_argument("--solutions-only", action="store_true")
    args = parser.parse_args()

    results = ctest_results.read(ctest_results.latest_test_xml(args.build))
    labs = [f"lab{n}" for n in args.labs.split(",") if n]
    uncompiled = {f"lab{n}" for n in args.uncompiled.split(",") if n}
    by = collections.defaultdict(list)
    for result in results:
        by[(result.lab, result.flavour)].append(result)

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
            line += f"  solution {ok}/{len(solution)} passed"
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

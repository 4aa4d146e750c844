"""The grader's own tests: grades the fixture submissions of scripts/grade_fixtures/labNN/cases.json
and checks each report (grade_selftest_cases.py); grades the reference and the attacks in the other
modes (Classroom in place, Gradescope's run_autograder, the user sandbox), checks that a manifest
missing a test is reported, that a [[rule]] gate zeroes its parts, that two gradings at once both
score full marks, and that every lab's reference does (grade_selftest_modes.py). Run by
scripts/lib/grade_selftest.sh.

The cases are independent and run a few at a time (--jobs): each grading claims a sandbox uid of
its own, and waiting on a test's timeout or a single-threaded step leaves a core to another case.
Gradings in the user sandbox overlap too: they share the closing of the checkout's solutions/
(grade_sandbox.folder_closed), which the last of them to end opens again."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import pathlib
import shutil
import sys
import tempfile
import threading
import time
from typing import Callable

import grade_sandbox
import grade_selftest_modes as modes
from grade_selftest_cases import FIXTURES, ROOT, run_case

MODES = ("classroom", "gradescope", "user_sandbox")
MANIFEST_CASES = ("manifest_missing_test", "rule_gate")
SHARED = "full_marks"  # the case honest_side_by_side grades as its first grading


@dataclasses.dataclass
class Job:
    """Some cases that run together; `run` returns each case's (name, problems)."""
    names: list[str]
    run: Callable[[], list[tuple[str, list[str]]]]
    cost: int = 1  # the costliest start first, so that the last to end is a short one


def planned(args: argparse.Namespace, sandbox_kind: str, scratch: pathlib.Path) -> list[Job]:
    def wanted(*names: str) -> bool:
        return not args.case or any(name in args.case for name in names)

    jobs = []
    for cases_file in sorted(FIXTURES.glob("lab*/cases.json")):
        spec = json.loads(cases_file.read_text())
        lab, fixtures = spec["lab"], cases_file.parent
        if not list((ROOT / "labs").glob(f"{lab}_*")):
            print(f"skip {cases_file.parent.name}: lab {lab} is not in this checkout")
            continue
        for case in spec["cases"]:
            if not wanted(case["name"]) or (lab, case["name"]) == ("01", SHARED) and wanted("honest_side_by_side"):
                continue  # full_marks runs as the first of honest_side_by_side's two gradings
            if "--no-policy" in case.get("args", []) and sandbox_kind == "none":
                print(f"skip lab{lab}/{case['name']}: no sandbox works on this machine (not root, no "
                      f"bubblewrap): nothing would stop the attack")
                continue
            name = f"lab{lab}/{case['name']}"
            cost = 4 if "--sanitize" in case.get("args", []) else 0 if case.get("all_status") == "policy" \
                and not case.get("after_build") else 1 if lab == "01" else 3  # a later lab builds its deps
            jobs.append(Job([name], lambda c=case, lab=lab, f=fixtures: [
                (f"lab{lab}/{c['name']}", run_case(c, lab, f, scratch, ROOT / "scripts" / "grade"))],
                cost))
        # The other modes and the manifest cases grade lab 1, whose cases.json names an attack for
        # them (mode_attack); the cases.json of labs 3 to 5 only have submissions to grade.
        if "mode_attack" not in spec:
            continue
        for mode in MODES:
            if wanted(mode):
                jobs.append(Job([f"lab{lab}/{mode}"], lambda m=mode, lab=lab, f=fixtures: [
                    (f"lab{lab}/{m}", modes.mode_cases(lab, f, scratch, [m]).get(m, []))],
                    3))
        if wanted(*MANIFEST_CASES):
            def manifest_job(lab=lab, f=fixtures) -> list[tuple[str, list[str]]]:
                failures = modes.manifest_cases(lab, f, scratch)
                return [(f"lab{lab}/{name}", failures.get(name, [])) for name in MANIFEST_CASES]
            jobs.append(Job([f"lab{lab}/{name}" for name in MANIFEST_CASES], manifest_job, 1))
    if wanted("honest_side_by_side"):
        spec = json.loads((FIXTURES / "lab01" / "cases.json").read_text())
        first = next((c for c in spec["cases"] if c["name"] == SHARED and wanted(SHARED)), None)

        def side_by_side() -> list[tuple[str, list[str]]]:
            pair, alone = modes.honest_side_by_side(scratch, first)
            return ([(f"lab01/{SHARED}", alone)] if first else []) + [
                ("lab01/honest_side_by_side: two gradings at once both score full marks", pair)]
        jobs.append(Job(([f"lab01/{SHARED}"] if first else []) + ["lab01/honest_side_by_side"],
                        side_by_side, 5))
    if wanted("honest_all_labs"):
        jobs.append(Job(["honest_all_labs"], lambda: [
            ("every lab's reference scores full marks", modes.honest_all_labs(scratch))], 10))
    return sorted(jobs, key=lambda job: -job.cost)


def run_jobs(jobs: list[Job], workers: int) -> int:
    """Runs the jobs on `workers` threads, the costliest first; prints each case as its job ends.
    Returns how many cases failed."""
    pending, failed = list(jobs), 0
    state = threading.Condition()

    def worker() -> None:
        nonlocal failed
        while True:
            with state:
                if not pending:
                    return
                job = pending.pop(0)
            begun = time.time()
            try:
                results = job.run()
            except Exception as error:  # noqa: BLE001 - a broken case fails, the others go on
                results = [(name, [f"the self-test itself failed: {error!r}"]) for name in job.names]
            with state:
                for name, problems in results:
                    print(f"{'ok  ' if not problems else 'FAIL'} {name} ({time.time() - begun:.0f} s)")
                    for problem in problems:
                        print(f"       {problem}")
                    failed += bool(problems)
                sys.stdout.flush()
                state.notify_all()

    threads = [threading.Thread(target=worker) for _ in range(max(1, workers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--case", action="append", default=[], help="run only these cases")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    parser.add_argument("--jobs", type=int, default=3, help="cases graded at once (3)")
    args = parser.parse_args()
    try:
        sandbox_kind = grade_sandbox.choose("auto").kind
        grade_sandbox.release_uids()  # each grading claims its own
    except RuntimeError as error:
        print(f"no sandbox: {error}")
        sandbox_kind = "none"
    workers = args.jobs
    if sandbox_kind == "none" or os.environ.get("PARLAB_SANDBOX_UID"):
        workers = 1  # every grading would run as the grader, or ask for the same uid
    print(f"sandbox on this machine: {sandbox_kind}; {workers} case(s) at once", flush=True)
    scratch = pathlib.Path(tempfile.mkdtemp(prefix="parlab-grade-selftest-"))
    started = time.time()
    failed = 0
    try:
        failed = run_jobs(planned(args, sandbox_kind, scratch), workers)
    finally:
        if args.keep or failed:
            print(f"reports kept in {scratch}/out")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    print(f"grader self-test: {'all passed' if not failed else f'{failed} FAILED'} in {time.time() - started:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

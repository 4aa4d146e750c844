"""scripts/grade --sanitize: each lab whose tests passed is built again under ThreadSanitizer
(clang) or AddressSanitizer+UBSan (g++) and its tests rerun, in the same sandbox as the plain
stage; a test that passed but makes a sanitizer report (or fails this time) loses its points, and
the lab's notes quote the clearest first report."""

from __future__ import annotations

import shutil

import grade_verdicts as verdicts
import grading_manifest
from grade_results import LabReport, Outcome, Report, clip
from grade_stage import (Setup, apply_rules, backstop_timeout, deps_options, launcher_config, log,
                         open_tree, run_ctest, sandboxed_build, stage_build, verdict_of)


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


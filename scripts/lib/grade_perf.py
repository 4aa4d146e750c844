"""scripts/grade --perf: the student's benchmarks against the reference's. The student's side is
built in a tree with no solution at all and run in the sandbox; the reference's is built from
solutions/ outside the sandbox, or is the prebuilt binary a student release ships. Each benchmark
runs student and reference alternately, and the median ratio is checked against the manifest's."""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics

import grade_intake as intake
import grade_sandbox
import grade_verdicts as verdicts
from grade_results import LabReport, Report
from grade_stage import Sealed, Setup, configure, in_sandbox, log, run, sandboxed_build

REFERENCE_BENCH = "reference/parlab_bench_reference"  # shipped by scripts/release-student


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
        student = in_sandbox(setup, Sealed(tree, []), build, [str(build / "parlab_bench_lab")],
                             limits=grade_sandbox.test_limits(300, False))
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


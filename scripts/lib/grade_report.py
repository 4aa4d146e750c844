"""Writes a grading run's reports: the printed score table, Gradescope's results.json, JUnit XML
and GitHub Classroom's result. Every writer falls back to a minimal valid file if it fails. Every
text that a submission can influence is clipped to a budget and cleaned of control characters
(grade_results.clip): per test, per note, per lab and for the whole printed report."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import pathlib
import sys
import tempfile
import time
import traceback
import xml.etree.ElementTree as ET

from grade_results import (LAB_LIMIT, NOTE_LIMIT, OUTPUT_LIMIT, SPENT_LIMIT, TEXT_LIMIT, WORDS_LIMIT,
                           LabReport, Report, clean, clip)


def points(value: float) -> str:
    return f"{value:g}"


def words(text: str) -> str:
    """One line of plain words, clipped and clean."""
    return clip(text, WORDS_LIMIT)


def outputs(lab_report: LabReport) -> dict[int, str]:
    """id(outcome) -> the output its report carries: each clipped to OUTPUT_LIMIT, and once the
    lab's LAB_LIMIT is spent, to SPENT_LIMIT (so ten tests that all carry the same 8 MB compiler
    error cost at most LAB_LIMIT together)."""
    shown, spent = {}, 0
    for outcome in lab_report.outcomes:
        if not outcome.output or outcome.status == "passed":
            shown[id(outcome)] = ""
            continue
        limit = OUTPUT_LIMIT if spent < LAB_LIMIT else SPENT_LIMIT
        text = clip(outcome.output, limit)
        if limit == SPENT_LIMIT and len(outcome.output) > SPENT_LIMIT:
            text += "\n[the lab's report budget is spent: the output is cut short]"
        shown[id(outcome)] = text
        spent += len(text)
    return shown


def lab_summary(lab_report: LabReport) -> list[str]:
    """Plain-words lines, per part: what lost the points ("lab 3, part A: timed out after 30 s:
    ..."); one line for a part whose lost tests share a reason, one per test otherwise."""
    lines = []
    number = int(lab_report.manifest.number)
    for part in lab_report.manifest.parts:
        lost = [o for o in lab_report.outcomes if o.part == part.id
                and o.status not in ("passed", "not-compiled", "untrusted", "policy")]
        if not lost:
            continue
        reasons = {o.words for o in lost}
        if len(reasons) == 1 and len(lost) > 1:
            names = ", ".join(o.test for o in lost)
            lines.append(f"lab {number}, part {part.id}: {words(lost[0].words)} ({len(lost)} tests: {names})")
        else:
            lines += [f"lab {number}, part {part.id}, {o.test}: {words(o.words)}" for o in lost]
    return lines


def text_report(report: Report) -> str:
    out = ["parlab grade"] + [f"  {line}" for line in report.header]
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    out.append(f"  machine: {cores} cores available")
    for error in report.errors:
        out.append(f"ERROR: {clip(error, NOTE_LIMIT)}")
    total = maximum = 0.0
    for lab_report in report.labs:
        manifest = lab_report.manifest
        number = int(manifest.number)
        out.append("")
        out.append(f"lab {number} ({manifest.name})")
        for part in manifest.parts:
            mine = [o for o in lab_report.outcomes if o.part == part.id]
            got, of = sum(o.score for o in mine), sum(part.tests.values())
            kinds: dict[str, int] = {}
            for outcome in mine:
                if outcome.status != "passed":
                    kinds[outcome.status] = kinds.get(outcome.status, 0) + 1
            status = ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items()))
            out.append(f"  part {part.id:3} {part.title[:44]:44} {points(got):>5} / {points(of):<5} {status}")
        out.append(f"  {'total':53} {points(lab_report.score):>5} / {points(lab_report.max_score)}")
        for note in lab_report.notes:
            first, *rest = clip(note, NOTE_LIMIT).splitlines() or [""]
            out.append(f"  lab {number}: {first}")
            out += [f"      {line}" for line in rest]
        out += [f"  {line}" for line in lab_summary(lab_report)]
        for entry in lab_report.perf:
            out.append("  " + perf_line(entry))
        total += lab_report.score
        maximum += lab_report.max_score
    out.append("")
    out.append(f"score: {points(total)} / {points(maximum)}")
    return clip("\n".join(out), TEXT_LIMIT)


def perf_line(entry: dict) -> str:
    head = f"perf {entry['benchmark']}:"
    if "ratio" not in entry:
        return f"{head} not measured: {entry.get('problem')}"
    verdict = "pass" if entry["passed"] else "FAIL"
    tail = f" ({entry['problem']})" if entry.get("problem") else ""
    return (f"{head} yours {entry['student_s'] * 1e6:.0f} us, reference {entry['reference_s'] * 1e6:.0f} us "
            f"(medians of {entry['runs']} alternating runs), ratio {entry['ratio']:.2f} "
            f"(limit {entry['max_ratio']:.2f}): {verdict}; {entry['cores']} cores{tail}")


def gradescope_json(report: Report, text: str) -> dict:
    tests = []
    for lab_report in report.labs:
        number = int(lab_report.manifest.number)
        for note in lab_report.notes:
            note = clip(note, NOTE_LIMIT)
            tests.append({"name": f"Lab {number}: {(note.splitlines() or [''])[0][:120]}", "score": 0,
                          "max_score": 0, "output": note, "visibility": "visible"})
        shown = outputs(lab_report)
        for outcome in lab_report.outcomes:
            body = words(outcome.words) + ("\n\n" + shown[id(outcome)] if shown[id(outcome)] else "")
            tests.append({"name": clean(f"Lab {number}, part {outcome.part}: {outcome.test}"),
                          "score": outcome.score, "max_score": outcome.max_score,
                          "output": body, "visibility": outcome.visibility,
                          "status": "passed" if outcome.status == "passed" else "failed"})
        for entry in lab_report.perf:
            tests.append({"name": f"Lab {number}, performance: {entry['benchmark']}",
                          "score": entry["points"] if entry["passed"] else 0,
                          "max_score": entry["points"], "output": clip(perf_line(entry), NOTE_LIMIT),
                          "visibility": "visible"})
    result = {"score": sum(test["score"] for test in tests),  # perf points count once --perf ran
              "execution_time": int(time.time() - report.started),
              "output": clip(text, TEXT_LIMIT), "tests": tests}
    leaderboard = [{"name": f"lab {int(r.manifest.number)} {e['benchmark']} (x reference)",
                    "value": round(e["ratio"], 3), "order": "asc"}
                   for r in report.labs for e in r.perf if "ratio" in e]
    if leaderboard:
        result["leaderboard"] = leaderboard
    return result


def junit_xml(report: Report) -> ET.ElementTree:
    suites = ET.Element("testsuites", name="parlab grade")
    if report.errors:
        suite = ET.SubElement(suites, "testsuite", name="grader", tests="1", failures="0", errors="1")
        case = ET.SubElement(suite, "testcase", classname="grader", name="grading run")
        ET.SubElement(case, "error", message="the grading run had errors").text = clip(
            "\n".join(report.errors), NOTE_LIMIT)
    for lab_report in report.labs:
        name = f"lab{lab_report.manifest.number}"
        failures = sum(o.status == "failed" for o in lab_report.outcomes)
        errors = sum(o.status not in ("passed", "failed") for o in lab_report.outcomes)
        suite = ET.SubElement(suites, "testsuite", name=name, tests=str(len(lab_report.outcomes)),
                              failures=str(failures), errors=str(errors))
        props = ET.SubElement(suite, "properties")
        ET.SubElement(props, "property", name="score", value=points(lab_report.score))
        ET.SubElement(props, "property", name="max_score", value=points(lab_report.max_score))
        for note in lab_report.notes:
            ET.SubElement(props, "property", name="note", value=words((note.splitlines() or [""])[0]))
        shown = outputs(lab_report)
        for outcome in lab_report.outcomes:
            case = ET.SubElement(suite, "testcase", classname=f"{name}.part{outcome.part}",
                                 name=clean(outcome.test), time=f"{outcome.seconds:.3f}")
            if outcome.status == "failed":
                ET.SubElement(case, "failure", message=words(outcome.words)).text = shown[id(outcome)]
            elif outcome.status != "passed":
                ET.SubElement(case, "error", message=words(outcome.words),
                              type=outcome.status).text = shown[id(outcome)]
        if lab_report.perf:
            for entry in lab_report.perf:
                case = ET.SubElement(suite, "testcase", classname=f"{name}.perf", name=entry["benchmark"])
                if not entry["passed"]:
                    ET.SubElement(case, "failure", message=clip(perf_line(entry), NOTE_LIMIT))
    ET.indent(suites)
    return ET.ElementTree(suites)


def classroom_json(report: Report) -> dict:
    """GitHub Classroom's autograding result (what its grading reporter decodes, base64'd)."""
    tests = [{"name": f"lab {int(o.lab)} part {o.part}: {o.test}",
              "status": "pass" if o.status == "passed" else ("fail" if o.status == "failed" else "error"),
              "score": o.score, "message": words(o.words), "line_no": 0, "duration": int(o.seconds * 1000)}
             for r in report.labs for o in r.outcomes]
    maximum = sum(r.max_score for r in report.labs)
    total = sum(r.score for r in report.labs)
    status = "error" if report.errors else ("pass" if total == maximum and maximum > 0 else "fail")
    return {"version": 1, "status": status, "max_score": maximum, "tests": tests}


def write_outputs(args: argparse.Namespace, report: Report) -> int:
    failures = 0
    try:
        text = text_report(report)
    except Exception:  # noqa: BLE001 - the report must come out whatever happened
        text = "parlab grade: the report could not be formatted:\n" + traceback.format_exc()
    print(text, flush=True)
    writers = []
    if args.json:
        writers.append((args.json, lambda: json.dumps(gradescope_json(report, text), indent=2)))
    if args.junit:
        writers.append((args.junit, lambda: junit_to_text(report)))
    if args.classroom:
        writers.append((args.classroom, lambda: base64.b64encode(
            json.dumps(classroom_json(report)).encode()).decode()))
    for path, make in writers:
        try:
            content = make()
        except Exception:  # noqa: BLE001
            failures += 1
            content = fallback(path, report, traceback.format_exc())
        try:
            write_atomically(path, content)
        except OSError as error:
            failures += 1
            print(f"error: could not write {path}: {error}", file=sys.stderr)
    return failures


def write_atomically(path: pathlib.Path, content: str) -> None:
    """Writes a new file and renames it over path: whatever sits at path (a symbolic link a
    submission planted in a shared folder) is replaced, never followed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w") as out:
            out.write(content)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def junit_to_text(report: Report) -> str:
    return ET.tostring(junit_xml(report).getroot(), encoding="unicode", xml_declaration=True) + "\n"


def fallback(path: pathlib.Path, report: Report, error: str) -> str:
    if path.suffix == ".xml":
        suites = ET.Element("testsuites")
        suite = ET.SubElement(suites, "testsuite", name="grader", tests="1", errors="1")
        case = ET.SubElement(suite, "testcase", classname="grader", name="grading run")
        ET.SubElement(case, "error", message="grader error").text = clip(error, NOTE_LIMIT)
        return ET.tostring(suites, encoding="unicode", xml_declaration=True)
    return json.dumps({"score": 0, "execution_time": int(time.time() - report.started),
                       "output": "The grader failed; this submission needs a manual look.\n" + clip(error, NOTE_LIMIT),
                       "tests": []})

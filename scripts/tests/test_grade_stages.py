"""The grading stages' pure parts: rule gates (a starter's "not implemented yet" is no broken
rule) and the verdict of one test from the launcher's files (grade_stage.py), the objects the
policy reads (grade_policy_objects.py), and where --perf finds the reference (grade_perf.py)."""

from __future__ import annotations

import json
import pathlib
import tempfile
import types
import unittest

import grade_perf
import grade_policy_objects
import grade_stage
import grade_verdicts
from grade_results import LabReport, Outcome


def lab_with(gate_words: str, gate_status: str = "failed") -> LabReport:
    rule = types.SimpleNamespace(test="Pool.NoThreadPerTask", parts=["B"], says="no thread per task")
    report = LabReport(manifest=types.SimpleNamespace(rules=[rule]))
    report.outcomes = [Outcome("03", "A", "Pool.NoThreadPerTask", 1, gate_status, gate_words),
                       Outcome("03", "B", "Pool.Runs", 2, "passed", "passed")]
    return report


class RulesTest(unittest.TestCase):
    def test_a_failed_gate_zeroes_its_parts(self):
        report = lab_with("failed: Expected at most 4 threads")
        grade_stage.apply_rules(report)
        self.assertEqual(report.outcomes[1].status, "rule-broken")
        self.assertIn("rule check failed", report.notes[0])

    def test_not_implemented_is_not_a_broken_rule(self):
        report = lab_with(f"failed: {grade_verdicts.NOT_IMPLEMENTED} (the starter still throws NotImplemented)")
        grade_stage.apply_rules(report)
        self.assertEqual(report.outcomes[1].status, "passed")
        self.assertFalse(any("rule check failed" in note for note in report.notes))


class VerdictOfTest(unittest.TestCase):
    def test_exit_zero_without_the_channels_records_is_an_early_end(self):
        with tempfile.TemporaryDirectory() as folder:
            reports = pathlib.Path(folder)
            record = {"exit": 0, "signal": None, "timed_out": False, "channel": ""}
            (reports / "S.T.status.json").write_text(json.dumps(record))
            self.assertEqual(grade_stage.verdict_of(reports, "S.T", None)[0], "ended-early")
            # A report file beside it, as GoogleTest's XML once was, counts for nothing.
            (reports / "S.T").mkdir()
            (reports / "S.T" / "report.xml").write_text(
                '<testsuites><testsuite><testcase classname="S" name="T" status="run" result="completed"/>'
                '</testsuite></testsuites>')
            self.assertEqual(grade_stage.verdict_of(reports, "S.T", None)[0], "ended-early")
            record["channel"] = "start\tS.T\nend\tS.T\tpassed\t\ncomplete\t0\n"
            (reports / "S.T.status.json").write_text(json.dumps(record))
            self.assertEqual(grade_stage.verdict_of(reports, "S.T", None)[0], "passed")


class ObjectsTest(unittest.TestCase):
    def test_lab_objects_are_the_student_flavours_only(self):
        with tempfile.TemporaryDirectory() as folder:
            build = pathlib.Path(folder)
            base = build / "labs/01_a/CMakeFiles"
            for path in ["parlab_lab01_lab.dir/a.cpp.o", "lab01_lab_a_test.dir/a_test.cpp.o",
                         "lab01_solution_a_test.dir/a_test.cpp.o", "parlab_lab01_solution.dir/a.cpp.o"]:
                (base / path).parent.mkdir(parents=True, exist_ok=True)
                (base / path).write_text("")
            manifest = types.SimpleNamespace(name="01_a", number="01")
            found = [str(p.relative_to(base)) for p in grade_policy_objects.lab_objects(build, manifest)]
            self.assertEqual(found, ["lab01_lab_a_test.dir/a_test.cpp.o", "parlab_lab01_lab.dir/a.cpp.o"])


if __name__ == "__main__":
    unittest.main()


class ReferenceBenchTest(unittest.TestCase):
    """--perf in a student release: the prebuilt reference binary, or a plain reason."""

    def setup_for(self, checkout):
        return types.SimpleNamespace(have_solutions=False, checkout=checkout)

    def test_shipped_binary_or_a_plain_reason(self):
        with tempfile.TemporaryDirectory() as folder:
            checkout = pathlib.Path(folder)
            command, why = grade_perf.reference_bench(self.setup_for(checkout), ["01"])
            self.assertIsNone(command)
            self.assertIn("neither solutions/ nor the prebuilt reference/parlab_bench_reference", why)
            binary = checkout / grade_perf.REFERENCE_BENCH
            binary.parent.mkdir()
            binary.write_text("#!/bin/sh\n")
            binary.chmod(0o755)
            command, why = grade_perf.reference_bench(self.setup_for(checkout), ["01"])
            self.assertEqual(command, [str(binary)])

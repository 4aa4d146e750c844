"""grade_report.py: a lab that broke the policy scores 0 with one note, in every output."""

from __future__ import annotations

import pathlib
import unittest

import grade_report
import grading_manifest
from grade_results import LabReport, Outcome, Report

ROOT = pathlib.Path(__file__).resolve().parents[2]


LAB = next(iter(sorted((ROOT / "labs").glob("[0-9][0-9]_*/grading.toml"))), None)


def policy_report() -> Report:
    manifest = grading_manifest.load(LAB.parent)
    lab = LabReport(manifest=manifest)
    lab.notes.append("policy: the submission breaks the grading policy, so this lab scores 0:\n"
                     "labs/01/x.hpp:3: `_Exit` breaks the rule \"process control\"")
    lab.outcomes = [Outcome(manifest.number, part.id, test, value, "policy", "not graded: policy")
                    for part in manifest.parts for test, value in part.tests.items()]
    report = Report(labs=[lab])
    report.header.append("sandbox: bwrap (test)")
    return report


@unittest.skipIf(LAB is None, "no lab with a grading.toml in this checkout")
class PolicyReportTest(unittest.TestCase):
    def test_text_names_the_rule_once(self):
        text = grade_report.text_report(policy_report())
        self.assertEqual(text.count("breaks the rule"), 1)
        self.assertIn("sandbox: bwrap", text)
        self.assertIn("score: 0 / ", text)

    def test_gradescope_and_junit(self):
        report = policy_report()
        results = grade_report.gradescope_json(report, "text")
        self.assertEqual(results["score"], 0)
        self.assertTrue(any(": policy:" in t["name"] for t in results["tests"]))
        errors = [e.get("type") for e in grade_report.junit_xml(report).getroot().iter("error")]
        self.assertTrue(errors)
        self.assertEqual(set(errors), {"policy"})


class WriteTest(unittest.TestCase):
    def test_a_planted_link_is_replaced_not_followed(self):
        import tempfile  # noqa: PLC0415

        with tempfile.TemporaryDirectory() as folder:
            victim = pathlib.Path(folder) / "victim"
            victim.write_text("keep")
            link = pathlib.Path(folder) / "results.json"
            link.symlink_to(victim)
            grade_report.write_atomically(link, "{}")
            self.assertEqual(victim.read_text(), "keep")
            self.assertFalse(link.is_symlink())
            self.assertEqual(link.read_text(), "{}")


if __name__ == "__main__":
    unittest.main()

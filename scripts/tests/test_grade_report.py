"""grade_report.py: a lab that broke the policy scores 0 with one note, in every output."""

from __future__ import annotations

import json
import pathlib
import unittest
import xml.etree.ElementTree as ET

import grade_report
import grading_manifest
from grade_results import LabReport, Outcome, Report, clip

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


@unittest.skipIf(LAB is None, "no lab with a grading.toml in this checkout")
class BoundedReportTest(unittest.TestCase):
    def huge_report(self) -> Report:
        manifest = grading_manifest.load(LAB.parent)
        errors = "error: static assertion failed: " + "\x1b[31m\x07\x01x" * (2 << 20)  # 8 MB, one line
        lab = LabReport(manifest=manifest)
        lab.notes.append("does not compile; the compiler said:\n" + errors)
        lab.outcomes = [Outcome(manifest.number, part.id, test, value, "not-compiled", "not graded", errors)
                        for part in manifest.parts for test, value in part.tests.items()]
        return Report(labs=[lab], errors=["\x00" * 100000])

    def test_an_8_mb_compiler_line_keeps_every_report_small_clean_and_valid(self):
        report = self.huge_report()
        text = grade_report.text_report(report)
        results = json.dumps(grade_report.gradescope_json(report, text))
        junit = grade_report.junit_to_text(report)
        for name, content in (("text", text), ("results.json", results), ("junit", junit)):
            self.assertLess(len(content), 400_000, f"expected the {name} report under 400 kB, "
                                                   f"observed {len(content)}: every text has a budget")
            self.assertNotRegex(content, "[\x00-\x08\x0b-\x1f]", f"the {name} report carries control characters")
        self.assertNotIn("\\u001b", results, "control characters are removed, not escaped")
        ET.fromstring(junit)  # valid XML
        self.assertEqual(json.loads(results)["score"], 0)
        self.assertIn("characters cut ...]", text, "a clipped text says how much was cut")

    def test_clip_keeps_head_and_tail(self):
        clipped = clip("head" + "x" * 10000 + "tail", 300)
        self.assertTrue(clipped.startswith("head") and clipped.endswith("tail"))
        self.assertIn("[... 9708 characters cut ...]", clipped)
        self.assertEqual(clip("a\tb\nc\x1b[0m\r"), "a\tb\nc[0m")


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

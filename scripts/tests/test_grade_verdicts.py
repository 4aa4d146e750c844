"""grade_verdicts.py: a test passes only when GoogleTest's report and the exit status agree."""

from __future__ import annotations

import pathlib
import tempfile
import unittest
import xml.etree.ElementTree as ET

import grade_verdicts as v
from grade_results import Outcome

REPORT = """<?xml version="1.0" encoding="UTF-8"?>
<testsuites tests="1" failures="0" name="AllTests">
  <testsuite name="CopyingThreads" tests="1">
    <testcase name="Sums" status="run" result="completed" classname="CopyingThreads"/>
    <testcase name="Fails" status="run" result="completed" classname="CopyingThreads">
      <failure message="Expected 3, got 4" type=""/>
    </testcase>
    <testcase name="Skips" status="run" result="skipped" classname="CopyingThreads"><skipped/></testcase>
    <testcase name="Disabled" status="notrun" result="suppressed" classname="CopyingThreads"/>
  </testsuite>
</testsuites>"""


class GtestReportTest(unittest.TestCase):
    def verdict(self, test):
        return v.verdict_from_xml(ET.fromstring(REPORT), test).state

    def test_reads_each_kind_of_result(self):
        self.assertEqual(self.verdict("CopyingThreads.Sums"), "passed")
        self.assertEqual(self.verdict("CopyingThreads.Fails"), "failed")
        self.assertEqual(self.verdict("CopyingThreads.Skips"), "skipped")
        self.assertEqual(self.verdict("CopyingThreads.Disabled"), "absent")

    def test_a_report_that_does_not_name_the_test_is_absent(self):
        self.assertEqual(self.verdict("CopyingThreads.Other"), "absent")
        self.assertEqual(self.verdict("Other.Sums"), "absent")

    def test_a_missing_or_broken_file_is_absent(self):
        with tempfile.TemporaryDirectory() as folder:
            path = pathlib.Path(folder) / "report.xml"
            self.assertEqual(v.read_gtest_report(path, "A.B").state, "absent")
            path.write_text("<testsuites><testcase")
            self.assertEqual(v.read_gtest_report(path, "A.B").state, "absent")


class FinalStatusTest(unittest.TestCase):
    passed = v.GtestVerdict("passed")
    absent = v.GtestVerdict("absent")

    def test_exit_zero_and_a_passing_report_pass(self):
        record = v.LaunchRecord(exit=0, signal=None, timed_out=False)
        self.assertEqual(v.final_status("passed", record, self.passed)[0], "passed")

    def test_exit_zero_without_a_report_ended_early(self):
        record = v.LaunchRecord(exit=0, signal=None, timed_out=False)
        self.assertEqual(v.final_status("passed", record, self.absent)[0], "ended-early")

    def test_a_passing_report_with_a_failing_exit_fails(self):
        record = v.LaunchRecord(exit=1, signal=None, timed_out=False)
        self.assertEqual(v.final_status("failed", record, self.passed)[0], "failed")

    def test_signals_and_timeouts_come_from_the_launcher(self):
        crashed = v.final_status("passed", v.LaunchRecord(None, 11, False), self.passed)
        self.assertEqual(crashed, ("crashed", "segfault"))
        self.assertEqual(v.final_status("failed", v.LaunchRecord(None, 9, True), self.absent)[0], "timeout")
        self.assertEqual(v.final_status("failed", v.LaunchRecord(3, None, False), self.absent)[0], "timeout")

    def test_no_launcher_record_is_never_a_pass(self):
        self.assertNotEqual(v.final_status("passed", None, self.passed)[0], "passed")


class DescribeTest(unittest.TestCase):
    def outcome(self, status, detail="", output=""):
        outcome = Outcome("01", "A", "S.T", 1, "")
        v.describe(outcome, status, detail, output, 0.1, 30, "a hint")
        return outcome

    def test_an_early_end_is_said_in_plain_words(self):
        outcome = self.outcome("ended-early")
        self.assertEqual(outcome.status, "failed")
        self.assertIn("the program ended before the test ran (an exit() call?)", outcome.words)

    def test_not_implemented_is_neither_a_broken_rule_nor_a_failure_message(self):
        outcome = self.outcome("failed", output="unknown file: Failure\nC++ exception: not implemented yet: lab 1")
        self.assertTrue(v.not_implemented(outcome))
        self.assertIn("not implemented yet", outcome.words)

    def test_limits_of_the_sandbox_are_named(self):
        self.assertIn("larger than the grader allows", self.outcome("crashed", "file size").words)
        self.assertIn("ran out of memory", self.outcome("crashed", "abort", "what(): std::bad_alloc").words)
        self.assertIn("timed out after 30 s: a hint", self.outcome("timeout").words)


class SanitizerAndCompilerTest(unittest.TestCase):
    def test_first_sanitizer_report_is_found_and_shortened(self):
        output = ("noise\n==1==WARNING: ThreadSanitizer: data race (pid=1)\n"
                  "    #0 parlab::map_sum<std::vector<int>>(x) /t/labs/a.hpp:12:3 (x+0x1)\nSUMMARY: race\nafter")
        kind, report = v.sanitizer_report(output, "/t")
        self.assertEqual(kind, "race")
        self.assertIn("#0 parlab::map_sum(x) at labs/a.hpp:12:3", report)
        self.assertNotIn("after", report)
        self.assertIsNone(v.sanitizer_report("all good"))

    def test_compiler_errors_are_relative_to_the_tree(self):
        log = "ninja: build\n/t/labs/a.hpp:3:1: error: expected ';'\n  x\n  ^\nFAILED: x"
        self.assertIn("labs/a.hpp:3:1: error: expected ';'", v.compiler_errors(log, pathlib.Path("/t")))


if __name__ == "__main__":
    unittest.main()

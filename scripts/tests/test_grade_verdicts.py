"""grade_verdicts.py: a test passes only when its verdict channel and the exit status agree."""

from __future__ import annotations

import pathlib
import unittest

import grade_verdicts as v
from grade_results import Outcome

T = "CopyingThreads.Sums"


def channel(*records: str) -> str:
    return "".join(r + "\n" for r in records)


class VerdictChannelTest(unittest.TestCase):
    def verdict(self, *records, test=T):
        return v.verdict_from_channel(channel(*records), test)

    def test_reads_each_kind_of_result(self):
        self.assertEqual(self.verdict(f"start\t{T}", f"end\t{T}\tpassed\t", "complete\t0").state, "passed")
        failed = self.verdict(f"start\t{T}", f"end\t{T}\tfailed\tt.cpp:3: Expected 3", "complete\t1")
        self.assertEqual((failed.state, failed.message), ("failed", "t.cpp:3: Expected 3"))
        self.assertEqual(self.verdict(f"start\t{T}", f"end\t{T}\tskipped\t", "complete\t0").state, "skipped")

    def test_a_run_that_never_reached_or_finished_the_test_is_not_a_pass(self):
        self.assertEqual(self.verdict().state, "absent")
        self.assertEqual(self.verdict("complete\t0").state, "absent")
        self.assertEqual(self.verdict(f"start\t{T}").state, "unfinished")
        self.assertEqual(self.verdict(f"start\t{T}", f"end\t{T}\tpassed\t").state, "incomplete")

    def test_extra_duplicate_or_foreign_records_are_a_forgery(self):
        real = [f"start\t{T}", f"end\t{T}\tpassed\t", "complete\t0"]
        self.assertEqual(self.verdict(*real, *real).state, "forged")
        self.assertEqual(self.verdict(*real, test="CopyingThreads.Other").state, "forged")
        self.assertEqual(self.verdict(f"end\t{T}\tpassed\t", f"start\t{T}", "complete\t0").state, "forged")
        self.assertEqual(self.verdict(*real, "PASSED").state, "forged")
        self.assertEqual(self.verdict(f"start\t{T}", f"end\t{T}\tgreat\t", "complete\t0").state, "forged")

    def test_a_refused_system_call_is_named(self):
        refused = self.verdict(f"start\t{T}", "forbidden\t257")  # x86-64 openat
        self.assertEqual(refused.state, "forbidden")
        self.assertIn("openat", refused.call)


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

    def test_a_forbidden_call_and_an_overflowing_channel_are_not_passes(self):
        record = v.LaunchRecord(exit=None, signal=31, timed_out=False)
        self.assertEqual(v.final_status("failed", record, v.GtestVerdict("forbidden", call="x"))[0], "forbidden")
        flood = v.LaunchRecord(exit=0, signal=None, timed_out=False, channel_overflow=True)
        self.assertEqual(v.final_status("passed", flood, self.passed)[0], "ended-early")

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

    def test_a_failure_says_the_tests_own_sentence_before_the_assertion(self):
        output = ("x_test.cpp:290: Failure\nValue of: b_ran_after_a\n  Actual: true\nExpected: false\n"
                  "join ran b only after a returned\nRule: join pushes b first")
        outcome = self.outcome("failed", output=output)
        self.assertEqual(outcome.words, "failed: join ran b only after a returned")
        self.assertIn("Value of: b_ran_after_a", outcome.output)  # the raw assertion stays after it
        bare = self.outcome("failed", output="x.cpp:1: Failure\nValue of: x\n  Actual: false\nExpected: true")
        self.assertEqual(bare.words, "failed: Value of: x")  # no sentence: the assertion itself

    def test_limits_of_the_sandbox_are_named(self):
        self.assertIn("larger than the grader allows", self.outcome("crashed", "file size").words)
        self.assertIn("ran out of memory", self.outcome("crashed", "abort", "what(): std::bad_alloc").words)
        self.assertIn("timed out after 30 s: a hint", self.outcome("timeout").words)
        self.assertIn("a system call the grader forbids: openat for writing",
                      self.outcome("forbidden", "openat for writing").words)


class BuildStoppedTest(unittest.TestCase):
    def test_a_stopped_build_is_never_a_compile_error(self):
        self.assertIn("longer than the grader allows (900 s)", v.build_stopped(124, "", 900))
        self.assertIn("killed (signal 9)", v.build_stopped(-9, "", 900))
        self.assertIn("killed (signal 9)", v.build_stopped(137, "", 900))
        self.assertIn("the compiler was stopped (Killed signal terminated program cc1plus)",
                      v.build_stopped(1, "g++: fatal error: Killed signal terminated program cc1plus", 900))

    def test_a_real_compile_error_or_success_is_not_a_stop(self):
        self.assertEqual(v.build_stopped(1, "a.hpp:3:1: error: expected ';'", 900), "")
        self.assertEqual(v.build_stopped(0, "", 900), "")


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

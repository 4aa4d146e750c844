"""Tests of scripts/test's student report (scripts/lib/test_summary.py, --mine) and of the one-line
reasons it takes from ctest_results.first_message_line: GoogleTest's own lines are skipped, a
starter's NotImplemented, a bounded wait and a sanitizer are named, and a crash names its signal."""

from __future__ import annotations

import contextlib
import io
import pathlib
import sys
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "lib"))
import ctest_results  # noqa: E402
import test_summary  # noqa: E402

ASSERTION = """[ RUN      ] CopyingThreads.CopiesEveryElementExactlyOnce
/src/labs/01_copying_threads/copying_threads_test.cpp:95: Failure
Expected equality of these values:
  counts.copies.load()
    Which is: 20002
  10'001U
    Which is: 10001
with k = 1, n = 10,001 elements were copied 20002 times.
Rule: lab 1 gives each thread its own copy of its chunk.
[  FAILED  ] CopyingThreads.CopiesEveryElementExactlyOnce (3 ms)
"""

NOT_IMPLEMENTED = """[ RUN      ] ThreadPool.RunsVoidTasks
unknown file: Failure
C++ exception with description "not implemented yet: lab 3, ThreadPool(workers) in labs/03_thread_pool/thread_pool.cpp" thrown in the test body.
[  FAILED  ] ThreadPool.RunsVoidTasks (0 ms)
"""

BOUNDED = """[ RUN      ] Sleeping.NewWorkWakesASleepingWorker

FAILED: a join on a sleeping scheduler did not finish within 10000 ms.
A deadlock or a lost wake-up is the usual cause: some thread waits for an event that nobody will signal.
"""

RACE = """[ RUN      ] ChaseLevDeque.PublishesWhatAnItemPointsToBeforeAThiefCanTakeIt
==================
WARNING: ThreadSanitizer: data race (pid=4242)
  Write of size 4 at 0x7b0400000010 by thread T1:
"""


def result(name: str, status: str, output: str, detail: str = "Failed") -> ctest_results.TestResult:
    lab, test = name.split(".", 1)
    return ctest_results.TestResult(name=f"lab.{name}", flavour="lab", lab=lab, test=test,
                                    status=status, detail=detail, seconds=0.1, output=output)


class FirstMessageLineTest(unittest.TestCase):
    def test_skips_googletests_own_lines_to_the_tests_message(self) -> None:
        line = ctest_results.first_message_line(result("lab01.A.B", "failed", ASSERTION))
        self.assertEqual(line, "with k = 1, n = 10,001 elements were copied 20002 times.")

    def test_names_a_starters_not_implemented_yet(self) -> None:
        line = ctest_results.first_message_line(result("lab03.A.B", "failed", NOT_IMPLEMENTED))
        self.assertTrue(line.startswith("not implemented yet: lab 3, ThreadPool(workers)"), line)

    def test_names_a_bounded_wait_that_gave_up(self) -> None:
        line = ctest_results.first_message_line(result("lab04.A.B", "timeout", BOUNDED))
        self.assertTrue(line.startswith("a join on a sleeping scheduler did not finish"), line)

    def test_names_a_sanitizer_report_first(self) -> None:
        line = ctest_results.first_message_line(result("lab04.A.B", "failed", RACE))
        self.assertEqual(line, "ThreadSanitizer: data race (pid=4242)")

    def test_names_the_signal_of_a_crash(self) -> None:
        self.assertEqual(ctest_results.signal_of(result("lab01.A.B", "crashed", "", "SEGFAULT")), "SIGSEGV")
        self.assertEqual(ctest_results.signal_of(result("lab01.A.B", "crashed", "", "Subprocess aborted")),
                         "SIGABRT")


class StudentReportTest(unittest.TestCase):
    def report(self, results: list[ctest_results.TestResult], uncompiled=frozenset()) -> tuple[int, str]:
        by: dict = {}
        for r in results:
            by.setdefault((r.lab, r.flavour), []).append(r)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            status = test_summary.report_mine(["lab01"], set(uncompiled), by, pathlib.Path("build/release"))
        return status, out.getvalue()

    # The part letters come from lab 1's grading.toml, which a release of later labs only
    # (scripts/release-student --lab 5) does not carry.
    @unittest.skipUnless(any(pathlib.Path(__file__).resolve().parents[2].glob("labs/01_*/grading.toml")),
                         "lab 1 is not in this checkout")
    def test_a_half_done_lab_exits_1_and_lists_exactly_its_failing_tests(self) -> None:
        status, text = self.report([
            result("lab01.CopyingThreads.CopiesEveryElementExactlyOnce", "failed", ASSERTION),
            result("lab01.CopyingThreads.SumsFloatingPointResults", "passed", ""),
            result("lab01.CopyingThreads.JoinsEveryThreadBeforeRethrowing", "crashed", "", "Subprocess aborted"),
        ])
        self.assertEqual(status, 1)
        self.assertIn("lab01  1/3 passed", text)
        self.assertIn("failed: CopyingThreads.CopiesEveryElementExactlyOnce (part C)", text)
        self.assertIn("crashed (SIGABRT): CopyingThreads.JoinsEveryThreadBeforeRethrowing (part D)", text)
        self.assertNotIn("SumsFloatingPointResults", text)
        self.assertIn("parlab: 1 passed, 2 failed", text)

    def test_a_finished_lab_exits_0(self) -> None:
        status, text = self.report([result("lab01.CopyingThreads.SumsFloatingPointResults", "passed", "")])
        self.assertEqual(status, 0)
        self.assertIn("lab01  1/1 passed", text)

    def test_a_lab_that_does_not_compile_or_ran_nothing_fails(self) -> None:
        self.assertEqual(self.report([], uncompiled={"lab01"})[0], 1)
        self.assertEqual(self.report([])[0], 1)


if __name__ == "__main__":
    unittest.main()

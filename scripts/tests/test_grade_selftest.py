"""grade_selftest.py and grade_selftest_cases.py: the self-test's cases run side by side (the user
sandbox's one at a time), and a case's leftover processes are only those of its own uid."""

from __future__ import annotations

import threading
import time
import unittest
from unittest import mock

import grade_selftest
import grade_selftest_cases


class SandboxUidOfAReport(unittest.TestCase):
    def test_the_uid_is_read_from_the_sandbox_line_of_either_kind(self):
        report = ("parlab grade\n  sandbox: bwrap (bubblewrap namespaces, uid 64123)\n"
                  "  sandbox: user (unprivileged uid 64007 with resource limits)\n")
        self.assertEqual(grade_selftest_cases.SANDBOX_UID.findall(report), ["64123", "64007"],
                         "expected both sandbox lines' uids: a case checks only its own uid for leftovers")

    def test_no_uid_is_read_where_no_sandbox_uid_ran(self):
        report = ("  sandbox: none (NO SANDBOX: the submission ran as the grader)\n"
                  "  lab 01: the uid 12 of the submission's own output is not a sandbox line\n")
        self.assertEqual(grade_selftest_cases.SANDBOX_UID.findall(report), [],
                         "expected no uid: only the grader's sandbox line names the case's uid")

    def test_a_uid_another_run_holds_now_is_not_counted_as_leftovers(self):
        # A run that claimed the uid after the case ended found it free of processes (claim_uid
        # skips a uid in use), so the processes it has now are that run's, not the case's.
        with mock.patch("grade_sandbox.try_hold", return_value=False), \
                mock.patch("grade_sandbox.processes_of", return_value=[4242]) as processes:
            problems = grade_selftest_cases.leftovers("  sandbox: bwrap (bubblewrap namespaces, uid 64123)")
        self.assertEqual(problems, [], "expected no leftovers: uid 64123 belongs to another run by now")
        processes.assert_not_called()

    def test_a_free_uid_with_processes_is_counted_as_leftovers(self):
        with mock.patch("grade_sandbox.try_hold", return_value=True), \
                mock.patch("grade_sandbox.release_uids"), \
                mock.patch("grade_sandbox.processes_of", return_value=[4242]):
            problems = grade_selftest_cases.leftovers("  sandbox: bwrap (bubblewrap namespaces, uid 64123)")
        self.assertEqual(len(problems), 1, f"expected one problem naming pid 4242, observed {problems}")
        self.assertIn("4242", problems[0])


class RunningJobs(unittest.TestCase):
    def test_every_job_runs_once_and_failures_are_counted(self):
        lock, ran = threading.Lock(), []

        def job(name: str):
            def run():
                time.sleep(0.01)
                with lock:
                    ran.append(name)
                return [(name, [] if name != "b1" else ["a problem"])]
            return grade_selftest.Job([name], run, 1)

        jobs = [job(f"b{i}") for i in range(8)]
        with mock.patch("builtins.print"):
            failed = grade_selftest.run_jobs(jobs, 3)
        self.assertEqual(sorted(ran), sorted(j.names[0] for j in jobs), "expected every job to run once")
        self.assertEqual(failed, 1, f"expected the one failing case counted, observed {failed}")

    def test_a_job_that_raises_fails_its_cases_and_the_others_still_run(self):
        def broken():
            raise RuntimeError("boom")
        jobs = [grade_selftest.Job(["x", "y"], broken), grade_selftest.Job(["z"], lambda: [("z", [])])]
        with mock.patch("builtins.print") as printed:
            failed = grade_selftest.run_jobs(jobs, 2)
        self.assertEqual(failed, 2, "expected both cases of the broken job to fail")
        self.assertTrue(any("ok   z" in str(call) for call in printed.call_args_list), "expected z to run")


if __name__ == "__main__":
    unittest.main()

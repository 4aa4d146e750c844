"""Unit tests of the mutation suite's pure logic (scripts/lib/mutants.py): the patch header,
the order in which a mutant's tests run, and reading CTest's test list. Nothing is built here."""

import json
import pathlib
import sys
import tempfile
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "lib"))
import mutants  # noqa: E402

DIFF = """diff --git a/solutions/03_thread_pool/thread_pool.cpp b/solutions/03_thread_pool/thread_pool.cpp
index 1111111..2222222 100644
--- a/solutions/03_thread_pool/thread_pool.cpp
+++ b/solutions/03_thread_pool/thread_pool.cpp
@@ -1,3 +1,2 @@
 a
-b
 c
"""

HEADER = """Bug: submit never notifies
Rule: no lost wake-up
Killed-by: ThreadPool.ReturnsEachTasksResultThroughItsFuture, ThreadPool.RunsVoidTasks
"""


def parse(text):
    return mutants.parse_patch(text, "03", "missing_notify", pathlib.Path("x.patch"))


class ParsePatch(unittest.TestCase):
    def test_reads_the_header_and_the_touched_files(self):
        mutant = parse(HEADER + DIFF)
        self.assertEqual(mutant.bug, "submit never notifies")
        self.assertEqual(mutant.rule, "no lost wake-up")
        self.assertEqual(mutant.killed_by, ["ThreadPool.ReturnsEachTasksResultThroughItsFuture",
                                            "ThreadPool.RunsVoidTasks"])
        self.assertEqual(mutant.files, ["solutions/03_thread_pool/thread_pool.cpp"])
        self.assertEqual(mutant.id, "lab03/missing_notify")

    def test_ignores_other_header_lines(self):
        mutant = parse("A note for humans.\n" + HEADER + "\n" + DIFF)
        self.assertEqual(mutant.rule, "no lost wake-up")

    def test_rejects_a_missing_key(self):
        for key in ("Bug", "Rule", "Killed-by"):
            text = "".join(line + "\n" for line in HEADER.splitlines() if not line.startswith(key))
            with self.subTest(key=key), self.assertRaisesRegex(mutants.SuiteError, key):
                parse(text + DIFF)

    def test_rejects_an_empty_or_repeated_key(self):
        with self.assertRaisesRegex(mutants.SuiteError, "Bug"):
            parse(HEADER.replace("Bug: submit never notifies", "Bug:   ") + DIFF)
        with self.assertRaisesRegex(mutants.SuiteError, "twice"):
            parse("Bug: again\n" + HEADER + DIFF)

    def test_rejects_a_patch_without_a_diff(self):
        with self.assertRaisesRegex(mutants.SuiteError, "diff --git"):
            parse(HEADER)

    def test_rejects_a_killer_that_is_not_a_test_name(self):
        with self.assertRaisesRegex(mutants.SuiteError, "Suite.Test"):
            parse(HEADER.replace("ThreadPool.RunsVoidTasks", "solution.lab03 RunsVoidTasks") + DIFF)

    def test_rejects_a_patch_outside_solutions(self):
        outside = DIFF.replace("solutions/03_thread_pool/thread_pool.cpp", "labs/03_thread_pool/thread_pool_test.cpp")
        with self.assertRaisesRegex(mutants.SuiteError, "solutions/ only"):
            parse(HEADER + outside)


class OrderTests(unittest.TestCase):
    GRADED = ["S.A", "S.B", "S.C", "S.D"]

    def test_runs_the_killers_first_then_the_rest_in_manifest_order(self):
        self.assertEqual(mutants.order_tests(self.GRADED, ["S.C", "S.A"], "03"),
                         ["S.C", "S.A", "S.B", "S.D"])

    def test_a_killer_must_be_a_graded_test_of_the_lab(self):
        with self.assertRaisesRegex(mutants.SuiteError, "Tools.Check"):
            mutants.order_tests(self.GRADED, ["S.A", "Tools.Check"], "03")


class CTestList(unittest.TestCase):
    SHOW_ONLY = json.dumps({"kind": "ctestInfo", "tests": [
        {"name": "solution.lab03.S.A", "command": ["/b/lab03_solution_x_test", "--gtest_filter=S.A"]},
        {"name": "solution.lab03.S.B", "command": ["/b/lab03_solution_y_test", "--gtest_filter=S.B"]},
        {"name": "lab.lab03.S.A", "command": ["/b/lab03_lab_x_test", "--gtest_filter=S.A"]},
        {"name": "common.data", "command": ["/b/common_test"]},
        {"name": "solution.lab03.NoCommand"},
    ]})

    def test_maps_each_solution_test_to_its_executable(self):
        self.assertEqual(mutants.ctest_executables(self.SHOW_ONLY),
                         {"lab03.S.A": "/b/lab03_solution_x_test", "lab03.S.B": "/b/lab03_solution_y_test"})

    def test_groups_consecutive_tests_of_one_executable(self):
        executables = {"A": "x", "B": "x", "C": "y", "D": "x"}
        self.assertEqual(mutants.group_by_executable(["A", "B", "C", "D"], executables),
                         [("x", ["A", "B"]), ("y", ["C"]), ("x", ["D"])])


class Discover(unittest.TestCase):
    def test_finds_filters_and_sorts_the_patches(self):
        with tempfile.TemporaryDirectory() as folder:
            root = pathlib.Path(folder)
            for lab, name in (("03", "b"), ("03", "a"), ("01", "z")):
                (root / f"lab{lab}").mkdir(exist_ok=True)
                (root / f"lab{lab}" / f"{name}.patch").write_text(HEADER + DIFF)
            (root / "README.md").write_text("not a mutant")
            self.assertEqual([m.id for m in mutants.discover(root)], ["lab01/z", "lab03/a", "lab03/b"])
            self.assertEqual([m.id for m in mutants.discover(root, labs=["03"])], ["lab03/a", "lab03/b"])
            self.assertEqual([m.id for m in mutants.discover(root, names=["lab03/b", "z"])],
                             ["lab01/z", "lab03/b"])


if __name__ == "__main__":
    unittest.main()

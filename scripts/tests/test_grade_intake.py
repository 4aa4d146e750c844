"""grade_intake.py: the sealed tree holds no reference of the graded lab or a later one."""

from __future__ import annotations

import pathlib
import tempfile
import unittest

import grade_intake as intake


class SealTest(unittest.TestCase):
    names = ["01_a", "02_b", "03_c", "04_d"]

    def test_only_the_dependencies_references_stay(self):
        self.assertEqual(intake.sealed_solutions(self.names, "03", ["01", "02"]), {"03_c", "04_d"})
        self.assertEqual(intake.sealed_solutions(self.names, "01", []), set(self.names))
        # a dependency is never a later lab, even if a manifest said so
        self.assertEqual(intake.sealed_solutions(self.names, "02", ["04"]), set(self.names))

    def test_make_tree(self):
        with tempfile.TemporaryDirectory() as folder:
            checkout, tree = pathlib.Path(folder) / "c", pathlib.Path(folder) / "t"
            for path in ["solutions/01_a/a.hpp", "solutions/02_b/b.hpp", "solutions/03_c/c.hpp",
                         "labs/02_b/b.hpp", "build/x", "scripts/grade_fixtures/p.patch", "common/x.hpp",
                         "reference/parlab_bench_reference"]:
                (checkout / path).parent.mkdir(parents=True, exist_ok=True)
                (checkout / path).write_text("x")
            (checkout / "labs/02_b/link.hpp").symlink_to("/etc/passwd")
            intake.make_tree(checkout, tree, "02", ["01"])
            kept = sorted(str(p.relative_to(tree)) for p in tree.rglob("*") if p.is_file())
            self.assertEqual(kept, ["common/x.hpp", "labs/02_b/b.hpp", "solutions/01_a/a.hpp"])


class SubmissionTest(unittest.TestCase):
    def test_layouts_and_links(self):
        with tempfile.TemporaryDirectory() as folder:
            root = pathlib.Path(folder) / "upload" / "parlab-main"
            (root / "labs/01_a").mkdir(parents=True)
            (root / "labs/01_a/a.hpp").write_text("x")
            (root / "b.hpp").write_text("y")
            (root / "labs/01_a/c.hpp").symlink_to("/etc/passwd")
            found = intake.submission_root(pathlib.Path(folder) / "upload")
            self.assertEqual(found, root)
            self.assertEqual(intake.find_in_submission(found, "01_a", "a.hpp", True), root / "labs/01_a/a.hpp")
            self.assertEqual(intake.find_in_submission(found, "01_a", "b.hpp", True), root / "b.hpp")
            self.assertIsNone(intake.find_in_submission(found, "01_a", "b.hpp", False))
            self.assertIsNone(intake.find_in_submission(found, "01_a", "c.hpp", True))


if __name__ == "__main__":
    unittest.main()

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

    def test_a_link_at_any_depth_is_rejected_and_said_why(self):
        with tempfile.TemporaryDirectory() as folder:
            outside = pathlib.Path(folder) / "checkout" / "solutions" / "01_a"
            outside.mkdir(parents=True)
            (outside / "a.hpp").write_text("the reference")
            root = pathlib.Path(folder) / "upload"
            (root / "labs").mkdir(parents=True)
            (root / "labs" / "01_a").symlink_to(outside)
            rejected: list[str] = []
            self.assertIsNone(intake.find_in_submission(root, "01_a", "a.hpp", False, rejected),
                              "a linked lab folder must not hand the grader the reference")
            self.assertEqual(rejected, ["labs/01_a is a symbolic link (links are never followed)"])
            (root / "labs" / "01_a").unlink()
            (root / "labs" / "01_a").mkdir()
            (root / "labs" / "01_a" / "a.hpp").write_text("mine")
            (root / "labs" / "01_a" / "b.hpp").hardlink_to(outside / "a.hpp")
            self.assertEqual(intake.find_in_submission(root, "01_a", "a.hpp", False), root / "labs/01_a/a.hpp")
            path, why = intake.resolve_in_submission(root, "labs/01_a/b.hpp")
            self.assertIsNone(path)
            self.assertIn("hard link", why)
            self.assertEqual(intake.resolve_in_submission(root, "labs/01_a/none.hpp"), (None, ""),
                             "a file that is simply absent is not a rejection")

    def test_a_linked_upload_folder_is_not_entered(self):
        with tempfile.TemporaryDirectory() as folder:
            elsewhere = pathlib.Path(folder) / "elsewhere"
            (elsewhere / "labs").mkdir(parents=True)
            upload = pathlib.Path(folder) / "upload"
            upload.mkdir()
            (upload / "parlab-main").symlink_to(elsewhere)
            self.assertEqual(intake.submission_root(upload), upload)


if __name__ == "__main__":
    unittest.main()

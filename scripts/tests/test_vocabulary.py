"""Tests of scripts/lib/check_vocabulary.py: a small lab that speaks one vocabulary passes, and each
way of breaking it (a TODO naming a task the handout lacks, a part title that drifted, a points
table that is not the grader's, a missing section) is reported. Run from anywhere:
/usr/bin/python3 -m unittest discover scripts/tests"""

from __future__ import annotations

import pathlib
import sys
import tempfile
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "lib"))
import check_vocabulary  # noqa: E402

TOML = """lab = 9
student_files = ["thing.hpp"]
[[part]]
id = "A"
title = "The thing"
[part.tests]
"Thing.Works" = 2
[[part]]
id = "B"
title = "The other thing"
[part.tests]
"Thing.AlsoWorks" = 1
"""

TABLE = """| Part | Test | Points |
|---|---|---:|
| A: The thing | `Thing.Works` | 2 |
| B: The other thing | `Thing.AlsoWorks` | 1 |
| | **Total** | **3** |"""

HANDOUT = f"""# Lab 9: a thing

## Goal

Build a thing.

## Files you edit

`thing.hpp`.

## Tasks

### Part A: The thing

- **A1.** Make it.
- **A2.** Make it work (task A1 first).

### Part B: The other thing

- **B1.** Make the other one.

## How it is graded

{TABLE}

## Measure

Time it.

## Questions

1. Why?

## Further reading

- [Threads](../../docs/background/threads.md)
"""

STARTER = """// Lab 9, part A: THE STUDENT'S FILE.
// TODO(lab 9, task A1): make it.
// TODO(lab 9, task A2): make it work.
// TODO(lab 9, task B1): the other one.
"""


class VocabularyTest(unittest.TestCase):
    def setUp(self) -> None:
        self.scratch = tempfile.TemporaryDirectory()
        root = pathlib.Path(self.scratch.name)
        (root / "docs/background").mkdir(parents=True)
        (root / "docs/background/threads.md").write_text("# Threads\n")
        self.lab = root / "labs/09_thing"
        self.lab.mkdir(parents=True)
        self.write(HANDOUT, TOML, STARTER)

    def tearDown(self) -> None:
        self.scratch.cleanup()

    def write(self, handout: str, toml: str, starter: str) -> None:
        (self.lab / "README.md").write_text(handout)
        (self.lab / "grading.toml").write_text(toml)
        (self.lab / "thing.hpp").write_text(starter)

    def problems(self, table: str | None = TABLE) -> list[str]:
        return check_vocabulary.check_lab(self.lab, table)

    def test_a_lab_that_speaks_one_vocabulary_passes(self) -> None:
        self.assertEqual(self.problems(), [])

    def test_a_todo_naming_a_task_the_handout_lacks_fails(self) -> None:
        self.write(HANDOUT, TOML, STARTER + "// TODO(lab 9, task C1): something else.\n")
        problems = self.problems()
        self.assertTrue(any("task C1, which the handout does not list" in p for p in problems), problems)

    def test_an_old_style_todo_fails(self) -> None:
        self.write(HANDOUT, TOML, STARTER + "// TODO(lab 9): task 2a. The old way.\n")
        problems = self.problems()
        self.assertTrue(any("is not of the form" in p for p in problems), problems)
        self.assertTrue(any("names task 2a" in p for p in problems), problems)

    def test_a_handout_task_without_a_todo_fails(self) -> None:
        self.write(HANDOUT, TOML, STARTER.replace("// TODO(lab 9, task B1): the other one.\n", ""))
        problems = self.problems()
        self.assertTrue(any("task B1 has no TODO" in p for p in problems), problems)

    def test_a_part_title_that_differs_from_the_manifest_fails(self) -> None:
        self.write(HANDOUT.replace("### Part B: The other thing", "### Part B: Another thing"), TOML, STARTER)
        problems = self.problems(None)
        self.assertTrue(any('part B is titled "Another thing"' in p for p in problems), problems)

    def test_a_part_of_the_manifest_missing_from_the_handout_fails(self) -> None:
        self.write(HANDOUT, TOML + '[[part]]\nid = "C"\ntitle = "More"\n[part.tests]\n"Thing.More" = 1\n', STARTER)
        problems = self.problems(None)
        self.assertTrue(any('no section "### Part C: More"' in p for p in problems), problems)

    def test_a_points_table_that_drifted_from_the_grader_fails(self) -> None:
        problems = self.problems(TABLE.replace("| 2 |", "| 3 |"))
        self.assertTrue(any("points table differs" in p for p in problems), problems)

    def test_a_missing_skeleton_section_fails(self) -> None:
        self.write(HANDOUT.replace("## Questions\n\n1. Why?\n\n", ""), TOML, STARTER)
        problems = self.problems()
        self.assertTrue(any('no "## Questions" section' in p for p in problems), problems)

    def test_a_broken_link_fails(self) -> None:
        self.write(HANDOUT.replace("threads.md", "nothing.md"), TOML, STARTER)
        problems = self.problems()
        self.assertTrue(any("leads nowhere" in p for p in problems), problems)


class RepositoryTest(unittest.TestCase):
    def test_every_lab_of_this_repository_speaks_one_vocabulary(self) -> None:
        labs = sorted((check_vocabulary.ROOT / "labs").glob("[0-9][0-9]_*"))
        problems = [p for lab in labs if (lab / "grading.toml").is_file()
                    for p in check_vocabulary.check_lab(lab, None)]
        self.assertEqual(problems, [])


if __name__ == "__main__":
    unittest.main()

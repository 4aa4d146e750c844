"""Checks that each lab speaks one vocabulary: its handout (labs/NN_name/README.md), its grading
manifest (grading.toml) and the TODO markers of its starter files name the same parts and tasks,
letter for letter, and the handout has the common skeleton and the grader's points table.

The scheme (CONVENTIONS.md, "One vocabulary per lab"):
  - parts are capital letters: grading.toml's [[part]] id "B" with title "Correct sums" is the
    handout's section "### Part B: Correct sums";
  - tasks are the part's letter and a number: the handout lists "- **B2.** ..." under part B, and
    the starter marks the code it asks for with "// TODO(lab 1, task B2): ...";
  - every TODO names a task of the handout, and every task of the handout has a TODO;
  - any "task X" or "part X" named in the handout or the student's files exists;
  - the handout's "##" sections include, in this order: Goal, Files you edit, Tasks, How it is
    graded, Measure, Questions, Further reading; its links into docs/ lead to existing files;
  - the points table under "How it is graded" is exactly `scripts/grade --points-table`'s.

Usage: check_vocabulary.py [--lab N]... [--no-points-table]. Exit status 1 on any problem.
Tested by scripts/tests/test_vocabulary.py.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import re
import subprocess
import sys
import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[2]
SKELETON = ["Goal", "Files you edit", "Tasks", "How it is graded", "Measure", "Questions",
            "Further reading"]
# Background pages a handout must link because its tasks rely on them.
REQUIRED_LINKS = {"04": ["docs/background/chase_lev.md"]}

PART_HEADING = re.compile(r"^### Part ([A-Z]): (.+?)\s*$", re.M)
TASK_ITEM = re.compile(r"^\s*[-*] \*\*([A-Z][0-9]+)\.\*\*", re.M)
TODO = re.compile(r"TODO\((?P<inside>[^)]*)\)")
TODO_FORM = re.compile(r"^lab (?P<lab>\d+), task (?P<task>[A-Z][0-9]+)$")
TASK_MENTION = re.compile(r"\btasks? (?P<task>[A-Z]?[0-9][0-9a-z]*|[A-Z][0-9]+)\b")
PART_MENTION = re.compile(r"\b[Pp]arts? (?P<part>[A-Z]|[0-9][a-z])\b")
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def handout_parts(text: str) -> dict[str, str]:
    return {match.group(1): match.group(2) for match in PART_HEADING.finditer(text)}


def handout_tasks(text: str) -> dict[str, str]:
    """task -> the part whose section lists it ("" when listed outside every part)."""
    headings = [(m.start(), m.group(1)) for m in PART_HEADING.finditer(text)]
    tasks = {}
    for match in TASK_ITEM.finditer(text):
        part = ""
        for start, letter in headings:
            if start < match.start():
                part = letter
        tasks[match.group(1)] = part
    return tasks


def section(text: str, title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\s*$(.*?)(?=^## |\Z)", text, re.M | re.S)
    return match.group(1) if match else ""


def points_table_of(text: str) -> str:
    """The Markdown table in the handout that starts with '| Part | Test | Points |'."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if line.startswith("| Part | Test | Points |"):
            table = []
            for follow in lines[index:]:
                if not follow.startswith("|"):
                    break
                table.append(follow.rstrip())
            return "\n".join(table)
    return ""


def grader_points_table(lab: str) -> str:
    result = subprocess.run([str(ROOT / "scripts/grade"), "--points-table", "--lab", lab],
                            capture_output=True, text=True, env={**os.environ, "PARLAB_NO_INSTALL": "1"})
    if result.returncode != 0:
        return f"(scripts/grade --points-table failed: {result.stderr.strip()})"
    return "\n".join(line.rstrip() for line in result.stdout.strip().splitlines())


def check_lab(folder: pathlib.Path, points_table: str | None = None) -> list[str]:
    """Problems of one lab folder, each a sentence that names the file. points_table: what
    `scripts/grade --points-table` prints for this lab, or None to skip that comparison."""
    problems: list[str] = []
    number = folder.name[:2]
    handout_path = folder / "README.md"
    handout = handout_path.read_text()
    where = f"{folder.name}/README.md"
    manifest = tomllib.loads((folder / "grading.toml").read_text())
    parts = {str(part["id"]): str(part.get("title", "")) for part in manifest.get("part", [])}

    found = handout_parts(handout)
    for letter, title in parts.items():
        if letter not in found:
            problems.append(f'{where}: no section "### Part {letter}: {title}" (grading.toml has part {letter})')
        elif found[letter] != title:
            problems.append(f'{where}: part {letter} is titled "{found[letter]}", grading.toml says "{title}"')
    for letter in found.keys() - parts.keys():
        problems.append(f"{where}: part {letter} is not a part of grading.toml")

    tasks = handout_tasks(handout)
    if not tasks:
        problems.append(f'{where}: lists no task (items such as "- **A1.** ...")')
    for task, part in tasks.items():
        if task[0] != part:
            problems.append(f"{where}: task {task} is listed under part {part or '(none)'}, not part {task[0]}")

    marked: set[str] = set()
    files = [str(name) for name in manifest.get("student_files", [])]
    for name in files:
        path = folder / name
        if not path.is_file():
            problems.append(f"{folder.name}/{name}: a student file of grading.toml, missing")
            continue
        for line_number, line in enumerate(path.read_text().splitlines(), 1):
            at = f"{folder.name}/{name}:{line_number}"
            for match in TODO.finditer(line):
                form = TODO_FORM.match(match.group("inside").strip())
                if not form:
                    problems.append(f'{at}: "TODO({match.group("inside")})" is not of the form "TODO(lab {int(number)}, task A1)"')
                    continue
                if int(form["lab"]) != int(number):
                    problems.append(f"{at}: the TODO names lab {form['lab']}, this is lab {int(number)}")
                if form["task"] not in tasks:
                    problems.append(f"{at}: the TODO names task {form['task']}, which the handout does not list")
                marked.add(form["task"])
            problems += mentions(line, at, tasks, parts)
    for task in sorted(tasks.keys() - marked):
        problems.append(f"{where}: task {task} has no TODO(lab {int(number)}, task {task}) in the student's files")

    for line_number, line in enumerate(handout.splitlines(), 1):
        if "TODO(" not in line:
            problems += mentions(line, f"{where}:{line_number}", tasks, parts)

    headings = [m.group(1).strip() for m in re.finditer(r"^## (.+)$", handout, re.M)]
    at = 0
    for title in SKELETON:
        if title in headings[at:]:
            at = headings.index(title, at) + 1
        else:
            problems.append(f'{where}: no "## {title}" section in the skeleton\'s order ({", ".join(SKELETON)})')
    for target in LINK.findall(handout):
        if "://" in target or target.startswith("mailto:"):
            continue
        if not (folder / target).resolve().exists():
            problems.append(f"{where}: the link {target} leads nowhere")
    for required in REQUIRED_LINKS.get(number, []):
        if not any((folder / t).resolve() == (folder.parents[1] / required).resolve()
                   for t in LINK.findall(handout)):
            problems.append(f"{where}: does not link {required}, which its tasks rely on")

    graded = section(handout, "How it is graded")
    if points_table is not None:
        mine = points_table_of(graded)
        if not mine:
            problems.append(f'{where}: no points table under "## How it is graded" (paste scripts/grade --points-table --lab {int(number)})')
        elif mine != points_table.strip():
            problems.append(f"{where}: the points table differs from scripts/grade --points-table --lab "
                            f"{int(number)}; paste its output")
    return problems


def mentions(line: str, at: str, tasks: dict[str, str], parts: dict[str, str]) -> list[str]:
    problems = []
    for match in TASK_MENTION.finditer(line):
        if match["task"] not in tasks:
            problems.append(f'{at}: names task {match["task"]}, which the handout does not list')
    for match in PART_MENTION.finditer(line):
        if match["part"] not in parts:
            problems.append(f'{at}: names part {match["part"]}, which grading.toml does not have')
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lab", action="append", default=[], help="only lab N (repeatable)")
    parser.add_argument("--no-points-table", action="store_true",
                        help="skip the comparison with scripts/grade --points-table")
    args = parser.parse_args(argv)
    wanted = {f"{int(n):02d}" for n in args.lab}
    problems = []
    checked = 0
    for folder in sorted((ROOT / "labs").glob("[0-9][0-9]_*")):
        if not (folder / "grading.toml").is_file() or (wanted and folder.name[:2] not in wanted):
            continue
        table = None if args.no_points_table else grader_points_table(folder.name[:2])
        problems += check_lab(folder, table)
        checked += 1
    for problem in problems:
        print(problem)
    print(f"vocabulary: {checked} labs checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

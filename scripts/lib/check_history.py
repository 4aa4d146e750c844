"""Fails on measurement history in handouts and code comments. A handout or a comment states the
rule and a one-line reason; how it was found and the numbers of one run belong in a commit body
or docs/decisions.md, and numbers a handout quotes come from the reference results through
<!-- result: NAME --> markers (scripts/lib/results_markers.py), which this check skips.

What is not allowed (small on purpose; each pattern is a way history prose reads):
    this run / in this session        a passage about one run
    on this machine / on this VM      a number tied to the machine the author happened to use
    we measured / we saw / we found   the story of a measurement
    measured here / measured once / measured on the reference ...
    a date (YYYY-MM-DD)               a dated measurement

Where it looks: every handout (labs/*/README.md), the pages of docs/ (but docs/decisions.md,
where such text belongs, and docs/results/, which scripts write), the student README template,
and the comments (// and # lines) of the code in common/, labs/, solutions/, tools/ and
scripts/. Prints file:line: what matched, and where such text belongs; exits 1 on any hit."""

from __future__ import annotations

import argparse
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]

PATTERNS = [
    (re.compile(r"\bthis run\b|\bin this session\b", re.I), "prose about one run"),
    (re.compile(r"\bon this (machine|VM)\b", re.I), "a figure tied to the author's machine"),
    (re.compile(r"\bwe (measured|saw|found)\b", re.I), "the story of a measurement"),
    (re.compile(r"\bmeasured (here|once|on the (reference|machine))\b", re.I), "a measurement's history"),
    (re.compile(r"\b20\d\d-[01]\d-[0-3]\d\b"), "a dated measurement"),
]
WHERE = ("state the rule and a one-line reason; numbers and their story go in a commit body or "
         "docs/decisions.md, numbers a handout quotes in a <!-- result: NAME --> marker")

RESULT_MARKER = re.compile(r"<!-- result: [^>]*? -->.*?<!-- /result -->")
CODE_SUFFIXES = {".hpp", ".cpp", ".h", ".py", ".sh", ".cmake", ".toml"}
CODE_DIRS = ("common", "labs", "solutions", "tools", "scripts")
# Not scanned: the checks that spell the patterns out, the scripts' test data, and the files
# helper work is rewriting elsewhere is not a reason: every other file is in.
SKIP = {"scripts/lib/check_history.py", "scripts/tests/test_check_history.py",
        "scripts/tests/test_results_markers.py"}
SKIP_DIRS = ("scripts/tests/testdata/",)


def comment_of(line: str, suffix: str) -> str:
    """The comment part of one line of code ('' when it has none). Naive about strings: good
    enough for prose, which is what this check is after."""
    if suffix in {".py", ".sh", ".cmake", ".toml"} or suffix == "":
        stripped = line.lstrip()
        if stripped.startswith("#!"):
            return ""
        index = line.find("# ") if not stripped.startswith("#") else line.find("#")
        return line[index:] if index >= 0 else ""
    index = line.find("//")
    return line[index:] if index >= 0 else ""


def is_script(path: pathlib.Path) -> bool:
    """A file in scripts/ without a suffix whose first line is a shell or Python shebang."""
    try:
        first = path.read_text(errors="replace").split("\n", 1)[0]
    except OSError:
        return False
    return first.startswith("#!") and ("bash" in first or "python" in first or "/sh" in first)


def files_to_check(root: pathlib.Path) -> list[tuple[pathlib.Path, bool]]:
    """(path, whole_text) pairs: pages are checked whole, code only in its comments."""
    pages = sorted(root.glob("labs/*/README.md")) + sorted(root.glob("docs/*.md"))
    pages += sorted(root.glob("docs/background/*.md")) + [root / "scripts/lib/student_README.md.in"]
    pages = [p for p in pages if p.is_file() and p.name != "decisions.md"]
    found = [(p, True) for p in pages]
    for folder in CODE_DIRS:
        for path in sorted((root / folder).rglob("*")):
            if not path.is_file():
                continue
            relative = path.relative_to(root).as_posix()
            if relative in SKIP or relative.startswith(SKIP_DIRS):
                continue
            if path.suffix in CODE_SUFFIXES or (folder == "scripts" and not path.suffix and is_script(path)):
                found.append((path, False))
    return found


def check_text(text: str, shown: str, whole: bool, suffix: str) -> list[str]:
    hits = []
    for number, line in enumerate(text.split("\n"), start=1):
        scanned = RESULT_MARKER.sub("", line) if whole else comment_of(line, suffix)
        for pattern, what in PATTERNS:
            match = pattern.search(scanned)
            if match:
                kind = "handout" if whole else "comment"
                hits.append(f"{shown}:{number}: '{match[0]}' in a {kind}: {what} is not allowed here; {WHERE}")
                break
    return hits


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=pathlib.Path, default=ROOT, help="the checkout to check")
    parser.add_argument("--quiet", action="store_true", help="print the hits only")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    hits: list[str] = []
    files = files_to_check(root)
    for path, whole in files:
        text = path.read_text(errors="replace")
        hits += check_text(text, path.relative_to(root).as_posix(), whole, path.suffix)
    for hit in hits:
        print(hit)
    if not args.quiet:
        print(f"check-history: {len(files)} files, {len(hits)} passage(s) of history", file=sys.stderr)
    return 1 if hits else 0


if __name__ == "__main__":
    sys.exit(main())

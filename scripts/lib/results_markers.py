"""Fills the numbers that handouts quote from the committed reference results, so that a new
reference run changes numbers, not prose. A handout writes

    <!-- result: time sum_doubled/sequential/1000000/1 -->183 µs<!-- /result -->

and this module replaces the text between the two comments with the figure the reference results
hold (docs/results/reference: raw/solution-*.json, one file per pass, and machine.json). The
names a marker may hold:

    time W/S/N/T        the median real time of benchmark workload/stage/n/threads ("183 µs")
    per-item W/S/N/T    the median divided by n: the time of one item, task or element
    ratio W/S/N/T / W/S/N/T
                        the first median over the second ("2.1x")
    paired W/S/N/T / W/S/N/T
                        the median over the passes of the two benchmarks' ratio within each
                        pass, for contenders run side by side ("1.17")
    efficiency W/S/N/T  T1 / (P * TP): the sequential loop of the same workload and n over P times
                        the stage's median at P threads ("0.98")
    goal ID             a goal's paired ratio from speedup.md's goal table ("0.94x"); goal-range ID
                        its lowest and highest run ("0.80x – 1.02x"); goal-verdict ID ("met")
    machine             machine.json's label (which machine the numbers come from)
    machine-date        the day of the reference run (machine.json's date, YYYY-MM-DD)
    passes              how many passes the medians are taken over

scripts/docs fills every marker in place; --check only compares and fails, naming file:line, on
a stale value or a marker that names nothing. Run from the repository root:
/usr/bin/python3 scripts/lib/results_markers.py [--check] [--results DIR] [FILE...]"""

from __future__ import annotations

import argparse
import dataclasses
import json
import pathlib
import re
import statistics
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from speedup_data import Figure, Key, format_time, load  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
DEFAULT_RESULTS = ROOT / "docs" / "results" / "reference"
# One marker: its name, then the value up to the closing comment, all on one line.
MARKER = re.compile(r"<!-- result: (?P<name>[^>]*?) -->(?P<value>.*?)<!-- /result -->")


class UnknownName(Exception):
    """A marker whose name is not one of the forms above, or names a benchmark the results lack."""


@dataclasses.dataclass
class Results:
    figures: dict[Key, Figure]
    machine: dict
    goals: dict[str, list[str]] = dataclasses.field(default_factory=dict)

    @classmethod
    def read(cls, folder: pathlib.Path) -> Results:
        passes = sorted((folder / "raw").glob("solution-*.json"))
        figures, _ = load(passes) if passes else ({}, {})
        machine_file = folder / "machine.json"
        machine = json.loads(machine_file.read_text()) if machine_file.is_file() else {}
        # The goal table of speedup.md: | id | what | measured (worst n) | lowest – highest | ...
        goals = {}
        report = folder / "speedup.md"
        for line in report.read_text().splitlines() if report.is_file() else []:
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if len(cells) >= 7 and re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", cells[0]):
                goals[cells[0]] = cells
        return cls(figures, machine, goals)

    def figure(self, name: str) -> Figure:
        parts = name.strip().split("/")
        if len(parts) != 4 or not parts[2].isdigit() or not parts[3].isdigit():
            raise UnknownName(f"'{name}' is not a benchmark name workload/stage/n/threads")
        key = Key(parts[0], parts[1], int(parts[2]), int(parts[3]))
        if key not in self.figures:
            raise UnknownName(f"the reference results have no benchmark '{name}'")
        return self.figures[key]

    def value(self, name: str) -> str:
        """The text a marker of this name stands for."""
        kind, _, argument = name.strip().partition(" ")
        if kind == "time":
            return format_time(self.figure(argument).median_ns)
        if kind == "per-item":
            return format_time(self.figure(argument).median_ns / int(argument.split("/")[2]))
        if kind in ("ratio", "paired"):
            top, slash, bottom = argument.partition(" / ")
            if not slash:
                raise UnknownName(f"'{name}': a ratio is written '{kind} A / B'")
            a, b = self.figure(top), self.figure(bottom)
            if kind == "ratio":
                return ratio_text(a.median_ns / b.median_ns)
            both = sorted(set(a.by_pass) & set(b.by_pass))
            return f"{statistics.median(a.by_pass[i] / b.by_pass[i] for i in both):.2f}"
        if kind == "efficiency":
            workload, _, n, threads = (argument.split("/") + ["", "", "", ""])[:4]
            sequential = self.figure(f"{workload}/sequential/{n}/1")
            parallel = self.figure(argument)
            return f"{sequential.median_ns / (int(threads) * parallel.median_ns):.2f}"
        if kind in ("goal", "goal-range", "goal-verdict"):
            if argument not in self.goals:
                raise UnknownName(f"speedup.md has no goal '{argument}'")
            cells = self.goals[argument]
            if kind == "goal":
                return cells[2].split(" (")[0]
            return cells[3] if kind == "goal-range" else cells[-1]
        if kind in ("machine", "machine-date", "passes") and not argument:
            if kind == "passes":
                if not self.figures:
                    raise UnknownName("the reference results hold no passes")
                return str(max(figure.runs for figure in self.figures.values()))
            field = "label" if kind == "machine" else "date"
            if field not in self.machine:
                raise UnknownName(f"'{kind}': machine.json has no '{field}'")
            return self.machine[field] if kind == "machine" else self.machine[field].split(" ")[0]
        raise UnknownName(f"'{name}' is not a result this module knows (see results_markers.py)")


def ratio_text(ratio: float) -> str:
    """A ratio to the precision the handouts argue with: 0.85x, 3.72x, 21x, 1,004x."""
    return f"{ratio:.2f}x" if ratio < 10 else f"{ratio:,.0f}x"


@dataclasses.dataclass
class Problem:
    path: pathlib.Path
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text}"


def fill(text: str, results: Results, path: pathlib.Path) -> tuple[str, list[Problem], list[Problem]]:
    """The text with every marker filled; the markers whose value changed; the markers that name
    nothing (left as they were)."""
    stale: list[Problem] = []
    unknown: list[Problem] = []
    lines = text.split("\n")
    for number, line in enumerate(lines, start=1):

        def replace(match: re.Match) -> str:
            try:
                value = results.value(match["name"])
            except UnknownName as error:
                unknown.append(Problem(path, number, f"a result marker names nothing: {error}"))
                return match[0]
            if value != match["value"]:
                stale.append(Problem(path, number, f"'{match['name']}' reads '{match['value']}', "
                                     f"the reference results say '{value}'"))
            return f"<!-- result: {match['name']} -->{value}<!-- /result -->"

        lines[number - 1] = MARKER.sub(replace, line)
    return "\n".join(lines), stale, unknown


def default_files(root: pathlib.Path) -> list[pathlib.Path]:
    """The pages that may quote results: every handout and every page of docs/ but the results."""
    files = sorted(root.glob("labs/*/README.md")) + sorted(root.glob("docs/*.md"))
    files += sorted(root.glob("docs/background/*.md"))
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", type=pathlib.Path, default=DEFAULT_RESULTS,
                        help="the reference results (default docs/results/reference)")
    parser.add_argument("--check", action="store_true",
                        help="change nothing; fail on a stale value or a marker that names nothing")
    parser.add_argument("files", nargs="*", type=pathlib.Path,
                        help="the pages to fill (default: labs/*/README.md, docs/*.md, docs/background/*.md)")
    args = parser.parse_args(argv)
    results = Results.read(args.results)
    files = args.files or default_files(ROOT)
    failed = False
    filled = 0
    for path in files:
        text = path.read_text()
        path = path.resolve()
        shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        new_text, stale, unknown = fill(text, results, shown)
        for problem in unknown:
            print(f"{problem} (the names a marker may hold are listed in scripts/lib/results_markers.py)",
                  file=sys.stderr)
            failed = True
        if args.check:
            for problem in stale:
                print(f"{problem} (run scripts/docs to fill the numbers in)", file=sys.stderr)
                failed = True
        elif new_text != text:
            path.write_text(new_text)
            filled += len(stale)
    if not args.check and filled:
        print(f"results_markers: {filled} number(s) updated from {args.results}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

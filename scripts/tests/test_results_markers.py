"""Tests of scripts/lib/results_markers.py: markers are filled from a small set of results, a
stale value or a marker that names nothing fails --check with file:line, and filling is idempotent.
Run from anywhere: /usr/bin/python3 -m unittest discover scripts/tests"""

from __future__ import annotations

import contextlib
import io
import json
import pathlib
import sys
import tempfile
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "lib"))
import results_markers  # noqa: E402


def bench(name: str, ns: float) -> dict:
    return {"name": name + "/real_time", "run_name": name + "/real_time", "run_type": "iteration",
            "real_time": ns, "time_unit": "ns"}


def write_results(folder: pathlib.Path, passes: list[dict[str, float]]) -> None:
    (folder / "raw").mkdir(parents=True)
    for index, times in enumerate(passes, start=1):
        data = {"context": {}, "benchmarks": [bench(name, ns) for name, ns in times.items()]}
        (folder / "raw" / f"solution-{index}.json").write_text(json.dumps(data))
    (folder / "speedup.md").write_text(
        "| goal | what | measured (worst n) | goal runs (lowest – highest) | passes | goal | verdict |\n"
        "|---|---|---:|---:|---:|---:|---|\n"
        "| lab9-sum | lab 9 against the loop | 0.94x (n = 10^6) | 0.80x – 1.02x | 0.95x | <= 1.10x | met |\n")
    (folder / "machine.json").write_text(json.dumps({"label": "a test box", "date": "2030-01-02 03:04 UTC"}))


PASSES = [
    {"sum/sequential/1000/1": 100.0, "sum/pool/1000/2": 150.0},
    {"sum/sequential/1000/1": 300.0, "sum/pool/1000/2": 100.0},
    {"sum/sequential/1000/1": 200.0, "sum/pool/1000/2": 125.0},
]


class ResultMarkers(unittest.TestCase):
    def setUp(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        self.folder = pathlib.Path(self.tmp.name)
        write_results(self.folder / "results", PASSES)
        self.results = results_markers.Results.read(self.folder / "results")

    def tearDown(self) -> None:
        self.tmp.cleanup()

    def page(self, text: str) -> pathlib.Path:
        path = self.folder / "page.md"
        path.write_text(text)
        return path

    def run_main(self, *args: str) -> tuple[int, str]:
        errors = io.StringIO()
        with contextlib.redirect_stderr(errors), contextlib.redirect_stdout(io.StringIO()):
            status = results_markers.main(["--results", str(self.folder / "results"), *args])
        return status, errors.getvalue()

    def test_each_name_gives_the_median_figure_it_names(self) -> None:
        self.assertEqual(self.results.value("time sum/sequential/1000/1"), "200 ns")
        self.assertEqual(self.results.value("time sum/pool/1000/2"), "125 ns")
        self.assertEqual(self.results.value("ratio sum/sequential/1000/1 / sum/pool/1000/2"), "1.60x")
        self.assertEqual(self.results.value("efficiency sum/pool/1000/2"), "0.80")
        self.assertEqual(self.results.value("machine"), "a test box")
        self.assertEqual(self.results.value("machine-date"), "2030-01-02")
        self.assertEqual(self.results.value("passes"), "3")
        self.assertEqual(self.results.value("goal lab9-sum"), "0.94x")
        self.assertEqual(self.results.value("goal-range lab9-sum"), "0.80x – 1.02x")
        self.assertEqual(self.results.value("goal-verdict lab9-sum"), "met")

    def test_filling_writes_the_values_and_a_second_fill_changes_nothing(self) -> None:
        path = self.page("On <!-- result: machine -->?<!-- /result -->: "
                         "<!-- result: time sum/sequential/1000/1 -->1 s<!-- /result -->.\n")
        self.assertEqual(self.run_main(str(path))[0], 0)
        filled = path.read_text()
        self.assertEqual(filled, "On <!-- result: machine -->a test box<!-- /result -->: "
                         "<!-- result: time sum/sequential/1000/1 -->200 ns<!-- /result -->.\n")
        self.assertEqual(self.run_main(str(path))[0], 0)
        self.assertEqual(path.read_text(), filled)
        self.assertEqual(self.run_main("--check", str(path)), (0, ""))

    def test_check_fails_on_a_stale_value_naming_the_line_and_changes_nothing(self) -> None:
        text = "intro\n\nloop: <!-- result: time sum/sequential/1000/1 -->150 ns<!-- /result -->\n"
        path = self.page(text)
        status, errors = self.run_main("--check", str(path))
        self.assertEqual(status, 1)
        self.assertIn("page.md:3:", errors)
        self.assertIn("'150 ns'", errors)
        self.assertIn("'200 ns'", errors)
        self.assertEqual(path.read_text(), text)

    def test_a_marker_that_names_nothing_fails_both_modes(self) -> None:
        for name in ("time sum/missing/1000/1", "time not-a-benchmark", "colour", "ratio sum/pool/1000/2", "goal lab9-none"):
            with self.subTest(name=name):
                path = self.page(f"x <!-- result: {name} -->1<!-- /result -->\n")
                for mode in ((), ("--check",)):
                    status, errors = self.run_main(*mode, str(path))
                    self.assertEqual(status, 1, f"{name}: expected a failure, the marker names nothing")
                    self.assertIn("page.md:1: a result marker names nothing", errors)
                self.assertEqual(path.read_text(), f"x <!-- result: {name} -->1<!-- /result -->\n")

    def test_every_marker_in_the_repository_is_filled_from_the_reference(self) -> None:
        status, errors = io.StringIO(), io.StringIO()
        with contextlib.redirect_stderr(errors), contextlib.redirect_stdout(io.StringIO()):
            status = results_markers.main(["--check"])
        self.assertEqual(status, 0, f"expected every handout's numbers current; scripts/docs fills them:\n"
                         f"{errors.getvalue()}")


if __name__ == "__main__":
    unittest.main()

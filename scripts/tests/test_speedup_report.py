"""Tests of speedup_report.py and its modules (speedup_data, _tables, _goals, _charts) on a
recorded Google Benchmark run (testdata/): the exact table text, and chart files that exist and are
not empty. Run with the other scripts tests (scripts/tests/__init__.py)."""

from __future__ import annotations

import dataclasses
import json
import pathlib
import re
import statistics
import tempfile
import unittest

import speedup_charts
import speedup_data
import speedup_goals
import speedup_report
import speedup_tables

DATA = pathlib.Path(__file__).parent / "testdata"
PASSES = [DATA / "bench_pass1.json", DATA / "bench_pass2.json"]


class SpeedupReportTest(unittest.TestCase):
    def setUp(self):
        self.figures, _ = speedup_data.load(PASSES)
        machine = json.loads((DATA / "machine.json").read_text())
        self.report = speedup_tables.Report(self.figures, machine["cores"])
        self.machine = machine

    def test_medians_and_spread_come_from_every_pass(self):
        key = speedup_data.Key("sum_doubled", "sequential", 1_000_000, 1)
        figure = self.figures[key]
        self.assertEqual(figure.runs, 2)
        self.assertLessEqual(figure.low_ns, figure.median_ns)
        self.assertLessEqual(figure.median_ns, figure.high_ns)

    def test_markdown_matches_the_recorded_tables_exactly(self):
        expected = (DATA / "expected_speedup.md").read_text()
        self.assertEqual(speedup_report.markdown(self.report, self.machine, speedup_goals.load_goals()),
                         expected)

    def test_mine_puts_the_students_stage_beside_the_reference(self):
        figures, _ = speedup_data.load(PASSES[:1], mine=PASSES[1:])
        report = speedup_tables.Report(figures, 2)
        table = report.mine_table()
        self.assertIn("| sum_doubled/copying_threads/1000000/2 |", table)
        self.assertIn("yours / reference", table)

    def test_a_goal_takes_the_worst_ratio_against_the_fastest_yardstick(self):
        goal = speedup_goals.Goal("copy", "lab 1 against the peers", "sum_doubled", "copying_threads",
                                   None, ("tbb", "std_par"), 2.0)
        verdict = speedup_goals.judge(self.report, goal)
        # The worst of n = 10^3, 10^5, 10^6 at 2 threads is 10^3, where std::execution::par is
        # the faster peer in the recorded run. The ratio is paired: per pass, then the median.
        peers = [self.figures[speedup_data.Key("sum_doubled", peer, 1000, 2)]
                 for peer in ("tbb", "std_par")]
        lab1 = self.figures[speedup_data.Key("sum_doubled", "copying_threads", 1000, 2)]
        per_pass = [lab1.by_pass[i] / min(peer.by_pass[i] for peer in peers) for i in (0, 1)]
        self.assertEqual(verdict.n, 1000)
        self.assertEqual(verdict.yardstick, "std_par")
        self.assertAlmostEqual(verdict.ratio, statistics.median(per_pass))
        self.assertEqual(verdict.spread, (min(per_pass), max(per_pass)))
        self.assertIn(f"[passes {min(per_pass):.2f}-{max(per_pass):.2f}x]", verdict.line())
        self.assertFalse(verdict.met)
        self.assertIn("MISSED", verdict.line())
        self.assertIn("| copy | lab 1 against the peers | ", speedup_goals.goals_table([verdict]))
        self.assertIn("| **missed** |", speedup_goals.goals_table([verdict]))
        met = speedup_goals.judge(self.report, dataclasses.replace(goal, stage="tbb", n=(10**6,),
                                                                    against=("sequential",), at_most=1.0))
        self.assertTrue(met.met)
        self.assertIn(": met", met.line())

    def test_a_paired_ratio_cancels_the_machines_drift_between_passes(self):
        # The yardstick's third pass ran on a quiet machine; the stage's did not run beside it.
        stage = speedup_data.Figure(150, 100, 200, 3, {0: 100, 1: 150, 2: 200})
        yardstick = speedup_data.Figure(100, 95, 140, 3, {0: 95, 1: 140, 2: 100})
        self.assertAlmostEqual(speedup_goals.paired_ratio(stage, [yardstick]), 150 / 140)
        # With no pass in common, the ratio of the medians.
        alone = speedup_data.Figure(150, 150, 150, 1, {5: 150})
        self.assertAlmostEqual(speedup_goals.paired_ratio(alone, [yardstick]), 1.5)

    def test_goal_runs_decide_a_goal_and_the_passes_ratio_is_kept_beside(self):
        goal = speedup_goals.Goal("copy", "lab 1 against oneTBB", "sum_doubled", "copying_threads",
                                   (1000,), ("tbb",), 2.0)
        # Two goal runs whose stage and yardstick were timed side by side: paired per run.
        runs = speedup_tables.Report({
            speedup_data.Key("sum_doubled", "copying_threads", 1000, 2):
                speedup_data.Figure(30, 20, 40, 2, {0: 20, 1: 40}),
            speedup_data.Key("sum_doubled", "tbb", 1000, 2):
                speedup_data.Figure(15, 10, 20, 2, {0: 10, 1: 20}),
        }, self.report.cores)
        verdict = speedup_goals.judge(self.report, goal, runs)
        self.assertTrue(verdict.goal_runs)
        self.assertAlmostEqual(verdict.ratio, 2.0)
        self.assertEqual(verdict.spread, (2.0, 2.0))
        self.assertAlmostEqual(verdict.passes_ratio, speedup_goals.judge(self.report, goal).ratio)
        self.assertIn("[goal runs 2.00-2.00x] (passes: ", verdict.line())
        self.assertIn("| goal runs (lowest – highest) | passes |", speedup_goals.goals_table([verdict]))
        # Goal runs that did not measure the goal's stage leave the verdict to the passes.
        other = dataclasses.replace(goal, stage="tbb", against=("copying_threads",))
        self.assertFalse(speedup_goals.judge(self.report, other, speedup_tables.Report({}, 2)).goal_runs)

    def test_the_goal_filter_selects_each_goals_contenders_at_the_shown_thread_count(self):
        goals = [speedup_goals.Goal("g", "w", "sum_doubled", "par_iter", None, ("sequential", "tbb"), 1.0),
                 speedup_goals.Goal("h", "w", "fib", "work_stealing", (30,), ("tbb",), 1.0)]
        pattern = re.compile(speedup_goals.goal_filter(goals, 16))
        for name in ("sum_doubled/par_iter/10/16/real_time", "sum_doubled/sequential/100000000/1/real_time",
                     "sum_doubled/tbb/1000/16/real_time", "fib/tbb/30/16/real_time"):
            self.assertTrue(pattern.search(name), name)
        for name in ("sum_doubled/par_iter/10/1/real_time", "sum_doubled/sequential/10/16/real_time",
                     "fib/tbb/35/16/real_time", "fib_cutoff/tbb/30/16/real_time",
                     "sum_doubled/openmp/10/16/real_time"):
            self.assertFalse(pattern.search(name), name)

    def test_a_goal_whose_stage_did_not_run_is_not_measured_rather_than_missed(self):
        goal = speedup_goals.Goal("ws", "lab 4", "sum_doubled", "work_stealing", (10**6,), ("tbb",), 1.1)
        verdict = speedup_goals.judge(self.report, goal)
        self.assertIsNone(verdict.ratio)
        self.assertIsNone(verdict.met)
        self.assertIn("not measured", verdict.line())

    def test_every_committed_goal_loads_and_a_bad_one_is_named(self):
        goals = speedup_goals.load_goals()
        self.assertGreaterEqual(len(goals), 9)
        self.assertEqual(len({g.id for g in goals}), len(goals))
        with tempfile.TemporaryDirectory() as folder:
            bad = pathlib.Path(folder) / "goals.toml"
            bad.write_text('[[goal]]\nid = "x"\nwhat = "w"\nworkload = "sum_doubled"\n'
                           'stage = "par_iter"\nn = [0]\nagainst = ["tbb"]\nat_most = 1.1\n')
            with self.assertRaisesRegex(ValueError, "goal x: n must be"):
                speedup_goals.load_goals(bad)
            bad.write_text('[[goal]]\nid = "y"\nwhat = "w"\n')
            with self.assertRaisesRegex(ValueError, "goal y: 'n' is missing"):
                speedup_goals.load_goals(bad)

    def test_charts_are_written_as_png_and_svg(self):
        with tempfile.TemporaryDirectory() as out:
            written = speedup_charts.charts(self.report, pathlib.Path(out))
            names = sorted(p.name for p in written)
            for chart in ("imbalanced_efficiency", "speedup_vs_threads", "time_vs_n"):
                self.assertIn(f"{chart}.png", names)
                self.assertIn(f"{chart}.svg", names)
            for path in written:
                self.assertGreater(path.stat().st_size, 1000, path)

    def test_the_command_line_writes_the_report_and_rejects_empty_input(self):
        with tempfile.TemporaryDirectory() as out:
            status = speedup_report.main([*map(str, PASSES), "--machine", str(DATA / "machine.json"),
                                          "--out", out, "--print", "none"])
            self.assertEqual(status, 0)
            self.assertTrue((pathlib.Path(out) / "speedup.md").is_file())
            empty = pathlib.Path(out) / "empty.json"
            empty.write_text('{"context": {}, "benchmarks": []}')
            self.assertEqual(speedup_report.main([str(empty), "--machine", str(DATA / "machine.json"),
                                                  "--out", out, "--no-charts", "--print", "none"]), 1)


if __name__ == "__main__":
    unittest.main()

"""Turns Google Benchmark JSON files into parlab's speedup tables (Markdown) and charts (PNG, SVG):
the command-line driver of scripts/speedup. The work is split by job: speedup_data.py (stages
from speedup_stages.toml, figures, formats), speedup_tables.py (the tables), speedup_goals.py (the
reference's goals, speedup_goals.toml) and speedup_charts.py (the charts). Every figure is the
median over repetitions, shown with its spread (min-max). Tested by
scripts/tests/test_speedup_report.py on a recorded JSON file.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys
import tomllib

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from speedup_charts import charts  # noqa: E402
from speedup_data import load, skipped_stages  # noqa: E402
from speedup_goals import GOALS, Goal, goal_filter, goals_table, judge, load_goals  # noqa: E402
from speedup_tables import Report, header, skipped_note  # noqa: E402


def markdown(report: Report, machine: dict, goals: list[Goal] = (),
             goal_runs: Report | None = None) -> str:
    parts = ["# parlab speedup tables\n", header(machine)]
    sizes = sorted({k.n for k in report.figures if k.workload == "sum_doubled"})
    for n in [s for s in (10**6, 10**8) if s in sizes] or sizes[-1:]:
        parts.append(report.sum_table(n))
    for workload in ("imbalanced_linear", "imbalanced_heavy"):
        parts.append(report.imbalanced_table(workload))
    for workload in ("fib", "fib_cutoff"):
        parts.append(report.fib_table(workload))
    parts.append(report.per_item_table("task_overhead", "Cost of one task: submit, run, collect the result"))
    parts.append(report.per_item_table("sort", "Sorting random int64", baseline="std_sort"))
    for n in [s for s in (10**6,) if s in sizes] or sizes[-1:]:
        parts.append(report.scaling_table("sum_doubled", n))
    parts.append(report.scaling_table("imbalanced_linear", 10_000))
    parts.append(report.crossover_table())
    parts.append(report.peer_ratio_table())
    parts.append(goals_table([judge(report, goal, goal_runs) for goal in goals]))
    parts.append(report.mine_table())
    parts.append(skipped_note(report.skipped))
    return "\n".join(p for p in parts if p).rstrip() + "\n"



def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("json", nargs="*", type=pathlib.Path, help="Google Benchmark JSON files")
    parser.add_argument("--mine", nargs="*", type=pathlib.Path, default=[],
                        help="JSON files measured from the student's build")
    parser.add_argument("--machine", type=pathlib.Path, help="machine.json")
    parser.add_argument("--out", type=pathlib.Path, help="output folder")
    parser.add_argument("--goals", type=pathlib.Path, default=GOALS,
                        help="the goals file (default: speedup_goals.toml beside this script)")
    parser.add_argument("--goal-runs", nargs="*", type=pathlib.Path, default=[],
                        help="JSON files of the goal runs (one process each, --goal-filter's"
                             " benchmarks interleaved): the goals' ratios come from them")
    parser.add_argument("--goal-filter", type=int, metavar="CORES",
                        help="print the benchmark filter of a goal run on a machine with CORES"
                             " cores, and exit")
    parser.add_argument("--no-charts", action="store_true")
    parser.add_argument("--print", choices=["main", "all", "none"], default="main",
                        help="what to print on the terminal")
    args = parser.parse_args(argv)
    try:
        goals = load_goals(args.goals)
    except (OSError, ValueError, tomllib.TOMLDecodeError) as error:
        print(f"speedup_report: cannot read the goals: {error}", file=sys.stderr)
        return 1
    if args.goal_filter is not None:
        if args.goal_filter < 1:
            parser.error("--goal-filter needs a core count of at least 1")
        print(goal_filter(goals, args.goal_filter))
        return 0
    if not args.json or args.machine is None or args.out is None:
        parser.error("the benchmark JSON files, --machine and --out are required")

    figures, _ = load(args.json, args.mine)
    if not figures:
        print("speedup_report: the benchmark files hold no results", file=sys.stderr)
        return 1
    machine = json.loads(args.machine.read_text())
    report = Report(figures, int(machine.get("cores", 1)))
    report.skipped = skipped_stages(args.mine)
    goal_runs = Report(load(args.goal_runs)[0], report.cores) if args.goal_runs else None
    verdicts = [judge(report, goal, goal_runs) for goal in goals]
    args.out.mkdir(parents=True, exist_ok=True)
    text = markdown(report, machine, goals, goal_runs)
    (args.out / "speedup.md").write_text(text)
    written = [] if args.no_charts else charts(report, args.out)
    if args.print == "all":
        print(text)
    elif args.print == "main" and args.mine:
        # A student's run: their stages against the reference, nothing that reads as their
        # verdict but is the reference's (the reference's goals are in speedup.md).
        print(header(machine))
        print(report.mine_table() or "(none of your stages could be compared with the reference's)\n")
        if report.skipped:
            print(skipped_note(report.skipped))
    elif args.print == "main":
        sizes = sorted({k.n for k in figures if k.workload == "sum_doubled"})
        print(header(machine))
        if sizes:  # a --filter run may have measured no sum_doubled at all
            print(report.sum_table(10**6 if 10**6 in sizes else sizes[-1]))
        else:
            print(f"(no sum_doubled benchmark in this run; every table is in {args.out / 'speedup.md'})")
    if args.print != "none" and not args.mine:
        measured = [v for v in verdicts if v.ratio is not None]
        print(f"Goals of the reference solutions ({sum(bool(v.met) for v in measured)} of "
              f"{len(measured)} measured goals met; {len(verdicts) - len(measured)} not measured in this run):")
        for verdict in verdicts:
            print("  " + verdict.line())
    if args.print != "none":
        print(f"Tables: {args.out / 'speedup.md'}")
        pngs = [path for path in written if path.suffix == ".png"]
        if pngs:
            print("Charts: " + ", ".join(str(path) for path in pngs) + " (an .svg beside each)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The reference solutions' performance goals (speedup_goals.toml beside this file): reading
them, judging each against a run (a paired ratio: the stage's time over the fastest yardstick's
within the same pass or goal run, then the median), the goals table, and the benchmark filter of
a goal run. Used by speedup_report.py."""

from __future__ import annotations

import dataclasses
import pathlib
import re
import statistics
import tomllib

from speedup_data import Figure, format_n, stage_name
from speedup_tables import Report

# The reference's performance goals (one verdict line each), beside this file.
GOALS = pathlib.Path(__file__).with_name("speedup_goals.toml")


@dataclasses.dataclass(frozen=True)
class Goal:
    id: str
    what: str
    workload: str
    stage: str
    n: tuple[int, ...] | None  # None: every size measured
    against: tuple[str, ...]
    at_most: float


@dataclasses.dataclass(frozen=True)
class Verdict:
    goal: Goal
    ratio: float | None  # the worst ratio over the goal's sizes; None when nothing was measured
    n: int | None  # the size of the worst ratio
    yardstick: str  # the stage it was compared with there
    # The lowest and highest per-process ratio at that size: how far one process can stray from
    # the median, i.e. how much a verdict close to the goal can be trusted. None without them.
    spread: tuple[float, float] | None = None
    # With goal runs, `ratio` and `spread` come from them, and the passes' paired ratio at the
    # same size is kept here as a second opinion.
    passes_ratio: float | None = None
    goal_runs: bool = False

    @property
    def met(self) -> bool | None:
        return None if self.ratio is None else self.ratio <= self.goal.at_most

    def line(self) -> str:
        if self.ratio is None:
            return f"goal {self.goal.id}: not measured in this run ({self.goal.what})"
        word = "met" if self.met else "MISSED"
        where = f" (worst at n = {format_n(self.n)}, against {stage_name(self.yardstick)})"
        runs = "goal runs" if self.goal_runs else "passes"
        spread = f" [{runs} {self.spread[0]:.2f}-{self.spread[1]:.2f}x]" if self.spread else ""
        passes = f" (passes: {self.passes_ratio:.2f}x)" if self.passes_ratio is not None else ""
        return (f"goal {self.goal.id}: {self.ratio:.2f}x{spread}{passes}, goal <= "
                f"{self.goal.at_most:.2f}x: {word}{where}: {self.goal.what}")


def load_goals(path: pathlib.Path = GOALS) -> list[Goal]:
    """Reads speedup_goals.toml; raises ValueError naming the goal and key that are wrong."""
    goals = []
    for index, entry in enumerate(tomllib.loads(path.read_text()).get("goal", [])):
        where = f"{path.name}, goal {entry.get('id', index + 1)}"
        try:
            sizes = entry["n"]
            if sizes != "all" and not (isinstance(sizes, list) and sizes
                                       and all(isinstance(x, int) and x > 0 for x in sizes)):
                raise ValueError(f"{where}: n must be \"all\" or a list of positive sizes, not {sizes!r}")
            against = entry["against"]
            if not (isinstance(against, list) and against and all(isinstance(x, str) for x in against)):
                raise ValueError(f"{where}: against must be a non-empty list of stage names")
            at_most = float(entry["at_most"])
            if at_most <= 0:
                raise ValueError(f"{where}: at_most must be positive")
            goals.append(Goal(str(entry["id"]), str(entry["what"]), str(entry["workload"]),
                              str(entry["stage"]), None if sizes == "all" else tuple(sizes),
                              tuple(against), at_most))
        except KeyError as missing:
            raise ValueError(f"{where}: '{missing.args[0]}' is missing") from None
    return goals


def per_pass_ratios(figure: Figure, yardsticks: list[Figure]) -> list[float]:
    """For each pass that figure shares with a yardstick: figure's time / the fastest there."""
    ratios = []
    for index, time in figure.by_pass.items():
        rivals = [y.by_pass[index] for y in yardsticks if index in y.by_pass]
        if rivals:
            ratios.append(time / min(rivals))
    return ratios


def paired_ratio(figure: Figure, yardsticks: list[Figure]) -> float:
    """The median over passes of figure's time / the fastest yardstick's time in the same pass.

    Within a pass the contenders run interleaved in one process, so they share whatever the
    machine was doing then; across passes a shared VM's speed moves by tens of percent. Dividing
    within each pass first cancels that drift, where a ratio of two medians (each taken over
    different passes' conditions) keeps it. Without passes in common: the ratio of the medians.
    """
    ratios = per_pass_ratios(figure, yardsticks)
    if not ratios:
        return figure.median_ns / min(y.median_ns for y in yardsticks)
    return statistics.median(ratios)


def goal_filter(goals: list[Goal], cores: int) -> str:
    """A Google Benchmark filter that selects exactly what the goals compare: each goal's stage
    and yardsticks at its sizes, at the thread count the tables show (the loop at 1 thread)."""
    parts = []
    for goal in goals:
        sizes = "[0-9]+" if goal.n is None else "|".join(str(n) for n in goal.n)
        for stage in (goal.stage, *goal.against):
            threads = 1 if stage == "sequential" else cores
            parts.append(f"{re.escape(goal.workload)}/{re.escape(stage)}/({sizes})/{threads}/")
    return "^(" + "|".join(dict.fromkeys(parts)) + ")"


def _ratio_at(report: Report, goal: Goal, n: int) -> tuple[float, str, list[float]] | None:
    """At size n: the paired ratio, the fastest yardstick's name and the per-pass ratios."""
    figure = report.shown(goal.workload, goal.stage, n)
    best = report.best_of(goal.workload, list(goal.against), n)
    if figure is None or best is None:
        return None
    yardsticks = [y for stage in goal.against
                  if (y := report.shown(goal.workload, stage, n)) is not None]
    return paired_ratio(figure, yardsticks), best[0], per_pass_ratios(figure, yardsticks)


def judge(report: Report, goal: Goal, goal_runs: Report | None = None) -> Verdict:
    """The goal's worst paired ratio over its sizes (sizes where either side is missing are
    skipped); the yardstick named is the fastest of `against` by median.

    With goal runs (processes that each time only the goals' contenders, their repetitions
    interleaved), the ratio is paired per goal run: both sides were timed within the same
    seconds, where within a pass they run minutes apart, in a fixed order. The passes' paired
    ratio at the same size is kept beside it. Without goal runs, or if they did not measure
    this goal, the passes decide."""
    source = report
    if goal_runs is not None and any(k.workload == goal.workload and k.stage == goal.stage
                                     for k in goal_runs.figures):
        source = goal_runs
    sizes = goal.n or sorted({k.n for k in source.figures
                              if k.workload == goal.workload and k.stage == goal.stage})
    worst = Verdict(goal, None, None, "")
    for n in sizes:
        found = _ratio_at(source, goal, n)
        if found is None or (worst.ratio is not None and found[0] <= worst.ratio):
            continue
        ratio, yardstick, ratios = found
        spread = (min(ratios), max(ratios)) if ratios else None
        if source is report:
            worst = Verdict(goal, ratio, n, yardstick, spread)
        else:
            in_passes = _ratio_at(report, goal, n)
            worst = Verdict(goal, ratio, n, yardstick, spread,
                            in_passes[0] if in_passes else None, True)
    return worst


def goals_table(verdicts: list[Verdict]) -> str:
    rows = [v for v in verdicts if v.ratio is not None]
    if not rows:
        return ""
    lines = ["### Goals of the reference solutions (scripts/lib/speedup_goals.toml)", ""]
    if any(v.goal_runs for v in rows):
        lines += ["Measured in the goal runs, after the passes: separate processes that each time"
                  " only the goals' stages and yardsticks, every one repeated, the repetitions in"
                  " random order (Google Benchmark's random interleaving), so that the two sides"
                  " of a ratio are timed within the same seconds (within a pass they run minutes"
                  " apart, always in the same order). Each ratio is paired: in every goal run, the"
                  " stage's median over the fastest yardstick's median in that run; then the"
                  " median over the runs. The lowest and highest per-run ratios show how far one"
                  " process strays; \"passes\" is the same paired ratio from the passes, for"
                  " comparison.", ""]
        head = "| goal | what | measured (worst n) | goal runs (lowest – highest) | passes | goal | verdict |"
        rule = "|---|---|---:|---:|---:|---:|---|"
    else:
        lines += ["Each ratio is paired: in every pass, the stage's time over the fastest yardstick's"
                  " time in that same pass; the median of those over the passes (the contenders of a"
                  " pass run interleaved, so this cancels the machine's drift between passes). The"
                  " lowest and highest per-pass ratios show how far one pass strays: a verdict whose"
                  " goal lies inside that range can flip in the next run.", ""]
        head = "| goal | what | measured (worst n) | passes (lowest – highest) | goal | verdict |"
        rule = "|---|---|---:|---:|---:|---|"
    lines += [head, rule]
    for v in rows:
        spread = f"{v.spread[0]:.2f}x – {v.spread[1]:.2f}x" if v.spread else "–"
        passes = ""
        if v.goal_runs:
            passes = (f"{v.passes_ratio:.2f}x" if v.passes_ratio is not None else "–") + " | "
        lines.append(f"| {v.goal.id} | {v.goal.what} | {v.ratio:.2f}x (n = {format_n(v.n)}) | "
                     f"{spread} | {passes}<= {v.goal.at_most:.2f}x | {'met' if v.met else '**missed**'} |")
    return "\n".join(lines) + "\n"

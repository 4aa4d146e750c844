"""Turns Google Benchmark JSON files into parlab's speedup tables (Markdown) and charts (PNG, SVG).

Benchmarks are named workload/stage/n/threads (see common/bench/bench_support.hpp); every
figure is the median over repetitions, shown with its spread (min-max). Used by scripts/speedup;
tested by scripts/tests/test_speedup_report.py on a recorded JSON file.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import json
import pathlib
import re
import statistics
import sys
import tomllib

# Display names and order: the labs in story order, then the peers.
STAGES = {
    "sequential": "sequential loop",
    "copying_threads": "lab 1: copying threads",
    "zero_copy_threads": "lab 2: zero-copy threads",
    "thread_pool": "lab 3: thread pool",
    "multi_queue_pool": "lab 3: queue per worker",
    "thread_pool_64_chunks_per_thread": "lab 3: thread pool, 64 chunks per thread",
    "work_stealing": "lab 4: work stealing",
    "par_iter": "lab 5: par_iter",
    "par_iter_parallel": "lab 5: par_iter, forced parallel",
    "par_sort": "lab 5: parallel sort",
    "std_sort": "std::sort",
    "std_sort_par": "std::sort(std::execution::par)",
    "thread_per_task": "a std::thread per task",
    "tbb": "oneTBB",
    "tbb_task_group": "oneTBB task_group",
    "tbb_arena_enqueue": "oneTBB task_arena::enqueue + std::promise",
    "openmp": "OpenMP",
    "openmp_dynamic": "OpenMP schedule(dynamic)",
    "openmp_tasks": "OpenMP tasks",
    "std_par": "std::execution::par",
}
LAB_STAGES = ["copying_threads", "zero_copy_threads", "thread_pool", "multi_queue_pool",
              "work_stealing", "par_iter"]
# Stages measured from a student's build (--mine) carry this suffix.
MINE = "@mine"
# The baselines and peers: the same code in both binaries, so --mine takes them from the reference
# binary only (the student's copies would add a second, noisier row of the same thing).
PEERS = {"sequential", "std_sort", "std_sort_par", "thread_per_task", "tbb", "tbb_task_group",
         "tbb_arena_enqueue", "openmp", "openmp_dynamic", "openmp_tasks", "std_par"}
# The peers of the seed's workload: the "vs best peer" column takes the fastest of them.
SUM_PEERS = ["tbb", "openmp", "std_par"]
# The reference's performance goals (one verdict line each), beside this file.
GOALS = pathlib.Path(__file__).with_name("speedup_goals.toml")


@dataclasses.dataclass(frozen=True)
class Key:
    workload: str
    stage: str
    n: int
    threads: int


@dataclasses.dataclass
class Figure:
    median_ns: float
    low_ns: float
    high_ns: float
    runs: int
    # The time in each pass (the pass's position among the input files; the median where a file
    # holds several repetitions), so that a goal can compare two stages within the same pass.
    by_pass: dict[int, float] = dataclasses.field(default_factory=dict)


def stage_name(stage: str) -> str:
    if stage.endswith(MINE):
        return "yours: " + STAGES.get(stage[: -len(MINE)], stage[: -len(MINE)])
    return STAGES.get(stage, stage)


def stage_order(stage: str) -> tuple[int, str]:
    base = stage.removesuffix(MINE)
    order = list(STAGES)
    return (order.index(base) if base in order else len(order), stage)


_UNIT_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


def load(paths: list[pathlib.Path], mine: list[pathlib.Path] = ()) -> tuple[dict[Key, Figure], dict]:
    """Reads benchmark JSON files into medians per key; also returns the first file's context."""
    in_pass: dict[Key, dict[int, list[float]]] = collections.defaultdict(lambda: collections.defaultdict(list))
    context: dict = {}
    for pass_index, path, suffix in ([(i, p, "") for i, p in enumerate(paths)]
                                     + [(i, p, MINE) for i, p in enumerate(mine)]):
        data = json.loads(path.read_text())
        context = context or data.get("context", {})
        for bench in data.get("benchmarks", []):
            if bench.get("run_type") == "aggregate" or bench.get("error_occurred"):
                continue
            parts = bench["run_name"].split("/")
            if len(parts) < 4 or not parts[2].isdigit() or not parts[3].isdigit():
                continue
            if suffix and parts[1] in PEERS:
                continue
            key = Key(parts[0], parts[1] + suffix, int(parts[2]), int(parts[3]))
            ns = bench["real_time"] * _UNIT_NS[bench.get("time_unit", "ns")]
            in_pass[key][pass_index].append(ns)
    figures = {}
    for key, passes in in_pass.items():
        values = [time for times in passes.values() for time in times]
        figures[key] = Figure(statistics.median(values), min(values), max(values), len(values),
                              {i: statistics.median(times) for i, times in passes.items()})
    return figures, context


def format_time(ns: float) -> str:
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def format_spread(figure: Figure) -> str:
    if figure.runs < 2:
        return "1 run"
    return f"{format_time(figure.low_ns)} – {format_time(figure.high_ns)} ({figure.runs} runs)"


def format_n(n: int) -> str:
    exponent = len(str(n)) - 1
    return f"10^{exponent}" if n == 10**exponent and n >= 1000 else f"{n:,}"


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x"


class Report:
    def __init__(self, figures: dict[Key, Figure], cores: int):
        self.figures = figures
        self.cores = cores
        self.skipped: dict[str, str] = {}  # --mine: stages the student's binary skipped, and why

    def get(self, workload: str, stage: str, n: int, threads: int) -> Figure | None:
        return self.figures.get(Key(workload, stage, n, threads))

    def stages(self, workload: str, n: int | None = None) -> list[str]:
        found = {k.stage for k in self.figures if k.workload == workload and (n is None or k.n == n)}
        return sorted(found, key=stage_order)

    def threads_of(self, workload: str, stage: str, n: int) -> list[int]:
        return sorted(k.threads for k in self.figures
                      if k.workload == workload and k.stage == stage and k.n == n)

    def main_threads(self, workload: str, stage: str, n: int) -> int | None:
        """The thread count a stage is shown at: the core count, else the largest measured below it."""
        counts = self.threads_of(workload, stage, n)
        if not counts:
            return None
        fitting = [t for t in counts if t <= self.cores]
        return self.cores if self.cores in counts else (max(fitting) if fitting else min(counts))

    def shown(self, workload: str, stage: str, n: int) -> Figure | None:
        """A stage's figure at the thread count the tables show it at (the loop: one thread)."""
        threads = 1 if stage == "sequential" else self.main_threads(workload, stage, n)
        return self.get(workload, stage, n, threads) if threads else None

    def best_of(self, workload: str, stages: list[str], n: int) -> tuple[str, Figure] | None:
        """The fastest of `stages` at n (each at its shown thread count), or None if none ran."""
        found = [(stage, figure) for stage in stages
                 if (figure := self.shown(workload, stage, n)) is not None]
        return min(found, key=lambda pair: pair[1].median_ns) if found else None

    def sum_table(self, n: int) -> str:
        """The blog post's table: version, time, speedup (against lab 1 and the loop)."""
        workload = "sum_doubled"
        sequential = self.get(workload, "sequential", n, 1)
        lab1 = self.get(workload, "copying_threads", n, 4)
        rows = []
        if sequential is not None:
            rows.append((stage_name("sequential"), 1, sequential))
        if lab1 is not None:
            rows.append(("lab 1: copying threads (the blog's 4 threads)", 4, lab1))
        for stage in self.stages(workload, n):
            if stage == "sequential":
                continue
            threads = 1 if stage == "sequential" else self.main_threads(workload, stage, n)
            figure = self.get(workload, stage, n, threads) if threads else None
            if figure is not None:
                rows.append((stage_name(stage), threads, figure))
        if not rows:
            return ""
        lines = [
            f"### Sum of 2·x over n = {format_n(n)} int32 (64-bit sum)",
            "",
            "| version | threads | time (median) | spread (min – max) | speedup vs lab 1 (4 threads) | speedup vs sequential loop | time / best peer's |",
            "|---|---:|---:|---|---:|---:|---:|",
        ]
        best = self.best_of(workload, SUM_PEERS, n)
        for name, threads, figure in rows:
            vs_lab1 = _ratio(lab1.median_ns, figure.median_ns) if lab1 else "–"
            vs_seq = _ratio(sequential.median_ns, figure.median_ns) if sequential else "–"
            vs_peer = _ratio(figure.median_ns, best[1].median_ns) if best else "–"
            lines.append(f"| {name} | {threads} | {format_time(figure.median_ns)} | "
                         f"{format_spread(figure)} | {vs_lab1} | {vs_seq} | {vs_peer} |")
        return "\n".join(lines) + "\n"

    def imbalanced_table(self, workload: str) -> str:
        """Parallel efficiency T_sequential / (P * T_P) of each stage on an imbalanced load."""
        ns = sorted({k.n for k in self.figures if k.workload == workload})
        if not ns:
            return ""
        n = ns[-1]
        sequential = self.get(workload, "sequential", n, 1)
        title = {"imbalanced_linear": "cost growing with the index",
                 "imbalanced_heavy": "heavy-tailed random costs"}.get(workload, workload)
        lines = [
            f"### Imbalanced loop: {n:,} items, {title}",
            "",
            "| version | threads | time (median) | spread (min – max) | efficiency T₁/(P·T_P) |",
            "|---|---:|---:|---|---:|",
        ]
        for stage in self.stages(workload, n):
            if stage == "sequential":
                threads = 1
            else:
                threads = self.main_threads(workload, stage, n)
            figure = self.get(workload, stage, n, threads) if threads else None
            if figure is None:
                continue
            efficiency = f"{sequential.median_ns / (threads * figure.median_ns):.2f}" if sequential else "–"
            lines.append(f"| {stage_name(stage)} | {threads} | {format_time(figure.median_ns)} | "
                         f"{format_spread(figure)} | {efficiency} |")
        return "\n".join(lines) + "\n"

    def fib_table(self, workload: str) -> str:
        """Fork-join fib: time and time per spawned task (one per internal node of the tree)."""
        keys = [k for k in self.figures if k.workload == workload]
        if not keys:
            return ""
        n = max(k.n for k in keys)
        cutoff = workload == "fib_cutoff"
        tasks = None if cutoff else _fib(n + 1) - 1
        title = f"fib({n}), sequential below n = 20" if cutoff else f"fib({n}), a join at every level ({tasks:,} tasks)"
        header = "| version | threads | time (median) | spread (min – max) |" + ("" if cutoff else " per task |")
        lines = [f"### Fork-join {title}", "", header,
                 "|---|---:|---:|---|" + ("" if cutoff else "---:|")]
        for stage in self.stages(workload, n):
            threads = 1 if stage == "sequential" else self.main_threads(workload, stage, n)
            figure = self.get(workload, stage, n, threads) if threads else None
            if figure is None:
                continue
            row = f"| {stage_name(stage)} | {threads} | {format_time(figure.median_ns)} | {format_spread(figure)} |"
            if not cutoff:
                row += f" {figure.median_ns / tasks:.1f} ns |"
            lines.append(row)
        return "\n".join(lines) + "\n"

    def scaling_table(self, workload: str, n: int) -> str:
        """Speedup over the sequential loop for every measured thread count."""
        sequential = self.get(workload, "sequential", n, 1)
        stages = [s for s in self.stages(workload, n) if s != "sequential"]
        counts = sorted({t for s in stages for t in self.threads_of(workload, s, n)})
        if not sequential or not stages:
            return ""
        lines = [
            f"### Thread scaling: {workload}, n = {format_n(n)} (speedup over the sequential loop)",
            "",
            "| version | " + " | ".join(f"{t} thread{'s' if t > 1 else ''}" for t in counts) + " |",
            "|---|" + "---:|" * len(counts),
        ]
        for stage in stages:
            cells = []
            for t in counts:
                figure = self.get(workload, stage, n, t)
                cell = _ratio(sequential.median_ns, figure.median_ns) if figure else "–"
                if figure and t > self.cores:
                    cell += " (oversubscribed)"
                cells.append(cell)
            lines.append(f"| {stage_name(stage)} | " + " | ".join(cells) + " |")
        return "\n".join(lines) + "\n"

    def crossover_table(self, workload: str = "sum_doubled") -> str:
        """Per stage, the smallest n at which it beats the sequential loop (at the core count)."""
        ns = sorted({k.n for k in self.figures if k.workload == workload and k.stage == "sequential"})
        stages = [s for s in self.stages(workload) if s != "sequential"]
        if not ns or not stages:
            return ""
        lines = [
            f"### Crossover: the smallest n where a version beats the sequential loop ({workload})",
            "",
            "| version | threads | crossover n | time / loop's time at each n (" +
            ", ".join(format_n(n) for n in ns) + ") |",
            "|---|---:|---:|---|",
        ]
        for stage in stages:
            ratios, crossover, threads_used = [], None, None
            for n in ns:
                threads = self.main_threads(workload, stage, n)
                figure = self.get(workload, stage, n, threads) if threads else None
                sequential = self.get(workload, "sequential", n, 1)
                if figure is None or sequential is None:
                    ratios.append("–")
                    continue
                threads_used = threads
                ratio = figure.median_ns / sequential.median_ns
                ratios.append(f"{ratio:.3g}")
                if ratio < 1.0 and crossover is None:
                    crossover = n
            lines.append(f"| {stage_name(stage)} | {threads_used or '–'} | "
                         f"{format_n(crossover) if crossover else 'never (in range)'} | {', '.join(ratios)} |")
        return "\n".join(lines) + "\n"

    def peer_ratio_table(self, workload: str = "sum_doubled") -> str:
        """Per stage and n: its time over the fastest peer's (oneTBB, OpenMP, std::execution::par)
        at the same n, so a mid-size gap shows even where every stage beats the loop."""
        ns = sorted({k.n for k in self.figures if k.workload == workload})
        stages = [s for s in self.stages(workload) if s != "sequential" and s not in SUM_PEERS]
        if not ns or not stages or not any(self.best_of(workload, SUM_PEERS, n) for n in ns):
            return ""
        lines = [
            f"### Ratio to the best peer: time / the fastest of oneTBB, OpenMP and std::execution::par ({workload})",
            "",
            "| version | " + " | ".join(format_n(n) for n in ns) + " |",
            "|---|" + "---:|" * len(ns),
        ]
        for stage in stages:
            cells = []
            for n in ns:
                figure, best = self.shown(workload, stage, n), self.best_of(workload, SUM_PEERS, n)
                cells.append(f"{figure.median_ns / best[1].median_ns:.3g}" if figure and best else "–")
            lines.append(f"| {stage_name(stage)} | " + " | ".join(cells) + " |")
        return "\n".join(lines) + "\n"

    def per_item_table(self, workload: str, title: str, baseline: str | None = None) -> str:
        """Time per item (n items per run) for every stage at its main thread count, with the
        speedup over `baseline` when that stage was measured."""
        keys = [k for k in self.figures if k.workload == workload]
        if not keys:
            return ""
        n = max(k.n for k in keys)
        base_threads = self.main_threads(workload, baseline, n) if baseline else None
        base = self.get(workload, baseline, n, base_threads) if base_threads else None
        lines = [f"### {title} (n = {n:,})", "",
                 "| version | threads | time (median) | spread (min – max) | per item |" +
                 (f" speedup vs {stage_name(baseline)} |" if base else ""),
                 "|---|---:|---:|---|---:|" + ("---:|" if base else "")]
        for stage in self.stages(workload, n):
            threads = self.main_threads(workload, stage, n)
            figure = self.get(workload, stage, n, threads) if threads else None
            if figure is None:
                continue
            row = (f"| {stage_name(stage)} | {threads} | {format_time(figure.median_ns)} | "
                   f"{format_spread(figure)} | {format_time(figure.median_ns / n)} |")
            if base:
                row += f" {_ratio(base.median_ns, figure.median_ns)} |"
            lines.append(row)
        return "\n".join(lines) + "\n"

    def mine_table(self) -> str:
        """--mine: each of the student's stages against the reference, same run, same machine."""
        lines = ["### Your stages against the reference", "",
                 "| benchmark | reference | yours | yours / reference |", "|---|---:|---:|---:|"]
        rows = 0
        for key, figure in sorted(self.figures.items(), key=lambda kv: (kv[0].workload, stage_order(kv[0].stage), kv[0].n, kv[0].threads)):
            if not key.stage.endswith(MINE):
                continue
            reference = self.figures.get(dataclasses.replace(key, stage=key.stage[: -len(MINE)]))
            if reference is None:
                continue
            rows += 1
            name = f"{key.workload}/{key.stage[: -len(MINE)]}/{key.n}/{key.threads}"
            lines.append(f"| {name} | {format_time(reference.median_ns)} | {format_time(figure.median_ns)} | "
                         f"{figure.median_ns / reference.median_ns:.2f}x |")
        return "\n".join(lines) + "\n" if rows else ""


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


def skipped_stages(paths: list[pathlib.Path]) -> dict[str, str]:
    """stage -> why, for the stages a benchmark binary skipped (a starter's "not implemented yet",
    or "wrong result"): --mine lists them under its table instead of leaving them out silently."""
    skipped: dict[str, str] = {}
    for path in paths:
        for bench in json.loads(path.read_text()).get("benchmarks", []):
            parts = bench.get("run_name", bench.get("name", "")).split("/")
            if bench.get("error_occurred") and len(parts) > 1:
                skipped.setdefault(parts[1], bench.get("error_message", "skipped"))
    return skipped


def skipped_note(skipped: dict[str, str]) -> str:
    if not skipped:
        return ""
    lines = ["Not measured (your benchmark skipped them):", ""]
    lines += [f"- {stage_name(stage)}: {why}" for stage, why in sorted(skipped.items(), key=lambda kv: stage_order(kv[0]))]
    return "\n".join(lines) + "\n"


def _fib(n: int) -> int:
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


def header(machine: dict) -> str:
    cores = machine.get("cores", "?")
    lines = [
        f"Measured on: {machine.get('cpu', 'unknown CPU')}, {cores} cores"
        f" ({machine.get('label', 'this machine')}), {machine.get('date', '')}.",
        f"Compiler: {machine.get('compiler', '?')}; flags: `{machine.get('flags', '?')}`.",
        f"Libraries: {machine.get('libraries', '?')}.",
        f"Each figure is the median of {machine.get('repetitions', '?')} passes"
        " (separate runs of the benchmark binary, contenders interleaved; Google Benchmark, real time); the spread is the fastest and slowest pass.",
        f"With {cores} cores no speedup above {cores}x is possible; thread counts above {cores}"
        " are oversubscribed and say nothing about more cores.",
    ]
    for warning in machine.get("warnings", []):
        lines.append(f"Warning: {warning}")
    return "\n".join("> " + line for line in lines) + "\n"


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


def charts(report: Report, out: pathlib.Path) -> list[pathlib.Path]:
    """Draws the three charts with matplotlib (Agg backend); returns the files written."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []

    def save(fig, name):
        for ext in ("png", "svg"):
            path = out / f"{name}.{ext}"
            fig.savefig(path, dpi=120, bbox_inches="tight")
            written.append(path)
        plt.close(fig)

    # 1. Speedup against threads, with the ideal line.
    sizes = sorted({k.n for k in report.figures if k.workload == "sum_doubled"})
    n = 10**6 if 10**6 in sizes else (sizes[-1] if sizes else None)
    sequential = report.get("sum_doubled", "sequential", n, 1) if n else None
    if sequential:
        fig, ax = plt.subplots(figsize=(7, 4.5))
        top = 1
        for stage in report.stages("sum_doubled", n):
            counts = report.threads_of("sum_doubled", stage, n)
            if stage == "sequential" or len(counts) < 2:
                continue
            speedups = [sequential.median_ns / report.get("sum_doubled", stage, n, t).median_ns for t in counts]
            ax.plot(counts, speedups, marker="o", label=stage_name(stage))
            top = max(top, *counts)
        ax.plot([1, top], [1, top], "k--", linewidth=1, label="ideal")
        ax.axvline(report.cores, color="grey", linewidth=0.8, linestyle=":")
        ax.set_xlabel("threads")
        ax.set_ylabel("speedup over the sequential loop")
        ax.set_title(f"Sum of 2·x, n = {format_n(n)} ({report.cores} cores: dotted line)")
        ax.legend(fontsize=7)
        save(fig, "speedup_vs_threads")

    # 2. Time against n, log-log: the crossover picture.
    if sizes:
        fig, ax = plt.subplots(figsize=(7, 4.5))
        for stage in report.stages("sum_doubled"):
            points = []
            for size in sizes:
                threads = 1 if stage == "sequential" else report.main_threads("sum_doubled", stage, size)
                figure = report.get("sum_doubled", stage, size, threads) if threads else None
                if figure:
                    points.append((size, figure.median_ns / 1e3))
            if points:
                style = "k-" if stage == "sequential" else "-"
                ax.plot(*zip(*points), style, marker="o", markersize=3, label=stage_name(stage))
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("n (elements)")
        ax.set_ylabel("time (µs, median)")
        ax.set_title(f"Sum of 2·x: time against n at {report.cores} threads")
        ax.legend(fontsize=7)
        save(fig, "time_vs_n")

    # 3. Efficiency on the imbalanced loads.
    loads = [w for w in ("imbalanced_linear", "imbalanced_heavy") if any(k.workload == w for k in report.figures)]
    if loads:
        fig, ax = plt.subplots(figsize=(7, 4.5))
        width = 0.8 / len(loads)
        labels = []
        for index, workload in enumerate(loads):
            n = max(k.n for k in report.figures if k.workload == workload)
            sequential = report.get(workload, "sequential", n, 1)
            if not sequential:
                continue
            stages = [s for s in report.stages(workload, n) if s != "sequential"]
            labels = labels or [stage_name(s) for s in stages]
            values = []
            for stage in stages:
                threads = report.main_threads(workload, stage, n)
                values.append(sequential.median_ns / (threads * report.get(workload, stage, n, threads).median_ns))
            ax.bar([i + index * width for i in range(len(values))], values, width,
                   label=workload.replace("imbalanced_", "") + " costs")
        ax.axhline(1.0, color="k", linestyle="--", linewidth=1)
        ax.set_xticks([i + width * (len(loads) - 1) / 2 for i in range(len(labels))])
        ax.set_xticklabels(labels, rotation=30, ha="right", fontsize=7)
        ax.set_ylabel("parallel efficiency T₁ / (P·T_P)")
        ax.set_title(f"Imbalanced loop, {report.cores} threads")
        ax.legend(fontsize=7)
        save(fig, "imbalanced_efficiency")
    return written


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
    if not args.no_charts:
        charts(report, args.out)
    if args.print == "all":
        print(text)
    elif args.print == "main":
        sizes = sorted({k.n for k in figures if k.workload == "sum_doubled"})
        print(header(machine))
        if sizes:  # a --filter run may have measured no sum_doubled at all
            print(report.sum_table(10**6 if 10**6 in sizes else sizes[-1]))
        else:
            print(f"(no sum_doubled benchmark in this run; every table is in {args.out / 'speedup.md'})")
        if report.mine_table():
            print(report.mine_table())
        if report.skipped:
            print(skipped_note(report.skipped))
    if args.print != "none":
        measured = [v for v in verdicts if v.ratio is not None]
        print(f"Goals of the reference solutions ({sum(bool(v.met) for v in measured)} of "
              f"{len(measured)} measured goals met; {len(verdicts) - len(measured)} not measured in this run):")
        for verdict in verdicts:
            print("  " + verdict.line())
    return 0


if __name__ == "__main__":
    sys.exit(main())

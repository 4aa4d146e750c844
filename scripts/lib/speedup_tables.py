"""scripts/speedup's tables: the figures of one run (speedup_data.Figure per benchmark) arranged
as Markdown tables, one method per table (the seed's sum, imbalanced loads, fork-join, scaling,
crossover, ratio to the best peer, per-item costs, a student's stages against the reference), and
the header that says where and how they were measured."""

from __future__ import annotations

import dataclasses
import statistics

from speedup_data import (MINE, SUM_PEERS, Figure, Key, format_n, format_spread, format_time,
                          peers_in_words, ratio_text, stage_name, stage_order)


class Report:
    # --mine: above this ratio between a comparison's slowest and fastest pass, it is called noisy.
    NOISY = 2.0

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
            vs_lab1 = ratio_text(lab1.median_ns, figure.median_ns) if lab1 else "–"
            vs_seq = ratio_text(sequential.median_ns, figure.median_ns) if sequential else "–"
            vs_peer = ratio_text(figure.median_ns, best[1].median_ns) if best else "–"
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
                cell = ratio_text(sequential.median_ns, figure.median_ns) if figure else "–"
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
        """Per stage and n: its time over the fastest peer's (SUM_PEERS: oneTBB, OpenMP,
        std::execution::par ...) at the same n, so a mid-size gap shows even where every stage beats the loop."""
        ns = sorted({k.n for k in self.figures if k.workload == workload})
        stages = [s for s in self.stages(workload) if s != "sequential" and s not in SUM_PEERS]
        if not ns or not stages or not any(self.best_of(workload, SUM_PEERS, n) for n in ns):
            return ""
        measured = [p for p in SUM_PEERS if any(k.workload == workload and k.stage == p for k in self.figures)]
        lines = [
            f"### Ratio to the best peer: time / the fastest of {peers_in_words(measured)} ({workload})",
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
                row += f" {ratio_text(base.median_ns, figure.median_ns)} |"
            lines.append(row)
        return "\n".join(lines) + "\n"

    def mine_table(self) -> str:
        """--mine: each of the student's stages against the reference, same run, same machine.

        The ratio is paired: in each pass the reference's binary and the student's run one after
        the other, so the ratio is taken within each pass, then the median over passes; the
        lowest and highest per-pass ratios are its spread. A comparison whose passes differ by more
        than NOISY is marked noisy; where a quarter of them are, the machine was busy, and the
        table says so instead of passing a loaded machine's numbers off as the student's."""
        lines = ["### Your stages against the reference", "",
                 "Same machine, same run; each ratio is the median of per-pass ratios (yours / the "
                 "reference's time in the same pass), with the lowest and highest pass beside it.", "",
                 "| benchmark | reference (median) | yours (median) | yours / reference | per-pass range |",
                 "|---|---:|---:|---:|---|"]
        rows, noisy = 0, []
        ordered = sorted(self.figures.items(), key=lambda kv: (kv[0].workload, stage_order(kv[0].stage),
                                                                kv[0].n, kv[0].threads))
        for key, figure in ordered:
            if not key.stage.endswith(MINE):
                continue
            reference = self.figures.get(dataclasses.replace(key, stage=key.stage.removesuffix(MINE)))
            if reference is None:
                continue
            rows += 1
            name = f"{key.workload}/{key.stage.removesuffix(MINE)}/{key.n}/{key.threads}"
            ratios = [figure.by_pass[i] / reference.by_pass[i] for i in figure.by_pass if i in reference.by_pass]
            ratio = statistics.median(ratios) if ratios else figure.median_ns / reference.median_ns
            spread = f"{min(ratios):.2f}x – {max(ratios):.2f}x" if len(ratios) > 1 else "1 pass"
            if len(ratios) > 1 and max(ratios) / min(ratios) > self.NOISY:
                noisy.append(name)
                spread += " (noisy)"
            lines.append(f"| {name} | {format_time(reference.median_ns)} | {format_time(figure.median_ns)} | "
                         f"{ratio:.2f}x | {spread} |")
        if not rows:
            return ""
        if len(noisy) * 4 >= rows:
            lines += ["", f"Warning: the machine was busy during this run: {len(noisy)} of {rows} "
                      f"comparisons moved by more than {self.NOISY}x between passes (marked noisy). "
                      "Close other programs and run again before reading anything into those ratios."]
        return "\n".join(lines) + "\n"


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

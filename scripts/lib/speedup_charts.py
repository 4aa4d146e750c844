"""scripts/speedup's charts, drawn with matplotlib (Agg backend) as PNG and SVG: speedup against
threads, time against n (the crossover picture) and efficiency on the imbalanced loads. Every
stage has one colour in every chart (speedup_stages.toml); a student's stage (--mine) keeps its
colour, drawn dashed with hollow markers; legends sit outside the plotting area."""

from __future__ import annotations

import pathlib

from speedup_data import MINE, format_n, stage_colour, stage_name
from speedup_tables import Report


def _style(stage: str) -> dict:
    """The line style of a stage: its colour; dashed with hollow markers for the student's."""
    style = {"color": stage_colour(stage), "marker": "o", "markersize": 4, "label": stage_name(stage)}
    if stage.endswith(MINE):
        style.update(linestyle="--", markerfacecolor="white", markeredgewidth=1.5, linewidth=2)
    return style


def _legend_outside(ax) -> None:
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)


def charts(report: Report, out: pathlib.Path) -> list[pathlib.Path]:
    """Draws the three charts into `out`; returns the files written."""
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
            ax.plot(counts, speedups, **_style(stage))
            top = max(top, *counts)
        ax.plot([1, top], [1, top], "k:", linewidth=1, label="ideal")
        ax.axvline(report.cores, color="grey", linewidth=0.8, linestyle=":")
        ax.set_xlabel("threads")
        ax.set_ylabel("speedup over the sequential loop")
        ax.set_title(f"Sum of 2·x, n = {format_n(n)} ({report.cores} cores: dotted line)")
        _legend_outside(ax)
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
                style = _style(stage)
                if stage == "sequential":
                    style.update(linewidth=2.5)
                ax.plot(*zip(*points), **style)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("n (elements)")
        ax.set_ylabel("time (µs, median)")
        ax.set_title(f"Sum of 2·x: time against n at {report.cores} threads")
        _legend_outside(ax)
        save(fig, "time_vs_n")

    # 3. Efficiency on the imbalanced loads: one group of bars per stage, one bar per load.
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
            # Each bar in its stage's colour; the loads told apart by hatching.
            ax.bar([i + index * width for i in range(len(values))], values, width,
                   color=[stage_colour(s) for s in stages], edgecolor="black", linewidth=0.5,
                   hatch=["", "//", "xx"][index % 3], label=workload.replace("imbalanced_", "") + " costs")
        ax.axhline(1.0, color="k", linestyle="--", linewidth=1)
        ax.set_xticks([i + width * (len(loads) - 1) / 2 for i in range(len(labels))])
        ax.set_xticklabels(labels, rotation=30, ha="right", fontsize=7)
        ax.set_ylabel("parallel efficiency T₁ / (P·T_P)")
        ax.set_title(f"Imbalanced loop, {report.cores} threads")
        legend = ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
        for patch in legend.get_patches():  # the legend tells the loads apart, not the stages
            patch.set_facecolor("white")
        save(fig, "imbalanced_efficiency")
    return written

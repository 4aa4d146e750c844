"""Draws per-worker timelines from Chrome trace-event JSON files (one file per stage, as written
by parlab_trace) side by side, as PNG and SVG: the picture of who worked when, and who stole.
Also validates the traces: one track per worker, every task accounted for."""

from __future__ import annotations

import argparse
import json
import pathlib
import sys


def read_trace(path: pathlib.Path) -> dict:
    """Returns {"name", "workers": {tid: [(start_us, dur_us), ...]}, "steals": [(tid, ts, victim)]}."""
    data = json.loads(path.read_text())
    name = path.stem
    workers: dict[int, list[tuple[float, float]]] = {}
    steals = []
    for event in data["traceEvents"]:
        phase = event.get("ph")
        if phase == "M" and event.get("name") == "process_name":
            name = event["args"]["name"]
        elif phase == "M" and event.get("name") == "thread_name":
            workers.setdefault(event["tid"], [])
        elif phase == "X":
            workers.setdefault(event["tid"], []).append((event["ts"], event["dur"]))
        elif phase == "i":
            steals.append((event["tid"], event["ts"], event.get("args", {}).get("victim")))
    return {"name": name, "workers": workers, "steals": steals}


def summary(trace: dict) -> str:
    busy = {w: sum(d for _, d in spans) for w, spans in trace["workers"].items()}
    end = max((s + d for spans in trace["workers"].values() for s, d in spans), default=0.0)
    tasks = sum(len(spans) for spans in trace["workers"].values())
    parts = [f"{trace['name']}: {tasks} tasks on {len(busy)} workers, span of the run {end / 1e3:.2f} ms"]
    for worker, time in sorted(busy.items()):
        parts.append(f"  worker {worker}: busy {time / 1e3:.2f} ms ({100 * time / end if end else 0:.0f}%)")
    if trace["steals"]:
        parts.append(f"  steals: {len(trace['steals'])}")
    return "\n".join(parts)


def draw(traces: list[dict], out: pathlib.Path, title: str) -> list[pathlib.Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    end = max((s + d for t in traces for spans in t["workers"].values() for s, d in spans), default=1.0)
    fig, axes = plt.subplots(len(traces), 1, figsize=(9, 1.2 + 1.0 * sum(max(1, len(t["workers"])) for t in traces) / 2),
                             sharex=True, squeeze=False)
    for ax, trace in zip(axes[:, 0], traces):
        workers = sorted(trace["workers"])
        for row, worker in enumerate(workers):
            spans = [(s / 1e3, max(d / 1e3, end / 1e3 / 2000)) for s, d in trace["workers"][worker]]
            ax.broken_barh(spans, (row - 0.4, 0.8), facecolors=f"C{row % 10}", edgecolor="none")
        for worker, ts, _ in trace["steals"]:
            if worker in workers:
                ax.plot(ts / 1e3, workers.index(worker) + 0.45, marker="v", color="k", markersize=3)
        ax.set_yticks(range(len(workers)))
        ax.set_yticklabels([f"worker {w}" for w in workers], fontsize=7)
        ax.set_ylim(-0.6, len(workers) - 0.4)
        ax.set_title(trace["name"], fontsize=9, loc="left")
    axes[-1, 0].set_xlabel("time (ms)  —  bars: tasks; ▼: a steal by that worker")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    written = []
    for ext in ("png", "svg"):
        path = out / f"timelines.{ext}"
        fig.savefig(path, dpi=120)
        written.append(path)
    plt.close(fig)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("traces", nargs="+", type=pathlib.Path)
    parser.add_argument("--out", type=pathlib.Path, required=True)
    parser.add_argument("--title", default="Per-worker timelines")
    parser.add_argument("--expect-items", type=int, help="check: every trace has this many tasks")
    parser.add_argument("--expect-workers", type=int, help="check: every trace has these many tracks")
    args = parser.parse_args(argv)
    traces = [read_trace(path) for path in args.traces]
    problems = []
    for trace in traces:
        tasks = sum(len(spans) for spans in trace["workers"].values())
        if not tasks:
            problems.append(f"{trace['name']} has no task events")
        if args.expect_items is not None and tasks != args.expect_items:
            problems.append(f"{trace['name']}: {tasks} tasks, expected {args.expect_items}")
        if args.expect_workers is not None and len(trace["workers"]) > args.expect_workers:
            problems.append(f"{trace['name']}: {len(trace['workers'])} tracks, at most "
                            f"{args.expect_workers} workers expected")
        if sorted(trace["workers"]) != list(range(len(trace["workers"]))):
            problems.append(f"{trace['name']}: tracks {sorted(trace['workers'])} are not workers 0..P-1")
        print(summary(trace))
    if problems:
        print("trace_timelines: " + "; ".join(problems), file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    for path in draw(traces, args.out, args.title):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

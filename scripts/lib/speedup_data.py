"""What scripts/speedup's report is made of: the stages (read from speedup_stages.toml beside this
file), the figures read from Google Benchmark JSON files (one median per benchmark, with its
spread and its time in each pass), and how times and sizes are written. Benchmarks are named
workload/stage/n/threads (see common/bench/bench_support.hpp). Used by speedup_tables.py,
speedup_goals.py, speedup_charts.py and speedup_report.py."""

from __future__ import annotations

import collections
import dataclasses
import json
import pathlib
import statistics
import tomllib

STAGES_FILE = pathlib.Path(__file__).with_name("speedup_stages.toml")
# Stages measured from a student's build (--mine) carry this suffix.
MINE = "@mine"


@dataclasses.dataclass(frozen=True)
class Stage:
    id: str
    name: str
    kind: str  # "baseline", "lab" or "peer"
    best_peer: bool
    colour: str


def load_stages(path: pathlib.Path = STAGES_FILE) -> dict[str, Stage]:
    """Reads speedup_stages.toml, in its order; raises ValueError naming the entry that is wrong."""
    stages: dict[str, Stage] = {}
    for index, entry in enumerate(tomllib.loads(path.read_text()).get("stage", [])):
        where = f"{path.name}, stage {entry.get('id', index + 1)}"
        try:
            stage = Stage(str(entry["id"]), str(entry["name"]), str(entry["kind"]),
                          bool(entry.get("best_peer", False)), str(entry["colour"]))
        except KeyError as missing:
            raise ValueError(f"{where}: '{missing.args[0]}' is missing") from None
        if stage.kind not in ("baseline", "lab", "peer"):
            raise ValueError(f"{where}: kind must be baseline, lab or peer, not {stage.kind!r}")
        if stage.id in stages:
            raise ValueError(f"{where}: listed twice")
        stages[stage.id] = stage
    return stages


STAGES = load_stages()
# The baselines and peers: the same code in both binaries, so --mine takes them from the reference
# binary only (the student's copies would add a second, noisier row of the same thing).
PEERS = {s.id for s in STAGES.values() if s.kind != "lab"}
# The peers of the seed's workload: the "vs best peer" column takes the fastest of them.
SUM_PEERS = [s.id for s in STAGES.values() if s.best_peer]


def stage_name(stage: str) -> str:
    base = stage.removesuffix(MINE)
    name = STAGES[base].name if base in STAGES else base
    return "yours: " + name if stage.endswith(MINE) else name


def stage_order(stage: str) -> tuple[int, str]:
    base = stage.removesuffix(MINE)
    order = list(STAGES)
    return (order.index(base) if base in order else len(order), stage)


def stage_colour(stage: str) -> str | None:
    """The stage's colour in the charts (a student's copy shares it); None: matplotlib's choice."""
    found = STAGES.get(stage.removesuffix(MINE))
    return found.colour if found else None


def peers_in_words(peers: list[str]) -> str:
    """The peers' names as a phrase: "oneTBB, OpenMP and std::execution::par"."""
    names = [stage_name(s) for s in peers]
    return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else "".join(names)


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


def ratio_text(a: float, b: float) -> str:
    return f"{a / b:.2f}x"

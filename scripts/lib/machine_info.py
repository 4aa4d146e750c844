"""Writes machine.json for scripts/speedup: CPU model, cores, compiler and flags, library
versions, date, Google Benchmark's own warnings (debug library, CPU frequency scaling), and a
warning when the machine was busy before the passes (--busy prints how busy it is now)."""

from __future__ import annotations

import argparse
import datetime
import json
import os
import pathlib
import platform
import re
import subprocess
import time


def cpu_model() -> str:
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def cmake_cache(build: pathlib.Path) -> dict[str, str]:
    cache = {}
    for line in (build / "CMakeCache.txt").read_text().splitlines():
        match = re.match(r"^([A-Za-z_0-9]+):[A-Z]+=(.*)$", line)
        if match:
            cache[match[1]] = match[2]
    return cache


def package_version(name: str) -> str | None:
    try:
        result = subprocess.run(["dpkg-query", "-W", "-f=${Version}", name],
                                capture_output=True, text=True, check=False)
    except OSError:
        return None
    return result.stdout.strip() or None


def busy_cores(seconds: float) -> float:
    """How many cores' worth of CPU time the whole machine spent busy (not idle, not waiting for
    I/O) over `seconds`, from /proc/stat: run while nothing of ours runs, it is other programs."""
    def sample() -> tuple[int, int]:
        fields = [int(x) for x in pathlib.Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
        return sum(fields[:8]), idle
    total0, idle0 = sample()
    time.sleep(seconds)
    total1, idle1 = sample()
    elapsed = total1 - total0
    return 0.0 if elapsed <= 0 else (os.cpu_count() or 1) * (1 - (idle1 - idle0) / elapsed)


# Busier than this many cores' worth of other programs before the passes: the tables say so.
BUSY_LIMIT = 0.25


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--busy", type=float, metavar="SECONDS",
                        help="only print how many cores' worth of CPU the machine used over SECONDS")
    parser.add_argument("--busy-before", type=float, default=0.0, metavar="CORES",
                        help="what --busy printed before the passes: above 0.25, a warning")
    parser.add_argument("--build", type=pathlib.Path)
    parser.add_argument("--bench-json", type=pathlib.Path,
                        help="one Google Benchmark JSON file, for its context")
    parser.add_argument("--repetitions", type=int)
    parser.add_argument("--label", default="", help="a name for this machine")
    parser.add_argument("--out", type=pathlib.Path)
    args = parser.parse_args()
    if args.busy is not None:
        print(f"{busy_cores(args.busy):.2f}")
        return 0
    if None in (args.build, args.bench_json, args.repetitions, args.out):
        parser.error("--build, --bench-json, --repetitions and --out are required")

    cache = cmake_cache(args.build)
    compiler = cache.get("CMAKE_CXX_COMPILER", "c++")
    version = subprocess.run([compiler, "--version"], capture_output=True, text=True,
                             check=False).stdout.splitlines()
    build_type = cache.get("CMAKE_BUILD_TYPE", "")
    flags = " ".join(filter(None, [
        cache.get("CMAKE_CXX_FLAGS", ""),
        cache.get(f"CMAKE_CXX_FLAGS_{build_type.upper()}", ""),
        "-march=native" if cache.get("PARLAB_NATIVE") == "ON" else "",
        "-std=c++20",
    ]))
    context = json.loads(args.bench_json.read_text()).get("context", {})
    warnings = []
    if context.get("library_build_type") == "debug":
        warnings.append("the Google Benchmark library was built as DEBUG (Debian's package is); "
                        "its timing loop is inlined from the header, so the measured code is not affected.")
    if context.get("cpu_scaling_enabled"):
        warnings.append("CPU frequency scaling is enabled: timings may drift.")
    if args.busy_before > BUSY_LIMIT:
        warnings.append(f"the machine was busy when the passes began: other programs used "
                        f"{args.busy_before:.2f} of its {os.cpu_count()} cores; every time here, and "
                        f"every ratio, may be off by far more than the spread shows. Run again on a "
                        f"quiet machine.")
    libraries = {name: package_version(package) for name, package in [
        ("oneTBB", "libtbb-dev"), ("Google Benchmark", "libbenchmark-dev"),
        ("GoogleTest", "libgtest-dev"), ("libgomp (OpenMP)", "libgomp1")]}
    machine = {
        "label": args.label or f"host {platform.node()}",
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "os": platform.platform(),
        "compiler": version[0] if version else compiler,
        "flags": flags.strip(),
        "libraries": ", ".join(f"{k} {v}" for k, v in libraries.items() if v) or "unknown",
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "repetitions": args.repetitions,
        "warnings": warnings,
    }
    args.out.write_text(json.dumps(machine, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

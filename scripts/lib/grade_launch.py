"""CTest's test launcher while scripts/grade runs a lab's tests (CMake's CROSSCOMPILING_EMULATOR on
each test program, set through PARLAB_TEST_LAUNCHER): runs one GoogleTest test in the grader's
sandbox, behind the grader's seccomp filter (grade_seccomp.py, the last step before the test
program starts), enforces the test's time limit on the whole sandbox, reads the test main's verdict
channel (a pipe: common/testing/test_main.cpp), and writes what happened (exit status, signal,
timeout, the channel's records) to a file the test's processes cannot reach. The grader trusts only
that file, never the test's printed output or a file the test could write, to decide that a test
passed.

Usage (from CTest): grade_launch.py CONFIG.json TEST_PROGRAM --gtest_filter=Suite.Test [args...]"""

from __future__ import annotations

import json
import os
import pathlib
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import grade_sandbox  # noqa: E402

CHANNEL_LIMIT = 256 << 10  # bytes of verdict records the launcher reads; GoogleTest writes < 4 KiB


def test_name(args: list[str]) -> str:
    for arg in args:
        if arg.startswith("--gtest_filter="):
            return arg.split("=", 1)[1]
    return ""


def safe_folder_name(test: str) -> str:
    keep = "".join(c if c.isalnum() or c in "._-" else "_" for c in test)
    return keep[:200] or "unnamed"


def main(argv: list[str]) -> int:
    config = json.loads(pathlib.Path(argv[0]).read_text())
    program, args = argv[1], argv[2:]
    test = test_name(args)
    root = pathlib.Path(config["reports"])
    status_file = root / (safe_folder_name(test) + ".status.json")
    status_file.unlink(missing_ok=True)
    box = grade_sandbox.Sandbox(config["kind"], config["uid"], extra_processes=config.get("extra_processes", 0))
    limits = grade_sandbox.Limits(**config["limits"])
    reading, writing = os.pipe()  # the verdict channel: the test main writes, only we read
    exec_stage = pathlib.Path(config["exec_stage"])
    stage = [config.get("python", "/usr/bin/python3"), "-I", "-S", str(exec_stage), "--verdict-fd", str(writing)]
    stage += ["--sanitized"] if config.get("sanitized") else []
    env = grade_sandbox.clean_env(config.get("env"))
    env["PARLAB_VERDICT_FD"] = str(writing)
    command = box.wrap([*stage, "--", program, *args], limits=limits,
                       readable=[pathlib.Path(p) for p in config["readable"]] + [exec_stage.parent],
                       writable=[], env=env, masks=[pathlib.Path(m) for m in config.get("masks", [])],
                       cwd=pathlib.Path.cwd(), tmp_bytes=config.get("tmp_bytes"))
    grade_sandbox.become_subreaper()
    timeout = float(config["timeout"])
    started = time.monotonic()
    record: dict = {"test": test, "exit": None, "signal": None, "timed_out": False}
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, start_new_session=True,
                               pass_fds=(writing,))
    os.close(writing)
    received = bytearray()

    def read_channel() -> None:
        while True:
            chunk = os.read(reading, 65536)
            if not chunk:
                return
            if len(received) < CHANNEL_LIMIT:
                received.extend(chunk[:CHANNEL_LIMIT - len(received)])
            else:
                record["channel_overflow"] = True

    reader = threading.Thread(target=read_channel, daemon=True)
    reader.start()

    def stop(*_: object) -> None:  # CTest (or the grader) stops us: take the sandbox along
        with_group_killed(process.pid)
        sys.exit(1)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        status = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with_group_killed(process.pid)
        process.wait()
        record["timed_out"] = True
        status = process.returncode
    record["seconds"] = round(time.monotonic() - started, 3)
    with_group_killed(process.pid)
    record["left_behind"] = grade_sandbox.kill_children()  # detached processes of the test
    reader.join(timeout=5)  # every writer is dead: the pipe reads end of file
    record["channel"] = received.decode("utf-8", "replace")
    if status < 0:
        record["signal"] = -status
    elif grade_sandbox.raise_signal_of(status):
        record["signal"] = grade_sandbox.raise_signal_of(status)
    else:
        record["exit"] = status
    status_file.write_text(json.dumps(record))
    if record["timed_out"]:
        print(f"\n[grader: stopped after {timeout:g} s]", flush=True)
        return 124
    if record["signal"]:  # let CTest see the same death
        signal.signal(record["signal"], signal.SIG_DFL)
        os.kill(os.getpid(), record["signal"])
    return status


def with_group_killed(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""grade_sandbox.py and grade_launch.py: the command lines that confine a submission."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import tempfile
import unittest
from unittest import mock

import grade_launch
import grade_sandbox as gs


class WrapTest(unittest.TestCase):
    def wrap(self, kind, uid):
        return gs.Sandbox(kind, uid).wrap(["prog", "--x"], limits=gs.Limits(), readable=[pathlib.Path("/t")],
                                          writable=[pathlib.Path("/b")], env={"PATH": "/usr/bin"},
                                          binds={"/out": pathlib.Path("/r/o")})

    def test_bwrap_sees_only_what_it_is_given(self):
        command = self.wrap("bwrap", 64123)
        self.assertEqual(command[:2], ["setpriv", "--reuid=64123"])
        self.assertIn("--nproc=512", command)
        text = " ".join(command)
        for part in ("--unshare-all", "--die-with-parent", "--ro-bind /t /t", "--bind /b /b",
                     "--bind /r/o /out", f"--size {gs.TMP_BYTES} --tmpfs /tmp", "--clearenv", "-- prog --x"):
            self.assertIn(part, text)
        self.assertNotIn("/root", text)

    def test_user_drops_privileges_and_clears_the_environment(self):
        command = self.wrap("user", 64123)
        self.assertIn("--no-new-privs", command)
        self.assertIn("env", command)
        self.assertEqual(command[-2:], ["prog", "--x"])
        self.assertNotIn("bwrap", command)

    def test_none_runs_as_the_grader_with_limits(self):
        command = self.wrap("none", None)
        self.assertEqual(command[0], "prlimit")

    def test_sanitized_tests_have_no_address_space_limit(self):
        self.assertIn("--as=unlimited", gs.test_limits(30, True).prlimit())
        self.assertIn(f"--as={4 << 30}", gs.test_limits(30, False).prlimit())

    def test_environment_passes_only_harmless_variables(self):
        env = gs.clean_env({"TSAN_OPTIONS": "x"})
        self.assertEqual(env["TSAN_OPTIONS"], "x")
        self.assertFalse({k for k in env if "LAUNCHER" in k or k.startswith("CCACHE")})

    def test_a_wrapper_reporting_a_signal(self):
        self.assertEqual(gs.raise_signal_of(128 + 11), 11)
        self.assertEqual(gs.raise_signal_of(1), 0)


class LaunchTest(unittest.TestCase):
    def test_names(self):
        self.assertEqual(grade_launch.test_name(["--gtest_filter=A.B", "--x"]), "A.B")
        self.assertEqual(grade_launch.safe_folder_name("A.B/../../x"), "A.B_.._.._x")


if __name__ == "__main__":
    unittest.main()


class UidPerRunTest(unittest.TestCase):
    def test_two_runs_never_share_a_uid_and_an_override_held_elsewhere_is_refused(self):
        with tempfile.TemporaryDirectory() as folder, mock.patch.object(gs, "LOCKS", pathlib.Path(folder)), \
                mock.patch.object(gs, "_held", []), mock.patch.dict(os.environ, {}, clear=False):
            os.environ.pop("PARLAB_SANDBOX_UID", None)
            first = gs.claim_uid()
            # A second run is another process: its flock on the same file must fail.
            other = subprocess.run([sys.executable, "-c", (
                "import fcntl, os, sys; fd = os.open(sys.argv[1], os.O_RDWR)\n"
                "try: fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB); print('free')\n"
                "except BlockingIOError: print('held')"), f"{folder}/{first}.lock"],
                capture_output=True, text=True)
            self.assertEqual(other.stdout.strip(), "held", "a claimed uid's lock is held for the run")
            os.environ["PARLAB_SANDBOX_UID"] = "64999"
            self.assertEqual(gs.claim_uid(), 64999)


SECCOMP_STAGE = pathlib.Path(__file__).resolve().parents[1] / "lib" / "grade_seccomp.py"


@unittest.skipUnless(list(pathlib.Path("/usr/lib/python3/dist-packages").glob("seccomp*.so")),
                     "Debian's python3-seccomp is not installed")
class SeccompStageTest(unittest.TestCase):
    def run_stage(self, *program):
        return subprocess.run(["/usr/bin/python3", "-I", "-S", str(SECCOMP_STAGE), "--verdict-fd", "1", "--",
                               *program], capture_output=True, text=True, timeout=60)

    def test_reading_and_printing_are_allowed(self):
        done = self.run_stage("/usr/bin/head", "-n", "1", "/proc/self/status")
        self.assertEqual((done.returncode, done.stdout[:5]), (0, "Name:"), done.stderr)

    def test_writing_a_file_running_a_program_and_forking_are_refused(self):
        with tempfile.TemporaryDirectory() as folder:
            target = pathlib.Path(folder) / "written"
            self.assertEqual(self.run_stage("/usr/bin/touch", str(target)).returncode, -31)
            self.assertFalse(target.exists(), "a file opened for writing under the filter")
            self.assertEqual(self.run_stage("/usr/bin/sh", "-c", f"/usr/bin/true; echo > {target}").returncode, -31)
            self.assertFalse(target.exists())


class FolderClosedTest(unittest.TestCase):
    """Two grading runs of one checkout overlap: the references stay closed until both end."""

    def test_the_last_run_to_leave_restores_the_mode_the_first_one_saw(self):
        with tempfile.TemporaryDirectory() as tmp:
            locks, folder = pathlib.Path(tmp, "locks"), pathlib.Path(tmp, "solutions")
            folder.mkdir(mode=0o755)
            folder.chmod(0o755)
            other = ("import pathlib, sys; sys.path.insert(0, sys.argv[1]); import grade_sandbox as gs; "
                     "gs.LOCKS = pathlib.Path(sys.argv[2])\n"
                     "with gs.folder_closed(pathlib.Path(sys.argv[3])):\n"
                     "    print('in', flush=True); sys.stdin.readline()\n")
            lib = pathlib.Path(gs.__file__).parent
            with mock.patch.object(gs, "LOCKS", locks):
                with gs.folder_closed(folder):
                    self.assertEqual(folder.stat().st_mode & 0o777, 0o700)
                    second = subprocess.Popen([sys.executable, "-c", other, str(lib), str(locks), str(folder)],
                                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
                    self.assertEqual(second.stdout.readline().strip(), "in")
                self.assertEqual(folder.stat().st_mode & 0o777, 0o700,
                                 "the first run left while the second still grades: the folder reopened")
                second.communicate("\n", timeout=30)
                self.assertEqual(second.returncode, 0)
                self.assertEqual(folder.stat().st_mode & 0o777, 0o755)

    def test_a_run_that_died_inside_does_not_keep_the_folder_closed(self):
        with tempfile.TemporaryDirectory() as tmp:
            locks, folder = pathlib.Path(tmp, "locks"), pathlib.Path(tmp, "solutions")
            folder.mkdir()
            folder.chmod(0o750)
            dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                                  capture_output=True, text=True, check=True).stdout.strip()
            with mock.patch.object(gs, "LOCKS", locks):
                locks.mkdir()
                key = gs.hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:16]
                (locks / f"closed-{key}.json").write_text(f'{{"mode": {0o750}, "pids": [{dead}]}}')
                folder.chmod(0o700)
                with gs.folder_closed(folder):
                    pass
                self.assertEqual(folder.stat().st_mode & 0o777, 0o750)

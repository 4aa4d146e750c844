"""grade_sandbox.py and grade_launch.py: the command lines that confine a submission."""

from __future__ import annotations

import pathlib
import unittest

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
                     "--bind /r/o /out", "--tmpfs /tmp", "--clearenv", "-- prog --x"):
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

"""Tests of scripts/lib/check_history.py: history prose in a handout or a code comment is reported
with file:line, a number inside a result marker and code outside comments are not, and this
checkout passes. Run from anywhere: /usr/bin/python3 -m unittest discover scripts/tests"""

from __future__ import annotations

import contextlib
import io
import pathlib
import sys
import tempfile
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "lib"))
import check_history  # noqa: E402


class CheckHistory(unittest.TestCase):
    def run_on(self, files: dict[str, str]) -> tuple[int, str]:
        with tempfile.TemporaryDirectory() as tmp:
            root = pathlib.Path(tmp)
            for name, text in files.items():
                (root / name).parent.mkdir(parents=True, exist_ok=True)
                (root / name).write_text(text)
            out = io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
                status = check_history.main(["--root", str(root)])
        return status, out.getvalue()

    def test_each_pattern_in_a_handout_is_reported_with_its_line(self) -> None:
        for phrase in ("the loop was slow in this run", "on this VM it takes 3 us", "What we measured",
                       "measured here, it took", "(2026-12-01, nothing else running)", "in this session"):
            with self.subTest(phrase=phrase):
                status, out = self.run_on({"labs/01_x/README.md": f"# Lab\n\n{phrase}\n"})
                self.assertEqual(status, 1, f"expected '{phrase}' to be reported as history")
                self.assertIn("labs/01_x/README.md:3:", out)
                self.assertIn("docs/decisions.md", out, "a hit must say where such text belongs")

    def test_a_value_inside_a_result_marker_is_not_history(self) -> None:
        page = "Run <!-- result: machine-date -->2026-12-01<!-- /result -->, the rule stands.\n"
        self.assertEqual(self.run_on({"labs/01_x/README.md": page}), (0, ""))

    def test_only_the_comments_of_code_are_read(self) -> None:
        code = 'auto s = "in this run";  // the rule, and why\nint x = 0;  // measured here: 3 us\n'
        status, out = self.run_on({"solutions/01_x/a.cpp": code, "scripts/lib/b.py": "print('this run')\n"})
        self.assertEqual(status, 1)
        self.assertEqual(out.count("\n"), 1, f"expected one hit, the comment on line 2; got:\n{out}")
        self.assertIn("solutions/01_x/a.cpp:2:", out)

    def test_decisions_and_generated_results_may_hold_history(self) -> None:
        dated = "Measured here on 2026-12-01 in this run.\n"
        files = {"docs/decisions.md": dated, "docs/results/reference/speedup.md": dated}
        self.assertEqual(self.run_on(files), (0, ""))

    def test_this_checkout_has_no_history_prose(self) -> None:
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            status = check_history.main([])
        self.assertEqual(status, 0, f"expected no history in handouts or comments; found:\n{out.getvalue()}")


if __name__ == "__main__":
    unittest.main()

"""Tests of scripts/check-layers (scripts/lib/check_layers.py): each layer rule fails on a
planted bad include in a small fake checkout, and this repository passes."""
import pathlib
import subprocess
import sys
import tempfile
import textwrap
import unittest

SCRIPTS = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(SCRIPTS / "lib"))

import check_layers  # noqa: E402  (after the path set-up above)


class FakeCheckout:
    """A tiny parlab: common/, labs 01 and 02 (02 builds on 01), their solutions and tools/."""

    def __init__(self, root: pathlib.Path):
        self.root = root
        self.write("common/data.hpp", "#pragma once\n#include <vector>\n")
        self.write("common/testing/rules.hpp", '#include <gtest/gtest.h>\n#include "common/data.hpp"\n')
        self.write("labs/01_first/CMakeLists.txt",
                   "# lab 1\nparlab_add_lab(NUMBER 01 NAME first\n  FILES first.hpp\n"
                   "  TESTS first_test.cpp)\n")
        self.write("labs/01_first/first.hpp", '#include "common/data.hpp"\n')
        self.write("labs/01_first/first_test.cpp",
                   '#include <first.hpp>\n#include "common/testing/rules.hpp"\n')
        self.write("labs/02_second/CMakeLists.txt",
                   "parlab_add_lab(NUMBER 02 NAME second FILES second.hpp second.cpp\n"
                   "               TESTS second_test.cpp DEPENDS 01)\n")
        self.write("labs/02_second/second.hpp", "#include <first.hpp>\n")
        self.write("labs/02_second/second.cpp", '#include "second.hpp"\n')
        self.write("labs/02_second/second_test.cpp", "#include <second.hpp>\n#include <first.hpp>\n")
        self.write("solutions/01_first/first.hpp", '#include "common/data.hpp"\n')
        self.write("solutions/02_second/second.hpp", "#include <first.hpp>\n")
        self.write("solutions/02_second/second.cpp", '#include "second.hpp"\n')
        self.write("tools/show/show.cpp", "#include <second.hpp>\n#include \"common/data.hpp\"\n")

    def write(self, relative: str, text: str) -> None:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    def plant(self, relative: str, include: str) -> None:
        """Appends one #include line to a file (creating it if need be)."""
        path = self.root / relative
        old = path.read_text() if path.exists() else ""
        self.write(relative, old + f"#include {include}\n")

    def violations(self) -> list[check_layers.Violation]:
        return check_layers.check(self.root)


class LayerRulesTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.checkout = FakeCheckout(pathlib.Path(self.tmp.name))

    def assert_one(self, rule: str, file: str) -> check_layers.Violation:
        found = self.checkout.violations()
        self.assertEqual(len(found), 1, f"expected one {rule} violation, got {found}")
        self.assertEqual((found[0].rule, found[0].file), (rule, file))
        return found[0]

    def test_the_clean_fake_checkout_passes(self):
        self.assertEqual(self.checkout.violations(), [])

    def test_common_including_a_solution_header_by_name_fails(self):
        # The bug this check was written for: common/tools/parlab_trace.cpp included the
        # solutions' scheduler.hpp.
        self.checkout.write("common/tools/trace.cpp", "#include <vector>\n")
        self.checkout.plant("common/tools/trace.cpp", "<second.hpp>")
        found = self.assert_one("common-is-the-bottom", "common/tools/trace.cpp")
        self.assertEqual(found.line, 2)
        self.assertIn("lab 02", found.why)

    def test_common_including_a_lab_by_path_fails(self):
        self.checkout.plant("common/data.hpp", '"labs/01_first/first.hpp"')
        self.assert_one("common-is-the-bottom", "common/data.hpp")
        self.checkout.write("common/data.hpp", '#include "solutions/01_first/first.hpp"\n')
        self.assert_one("common-is-the-bottom", "common/data.hpp")

    def test_a_lab_including_a_later_lab_fails(self):
        self.checkout.plant("solutions/01_first/first.hpp", "<second.hpp>")
        found = self.assert_one("labs-build-on-earlier", "solutions/01_first/first.hpp")
        self.assertIn("DEPENDS", found.why)

    def test_a_lab_naming_a_flavour_folder_fails(self):
        self.checkout.plant("labs/02_second/second.hpp", '"solutions/01_first/first.hpp"')
        self.assert_one("labs-build-on-earlier", "labs/02_second/second.hpp")

    def test_a_test_quoting_a_student_file_fails(self):
        self.checkout.plant("labs/02_second/second_test.cpp", '"second.hpp"')
        self.assert_one("tests-use-angle-brackets", "labs/02_second/second_test.cpp")

    def test_a_student_file_quoting_its_neighbour_passes(self):
        self.checkout.plant("labs/02_second/second.cpp", '"second.hpp"')
        self.assertEqual(self.checkout.violations(), [])

    def test_library_code_including_test_helpers_fails(self):
        self.checkout.plant("solutions/02_second/second.hpp", '"common/testing/rules.hpp"')
        self.assert_one("test-code-stays-out", "solutions/02_second/second.hpp")

    def test_including_from_tools_fails(self):
        self.checkout.write("tools/show/show.hpp", "#pragma once\n")
        self.checkout.plant("common/data.hpp", '"tools/show/show.hpp"')
        self.assert_one("nothing-includes-tools", "common/data.hpp")

    def test_the_command_exits_1_and_names_the_file(self):
        self.checkout.plant("common/data.hpp", "<first.hpp>")
        result = subprocess.run([sys.executable, str(SCRIPTS / "lib" / "check_layers.py"),
                                 "--root", str(self.checkout.root)],
                                capture_output=True, text=True, check=False)
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        self.assertIn("common/data.hpp:3: [common-is-the-bottom] #include <first.hpp>",
                      result.stdout)


class ParseAddLabTest(unittest.TestCase):
    def test_reads_every_keyword_and_ignores_comments(self):
        text = textwrap.dedent("""\
            # FILES in a comment are not files
            parlab_add_lab(NUMBER 05 NAME par
                           FILES a.hpp b.hpp  # the student's
                           TESTS a_test.cpp
                           MODEL_TESTS a_model.cpp
                           DEPENDS 04)
            """)
        arguments = check_layers.parse_add_lab(text)
        self.assertEqual(arguments["FILES"], ["a.hpp", "b.hpp"])
        self.assertEqual(arguments["DEPENDS"], ["04"])
        self.assertEqual(arguments["MODEL_TESTS"], ["a_model.cpp"])


class ThisRepositoryTest(unittest.TestCase):
    def test_this_repository_keeps_its_layers(self):
        root = SCRIPTS.parent
        self.assertEqual([str(v) for v in check_layers.check(root)], [])


if __name__ == "__main__":
    unittest.main()

"""grade_policy.py and grade_policy_objects.py: the rules of scripts/grade_policy.toml on tokens,
includes, symbols and the headers an object was built from. The starters and solutions themselves must pass the policy."""

from __future__ import annotations

import pathlib
import shutil
import tempfile
import unittest

import grade_policy as gp
import grade_policy_objects as gpo
import grading_manifest

ROOT = pathlib.Path(__file__).resolve().parents[2]
POLICY = gp.load()


def dump(*tokens: tuple[str, str, int, bool]) -> str:
    """Text as clang -dump-raw-tokens prints it."""
    return "\n".join(f"{kind} '{text}'\t{' [StartOfLine]' if first else ''}\tLoc=<f.hpp:{line}:1>"
                     for kind, text, line, first in tokens)


class TokensTest(unittest.TestCase):
    def test_parses_clang_output_without_whitespace_and_comments(self):
        tokens = gp.parse_raw_tokens(dump(("comment", "// exit", 1, True), ("unknown", " ", 1, False),
                                          ("raw_identifier", "exit", 2, True)))
        self.assertEqual([(t.kind, t.text, t.line) for t in tokens], [("raw_identifier", "exit", 2)])

    def test_a_banned_identifier_names_rule_file_and_line(self):
        tokens = gp.parse_raw_tokens(dump(("raw_identifier", "std", 7, True), ("coloncolon", "::", 7, False),
                                          ("raw_identifier", "_Exit", 7, False)))
        [problem] = gp.check_source(POLICY, "labs/x/a.hpp", tokens, set(), set())
        self.assertEqual(problem.rule, "process control")
        self.assertIn("labs/x/a.hpp:7: `_Exit`", problem.words())

    def test_includes(self):
        tokens = gp.parse_raw_tokens(dump(
            ("hash", "#", 1, True), ("raw_identifier", "include", 1, False), ("string_literal", '"common/data.hpp"', 1, False),
            ("hash", "#", 2, True), ("raw_identifier", "include", 2, False), ("less", "<", 2, False),
            ("raw_identifier", "vector", 2, False), ("greater", ">", 2, False),
            ("hash", "#", 3, True), ("raw_identifier", "include", 3, False),
            ("string_literal", '"../../solutions/01_x/a.hpp"', 3, False),
            ("hash", "#", 4, True), ("raw_identifier", "include", 4, False), ("less", "<", 4, False),
            ("raw_identifier", "fstream", 4, False), ("greater", ">", 4, False),
            ("hash", "#", 5, True), ("raw_identifier", "include", 5, False), ("raw_identifier", "HEADER", 5, False)))
        self.assertEqual([i[:2] for i in gp.includes(tokens)],
                         [(1, "common/data.hpp"), (2, "vector"), (3, "../../solutions/01_x/a.hpp"),
                          (4, "fstream"), (5, "HEADER")])
        lines = [p.where for p in gp.check_source(POLICY, "a.hpp", tokens, set(), set())]
        self.assertEqual(lines, ["a.hpp:3", "a.hpp:4", "a.hpp:5"])

    def test_include_rules(self):
        allowed = lambda header, quoted: gp.include_allowed(POLICY, header, quoted, {"pool.hpp"}, {"deque.hpp"})
        self.assertTrue(allowed("pool.hpp", True))
        self.assertTrue(allowed("deque.hpp", True))
        self.assertTrue(allowed("atomic", False))
        self.assertFalse(allowed("/etc/passwd", True))
        self.assertFalse(allowed("other.hpp", True))
        self.assertFalse(allowed("unistd.h", False))
        self.assertFalse(allowed("common/../solutions/a.hpp", True))
        self.assertFalse(allowed("common/testing/bounded.hpp", True), "the tests' helpers are the grader's")

    def test_an_include_named_by_a_macro_is_never_allowed(self):
        tokens = gp.parse_raw_tokens(dump(("hash", "#", 5, True), ("raw_identifier", "include", 5, False),
                                          ("raw_identifier", "hdr", 5, False)))
        [problem] = gp.check_source(POLICY, "a.hpp", tokens, set(), set())
        self.assertIn("a macro naming the header", problem.what)

    def test_a_line_directive_may_not_relabel_the_lines_after_it(self):
        tokens = gp.parse_raw_tokens(dump(("hash", "#", 3, True), ("numeric_constant", "1", 3, False),
                                          ("string_literal", '"/usr/include/c++/12/vector"', 3, False),
                                          ("hash", "#", 4, True), ("raw_identifier", "line", 4, False),
                                          ("numeric_constant", "7", 4, False)))
        self.assertEqual([p.where for p in gp.check_source(POLICY, "a.hpp", tokens, set(), set())],
                         ["a.hpp:3", "a.hpp:4"])

    def test_an_unreadable_lexer_line_fails_closed(self):
        with self.assertRaises(gp.Unreadable):
            gp.parse_raw_tokens("raw_identifier 'int'\t [StartOfLine]\tLoc=<a.hpp:1:1>\nsomething else")


class PreprocessedTest(unittest.TestCase):
    UNIT = ('# 1 "/t/labs/01/a_test.cpp"\n# 1 "<built-in>"\n# 1 "/t/labs/01/a_test.cpp"\n'
            '# 1 "/t/labs/01/a.hpp" 1\n'
            '# 1 "/t/common/testing/bounded.hpp" 1\nvoid give_up() { std::_Exit(3); }\n'
            '# 2 "/t/labs/01/a.hpp" 2\n'
            '# 1 "/usr/include/gtest/gtest.h" 1\nnamespace testing {}\n# 3 "/t/labs/01/a.hpp" 2\n'
            'const char* s = "_Exit"; int x = (_Exit(0), 0);\n#pragma GCC poison x\n'
            '# 2 "/t/labs/01/a_test.cpp" 2\n# 1 "/t/common/data.hpp" 1\nint data;\n# 3 "/t/labs/01/a_test.cpp" 2\n')

    def test_who_included_which_header(self):
        with tempfile.TemporaryDirectory() as folder:
            t = pathlib.Path(folder)
            (t / "common/testing").mkdir(parents=True)
            (t / "a_test.cpp").write_text('#include "a.hpp"\n#include "common/data.hpp"\n')
            (t / "a.hpp").write_text('#include "common/testing/bounded.hpp"\n')
            (t / "common/data.hpp").write_text('#include "common/sync.hpp"\n')
            for name in ("common/testing/bounded.hpp", "common/sync.hpp"):
                (t / name).write_text("")
            unit = gp.parse_unit(f'# 1 "{t}/a_test.cpp"\n# 1 "{t}/a.hpp" 1\n# 1 "{t}/common/testing/bounded.hpp" 1\n'
                                 f'# 2 "{t}/a.hpp" 2\n# 1 "{t}/common/sync.hpp" 1\n# 2 "{t}/a.hpp" 2\n'
                                 f'# 2 "{t}/a_test.cpp" 2\n# 1 "{t}/common/data.hpp" 1\n# 2 "{t}/a_test.cpp" 2\n')
            self.assertEqual(unit.parent[f"{t}/common/testing/bounded.hpp"], f"{t}/a.hpp")
            self.assertEqual(gp.grader_files(unit, {f"{t}/a.hpp"}),
                             {f"{t}/a_test.cpp", f"{t}/common/data.hpp", f"{t}/common/sync.hpp"},
                             "expected a header only the student's file includes not to be the grader's, and "
                             "common/sync.hpp (which data.hpp includes too) to be the grader's though a.hpp came first")

    def test_the_student_lines_after_preprocessing(self):
        unit = gp.parse_unit(self.UNIT)
        found = gp.check_unit(POLICY, unit, {"/t/labs/01/a.hpp"}, lambda f: f)
        self.assertEqual(sorted((p.rule, p.where) for p in found),
                         [("preprocessor", "/t/labs/01/a.hpp:4"), ("process control", "/t/labs/01/a.hpp:3"),
                          ("test framework", "/t/labs/01/a.hpp")],
                         "expected _Exit (not the string), the pragma and GoogleTest reached from a.hpp")

    def test_a_compile_command_becomes_its_preprocessing(self):
        argv = gp.preprocess_command("/usr/bin/c++ -I/t -O2 -MD -MT a.o -MF a.o.d -o a.o -c /t/a.cpp")
        self.assertEqual(argv, ["/usr/bin/c++", "-I/t", "-O2", "/t/a.cpp", "-E", "-dD", "-o", "-"])

    def test_a_student_macro_may_not_take_a_name_the_grader_uses(self):
        with tempfile.TemporaryDirectory() as folder:
            header = pathlib.Path(folder) / "g.hpp"
            header.write_text("inline int result_of_test() { return 1; }\n")
            unit = gp.parse_unit(f'# 1 "/t/a_test.cpp"\n# 1 "/t/a.hpp" 1\n#define result_of_test() 0\n'
                                 f'#define PARLAB_MINE 1\n# 2 "/t/a_test.cpp" 2\n# 1 "{header}" 1\nint x;\n')
            [problem] = gp.check_unit(POLICY, unit, {"/t/a.hpp"}, lambda f: f)
            self.assertEqual((problem.rule, problem.where), ("preprocessor", "/t/a.hpp:1"))
            self.assertIn("#define result_of_test", problem.what)


class ObjectsTest(unittest.TestCase):
    def test_undefined_symbols_against_the_rules(self):
        nm = "exit U\n_ZNSt14basic_ofstreamIcSt11char_traitsIcEE4openEPKc U\nmemcpy U\nsocket@GLIBC_2.2.5 U"
        found = gpo.check_symbols(POLICY, "a.o", gpo.undefined_symbols(nm))
        self.assertEqual([p.rule for p in found], ["process control", "files and sockets", "files and sockets"])

    def test_a_symbol_off_the_allow_list_breaks_the_policy_whatever_its_name(self):
        # glibc's internal aliases and syscall() the function: no deny-list names them
        found = gpo.check_symbols(POLICY, "a.o", ["__open", "__write", "execveat", "syscall", "memcpy"])
        self.assertEqual([p.what for p in found], ["calls __open", "calls __write", "calls execveat",
                                                   "calls syscall"],
                         "expected every symbol off the allow-list to be reported, memcpy (a builtin) allowed")

    def test_the_standard_library_is_allowed_but_not_its_files(self):
        ok = ["_ZNSt6thread15_M_start_threadESt10unique_ptrINS_6_StateESt14default_deleteIS1_EEPFvvE",
              "_Znwm", "_ZdlPvm", "__cxa_throw", "pthread_mutex_lock", "_ZN6parlab4pool10ThreadPoolC1Em",
              "_ZTVN10__cxxabiv117__class_type_infoE", "_ZNSo9_M_insertIdEERSoT_"]
        self.assertEqual(gpo.check_symbols(POLICY, "a.o", ok), [])
        banned = ["_ZNSt10filesystem6removeERKNS_4pathE",
                  "_ZN9__gnu_cxx13stdio_filebufIcSt11char_traitsIcEEC1EiSt13_Ios_Openmodem"]
        self.assertEqual(len(gpo.check_symbols(POLICY, "a.o", banned)), 2,
                         "expected std::filesystem and __gnu_cxx::stdio_filebuf to break the policy")

    def test_googletest_only_in_the_release_test_objects(self):
        gtest = "_ZN7testing8internal12AssertHelperC1ENS_14TestPartResult4TypeEPKciS5_"
        self.assertEqual(gpo.check_symbols(POLICY, "t.o", [gtest], test_object=True), [])
        self.assertEqual(len(gpo.check_symbols(POLICY, "s.o", [gtest], test_object=False)), 1,
                         "expected GoogleTest in an object compiled from a student .cpp to break the policy")

    def test_a_header_explains_a_symbol_only_when_the_grader_included_it(self):
        # common/testing/bounded.hpp calls std::_Exit when a bounded wait gives up
        bounded = "/t/common/testing/bounded.hpp"
        self.assertEqual(gpo.check_symbols(POLICY, "t.o", ["_Exit"], True, {bounded}, {bounded}), [])
        [problem] = gpo.check_symbols(POLICY, "t.o", ["_Exit"], True, set(), {bounded})
        self.assertEqual(problem.rule, "process control", "a header the student included explains nothing")

    def test_the_standard_library_explains_its_own_calls_wherever_included(self):
        wait = "/usr/include/c++/12/bits/atomic_wait.h"
        self.assertEqual(gpo.check_symbols(POLICY, "a.o", ["syscall"], False, set(), {wait}), [])

    def test_relacy_and_model_headers_explain_their_symbols(self):
        filebuf = "_ZNSt13basic_filebufIcSt11char_traitsIcEE4openEPKcSt13_Ios_Openmode"
        grader = {"/t/common/testing/model.hpp", "/usr/include/relacy/context.hpp"}
        self.assertEqual(gpo.check_symbols(POLICY, "m.o", [filebuf, "_longjmp"], True, grader, grader), [])
        self.assertEqual([p.rule for p in gpo.check_symbols(POLICY, "m.o", [filebuf, "_longjmp"], True)],
                         ["files and sockets", "signal handlers"])

    def test_an_object_may_not_define_c_library_or_std_names(self):
        nm = ("write T 0 10\n_ZN6parlab4pool10ThreadPoolC1Em T 0 10\nDW.ref.__gxx_personality_v0 V 0 8\n"
              "_ZNSt6vectorIiSaIiEE17_M_realloc_insertIJRKiEEEvN9__gnu_cxx17__normal_iteratorIPiS1_EEDpOT_ W 0 9\n"
              "_ZSt9terminatev T 0 4\nparlab_global_counter B 0 4\n")
        found = gpo.check_definitions(POLICY, "a.o", gpo.defined_symbols(nm))
        self.assertEqual([p.what for p in found], ["defines write", "defines _ZSt9terminatev"],
                         "expected extern \"C\" write and a strong std::terminate, not parlab::, a std "
                         "template or a global variable (whose C++ name is not mangled)")

    def test_raw_system_calls_in_the_disassembly(self):
        dump = ("/b/x.o:     file format elf64-x86-64\n\nDisassembly of section .text:\n\n"
                "0000000000000000 <_Z5sneakv>:\n   0:\tmov    $0x3c,%eax\n   5:\tsyscall \n"
                "0000000000000010 <_Z4finev>:\n  10:\tret    \n")
        [problem] = gpo.check_instructions(POLICY, dump)
        self.assertEqual((problem.rule, problem.what), ("raw system calls", "syscall"))
        self.assertIn("_Z5sneakv", problem.where)

    def test_gtest_names_are_banned_by_prefix(self):
        tokens = gp.parse_raw_tokens(dump(("raw_identifier", "GTEST_SKIP", 4, True),
                                          ("raw_identifier", "testing", 5, True)))
        self.assertEqual([p.rule for p in gp.check_source(POLICY, "a.hpp", tokens, set(), set())],
                         ["test framework", "test framework"])

    def test_ninja_deps_outside_the_allowed_folders(self):
        deps = gpo.parse_ninja_deps("a.o: #deps 3, deps mtime 1 (VALID)\n    /usr/include/c++/12/vector\n"
                                   "    /t/labs/01/a.hpp\n    /elsewhere/solutions/01/a.hpp\n\n")
        found = gpo.check_dependencies(POLICY, "a.o", deps["a.o"], ["/usr/", "/t/labs/01/"])
        self.assertEqual([p.what for p in found], ["#include of /elsewhere/solutions/01/a.hpp"])


@unittest.skipUnless(shutil.which("clang"), "needs clang")
class ReleaseFilesTest(unittest.TestCase):
    def test_every_starter_and_solution_passes_the_policy(self):
        labs = sorted((ROOT / "labs").glob("[0-9][0-9]_*"))
        student_files = {lab.name[:2]: grading_manifest.load(lab).student_files
                         for lab in labs if (lab / "grading.toml").is_file()}
        for lab in labs:
            if lab.name[:2] not in student_files:
                continue
            deps = {pathlib.PurePath(f).name for d in grading_manifest.depends_of(lab)
                    for f in student_files.get(d, [])}
            own = {p.name for p in lab.iterdir()}
            for side in ("labs", "solutions"):
                for file in student_files[lab.name[:2]]:
                    path = ROOT / side / lab.name / file
                    if path.is_file():
                        with self.subTest(path=str(path.relative_to(ROOT))):
                            self.assertEqual(gp.check_source(POLICY, str(path), gp.raw_tokens(path), own, deps), [])

    def test_a_word_in_a_comment_or_string_is_not_a_token(self):
        with tempfile.TemporaryDirectory() as folder:
            path = pathlib.Path(folder) / "a.hpp"
            path.write_text('// exit(0) here\nconst char* s = "fork()";\nint f() { return 1; }\n')
            self.assertEqual(gp.check_source(POLICY, "a.hpp", gp.raw_tokens(path), set(), set()), [])
            path.write_text("int f() { exit(0); }\n")
            self.assertEqual(len(gp.check_source(POLICY, "a.hpp", gp.raw_tokens(path), set(), set())), 1)

    def test_splices_comments_before_directives_and_pragmas_are_seen(self):
        with tempfile.TemporaryDirectory() as folder:
            path = pathlib.Path(folder) / "a.hpp"
            path.write_text('/* x */ #include <gtest/gtest.h>\n# /**/ include <map>\nint te\\\nsting = 1;\n'
                            '_Pragma("GCC poison x")\n[[gnu::destructor]] void f();\n')
            found = {(p.rule, p.where) for p in gp.check_source(POLICY, "a.hpp", gp.raw_tokens(path), set(), set())}
            for expected in [("includes", "a.hpp:1"), ("preprocessor", "a.hpp:2"), ("preprocessor", "a.hpp:3"),
                             ("test framework", "a.hpp:3"), ("preprocessor", "a.hpp:5"),
                             ("code outside the tests", "a.hpp:6")]:
                self.assertIn(expected, found, f"expected {expected} among {sorted(found)}")


if __name__ == "__main__":
    unittest.main()

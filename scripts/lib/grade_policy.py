"""The submission policy (scripts/grade_policy.toml) and its checks on source text:
  - before building, the tokens of each student file, from clang's raw lexer (so a word in a
    comment or a string is not an identifier), its #include lines and its directives;
  - after building, each object's translation unit as the compiler saw it (its compile command
    with -E): the student files' own lines after macro expansion, and which file included which
    (the line markers), so a header counts as the grader's only when the grader's files include it.
The checks of the compiled objects themselves (symbols, instructions, the headers each object
really included) and the step that runs them are grade_policy_objects.py.
Whatever the grader cannot read fails closed. A violation names the rule, the file and the line.
Unit-tested in scripts/tests/test_grade_policy.py."""

from __future__ import annotations

import dataclasses
import functools
import pathlib
import re
import shlex
import subprocess
import tomllib

POLICY_FILE = pathlib.Path(__file__).resolve().parents[1] / "grade_policy.toml"


@dataclasses.dataclass
class Rule:
    name: str
    says: str
    tokens: frozenset[str]
    symbols: list[re.Pattern]
    token_prefixes: tuple[str, ...] = ()
    instructions: tuple[re.Pattern, ...] = ()

    def bans_token(self, text: str) -> bool:
        return text in self.tokens or text.startswith(self.token_prefixes)


@dataclasses.dataclass
class Symbols:
    """[symbols]: the allow-list of undefined symbols (regular expressions on mangled names)."""
    allowed: list[re.Pattern]
    denied: list[re.Pattern]  # inside what `allowed` admits (std::filesystem, basic_filebuf ...)
    test_objects: list[re.Pattern]  # allowed in the release's test objects only (GoogleTest)
    # symbol pattern -> header path suffixes: such a header, included by the grader's own files
    # (never by a student file), explains the symbol
    explained_by: list[tuple[re.Pattern, tuple[str, ...]]]
    # the standard library's headers: they explain their symbols wherever they are included
    library_roots: tuple[str, ...]
    says: str


@dataclasses.dataclass
class Policy:
    rules: list[Rule]
    quoted_prefixes: list[str]
    angle_denied: frozenset[str]
    angle_allowed: frozenset[str]
    includes_say: str
    quoted_denied_prefixes: tuple[str, ...] = ()
    pragmas_allowed: tuple[str, ...] = ("once",)
    symbols: Symbols | None = None


@dataclasses.dataclass
class Violation:
    rule: str
    says: str
    where: str  # "labs/01_copying_threads/copying_threads.hpp:12" or an object file
    what: str  # the token, include or symbol

    def words(self) -> str:
        return f"{self.where}: `{self.what}` breaks the rule \"{self.rule}\": {self.says}"


def could_not_read(why: str, where: str = "the lab's objects") -> Violation:
    """What the grader could not read fails closed: the lab scores 0 and the report says why."""
    return Violation("readable source", "what the grader cannot check scores 0", where,
                     f"the grader could not read your file: {why}")


def load(path: pathlib.Path = POLICY_FILE) -> Policy:
    data = tomllib.loads(path.read_text())
    included = data.get("includes", {})
    rules = [Rule(name=r["name"], says=r["says"], tokens=frozenset(r.get("tokens", [])),
                  symbols=[re.compile(s) for s in r.get("symbols", [])],
                  token_prefixes=tuple(r.get("token_prefixes", [])),
                  instructions=tuple(re.compile(s) for s in r.get("instructions", [])))
             for r in data.get("rule", [])]
    table = data.get("symbols", {})
    symbols = Symbols(allowed=[re.compile(s) for s in table.get("allowed", [])],
                      denied=[re.compile(s) for s in table.get("denied", [])],
                      test_objects=[re.compile(s) for s in table.get("test_objects", [])],
                      explained_by=[(re.compile(k), tuple(v))
                                    for k, v in table.get("explained_by", {}).items()],
                      library_roots=tuple(table.get("library_roots", [])),
                      says=table.get("says", "a lab may call only the standard library and its own code"))
    return Policy(rules=rules, quoted_prefixes=list(included.get("quoted_prefixes", ["common/"])),
                  angle_denied=frozenset(included.get("angle_denied", [])),
                  angle_allowed=frozenset(included.get("angle_allowed", [])),
                  includes_say=included.get("says", "only standard headers, common/ and the lab's files"),
                  quoted_denied_prefixes=tuple(included.get("quoted_denied_prefixes", [])),
                  pragmas_allowed=tuple(data.get("preprocessor", {}).get("pragmas_allowed", ["once"])),
                  symbols=symbols)


class Unreadable(Exception):
    """The grader could not read a file or a tool's output: the lab fails closed (scores 0)."""


# ---- tokens ---------------------------------------------------------------------------------------

RECORD_START = re.compile(r"^[a-z_]+ '")
RECORD = re.compile(r"^(?P<kind>[a-z_]+) '(?P<text>.*)'\t(?P<flags>[^\t]*)\tLoc=<(?P<file>[^<>\n]*):"
                    r"(?P<line>\d+):(?P<col>\d+)>$", re.DOTALL)


@dataclasses.dataclass
class Token:
    kind: str  # clang's kind: raw_identifier, string_literal, hash, less, greater ...
    text: str
    line: int
    start_of_line: bool  # the first token of its line (comments before it do not count)
    unclean: bool = False  # spelled over a line splice (backslash-newline) or with a trigraph
    after_comment: bool = False  # a comment comes right before it


def parse_raw_tokens(dump: str) -> list[Token]:
    """Tokens from `clang -Xclang -dump-raw-tokens` output, without whitespace and comments. A
    token spelled over several lines (a line splice) is one record over several lines; anything
    that is not a token record raises Unreadable (fail closed: a record the parser skipped is how
    `te\\<newline>sting` once hid the word `testing`)."""
    records: list[str] = []
    for line in dump.splitlines():
        if RECORD_START.match(line) or not records:
            records.append(line)
        else:
            records[-1] += "\n" + line
    tokens: list[Token] = []
    line_start, after_comment = True, False
    for record in records:
        match = RECORD.match(record)
        if not match:
            raise Unreadable(f"clang's lexer printed a line the grader cannot read: {record[:120]!r}")
        kind, flags = match["kind"], match["flags"]
        first = "[StartOfLine]" in flags
        if kind == "unknown":  # whitespace
            continue
        if kind == "comment":  # `/* x */ #include` is still a directive
            line_start = line_start if not first else True
            after_comment = True
            continue
        tokens.append(Token(kind, match["text"], int(match["line"]), first or (line_start and after_comment),
                            "[UnClean=" in flags, after_comment))
        line_start, after_comment = False, False
    return tokens


def raw_tokens(path: pathlib.Path) -> list[Token] | str:
    """The file's raw tokens, or why they could not be read. Raw lexing opens no other file."""
    try:
        done = subprocess.run(["clang", "-x", "c++", "-std=c++20", "-fsyntax-only", "-Xclang",
                               "-dump-raw-tokens", str(path)], capture_output=True, text=True,
                              errors="replace", timeout=60, check=False)
    except subprocess.TimeoutExpired:
        return f"clang's lexer did not finish reading {path.name} within 60 s"
    except OSError as error:  # no clang: the grader's problem, not the student's
        raise RuntimeError(f"the token check needs clang: {error}") from error
    if done.returncode != 0 or done.stdout.strip():
        return f"clang's lexer failed on {path.name} (exit status {done.returncode})"
    try:
        return parse_raw_tokens(done.stderr)
    except Unreadable as error:
        return str(error)


def directives(tokens: list[Token]) -> list[int]:
    """The index of each preprocessor directive's name (the word after a `#` that starts a line)."""
    return [index + 1 for index, token in enumerate(tokens)
            if token.kind == "hash" and token.start_of_line and index + 1 < len(tokens)]


def includes(tokens: list[Token]) -> list[tuple[int, str, bool, bool]]:
    """(line, header, quoted, macro) for each #include, #import or #include_next; `macro`: the
    header is named by a macro (never allowed: the header must be visible in the source)."""
    found = []
    for name_at in directives(tokens):
        word = tokens[name_at]
        if word.kind != "raw_identifier" or word.text not in ("include", "import", "include_next"):
            continue
        nxt = tokens[name_at + 1] if name_at + 1 < len(tokens) else Token("eof", "", word.line, True)
        if nxt.kind == "string_literal" and nxt.line == word.line:
            found.append((word.line, nxt.text.strip('"'), True, False))
        elif nxt.kind == "less" and nxt.line == word.line:
            parts = []
            for follow in tokens[name_at + 2:]:
                if follow.kind == "greater" or follow.line != nxt.line:
                    break
                parts.append(follow.text)
            found.append((word.line, "".join(parts), False, False))
        else:
            found.append((word.line, nxt.text, False, True))
    return found


def include_allowed(policy: Policy, header: str, quoted: bool, lab_files: set[str],
                    dep_files: set[str]) -> bool:
    if ".." in header or header.startswith("/") or "\\" in header:
        return False
    if quoted:
        if header.startswith(policy.quoted_denied_prefixes):
            return False
        return (any(header.startswith(p) for p in policy.quoted_prefixes) or header in lab_files
                or header in dep_files)
    if header in policy.angle_allowed:
        return True
    return re.fullmatch(r"[a-z_0-9]+", header) is not None and header not in policy.angle_denied


def preprocessor_says(policy: Policy) -> str:
    rule = next((r for r in policy.rules if r.name == "preprocessor"), None)
    if rule is not None:
        return rule.says
    pragmas = ", ".join(f"#pragma {p}" for p in policy.pragmas_allowed)
    return ("a student file may not hide code from the checks: no #include of a macro, no "
            f"_Pragma and no #pragma but {pragmas}, no comment between # and the directive, no "
            "line splice (backslash-newline) inside a word")


def preprocessor_tricks(policy: Policy, shown: str, tokens: list[Token]) -> list[Violation]:
    """What students never need and a check would have to see through: a comment between `#`
    and the directive's name, a #pragma other than the allowed ones, a token spelled over a line
    splice or with a trigraph."""
    says = preprocessor_says(policy)
    problems = []
    for name_at in directives(tokens):
        word = tokens[name_at]
        if word.after_comment:
            problems.append(Violation("preprocessor", says, f"{shown}:{word.line}",
                                      f"# /*comment*/ {word.text}"))
        if word.kind == "numeric_constant" or word.text == "line":  # it would relabel the lines after it
            problems.append(Violation("preprocessor", says, f"{shown}:{word.line}",
                                      f"#{word.text} (a line directive)"))
        if word.text == "pragma":
            rest = " ".join(t.text for t in tokens[name_at + 1:name_at + 4] if t.line == word.line)
            if not rest.startswith(policy.pragmas_allowed):
                problems.append(Violation("preprocessor", says, f"{shown}:{word.line}", f"#pragma {rest}"))
    for token in tokens:
        if token.unclean:
            problems.append(Violation("preprocessor", says, f"{shown}:{token.line}",
                                      f"{token.text[:40]} (spelled over a line splice)"))
    return problems


def check_source(policy: Policy, shown: str, tokens: list[Token], lab_files: set[str],
                 dep_files: set[str]) -> list[Violation]:
    """Violations in one student file's tokens. `shown` is its path as the report shows it."""
    problems = []
    found = includes(tokens)
    include_lines = {line for line, _, _, _ in found}  # <fstream> is judged as a header, not a name
    for line, header, quoted, macro in found:
        if macro:
            problems.append(Violation("includes", policy.includes_say, f"{shown}:{line}",
                                      f"#include {header} (a macro naming the header)"))
        elif not include_allowed(policy, header, quoted, lab_files, dep_files):
            shown_header = f'"{header}"' if quoted else f"<{header}>"
            problems.append(Violation("includes", policy.includes_say, f"{shown}:{line}",
                                      f"#include {shown_header}"))
    problems += preprocessor_tricks(policy, shown, tokens)
    for token in tokens:
        if token.kind == "raw_identifier" and token.line not in include_lines:
            problems += banned_identifier(policy, shown, token.text, token.line)
    return problems


def banned_identifier(policy: Policy, shown: str, text: str, line: int) -> list[Violation]:
    return [Violation(rule.name, rule.says, f"{shown}:{line}", text)
            for rule in policy.rules if rule.bans_token(text)]


# ---- the translation unit as the compiler saw it ----------------------------------------------------

LINE_MARKER = re.compile(r'^# (\d+) "((?:[^"\\]|\\.)*)"((?: \d+)*)\s*$')
# A C++ token, enough to tell an identifier from the inside of a literal (-E leaves no comments).
CXX_TOKEN = re.compile(r'''(?P<raw>(?:u8|[uUL])?R"(?P<delim>[^()\\\s"]{0,16})\((?:.|\n)*?\)(?P=delim)")'''
                       r'''|(?P<str>(?:u8|[uUL])?"(?:[^"\\\n]|\\.)*")'''
                       r"""|(?P<chr>(?:u8|[uUL])?'(?:[^'\\\n]|\\.)*')"""
                       r"|(?P<num>\.?[0-9](?:[eEpP][+-]|[0-9A-Za-z_.]|'(?=[0-9A-Za-z]))*)"
                       r"|(?P<id>[A-Za-z_$][A-Za-z0-9_$]*)"
                       r"|(?P<pragma>^[ \t]*#[ \t]*pragma\b[^\n]*)"
                       r"|(?P<other>\S)", re.MULTILINE)


@dataclasses.dataclass
class Unit:
    """A translation unit as the compiler saw it (`-E` output)."""
    # file -> the file that included it first (None for the main file)
    parent: dict[str, str | None] = dataclasses.field(default_factory=dict)
    # (file, first line number, text) of each stretch of lines that came from one file
    chunks: list[tuple[str, int, str]] = dataclasses.field(default_factory=list)

    def chain(self, file: str) -> list[str]:
        """The file and every file that included it, up to the main file."""
        out, seen = [], set()
        current: str | None = file
        while current is not None and current not in seen:
            seen.add(current)
            out.append(current)
            current = self.parent.get(current)
        return out


def parse_unit(text: str) -> Unit:
    """Reads `-E` output: GCC's and clang's line markers (`# 12 "file" 1` enters a file, `2`
    returns to one). The first file named is the main file."""
    unit = Unit()
    stack: list[str] = []
    current, line_no, start = "", 1, 1
    buffer: list[str] = []

    def flush() -> None:
        if buffer and current:
            unit.chunks.append((current, start, "\n".join(buffer)))

    for raw in text.split("\n"):
        match = LINE_MARKER.match(raw) if raw.startswith("# ") else None
        if match is None:
            if not buffer:
                start = line_no
            buffer.append(raw)
            line_no += 1
            continue
        flush()
        buffer = []
        name, flags = match[2].replace('\\"', '"').replace("\\\\", "\\"), match[3].split()
        if "1" in flags:
            unit.parent.setdefault(name, current or None)
            stack.append(current)
        elif "2" in flags and stack:
            stack.pop()
        elif not unit.parent:
            unit.parent[name] = None  # the main file
        current, line_no = name, int(match[1])
    flush()
    return unit


INCLUDE_LINE = re.compile(r'^[ \t]*#[ \t]*(?:include|include_next|import)[ \t]*[<"]([^>"\n]+)[>"]', re.MULTILINE)


@functools.lru_cache(maxsize=None)
def file_text(path: str) -> str:
    """A header's text as read once per grading ("" if unreadable); file_includes and
    file_identifiers both scan it."""
    try:
        return pathlib.Path(path).read_text(errors="replace")
    except OSError:
        return ""


@functools.lru_cache(maxsize=None)
def file_includes(path: str) -> tuple[str, ...]:
    """The headers a file's #include lines name (every branch of every #if: more, never fewer)."""
    return tuple(INCLUDE_LINE.findall(file_text(path)))


def grader_files(unit: Unit, student: set[str]) -> set[str]:
    """The files the grader's own files include: reachable from the main file through the
    #include lines of files that are not the student's. A header the test includes after the
    student's header already did (#pragma once: it is entered only once) is still the grader's;
    one that only a student file includes is not. Files are matched by path suffix."""
    by_name: dict[str, list[str]] = {}
    for file in unit.parent:
        by_name.setdefault(file.rsplit("/", 1)[-1], []).append(file)
    main = next((f for f, parent in unit.parent.items() if parent is None), None)
    reached: set[str] = set()
    pending = [main] if main is not None and main not in student else []
    while pending:
        file = pending.pop()
        if file in reached:
            continue
        reached.add(file)
        for name in file_includes(file):
            for candidate in by_name.get(name.rsplit("/", 1)[-1], []):
                if candidate not in student and candidate not in reached and (
                        candidate == name or candidate.endswith("/" + name.lstrip("./"))):
                    pending.append(candidate)
    return reached


def check_unit(policy: Policy, unit: Unit, student: set[str], show) -> list[Violation]:
    """The student files' own lines after preprocessing (macros expanded, splices joined, _Pragma
    turned into #pragma, whatever #include MACRO named): banned names and pragmas; and GoogleTest
    reached from a student file. `show` turns a path into what the report shows."""
    problems = []
    says = preprocessor_says(policy)
    for file, start, text in unit.chunks:
        if file not in student:
            continue
        for match in CXX_TOKEN.finditer(text):
            line = start + text.count("\n", 0, match.start())
            if match["id"]:
                problems += banned_identifier(policy, show(file), match["id"], line)
            elif match["pragma"]:
                words = match["pragma"].split("pragma", 1)[1].strip()
                if not words.startswith(policy.pragmas_allowed):
                    problems.append(Violation("preprocessor", says, f"{show(file)}:{line}",
                                              f"#pragma {words[:60]}"))
    problems += shadowing_macros(policy, unit, student, show)
    framework = next((r for r in policy.rules if r.name == "test framework"), None)
    for file in unit.parent:
        chain = unit.chain(file)
        by_student = next((c for c in chain[1:] if c in student), None)
        if by_student is not None and re.search(r"/(gtest|gmock)/", file):
            problems.append(Violation("test framework", framework.says if framework else "no GoogleTest",
                                      show(by_student), f"#include of {file} (seen after preprocessing)"))
    return problems


MACRO_DIRECTIVE = re.compile(r"^[ \t]*#[ \t]*(define|undef)[ \t]+([A-Za-z_][A-Za-z0-9_]*)", re.MULTILINE)
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@functools.lru_cache(maxsize=None)
def file_identifiers(path: str) -> frozenset[str]:
    """Every word of a file's text (comments included: more words, never fewer)."""
    return frozenset(IDENTIFIER.findall(file_text(path)))


def shadowing_macros(policy: Policy, unit: Unit, student: set[str], show) -> list[Violation]:
    """A macro that a student file defines or undefines must not take a name that the other
    files of the unit (the test, common/, GoogleTest, the standard library) use: it would change
    the meaning of the grader's code included after it. Needs `-dD` output."""
    names: dict[str, str] = {}
    for file, start, text in unit.chunks:
        if file in student:
            for match in MACRO_DIRECTIVE.finditer(text):
                names.setdefault(match[2], f"{show(file)}:{start + text.count(chr(10), 0, match.start())}")
    if not names:
        return []
    problems = []
    for file in unit.parent:
        if file in student or file.startswith("<"):
            continue
        for name in sorted(set(names) & file_identifiers(file)):
            problems.append(Violation("preprocessor", preprocessor_says(policy), names.pop(name),
                                      f"#define {name} (a name {show(file)} uses)"))
    return problems


def preprocess_command(command: str) -> list[str]:
    """A compile command (`ninja -t compdb`) turned into its preprocessing: -E to standard
    output, no object, no dependency file."""
    out, skip = [], False
    for word in shlex.split(command):
        if skip:
            skip = False
        elif word in ("-o", "-MF", "-MT", "-MQ"):
            skip = True
        elif word not in ("-c", "-MD", "-MMD"):
            out.append(word)
    return out + ["-E", "-dD", "-o", "-"]

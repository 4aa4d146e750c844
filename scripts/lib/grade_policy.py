"""The submission policy (scripts/grade_policy.toml) and its two checks:
  - before building, the tokens of each student file, from clang's raw lexer (so a word in a
    comment or a string is not an identifier) and its #include lines;
  - after building, the undefined symbols (nm) of each object compiled from the lab, and the headers
    each object really included (ninja's dependency log, which sees through macros).
A violation names the rule, the file and the line. Unit-tested in scripts/tests/test_grade_policy.py."""

from __future__ import annotations

import dataclasses
import pathlib
import re
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
    # token -> more symbol fragments its use explains (std::ifstream calls basic_filebuf's members)
    explains: dict[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)

    def bans_token(self, text: str) -> bool:
        return text in self.tokens or text.startswith(self.token_prefixes)


@dataclasses.dataclass
class Policy:
    rules: list[Rule]
    quoted_prefixes: list[str]
    angle_denied: frozenset[str]
    angle_allowed: frozenset[str]
    includes_say: str
    # Headers outside the checkout that the release's own code uses (Relacy, for the model-check
    # tests): their identifiers may explain a symbol, like those of common/. A student file cannot
    # include them ([includes] allows only bare standard names).
    trusted_header_roots: tuple[str, ...] = ()


@dataclasses.dataclass
class Violation:
    rule: str
    says: str
    where: str  # "labs/01_copying_threads/copying_threads.hpp:12" or an object file
    what: str  # the token, include or symbol

    def words(self) -> str:
        return f"{self.where}: `{self.what}` breaks the rule \"{self.rule}\": {self.says}"


def load(path: pathlib.Path = POLICY_FILE) -> Policy:
    data = tomllib.loads(path.read_text())
    includes = data.get("includes", {})
    rules = [Rule(name=r["name"], says=r["says"], tokens=frozenset(r.get("tokens", [])),
                  symbols=[re.compile(s) for s in r.get("symbols", [])],
                  token_prefixes=tuple(r.get("token_prefixes", [])),
                  instructions=tuple(re.compile(s) for s in r.get("instructions", [])),
                  explains={k: tuple(v) for k, v in r.get("explains", {}).items()})
             for r in data.get("rule", [])]
    return Policy(rules=rules, quoted_prefixes=list(includes.get("quoted_prefixes", ["common/"])),
                  angle_denied=frozenset(includes.get("angle_denied", [])),
                  angle_allowed=frozenset(includes.get("angle_allowed", [])),
                  includes_say=includes.get("says", "only standard headers, common/ and the lab's files"),
                  trusted_header_roots=tuple(data.get("objects", {}).get("trusted_header_roots", [])))


# ---- tokens ---------------------------------------------------------------------------------------

TOKEN = re.compile(r"^(?P<kind>\w+) '(?P<text>.*)'\t.*Loc=<(?P<file>.*):(?P<line>\d+):(?P<col>\d+)>$")


@dataclasses.dataclass
class Token:
    kind: str  # clang's kind: raw_identifier, string_literal, hash, less, greater, ...
    text: str
    line: int
    start_of_line: bool


def parse_raw_tokens(dump: str) -> list[Token]:
    """Tokens from `clang -Xclang -dump-raw-tokens` output, without whitespace and comments."""
    tokens = []
    for line in dump.splitlines():
        match = TOKEN.match(line)
        if not match or match["kind"] in ("unknown", "comment"):
            continue
        tokens.append(Token(match["kind"], match["text"], int(match["line"]), "[StartOfLine]" in line))
    return tokens


def raw_tokens(path: pathlib.Path) -> list[Token] | str:
    """The file's raw tokens, or an error message. Raw lexing opens no other file."""
    try:
        done = subprocess.run(["clang", "-x", "c++", "-std=c++20", "-fsyntax-only", "-Xclang",
                               "-dump-raw-tokens", str(path)], capture_output=True, text=True,
                              errors="replace", timeout=60, check=False)
    except subprocess.TimeoutExpired:
        return f"clang's lexer did not finish reading {path.name} within 60 s"
    except OSError as error:  # no clang: the grader's problem, not the student's
        raise RuntimeError(f"the token check needs clang: {error}") from error
    return parse_raw_tokens(done.stderr + done.stdout)


def includes(tokens: list[Token]) -> list[tuple[int, str, bool]]:
    """(line, header, quoted) for each #include or #import of the token list."""
    found = []
    for index, token in enumerate(tokens):
        if token.kind != "hash" or not token.start_of_line or index + 2 >= len(tokens):
            continue
        word = tokens[index + 1]
        if word.kind != "raw_identifier" or word.text not in ("include", "import", "include_next"):
            continue
        nxt = tokens[index + 2]
        if nxt.kind == "string_literal":
            found.append((word.line, nxt.text.strip('"'), True))
        elif nxt.kind == "less":
            parts = []
            for follow in tokens[index + 3:]:
                if follow.kind == "greater" or follow.line != nxt.line:
                    break
                parts.append(follow.text)
            found.append((word.line, "".join(parts), False))
        else:  # a macro naming the header: not allowed (the header must be visible in the source)
            found.append((word.line, nxt.text, False))
    return found


def include_allowed(policy: Policy, header: str, quoted: bool, lab_files: set[str],
                    dep_files: set[str]) -> bool:
    if ".." in header or header.startswith("/") or "\\" in header:
        return False
    if quoted:
        return (any(header.startswith(p) for p in policy.quoted_prefixes) or header in lab_files
                or header in dep_files)
    if header in policy.angle_allowed:
        return True
    return re.fullmatch(r"[a-z_0-9]+", header) is not None and header not in policy.angle_denied


def check_source(policy: Policy, shown: str, tokens: list[Token], lab_files: set[str],
                 dep_files: set[str]) -> list[Violation]:
    """Violations in one student file's tokens. `shown` is its path as the report shows it."""
    problems = []
    found = includes(tokens)
    include_lines = {line for line, _, _ in found}  # <fstream> is judged as a header, not a name
    for line, header, quoted in found:
        if not include_allowed(policy, header, quoted, lab_files, dep_files):
            shown_header = f'"{header}"' if quoted else f"<{header}>"
            problems.append(Violation("includes", policy.includes_say, f"{shown}:{line}",
                                      f"#include {shown_header}"))
    for token in tokens:
        if token.kind != "raw_identifier" or token.line in include_lines:
            continue
        for rule in policy.rules:
            if rule.bans_token(token.text):
                problems.append(Violation(rule.name, rule.says, f"{shown}:{token.line}", token.text))
    return problems


# ---- objects ----------------------------------------------------------------------------------------


def undefined_symbols(nm_output: str) -> list[str]:
    """Symbol names from `nm -u --format=posix` (name, type, ...)."""
    names = []
    for line in nm_output.splitlines():
        fields = line.split()
        if len(fields) >= 2:
            names.append(fields[0].split("@")[0])
    return names


def check_symbols(policy: Policy, shown: str, symbols: list[str],
                  release_names: frozenset[str] = frozenset()) -> list[Violation]:
    """Violations among an object's undefined symbols. `release_names` are the identifiers of the
    release's own files the object was compiled from (its test, common/ headers): a symbol that
    one of them explains is theirs, not the student's (common/testing/bounded.hpp calls
    std::_Exit on purpose)."""
    problems = []
    for symbol in symbols:
        for rule in policy.rules:
            if any(p.search(symbol) for p in rule.symbols):
                used = rule.tokens & release_names
                fragments = [f for name in used for f in (name, *rule.explains.get(name, ()))]
                if not any(fragment in symbol for fragment in fragments):
                    problems.append(Violation(rule.name, rule.says, shown, f"calls {symbol}"))
                break
    return problems


def check_instructions(policy: Policy, disassembly: str) -> list[Violation]:
    """Banned instructions in `objdump -d` output; names the object and the function."""
    problems = []
    where, function = "", ""
    for line in disassembly.splitlines():
        if line.endswith(":     file format elf64-x86-64") or ": file format" in line:
            where = line.split(":")[0]
        elif line.endswith(">:"):
            function = line.split("<", 1)[-1].rstrip(">:")
        elif "\t" in line:
            for rule in policy.rules:
                if any(p.search(line.split("\t")[-1]) for p in rule.instructions):
                    problems.append(Violation(rule.name, rule.says, f"{where} in {function[:80]}",
                                              line.split("\t")[-1].strip()))
    return problems


def identifiers(tokens: list[Token]) -> frozenset[str]:
    return frozenset(t.text for t in tokens if t.kind == "raw_identifier")


def check_dependencies(policy: Policy, shown: str, headers: list[str], allowed_roots: list[str]) -> list[Violation]:
    """Headers an object was compiled from (ninja -t deps) that lie outside the allowed folders."""
    return [Violation("includes", policy.includes_say, shown, f"#include of {header}")
            for header in headers if not any(header.startswith(root) for root in allowed_roots)]


def parse_ninja_deps(text: str) -> dict[str, list[str]]:
    """`ninja -t deps` output -> object -> the files it depends on."""
    deps: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        if line and not line.startswith(" ") and ":" in line:
            current = line.split(":", 1)[0]
            deps[current] = []
        elif line.startswith("    ") and current is not None:
            deps[current].append(line.strip())
    return deps

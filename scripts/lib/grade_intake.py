"""Submission intake and integrity for scripts/grade: where a submission's files are (nested or
flat layout), which release files they must not change (sha256 against labs/checksums.sha256), and
the sealed source tree each lab is built from: a copy of the checkout holding no reference
solution of the graded lab or of any later lab (only the solutions of the labs it builds on), so
that no path the student's code can name leads to the answer. Unit-tested in
scripts/tests/test_grade_intake.py."""

from __future__ import annotations

import hashlib
import pathlib
import shutil
import stat

import grading_manifest

CHECKSUMS = "labs/checksums.sha256"
# Files every lab relies on besides its own protected files (checked by hash like them).
GLOBAL_PROTECTED = ["CMakeLists.txt", "CMakePresets.json"]
# facades/ and a release's reference/ are what later labs build on (PARLAB_DEPS_FLAVOUR=reference).
GLOBAL_PROTECTED_DIRS = ["common", "facades", "reference"]
# Never copied into a lab's tree: version control, builds, the grader's own fixtures and tests
# (fixtures hold patches of reference solutions), the reference's benchmark program (the perf
# stage runs it from the checkout).
SKIPPED_NAMES = {".git", "__pycache__"}
SKIPPED_AT_TOP = {"build"}
SKIPPED_PATHS = {"scripts/grade_fixtures", "scripts/mutants", "reference/parlab_bench_reference"}


def sha256(path: pathlib.Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()




def submission_root(folder: pathlib.Path) -> pathlib.Path:
    """The folder that holds labs/ (nested layout) or the files themselves (flat layout). An
    upload that is one folder (a zipped repository, parlab-main/) is entered; a link never is."""
    current = folder
    for _ in range(3):
        if is_folder(current / "labs"):
            return current
        entries = [e for e in current.iterdir() if not e.name.startswith((".", "__MACOSX"))]
        if len(entries) == 1 and is_folder(entries[0]):
            current = entries[0]
            continue
        break
    return current if is_folder(current / "labs") else folder


def is_folder(path: pathlib.Path) -> bool:
    return path.is_dir() and not path.is_symlink()


def resolve_in_submission(root: pathlib.Path, relative: str) -> tuple[pathlib.Path | None, str]:
    """The submission's regular file at root/relative, or (None, why it was rejected); (None, "")
    when it is simply not there. Every component of the path is checked, not only the file: a
    linked lab folder (labs/01_copying_threads -> the checkout's solutions/01_copying_threads)
    would otherwise hand the grader the reference as the student's file. Rejected: a symbolic
    link at any depth, a file that resolves outside the submission, anything but a regular file,
    a hard link (a file with another name elsewhere)."""
    path = root
    for part in pathlib.PurePath(relative).parts:
        if part in ("..", "/"):
            return None, f"{relative}: the path leaves the submission"
        path = path / part
        if path.is_symlink():
            return None, f"{path.relative_to(root)} is a symbolic link (links are never followed)"
        if not path.exists():
            return None, ""
    try:
        info = path.lstat()
        inside = path.resolve(strict=True).is_relative_to(root.resolve(strict=True))
    except (OSError, RuntimeError) as error:
        return None, f"{relative} cannot be read: {error}"
    if not inside:
        return None, f"{relative} resolves outside the submission"
    if not stat.S_ISREG(info.st_mode):
        return None, f"{relative} is not a regular file"
    if info.st_nlink > 1:
        return None, f"{relative} is a hard link ({info.st_nlink} names)"
    return path, ""


def find_in_submission(root: pathlib.Path, lab_folder: str, file: str, flat_ok: bool,
                       rejected: list[str] | None = None) -> pathlib.Path | None:
    """The submission's copy of a lab file, or None. A rejected path (see resolve_in_submission)
    counts as absent, and why it was rejected is appended to `rejected`."""
    nested, why = resolve_in_submission(root, f"labs/{lab_folder}/{file}")
    if nested is not None:
        return nested
    reasons = [why] if why else []
    if flat_ok:
        flat, why = resolve_in_submission(root, pathlib.PurePath(file).name)
        if flat is not None:
            return flat
        reasons += [why] if why else []
    if rejected is not None:
        rejected += reasons
    return None


def trusted_hashes(checkout: pathlib.Path, checksums: pathlib.Path | None) -> tuple[dict[str, str], str]:
    """Path -> sha256 that the release had, and where they came from. --checksums wins, then the
    checkout's labs/checksums.sha256 (written by scripts/release-student); failing both, the
    checkout's own files are the truth (an instructor's checkout grading --dir submissions)."""
    source = checksums or (checkout / CHECKSUMS)
    if source.is_file():
        hashes = {}
        for line in source.read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                digest, _, path = line.partition("  ")
                hashes[path.strip()] = digest.strip()
        return hashes, str(source)
    return {}, ""


def protected_paths(manifest: grading_manifest.Manifest) -> list[str]:
    return [f"labs/{manifest.name}/{file}" for file in manifest.protected_files]


def global_protected(checkout: pathlib.Path) -> list[str]:
    paths = [p for p in GLOBAL_PROTECTED if (checkout / p).is_file()]
    for folder in GLOBAL_PROTECTED_DIRS:
        paths += sorted(str(p.relative_to(checkout)) for p in (checkout / folder).rglob("*")
                        if p.is_file() and "__pycache__" not in p.parts)
    return paths


def tree_ignore(checkout: pathlib.Path, drop_solutions: set[str]):
    """copytree's ignore function for a lab's sealed tree: drops version control, builds, the
    grader's fixtures, symbolic links (a link could lead out of the tree), and the solutions
    folders named in drop_solutions ('01_copying_threads' ...)."""
    top = checkout.resolve()

    def ignore(folder: str, names: list[str]) -> set[str]:
        here = pathlib.Path(folder).resolve()
        relative = "" if here == top else str(here.relative_to(top))
        skip = set()
        for name in names:
            path = f"{relative}/{name}" if relative else name
            if name in SKIPPED_NAMES or path in SKIPPED_PATHS or (here / name).is_symlink():
                skip.add(name)
            elif not relative and (name in SKIPPED_AT_TOP or name.startswith(("build-", ".configure-"))):
                skip.add(name)
            elif relative == "solutions" and name in drop_solutions:
                skip.add(name)
        return skip

    return ignore


def sealed_solutions(all_solutions: list[str], lab: str, depends: list[str]) -> set[str]:
    """The solutions folders a lab's tree must not hold: every one except those of the labs the
    graded lab builds on (which are all earlier labs)."""
    keep = {d for d in depends if d < lab}
    return {name for name in all_solutions if name[:2] not in keep}


def make_tree(checkout: pathlib.Path, destination: pathlib.Path, lab: str, depends: list[str]) -> None:
    """Copies the checkout to destination without the solutions that lab `lab` must not see."""
    solutions = checkout / "solutions"
    names = sorted(p.name for p in solutions.iterdir()) if solutions.is_dir() else []
    drop = sealed_solutions(names, lab, depends)
    shutil.copytree(checkout, destination, ignore=tree_ignore(checkout, drop), symlinks=True)
    for path in destination.rglob("*"):  # readable by the sandbox's uid, writable by no one else
        path.chmod(0o755 if path.is_dir() else 0o644)

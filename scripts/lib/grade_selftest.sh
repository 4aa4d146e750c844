#!/usr/bin/env bash
# scripts/lib/grade_selftest.sh: the grader's own tests (CI runs them). Grades every fixture
# submission of scripts/grade_fixtures/labNN/cases.json with scripts/grade and checks each report:
# full marks for the reference, zero for the starter, the right words for submissions that crash,
# hang, race, do not compile, edit a test, or meet a grader fault; zero with a plain reason for
# every attack (scripts/grade_fixtures/lab01/attacks/: including the reference, exiting early,
# faking success, detached processes, fork bombs, memory, huge files, sockets, reading the tests),
# the grader exiting 0 with valid files, and no process of the submission alive afterwards; then
# the same reference and one attack in the other modes (GitHub Classroom in place in a student
# release, Gradescope's run_autograder as root, the user sandbox as root); plus a manifest that
# misses a test, and a rule gate.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

if [[ "${1:-}" == -h || "${1:-}" == --help ]]; then
  cat <<'USAGE'
Usage: scripts/lib/grade_selftest.sh [--case NAME]... [--jobs N] [--keep]

Runs the grader's fixture tests (scripts/grade_fixtures/labNN/cases.json); --case runs only the
named cases (those of cases.json, and classroom, gradescope, user_sandbox, manifest_missing_test,
rule_gate, honest_side_by_side: lab 1's reference graded twice at the same time, both full
marks, honest_all_labs: every lab's reference graded at once, which must score full marks);
--jobs N grades N cases at once (default 3; the user-sandbox ones one at a time); --keep keeps
every report under /tmp. Exit status 1 when a case fails.
USAGE
  exit 0
fi
ensure_packages "${PARLAB_BASE_PACKAGES[@]}"
exec "$PARLAB_PYTHON" "$PARLAB_ROOT/scripts/lib/grade_selftest.py" "$@"

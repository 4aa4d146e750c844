#!/usr/bin/env bash
# scripts/lib/grade_selftest.sh: the grader's own tests (CI runs them). Grades every fixture
# submission of scripts/grade_fixtures/labNN/cases.json with scripts/grade and checks each report:
# full marks for the reference, zero for the starter, and the right words for submissions that
# crash, hang, race, do not compile, edit a test, or meet a grader fault; plus a manifest that
# misses a test, and a rule gate. About 100 s on an idle 2-core machine (230 s measured while
# other builds shared it); the race case builds lab 1 a second time with ThreadSanitizer.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

if [[ "${1:-}" == -h || "${1:-}" == --help ]]; then
  cat <<'USAGE'
Usage: scripts/lib/grade_selftest.sh [--case NAME]... [--keep]

Runs the grader's fixture tests (scripts/grade_fixtures/labNN/cases.json); --case runs only the
named cases (full_marks, starter, flat_layout, crash, hang, race, no_compile, edits_test,
grader_fault, manifest_missing_test, rule_gate); --keep keeps every report under /tmp.
Exit status 1 when a case fails.
USAGE
  exit 0
fi
ensure_packages "${PARLAB_BASE_PACKAGES[@]}"
exec "$PARLAB_PYTHON" "$PARLAB_ROOT/scripts/lib/grade_selftest.py" "$@"

#!/usr/bin/env bash
# Run the whole test suite: import-linter contracts (core imports no Qt/napari), mypy on the
# core, and pytest.
#
#   ./scripts/test.sh                 # everything
#   ./scripts/test.sh -k reader -x    # extra arguments go to pytest
#
# Creates .venv when needed and installs the project editable with the pyqt5 and dev extras
# (skipped when already done). pytest-xvfb starts a virtual X server for the napari tests,
# so no display is needed. Exit code: non-zero if a contract, a type check or any test fails.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure_deb_packages "${DEB_PACKAGES[@]}"
ensure_venv "${IMAGING_EXPLORER_QT:-pyqt5},dev"  # IMAGING_EXPLORER_QT=pyqt6: the same suite on Qt 6
export PATH="$VENV/bin:$PATH"
cd "$ROOT"

status=0
say "lint-imports (the core imports no Qt, napari or GUI toolkit)"
lint-imports || status=1
say "mypy (types of the core)"
mypy || status=1
say "pytest $*"
pytest "$@" || status=$?
[[ $status -eq 0 ]] && say "all checks passed" || say "FAILED (exit $status)"
exit "$status"

#!/usr/bin/env bash
# Set up (once) and start napari with imaging-explorer on the sample screening plate.
#
#   ./scripts/demo.sh                 # a napari window, or a screenshot where there is no display
#   ./scripts/demo.sh --screenshot x.png   # always just write a screenshot
#
# Creates .venv (python3 -m venv) when absent, installs the project editable with the
# pyqt5 extra (skipped when already done), makes the sample plate once in the user cache
# folder and opens it. Environment: PYTHON (base interpreter, default python3),
# IMAGING_EXPLORER_VENV (default .venv), DEMO_SCREENSHOT (default demo.png).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

QT_PACKAGES=("${DEB_PACKAGES[@]}")
if have_display; then  # a real screen: no virtual X server needed
    QT_PACKAGES=()
    for p in "${DEB_PACKAGES[@]}"; do [[ $p == xvfb || $p == xauth ]] || QT_PACKAGES+=("$p"); done
fi
ensure_deb_packages "${QT_PACKAGES[@]}"
ensure_venv pyqt5
export PATH="$VENV/bin:$PATH"

if have_display; then
    say "starting napari on the sample plate (display ${DISPLAY:-$WAYLAND_DISPLAY})"
    exec imaging-explorer demo "$@"
fi

shot="${DEMO_SCREENSHOT:-$PWD/demo.png}"
args=("$@") given=0
for ((i = 0; i < ${#args[@]}; i++)); do
    case "${args[i]}" in
        --screenshot) given=1 shot="${args[i + 1]:-$shot}" ;;
        --screenshot=*) given=1 shot="${args[i]#--screenshot=}" ;;
    esac
done
[[ $given -eq 1 ]] || args+=(--screenshot "$shot")
say "no display (\$DISPLAY and \$WAYLAND_DISPLAY are empty): napari cannot open a window here."
say "running it under a virtual X server (xvfb-run) and writing a screenshot instead"
xvfb-run -a -s "-screen 0 1600x1000x24" imaging-explorer demo "${args[@]}"
say "screenshot written to $(realpath "$shot")"
say "for the window, run ./scripts/demo.sh on a machine with a display (or with ssh -X)"

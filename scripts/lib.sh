# Shared by scripts/demo.sh, scripts/test.sh and .ci/run (sourced, not run).
# Sets ROOT, VENV, PY; defines ensure_deb_packages, ensure_venv, have_display.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${IMAGING_EXPLORER_VENV:-$ROOT/.venv}"
PY="$VENV/bin/python"

# Debian packages for Qt (xcb) and OpenGL under a virtual X server (Xvfb).
DEB_PACKAGES=(
    xvfb xauth libgl1 libegl1 libglib2.0-0 libfontconfig1 libdbus-1-3 libxkbcommon-x11-0
    libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0 libxcb-xinerama0
    libxcb-shape0 libxcb-xkb1 libxcb-randr0 libxcb-cursor0
)

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# ensure_deb_packages PKG...: install the Debian packages that are missing (as root),
# or tell exactly what to install. Quick when everything is there.
ensure_deb_packages() {
    local missing=() pkg
    if ! command -v dpkg-query >/dev/null 2>&1; then
        say "not a Debian-like system: make sure Xvfb, xauth, OpenGL and the Qt xcb libraries are installed"
        return 0
    fi
    for pkg in "$@"; do
        [[ "$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null)" == installed ]] || missing+=("$pkg")
    done
    [[ ${#missing[@]} -eq 0 ]] && return 0
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        say "installing Debian packages: ${missing[*]}"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        die "missing Debian packages; install them with:
    sudo apt-get install -y --no-install-recommends ${missing[*]}"
    fi
}

# ensure_venv EXTRAS: create $VENV if needed and install the project editable with EXTRAS
# (e.g. "pyqt5" or "pyqt5,dev"). Skips pip when a stamp of a superset of EXTRAS is newer
# than pyproject.toml.
ensure_venv() {
    local extras="$1" stamp want have ok
    if [[ -x "$PY" ]] && ! "$PY" -c '' 2>/dev/null; then
        say "$VENV is broken (its Python is gone): making it again"
        rm -rf "$VENV"
    fi
    if [[ -x "$PY" ]] && ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
        die "$VENV has $("$PY" --version 2>&1); napari 0.9 needs Python >= 3.11: remove $VENV (or set PYTHON=python3.11) and run again"
    fi
    if [[ ! -x "$PY" ]]; then
        local base="${PYTHON:-python3}"
        command -v "$base" >/dev/null 2>&1 || die "python3 not found: install Python >= 3.11"
        "$base" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
            || die "$("$base" --version 2>&1) is too old: napari 0.9 needs Python >= 3.11 (set PYTHON=/path/to/python3.11)"
        say "creating the virtual environment $VENV"
        if ! "$base" -m venv "$VENV" 2>/dev/null; then
            rm -rf "$VENV"
            if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
                ensure_deb_packages python3-venv
                "$base" -m venv "$VENV"
            else
                die "'$base -m venv' failed; on Debian/Ubuntu: sudo apt-get install python3-venv"
            fi
        fi
    fi
    for stamp in "$VENV"/.installed-*; do
        [[ -f "$stamp" && "$stamp" -nt "$ROOT/pyproject.toml" ]] || continue
        have=",${stamp##*/.installed-},"
        ok=1
        IFS=, read -ra want <<<"$extras"
        for extra in "${want[@]}"; do [[ "$have" == *",$extra,"* ]] || ok=0; done
        [[ $ok -eq 1 ]] && return 0
    done
    say "installing imaging-explorer[$extras] into $VENV (the first time takes a few minutes)"
    "$PY" -m pip install --quiet --disable-pip-version-check -e "$ROOT[$extras]"
    rm -f "$VENV"/.installed-*
    touch "$VENV/.installed-$extras"
}

have_display() { [[ -n "${DISPLAY:-}" || -n "${WAYLAND_DISPLAY:-}" ]]; }

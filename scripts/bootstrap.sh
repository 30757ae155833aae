# Sourced by scripts/demo, scripts/test and scripts/lock: makes ./.venv hold
# exactly the lock's bytes (requirements/lock.txt, every package pinned with
# its hashes) and the project itself, on a machine that has only Python 3.11+
# and root. Re-installs only when the lock or pyproject.toml changed since the
# last install.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
STAMP="$VENV/.lastmile-installed"
LOCK="$ROOT/requirements/lock.txt"

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

apt_install() {
    # Debian packages the project needs beyond Python itself.
    echo "lastmile: installing Debian packages: $*" >&2
    as_root apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

find_python() {
    for candidate in python3.11 python3.12 python3.13 python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
            echo "$candidate"
            return 0
        fi
    done
    echo "lastmile: Python 3.11 or newer is required (none found on PATH)" >&2
    return 1
}

ensure_venv() {
    local python
    python="$(find_python)"
    if [ ! -x "$VENV/bin/python" ]; then
        if ! "$python" -m venv "$VENV" 2>/dev/null; then
            rm -rf "$VENV"
            apt_install python3-venv
            "$python" -m venv "$VENV"
        fi
    fi
    local wanted
    wanted="$(cat "$LOCK" "$ROOT/pyproject.toml" | sha256sum | cut -d' ' -f1)"
    if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$wanted" ]; then
        echo "lastmile: installing the locked dependencies into .venv (first run takes a minute)" >&2
        # Every package, the installer and the build backend included, must
        # match a hash in the lock; then the project itself, whose
        # dependencies are all in place, built by the locked setuptools.
        "$VENV/bin/python" -m pip install -q --require-hashes -r "$LOCK"
        "$VENV/bin/python" -m pip install -q --no-deps --no-build-isolation -e "$ROOT"
        echo "$wanted" >"$STAMP"
    fi
}

ensure_venv
export PATH="$VENV/bin:$PATH"
cd "$ROOT"

# Sourced by scripts/demo, scripts/test and scripts/lock: makes ./.venv hold
# exactly the full lock's bytes (requirements/lock.txt, every package pinned
# with its hashes) and the project itself, on a machine that has only Python
# 3.11+ and root. Re-installs only when the lock or pyproject.toml changed
# since the last install. scripts/test also builds the app's and the server's
# environments alone (ensure_side_venv) from their own locks.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
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

make_venv() {
    local venv="$1" python
    python="$(find_python)"
    if [ ! -x "$venv/bin/python" ]; then
        if ! "$python" -m venv "$venv" 2>/dev/null; then
            rm -rf "$venv"
            apt_install python3-venv
            "$python" -m venv "$venv"
        fi
    fi
}

ensure_uv() {
    # uv installs the locks (seconds where pip took minutes: it downloads
    # and unpacks in parallel). It comes from the full lock itself, hash
    # checked by the pip every venv starts with, so nothing unpinned runs.
    if [ ! -x "$VENV/bin/uv" ]; then
        "$VENV/bin/python" -m pip install -q --require-hashes -r <(
            awk '/^uv==/ {keep = 1; print; next} keep && /^ / {print; next} {keep = 0}' "$LOCK"
        )
    fi
}

install_locked() {
    # Every package, the installer and the build backend included, must
    # match a hash in the lock, and nothing else stays installed; then the
    # project itself, whose dependencies are all in place, built by the
    # locked setuptools. Compiled to bytecode here, once: uv leaves none, and
    # where PYTHONDONTWRITEBYTECODE is set no process writes any, so each
    # one (every server, app and test worker) compiled every module it
    # imported from source, about two seconds of CPU a start.
    local venv="$1" lock="$2"
    ensure_uv
    "$VENV/bin/uv" pip sync -q --require-hashes --compile-bytecode --python "$venv/bin/python" "$lock"
    "$VENV/bin/uv" pip install -q --no-deps --no-build-isolation --python "$venv/bin/python" -e "$ROOT"
}

ensure_venv() {
    make_venv "$VENV"
    local stamp="$VENV/.lastmile-installed" wanted
    wanted="$(cat "$LOCK" "$ROOT/pyproject.toml" | sha256sum | cut -d' ' -f1)"
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
        echo "lastmile: installing the locked dependencies into .venv (first run takes a minute)" >&2
        install_locked "$VENV" "$LOCK"
        echo "$wanted" >"$stamp"
    fi
}

ensure_side_venv() {
    # .venv-app or .venv-server: exactly one side's lock (lock-app.txt,
    # lock-server.txt), kept between runs and built again from nothing when
    # the lock changes (installing over an old one would keep packages the
    # lock dropped); the project is re-installed when pyproject.toml changes.
    local side="$1"
    local venv="$ROOT/.venv-$side" lock="$ROOT/requirements/lock-$side.txt"
    local stamp="$ROOT/.venv-$side/.lastmile-installed" wanted
    wanted="$(sha256sum "$lock" | cut -d' ' -f1)"
    if [ ! -f "$stamp" ] || [ "$(head -n1 "$stamp")" != "$wanted" ]; then
        echo "lastmile: building .venv-$side from requirements/lock-$side.txt" >&2
        rm -rf "$venv"
        make_venv "$venv"
        install_locked "$venv" "$lock"
    elif [ "$(sed -n 2p "$stamp")" != "$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)" ]; then
        "$VENV/bin/uv" pip install -q --no-deps --no-build-isolation --python "$venv/bin/python" -e "$ROOT"
    fi
    printf '%s\n%s\n' "$wanted" "$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)" >"$stamp"
}

ensure_venv
export PATH="$VENV/bin:$PATH"
cd "$ROOT"

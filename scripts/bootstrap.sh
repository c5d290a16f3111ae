#!/usr/bin/env bash
# Idempotent set-up for `make run` and `make test` on Debian/Ubuntu:
# system packages (PostgreSQL + PostGIS, GDAL tools), then a virtualenv with onegrid.
set -euo pipefail
cd "$(dirname "$0")/.."

# chromium: the browser tests (tests/browser/) drive it headless through Playwright.
# postgresql-pgrouting (on Debian 12 postgresql-15-pgrouting): road distance for dispatch;
# like PostGIS it lands in the server's own extension directory, where the embedded
# cluster finds it. onegrid runs without it (straight-line distance), so an external
# server need not have it.
SYSTEM_PACKAGES=(postgresql postgresql-contrib postgresql-postgis postgresql-pgrouting
                  gdal-bin acl python3-venv chromium)
# `make bench` also needs the HTTP load generator the benchmarks drive.
if [[ ${ONEGRID_BENCH:-} == 1 ]]; then SYSTEM_PACKAGES+=(wrk); fi

missing=()
for pkg in "${SYSTEM_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done
if ((${#missing[@]})); then
    echo "onegrid: installing system packages: ${missing[*]}"
    if [[ $(id -u) -eq 0 ]]; then SUDO=(); else SUDO=(sudo -n); fi
    export DEBIAN_FRONTEND=noninteractive
    if ! "${SUDO[@]}" apt-get install -y --no-install-recommends "${missing[@]}"; then
        "${SUDO[@]}" apt-get update
        "${SUDO[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
    fi
fi

PYTHON=${PYTHON:-python3}
VENV=.venv
if [[ ! -x $VENV/bin/python ]]; then
    echo "onegrid: creating virtualenv in $VENV"
    "$PYTHON" -m venv "$VENV"
fi
# Reinstall only when the dependency list changed.
stamp=$VENV/.onegrid-installed
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
    echo "onegrid: installing the project into $VENV"
    "$VENV/bin/pip" install --quiet --upgrade pip
    "$VENV/bin/pip" install --quiet -e '.[dev]'
    echo "$want" > "$stamp"
fi

# `make bench` compares vector tiles with tipg (bench/tiles.py), in a venv of its own so
# that its pins never touch the project's.
if [[ ${ONEGRID_BENCH:-} == 1 && ! -x .venv-tipg/bin/python ]]; then
    echo "onegrid: installing tipg for the benchmarks into .venv-tipg"
    "$PYTHON" -m venv .venv-tipg
    .venv-tipg/bin/pip install --quiet tipg==1.6.1 uvicorn uvloop httptools
fi

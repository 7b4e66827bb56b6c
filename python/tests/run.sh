#!/usr/bin/env bash
# Runs the dneck Python tests: a venv cached under ~/.cache (override with DNECK_TEST_VENV),
# `pip install ./python pytest`, then the real frameworks CPU-only (torch, keras, jax, flax);
# a framework that cannot be installed has its tests skipped, and says so.
set -euo pipefail
TESTS=$(cd "$(dirname "$0")" && pwd)
PKG=$(dirname "$TESTS")
VENV=${DNECK_TEST_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/dneck-py-tests/venv}
SYSTEM_PYTHON=/usr/bin/python3

make_venv() {
    "$SYSTEM_PYTHON" -m venv "$VENV" >/dev/null 2>&1 && return 0
    rm -rf "$VENV"
    echo "run.sh: $SYSTEM_PYTHON -m venv failed; installing python3-venv" >&2
    apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
    "$SYSTEM_PYTHON" -m venv "$VENV"
}

# A CPU-only torch wheel from pip's find-links if there is one (PyPI's default torch pulls
# in several GB of CUDA libraries), else PyPI's torch.
torch_requirement() {
    local dir wheel
    for dir in $("$VENV/bin/pip" config get global.find-links 2>/dev/null || true); do
        wheel=$(ls "$dir"/torch-*+cpu-*.whl 2>/dev/null | sort -V | tail -n 1 || true)
        if [ -n "$wheel" ]; then echo "$wheel"; return; fi
    done
    echo torch
}

try_install() {  # try_install NAME REQUIREMENT...
    local name=$1; shift
    if ! "$VENV/bin/pip" install -q "$@" >"$VENV/install-$name.log" 2>&1; then
        echo "run.sh: SKIPPING the $name tests: 'pip install $*' failed (see $VENV/install-$name.log)" >&2
    fi
}

start=$(date +%s)
[ -x "$VENV/bin/python" ] || make_venv
"$VENV/bin/pip" install -q "$PKG" pytest
"$VENV/bin/pip" install -q --force-reinstall --no-deps "$PKG"   # the package as it is now
try_install torch "$(torch_requirement)"
try_install jax jax flax
if "$VENV/bin/python" -c "import jax" 2>/dev/null; then export KERAS_BACKEND=jax; else export KERAS_BACKEND=torch; fi
try_install keras keras
echo "run.sh: environment ready in $(( $(date +%s) - start )) s (Keras backend: $KERAS_BACKEND)"

cd "$PKG"
status=0
"$VENV/bin/pytest" -p no:cacheprovider -rs "$TESTS" "$@" || status=$?
echo "run.sh: total $(( $(date +%s) - start )) s"
exit $status

#!/usr/bin/env bash
# Installs qa_coach and everything it needs into ./.venv (idempotent).
#   bash scripts/bootstrap.sh          the product
#   bash scripts/bootstrap.sh --dev    the product plus the test tools
# torch is installed first and pinned, so nothing that depends on it can pull another
# build (an unpinned torch would fetch several GB of CUDA packages).
set -euo pipefail
cd "$(dirname "$0")/.."

TORCH_VERSION="2.13.0"
PYTHON="${PYTHON:-python3}"
extras=""
[[ "${1:-}" == "--dev" ]] && extras="[dev]"

if [[ ! -x .venv/bin/python ]]; then
    "$PYTHON" -m venv .venv
fi
pip() { .venv/bin/python -m pip --disable-pip-version-check "$@"; }

if ! .venv/bin/python -c "import torch, sys; sys.exit(torch.__version__.split('+')[0] != '$TORCH_VERSION')" 2>/dev/null; then
    pip install --quiet --upgrade pip
    pip install --quiet "torch==$TORCH_VERSION"
fi
pip install --quiet -e ".$extras"

# The browser test (tests/e2e) drives Debian's chromium through its chromedriver.
if [[ -n "$extras" ]] && ! { command -v chromium && command -v chromedriver; } >/dev/null; then
    if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q
        apt-get install -y -q --no-install-recommends chromium chromium-driver
    else
        echo "note: chromium and chromedriver are not installed and this script can install them only" \
             "as root with apt-get; the browser test (tests/e2e) skips without them, and fails in CI." \
             "Install them with: sudo apt-get install chromium chromium-driver" >&2
    fi
fi
.venv/bin/qa-coach --version

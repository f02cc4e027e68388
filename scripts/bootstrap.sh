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

# The browser test (tests/e2e) drives Debian's chromium through its chromedriver; the
# benchmarks' baseline, openai-whisper's `whisper` command, reads audio through ffmpeg.
missing=()
if [[ -n "$extras" ]]; then
    command -v chromium >/dev/null || missing+=(chromium)
    command -v chromedriver >/dev/null || missing+=(chromium-driver)
    command -v ffmpeg >/dev/null || missing+=(ffmpeg)
fi
if (( ${#missing[@]} )); then
    if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q
        apt-get install -y -q --no-install-recommends "${missing[@]}"
    else
        echo "note: ${missing[*]} not installed, and this script can install them only as root with" \
             "apt-get; the browser test (tests/e2e) skips without chromium (and fails in CI), and" \
             "bench/ runs the whisper command only with ffmpeg." \
             "Install them with: sudo apt-get install ${missing[*]}" >&2
    fi
fi
.venv/bin/qa-coach --version

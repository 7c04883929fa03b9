#!/usr/bin/env bash
# Screenshots of every `mlcost serve` page on the demo organisation, into docs/serve/:
# the browser test (tests/serve/test_browser.py) saves one per page it visits when
# MLCOST_SERVE_SCREENSHOTS names a folder. Needs /usr/bin/chromium and the test extra.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-docs/serve}"
MLCOST_SERVE_SCREENSHOTS="$out" .venv/bin/python -m pytest -q -p no:cacheprovider \
  tests/serve/test_browser.py
# keep them small: 256 colours (pngquant when installed; the PNGs are committed)
if command -v pngquant >/dev/null; then
  pngquant --force --ext .png --quality 60-90 "$out"/*.png
fi
ls -l "$out"

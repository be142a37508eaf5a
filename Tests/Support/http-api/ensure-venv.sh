#!/usr/bin/env bash
# The PyPI `prometheus_client` (its text-format parser is the independent check of GET /metrics) and
# `websockets` (to drive headless Chromium over the DevTools protocol for the live-page screenshots),
# in their own venv, for HTTPAPIInteropTests (live-page.py). Idempotent: quick when already there.
set -euo pipefail
venv="${HTTP_VENV:-/var/tmp/chargekit-http-venv}"
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import prometheus_client, websockets' 2>/dev/null; then
  echo "http venv ready: $venv"
  exit 0
fi
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "prometheus_client==0.26.0" "websockets>=13,<16"
"$venv/bin/python" -c 'import prometheus_client; print("http venv ready:", prometheus_client.__file__)'

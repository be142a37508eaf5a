#!/usr/bin/env bash
# The PyPI `ocpp` library (its OCPP 1.6 central-system side and the OCA JSON schemas it ships in
# ocpp/v16/schemas) and `websockets`, in their own venv, for the OCPP interop tests (csms.py).
# Idempotent: quick when the venv already has the pinned versions.
set -euo pipefail
venv="${OCPP_VENV:-/var/tmp/chargekit-ocpp-venv}"
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import ocpp, websockets, jsonschema' 2>/dev/null; then
  echo "ocpp venv ready: $venv"
  exit 0
fi
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "ocpp==2.1.0" "websockets>=13,<16" jsonschema
"$venv/bin/python" -c 'import ocpp, websockets; print("ocpp venv ready:", ocpp.__file__)'

#!/usr/bin/env bash
# Creates (once) the virtual environment with the independent SLAC peers: pyslac 0.8.3 (EVSE session
# and its scapy example EV). marshmallow must stay below 4 for pyslac's `environs` (slac.md §11.1).
# Idempotent and quick when the venv is already there; bounded in time.
set -euo pipefail
venv="${PYSLAC_VENV:-/var/tmp/chargekit-pyslac-venv}"
stamp="$venv/.chargekit-pyslac-0.8.3"
if [ -f "$stamp" ] && "$venv/bin/python" -c "import pyslac.session, scapy" 2>/dev/null; then
  exit 0
fi
python3 -m venv "$venv"
timeout 300 "$venv/bin/pip" install -q --disable-pip-version-check 'pyslac==0.8.3' 'marshmallow<4' 'scapy==2.8.0'
"$venv/bin/python" -c "import pyslac.session, scapy"
touch "$stamp"

#!/usr/bin/env bash
# Creates (once) the virtual environment with python-can and msgpack: the independent peer our
# udp_multicast CAN bus (UDPMulticastCANBus) is tested against, and what
# Tests/Support/advantics-peer/play-secc.py runs on (with cantools for the vendor KCD). Idempotent and
# quick when the venv is already there; bounded in time.
set -euo pipefail
venv="${PYTHON_CAN_VENV:-/var/tmp/chargekit-pycan-venv}"
can_version=4.6.1
msgpack_version=1.2.4
cantools_version=45.1.0
stamp="$venv/.chargekit-python-can-$can_version-$msgpack_version-$cantools_version"
if [ -f "$stamp" ] && "$venv/bin/python" -c "import can, msgpack, cantools" 2>/dev/null; then
  exit 0
fi
python3 -m venv "$venv"
timeout 300 "$venv/bin/pip" install -q --disable-pip-version-check \
  "python-can==$can_version" "msgpack==$msgpack_version" "cantools==$cantools_version"
"$venv/bin/python" -c "import can, msgpack, cantools"
touch "$stamp"

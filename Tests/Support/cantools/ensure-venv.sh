#!/usr/bin/env bash
# Creates (once) the virtual environment with cantools, the independent CAN database codec the
# ADVANTICS cross-check tests compare our codec against (they load the vendor KCD/DBC files from
# ../shared/specs/data). Idempotent and quick when the venv is already there; bounded in time.
set -euo pipefail
venv="${CANTOOLS_VENV:-/var/tmp/chargekit-cantools-venv}"
version=45.1.0
stamp="$venv/.chargekit-cantools-$version"
if [ -f "$stamp" ] && "$venv/bin/python" -c "import cantools" 2>/dev/null; then
  exit 0
fi
python3 -m venv "$venv"
timeout 300 "$venv/bin/pip" install -q --disable-pip-version-check "cantools==$version"
"$venv/bin/python" -c "import cantools"
touch "$stamp"

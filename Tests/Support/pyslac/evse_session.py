"""Drives pyslac's EVSE (`SlacEvseSession`) for one association on one interface, instead of its
example's JSON configuration. Our runner, not pyslac code:

    python evse_session.py IFACE [LIMIT_SECONDS]

1. CM_SET_KEY.REQ via `evse_set_key()` (a modem, or our stand-in, must answer it);
2. control pilot "B" through `SlacSessionController.process_cp_state`, which starts pyslac's
   matching task; prints READY;
3. waits (bounded) for STATE_MATCHED, prints a RESULT line with the NID and the NMK's fingerprint
   (never the key itself), then pilot "A".

The settle time pyslac waits after CM_SET_KEY (10 s, not an ISO timer, slac.md §4) is a module
constant; the runner sets it to CK_SETTLE seconds (default 0.5) so the test stays short.
"""
import asyncio
import hashlib
import os
import sys
import time

import pyslac.session as session
from pyslac.enums import STATE_MATCHED
from pyslac.environment import Config

session.SLAC_SETTLE_TIME = float(os.environ.get("CK_SETTLE", "0.5"))


def fingerprint(nmk: bytes) -> str:
    """The key as ChargeKit prints it: never in full, only nmk# + the first 4 bytes of its SHA-256."""
    return "nmk#" + hashlib.sha256(nmk).hexdigest()[:8]


async def main(iface: str, limit: float) -> int:
    config = Config()
    config.load_envs()
    evse = session.SlacEvseSession("CHARGEKIT-INTEROP", iface, config)
    await evse.evse_set_key()
    print(f"KEY nid={evse.nid.hex()} nmk={fingerprint(evse.nmk)}", flush=True)
    controller = session.SlacSessionController()
    await controller.process_cp_state(evse, "B")
    await asyncio.sleep(0.05)
    print("READY", flush=True)
    deadline = time.monotonic() + limit
    while evse.state != STATE_MATCHED and time.monotonic() < deadline:
        await asyncio.sleep(0.005)
    matched = evse.state == STATE_MATCHED
    if matched:
        print(f"RESULT matched peer={evse.pev_mac.hex(':')} nid={evse.nid.hex()} nmk={fingerprint(evse.nmk)}", flush=True)
    else:
        print("RESULT failed", flush=True)
    await controller.process_cp_state(evse, "A")
    return 0 if matched else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 20.0)))

"""Runs pyslac's example EV (pyslac/examples/ev_slac_scapy.py, unmodified on disk) on IFACE.

    python example_ev.py IFACE

The example is a script whose interface is the module constant IFACE = "enp0s3". This runner reads
the installed file, sets that constant to IFACE in the parsed program (the package stays untouched)
and runs it. Its two start-up sleeps (10 s each, only there to wait out pyslac's own EVSE settle
time) are shortened to CK_STARTUP_SLEEP seconds (default 0.5); its 100/200 ms SLAC pacing is kept.

The example only sends; it never looks at what comes back, so it would exit 0 whether or not it was
matched. This runner gives the EV a verdict of its own: a scapy sniffer on IFACE, started before the
example runs, waits (CK_MATCH_WAIT seconds after the example's last frame, default 3) for a
CM_SLAC_MATCH.CNF addressed to this EV and checks it (PEV MAC = ours, MVFLength, a NID with its two
top bits clear, a non-zero NMK). It prints one line and exits 0 only on a match:

    RESULT matched evse=MAC nid=HEX nmk=nmk#FINGERPRINT     (the key only as a fingerprint)
    RESULT failed reason="..."                             (exit 1)
"""
import ast
import hashlib
import importlib.util
import os
import sys
import time

from scapy.all import AsyncSniffer, get_if_hwaddr

iface = sys.argv[1]
startup = float(os.environ.get("CK_STARTUP_SLEEP", "0.5"))
_real_sleep = time.sleep


def _sleep(seconds: float) -> None:
    _real_sleep(min(seconds, startup) if seconds >= 5 else seconds)


time.sleep = _sleep  # the example does `from time import sleep` when it runs, below

spec = importlib.util.find_spec("pyslac.examples.ev_slac_scapy")
tree = ast.parse(spec.loader.get_source(spec.name), spec.origin)
pinned = 0
for node in tree.body:
    if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "IFACE" for t in node.targets):
        node.value = ast.Constant(iface)
        pinned += 1
if pinned != 1:
    sys.exit("example_ev: IFACE constant not found in the example")
ast.fix_missing_locations(tree)
# CM_SLAC_MATCH.CNF: EtherType 0x88E1, MMV 1, MMTYPE 0x607D little-endian at frame bytes 15-16.
ETHERTYPE_HPAV = b"\x88\xe1"
MATCH_CNF = b"\x7d\x60"
own_mac = get_if_hwaddr(iface).lower()


def is_match_confirm(packet) -> bool:
    raw = bytes(packet)
    return len(raw) >= 109 and raw[12:14] == ETHERTYPE_HPAV and raw[15:17] == MATCH_CNF


def mac(raw: bytes) -> str:
    return ":".join(f"{b:02x}" for b in raw)


def verdict(frames) -> tuple:
    """(True, RESULT line) for the first well-formed CM_SLAC_MATCH.CNF to this EV, else (False, reason)."""
    if not frames:
        return False, "no CM_SLAC_MATCH.CNF received"
    for packet in frames:
        raw = bytes(packet)
        if mac(raw[0:6]) != own_mac:
            continue
        if mac(raw[40:46]) != own_mac:
            return False, f"CM_SLAC_MATCH.CNF names PEV MAC {mac(raw[40:46])}, not ours ({own_mac})"
        mvf_length = int.from_bytes(raw[21:23], "little")
        nid, nmk = raw[85:92], raw[93:109]
        if mvf_length != 0x56:
            return False, f"CM_SLAC_MATCH.CNF MVFLength {mvf_length:#x}, expected 0x56"
        if nid[6] & 0xC0:
            return False, f"NID {nid.hex()} has its top bits set"
        if nmk == bytes(16):
            return False, "CM_SLAC_MATCH.CNF carries an all-zero NMK"
        fingerprint = "nmk#" + hashlib.sha256(nmk).hexdigest()[:8]
        return True, f"RESULT matched evse={mac(raw[6:12])} nid={nid.hex()} nmk={fingerprint}"
    return False, f"CM_SLAC_MATCH.CNF seen, but none addressed to {own_mac}"


captured = []
sniffer = AsyncSniffer(iface=iface, lfilter=is_match_confirm, prn=captured.append, store=False)
sniffer.start()
module = {"__name__": "ev_slac_scapy_example", "__file__": spec.origin}
try:
    exec(compile(tree, spec.origin, "exec"), module)
    print("EV DONE", flush=True)
    deadline = time.monotonic() + float(os.environ.get("CK_MATCH_WAIT", "3"))
    while time.monotonic() < deadline and not verdict(list(captured))[0]:
        _real_sleep(0.05)
finally:
    sniffer.stop()
matched, line = verdict(list(captured))
print(line if matched else f'RESULT failed reason="{line}"', flush=True)
sys.exit(0 if matched else 1)

"""Runs pyslac's example EV (pyslac/examples/ev_slac_scapy.py, unmodified on disk) on IFACE.

    python example_ev.py IFACE

The example is a script whose interface is the module constant IFACE = "enp0s3". This runner reads
the installed file, sets that constant to IFACE in the parsed program (the package stays untouched)
and runs it. Its two start-up sleeps (10 s each, only there to wait out pyslac's own EVSE settle
time) are shortened to CK_STARTUP_SLEEP seconds (default 0.5); its 100/200 ms SLAC pacing is kept.
"""
import ast
import importlib.util
import os
import sys
import time

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
module = {"__name__": "ev_slac_scapy_example", "__file__": spec.origin}
exec(compile(tree, spec.origin, "exec"), module)
print("EV DONE", flush=True)

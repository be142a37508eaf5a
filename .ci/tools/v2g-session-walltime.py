#!/usr/bin/env python3
"""A whole V2G session's wall time, ours against Josev, each side (issue 14's last benchmark).

For one protocol, N rounds; each round runs four sessions through ../shared/tools/josev/run-pair.sh
over its veth pair, interleaved so that load on the shared machine hits all four alike:

  secc-ours    our SECC  (boardctl v2g --role secc) <-> Josev EVCC
  secc-josev   Josev SECC                           <-> Josev EVCC
  evcc-ours    Josev SECC                           <-> our EVCC (boardctl v2g --role evcc)
  evcc-josev   Josev SECC                           <-> Josev EVCC

The time of a session is measured on the Josev side that is in both pairs of a comparison, from its
own log (josev-log-summary.py): the Josev EVCC's SDP request -> SessionStopRes for the SECC
comparison, the Josev SECC's SDP request -> SessionStopRes for the EVCC one. So the same clock and
the same parser measure ours and Josev's; what differs is only the other side. (secc-josev and
evcc-josev are the same pair, measured from either end.) Printed: per configuration n, median, p90,
messages and CurrentDemand count; per side the ratio ours/Josev of the medians and of the p90s, and the
per-message ratio (the EVs end their loops after different counts). A second measure, SDP request ->
first CurrentDemandReq (the session's set-up, through cable check, precharge and PowerDelivery), is taken from the
same log whether or not the session then ended cleanly: on a loaded 2-core machine Josev's SECC misses
the 250 ms CurrentDemandRes deadline and a Josev<->Josev session often ends there.

  .ci/tools/v2g-session-walltime.py --boardctl BIN [--protocol din|iso2] [-n 5] [--out DIR]    (root; ~2 min per round)
  .ci/tools/v2g-session-walltime.py --logs DIR [--protocol ...]    the numbers again from a run's logs
"""
import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
JOSEV = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "tools", "josev"))  # .ci/tools -> ../shared


def summary_module():
    spec = importlib.util.spec_from_file_location("summary", os.path.join(JOSEV, "josev-log-summary.py"))
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    return m


def stamp(line):
    """The time of a Josev log line ("INFO    2026-12-07 00:08:43,123 - ...")."""
    from datetime import datetime
    parts = line.split()
    try:
        return datetime.strptime(parts[1] + " " + parts[2], "%Y-%m-%d %H:%M:%S,%f").timestamp()
    except (IndexError, ValueError):
        return None


def span(log, starts, ends):
    """Seconds from the first line with one of `starts` to the next line with one of `ends`, in a Josev
    EVCC or SECC log (None: not reached)."""
    start = end = None
    try:
        with open(log, errors="replace") as f:
            for line in f:
                if start is None and any(s in line for s in starts):
                    start = stamp(line)
                elif start is not None and any(e in line for e in ends):
                    end = stamp(line)
                    break
    except OSError:
        return None
    return end - start if start is not None and end is not None else None


def setup_time(log):
    """SDP request -> first CurrentDemandReq (the charge loop starts)."""
    return span(log, ("Sending SDPRequest", "SDPRequest received"), ("Sent CurrentDemandReq", "CurrentDemandReq received"))


def power_path_wait(log):
    """First CableCheckReq -> first PowerDeliveryReq: the time the session waits on the power path (the
    isolation test and the precharge ramp), which Josev's simulated EVSE skips (it answers Finished at
    once) and our SECC's simulated plant takes as a real one would."""
    return span(log, ("Sent CableCheckReq", "CableCheckReq received"), ("Sent PowerDeliveryReq", "PowerDeliveryReq received"))


def p90(xs):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(0.9 * (len(xs) - 1))))]


def run(config, proto, boardctl, out, n):
    side, who = config.split("-")
    env = dict(os.environ, LOG_DIR=os.path.join(out, f"{config}.{n}"), TIMEOUT="90", KEEP_GOING="1", RETRIES="0")
    if who == "ours" and side == "secc":
        env["SECC_CMD"] = f'exec {boardctl} v2g --role secc --interface "$IFACE" --protocol "$PROTOCOL" --seconds 110'
        env["SECC_READY_REGEX"] = "listening"
    elif who == "ours":
        # As josev-session.sh: Josev's simulated EVSE does not follow the targets; its SECC needs more
        # than the standard's 250 ms per CurrentDemandRes on this machine.
        env["EVCC_CMD"] = (f'exec {boardctl} v2g --role evcc --interface "$IFACE" --protocol "$PROTOCOL" --seconds 110 '
                           f"--simulated-evse --current-demand-timeout 1000")
    log = os.path.join(out, f"{config}.{n}.run-pair.log")
    with open(log, "w") as f:
        subprocess.run(["timeout", "-k", "10", "240", os.path.join(JOSEV, "run-pair.sh"), proto], env=env,
                       stdout=f, stderr=subprocess.STDOUT)
    # The Josev side both pairs of the comparison share.
    josev_log = os.path.join(env["LOG_DIR"], "evcc.log" if side == "secc" else "secc.log")
    return josev_log


def main():
    a = argparse.ArgumentParser()
    a.add_argument("--boardctl", required=True)
    a.add_argument("--protocol", default="din", choices=["din", "iso2"])
    a.add_argument("-n", type=int, default=5)
    a.add_argument("--out", default=f"/tmp/v2g-session-walltime.{os.getpid()}")
    a.add_argument("--logs", help="do not run: summarise the logs of an earlier run in this directory")
    args = a.parse_args()
    if args.logs:
        args.out = args.logs
        args.n = max(int(d.rsplit(".", 1)[1]) for d in os.listdir(args.logs) if d.startswith("secc-ours.") and d[-1].isdigit())
    os.makedirs(args.out, exist_ok=True)
    summary = summary_module()
    configs = ["secc-ours", "secc-josev", "evcc-ours", "evcc-josev"]
    results = {c: [] for c in configs}
    failures = {c: 0 for c in configs}
    setups = {c: [] for c in configs}
    protocol_times = {c: [] for c in configs}
    for n in range(1, args.n + 1):
        for c in configs:
            started = time.monotonic()
            if args.logs:
                log = os.path.join(args.out, f"{c}.{n}", "evcc.log" if c.startswith("secc") else "secc.log")
            else:
                log = run(c, args.protocol, args.boardctl, args.out, n)
            t = setup_time(log)
            if t is not None:
                setups[c].append(t)
            try:
                r = summary.summarise(log, args.protocol)
            except Exception as e:  # no log: the pair did not start
                r = {"ended_cleanly": False, "error": str(e)}
            if r.get("ended_cleanly") and r.get("sdp_to_session_stop_res_s") is not None:
                results[c].append(r)
                wait = power_path_wait(log)
                if wait is not None:
                    protocol_times[c].append(r["sdp_to_session_stop_res_s"] - wait)
                print(f"round {n} {c}: {r['sdp_to_session_stop_res_s']:.3f} s SDP->SessionStopRes, "
                      f"{r['messages_exchanged']} messages, {r['charge_loop_count']} x CurrentDemand "
                      f"({time.monotonic() - started:.0f} s run)", flush=True)
            else:
                failures[c] += 1
                print(f"round {n} {c}: no clean session (log {log}); SDP->first CurrentDemandReq {t if t is None else round(t, 3)} s", flush=True)
    print(f"\nv2g-session-walltime {args.protocol}: {args.n} round(s), SDP request -> SessionStopRes on the Josev side")
    stats = {}
    for c in configs:
        xs = [r["sdp_to_session_stop_res_s"] for r in results[c]]
        if not xs:
            print(f"  {c:11s} no clean session in {failures[c]} run(s)")
            continue
        msgs = statistics.median(r["messages_exchanged"] for r in results[c])
        loops = statistics.median(r["charge_loop_count"] for r in results[c])
        stats[c] = (statistics.median(xs), p90(xs), msgs)
        print(f"  {c:11s} n={len(xs)} median {stats[c][0]:.3f} s  p90 {stats[c][1]:.3f} s  "
              f"messages {msgs:g}  CurrentDemand {loops:g}  failed {failures[c]}")
    for side in ("secc", "evcc"):
        o, j = stats.get(f"{side}-ours"), stats.get(f"{side}-josev")
        if o and j:
            print(f"  {side.upper()} ours/Josev: median {o[0] / j[0]:.2f}, p90 {o[1] / j[1]:.2f}, "
                  f"per message (median) {(o[0] / o[2]) / (j[0] / j[2]):.2f}")
    def report(title, label, times):
        print(title)
        for c in configs:
            xs = times[c]
            print(f"  {c:11s} n={len(xs)}" + (f" median {statistics.median(xs):.3f} s  p90 {p90(xs):.3f} s" if xs else ""))
        for side in ("secc", "evcc"):
            o, j = times[f"{side}-ours"], times[f"{side}-josev"]
            if o and j:
                print(f"  {side.upper()} ours/Josev {label}: median {statistics.median(o) / statistics.median(j):.2f}, "
                      f"p90 {p90(o) / p90(j):.2f}")

    report("SDP request -> first CurrentDemandReq (set-up; clean end not required)", "set-up", setups)
    report("SDP request -> SessionStopRes without the power path's wait (first CableCheckReq -> first PowerDeliveryReq)",
           "without the power path", protocol_times)
    json.dump({c: results[c] for c in configs}, open(os.path.join(args.out, "results.json"), "w"), indent=1, default=str)
    sys.exit(0 if all(stats.get(c) for c in configs) else 1)


if __name__ == "__main__":
    main()

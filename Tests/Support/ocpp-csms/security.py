#!/usr/bin/env python3
"""OCPP 1.6J security profiles 1 and 2 and Reset, against `chargerd --board sim`, with the PyPI `ocpp` library's
central system (csms.py's, every CALL checked against the OCA schemas) behind a TLS server of `websockets` that
checks HTTP Basic credentials itself, on loopback only.

The test makes its own PKI with openssl in --state: a root, a server certificate for 127.0.0.1 signed by it, and
a second root that signed nothing here. Three chargerd processes, one per phase:

  tls-address-needs-name  wss://127.0.0.1 without --ocpp-tls-name: chargerd refuses to start and says why.
  tls-untrusted       wss:// with the other root as --ocpp-ca: the TLS handshake fails, no HTTP request reaches
                      the server, chargerd keeps retrying (alive, the failure logged) and stops cleanly on SIGTERM.
  basic-auth-refused  the right root, a wrong AuthorizationKey: each upgrade request carries Basic credentials,
                      the server answers 401, chargerd retries with its backoff, never boots, stops cleanly.
  profile-2           the right root and the key from --ocpp-password-file: TLS 1.2 or 1.3, the exact Basic header
                      (identity:key), BootNotification accepted.
  reset-hard          with no transaction (the car plugged in, not started), Reset(Hard): accepted, no
                      StopTransaction, the charge point closes the connection and boots again on a new one.
  reset-soft          a remotely started transaction, charging, Reset(Soft): StopTransaction with reason
                      SoftReset, the charge point closes the connection and boots again on a new one.
  reset-clean-exit    the car leaves (chargerd stays, --bench); SIGTERM: exit 0, the power path confirmed safe.

Prints `CK-OCPP-CHECK <case> ok|FAILED <why>`; exit 0 when all passed.
  security.py --chargerd PATH [--state DIR] [--timeout S] [--realtime N]
"""
import argparse, asyncio, base64, http, os, signal, ssl, subprocess, sys, time

import websockets

import csms
from csms import Session, check, expect, results
from ocpp.v16 import call

CP_ID = "CK-SEC-1"
CSMS_NAME = "csms.chargekit.test"  # the name in the server's certificate; the URL names it by 127.0.0.1
KEY = "0123456789abcdefABCD"  # 20 characters: the AuthorizationKey's size in the 1.6 security whitepaper


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def make_pki(d):
    """root.pem signs server.pem (CSMS_NAME); other.pem is a root that signed nothing here."""
    for name, cn in (("root", "ChargeKit Test CSMS Root"), ("other", "ChargeKit Test Other Root")):
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                "-keyout", f"{name}.key", "-out", f"{name}.pem", "-subj", f"/CN={cn}",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "server.key",
            "-out", "server.csr", "-subj", f"/CN={CSMS_NAME}", cwd=d)
    with open(os.path.join(d, "server.ext"), "w") as f:
        f.write(f"subjectAltName=DNS:{CSMS_NAME}\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                "extendedKeyUsage=serverAuth\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "root.pem", "-CAkey", "root.key", "-CAcreateserial",
            "-days", "2", "-out", "server.pem", "-extfile", "server.ext", cwd=d)


class Gate:
    """What reached the HTTP layer (after TLS): every upgrade request's Authorization header and the answer."""
    def __init__(self):
        self.requests = []   # (authorization header or None, accepted)
        self.tls = []        # TLS version of each accepted WebSocket connection
        self.closed_by_cp = 0


G = Gate()


def expected_header():
    return "Basic " + base64.b64encode(f"{CP_ID}:{KEY}".encode()).decode()


def process_request(connection, request):
    auth = request.headers.get("Authorization")
    ok = auth == expected_header()
    G.requests.append((auth, ok))
    if not ok:
        return connection.respond(http.HTTPStatus.UNAUTHORIZED, "bad credentials\n")
    return None


async def handler(ws):
    csms.S.connections += 1
    G.tls.append(ws.transport.get_extra_info("ssl_object").version())
    cp = csms.CSMS(ws.request.path.strip("/").split("/")[-1], ws)
    csms.S.cp = cp
    try:
        await cp.start()
    except websockets.exceptions.ConnectionClosed:
        pass
    p = ws.protocol
    if p.close_rcvd is not None and p.close_rcvd.code == 1000 and p.close_rcvd_then_sent:
        G.closed_by_cp += 1


def launch(a, port, extra, log_name):
    log = open(os.path.join(a.state, log_name), "w")
    return subprocess.Popen([a.chargerd, "--board", "sim", "--ocpp", f"wss://127.0.0.1:{port}/ocpp", "--ocpp-tls-name", CSMS_NAME,
                             "--ocpp-id", CP_ID,
                             "--ocpp-state", a.state, "--ocpp-reconnect-max", "1", "--seconds", str(a.timeout)]
                            + (["--realtime", str(a.realtime)] if a.realtime else []) + extra,
                            stdout=log, stderr=subprocess.STDOUT)


async def stop(proc, seconds=15):
    """SIGTERM and the exit code (None: it had to be killed)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + seconds
    while proc.poll() is None and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    if proc.poll() is None:
        proc.kill()
        proc.wait()
        return None
    return proc.returncode


def text(a, name):
    return open(os.path.join(a.state, name)).read()


async def refused_phase(a, port, case, extra, log_name, want_requests):
    """A chargerd that must not get in: alive after 5 s, retrying, never booted; exit 0 on SIGTERM."""
    csms.S = Session()
    G.requests.clear()
    proc = launch(a, port, extra, log_name)
    await asyncio.sleep(5)
    alive = proc.poll() is None
    code = await stop(proc)
    log = text(a, log_name)
    attempts = log.count("ocpp: connection to ")
    rejected = [r for r in G.requests if not r[1]]
    if want_requests:
        ok = len(rejected) >= 2 and len(rejected) == len(G.requests) and all(r[0] and r[0].startswith("Basic ") for r in rejected)
    else:
        ok = not G.requests
    check(case, ok and alive and code == 0 and csms.S.boots == 0 and attempts >= 2,
          f"alive {alive}, exit {code}, boots {csms.S.boots}, failed attempts logged {attempts}, "
          f"upgrade requests {[(r[0] is not None, r[1]) for r in G.requests]}")


async def scenario(a, port):
    S = csms.S = Session()
    G.requests.clear()
    key_file = os.path.join(a.state, "authorization-key")
    with open(key_file, "w") as f:
        f.write(KEY + "\n")
    os.chmod(key_file, 0o600)
    proc = launch(a, port, ["--ocpp-ca", os.path.join(a.state, "root.pem"), "--ocpp-password-file", key_file, "--bench"],
                  "chargerd-profile2.log")
    try:
        if not await expect("boot", 30, "profile-2"):
            return proc
        check("profile-2", G.requests and all(r[1] for r in G.requests) and G.requests[-1][0] == expected_header()
              and G.tls and all(v in ("TLSv1.2", "TLSv1.3") for v in G.tls), f"requests {G.requests}, TLS {G.tls}")

        # Reset(Hard) with no transaction (the car is plugged in, not yet started): accepted, no StopTransaction,
        # a new connection and BootNotification.
        if not await expect("preparing", 30, "reset-hard"):
            return proc
        S.events["reconnected"].clear()
        r = await S.cp.call(call.Reset(type="Hard"))
        if not await expect("reconnected", 30, "reset-hard"):
            return proc
        check("reset-hard", r.status == "Accepted" and S.boots == 2 and S.connections == 2 and G.closed_by_cp >= 1
              and not any(x[1] == "StopTransaction" for x in S.log),
              f"Reset {r.status}, boots {S.boots}, connections {S.connections}, closed by the charge point {G.closed_by_cp}")

        # Reset(Soft) during a transaction (OCPP 1.6 §5.14): the transaction stops with reason SoftReset, then
        # the charge point closes the connection and boots again on a new one.
        await asyncio.sleep(0.5)
        r = await S.cp.call(call.ChangeConfiguration(key="MeterValueSampleInterval", value="1"))
        await S.cp.call(call.RemoteStartTransaction(id_tag=csms.ID_TAG, connector_id=1))
        if not await expect("started", 30, "reset-soft") or not await expect("charging", 30, "reset-soft"):
            return proc
        S.events["reconnected"].clear()
        r = await S.cp.call(call.Reset(type="Soft"))
        if not await expect("stopped", 30, "reset-soft") or not await expect("reconnected", 30, "reset-soft"):
            return proc
        stops = [x for x in S.log if x[1] == "StopTransaction"]
        check("reset-soft", r.status == "Accepted" and S.stop[2] == "SoftReset" and S.stop[1] == csms.TX_ID
              and len(stops) == 1 and stops[0][0] == 2 and S.connections == 3 and G.closed_by_cp >= 2 and S.boots == 3,
              f"Reset {r.status}, StopTransaction {S.stop} on connection {stops[0][0] if stops else None}, "
              f"connections {S.connections}, closed by the charge point {G.closed_by_cp}, boots {S.boots}")
    except Exception as e:  # noqa: BLE001
        check("scenario", False, f"{type(e).__name__}: {e}")
    return proc


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--chargerd", required=True)
    ap.add_argument("--state", default="/tmp/chargekit-ocpp-security")
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--realtime", type=int, default=0, help="run chargerd's loop SCHED_FIFO at this priority (a loaded machine)")
    a = ap.parse_args()
    os.makedirs(a.state, exist_ok=True)
    for f in os.listdir(a.state):
        os.remove(os.path.join(a.state, f))
    make_pki(a.state)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(os.path.join(a.state, "server.pem"), os.path.join(a.state, "server.key"))
    server = await websockets.serve(handler, "127.0.0.1", 0, subprotocols=["ocpp1.6"], ssl=context,
                                    process_request=process_request)
    port = server.sockets[0].getsockname()[1]

    # An address in a wss:// URL without the name its certificate carries: refused at start (TLS sends no
    # address as SNI, RFC 6066 §3), not retried forever.
    r = subprocess.run([a.chargerd, "--board", "sim", "--ocpp", f"wss://127.0.0.1:{port}/ocpp", "--ocpp-id", CP_ID,
                        "--ocpp-ca", os.path.join(a.state, "root.pem"), "--ocpp-state", a.state, "--seconds", "5"],
                       capture_output=True, text=True, timeout=30)
    check("tls-address-needs-name", r.returncode != 0 and "--ocpp-tls-name" in r.stderr and "RFC 6066" in r.stderr,
          f"exit {r.returncode}: {r.stderr[-300:]}")
    await refused_phase(a, port, "tls-untrusted", ["--ocpp-ca", os.path.join(a.state, "other.pem"), "--ocpp-password", KEY],
                        "chargerd-untrusted.log", want_requests=False)
    await refused_phase(a, port, "basic-auth-refused", ["--ocpp-ca", os.path.join(a.state, "root.pem"),
                                                        "--ocpp-password", "not-the-key-0000000"],
                        "chargerd-wrong-key.log", want_requests=True)
    proc = None
    try:
        proc = await asyncio.wait_for(scenario(a, port), a.timeout)
    except asyncio.TimeoutError:
        check("scenario", False, f"not done within {a.timeout} s")
    if proc is not None:
        code = await stop(proc)
        log = text(a, "chargerd-profile2.log")
        check("reset-clean-exit", code == 0 and "safe stop confirmed" in log and "Cannot schedule tasks" not in log,
              f"exit {code}")
    server.close()
    print("calls:", " ".join(x[1] for x in csms.S.log))
    invalid = csms.S.invalid
    check("schemas", not invalid and csms.S.validated > 5, f"{csms.S.validated} valid, invalid: {invalid}")
    for case, (ok, why) in results.items():
        print(f"CK-OCPP-CHECK {case} {'ok' if ok else 'FAILED ' + why}")
    if not all(ok for ok, _ in results.values()):
        for name in sorted(os.listdir(a.state)):
            if name.endswith(".log"):
                print(f"--- {name}\n" + text(a, name)[-4000:])
        sys.exit(1)


if __name__ == "__main__":
    asyncio.run(main())

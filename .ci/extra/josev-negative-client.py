#!/usr/bin/env python3
"""A misbehaving EV for the negative interop of issue 14, run by .ci/extra/josev-negative.sh.

Every request is encoded, and every answer decoded, by Josev's own EXI codec (ExificientEXICodec,
the class Josev's EVCC uses); the well-formed requests are the ones Josev's EVCC sent in a real
session (the corpus in ../shared/tools/josev/samples/corpus/), with our SECC's SessionID put in.
Per case it starts our SECC (`boardctl v2g --role secc`) in the charger's network namespace, finds it
by SDP from the EV's namespace (where this script runs), misbehaves, and checks:

  * the standard's answer (the ResponseCode Josev's codec decodes) or a clean close of the TCP
    connection (FIN, no answer to the bad message; sdp-v2gtp.md §6.3, v2g-session.md §1);
  * our process answered or closed by itself, then ended by itself (exit 1 and a RESULT line with the
    expected stop reason; never a signal, a crash or the outer time bound);
  * its power path was at rest after the session, before the loop's own safe stop ("power path
    after the session: idle") and off at the exit ("POWER PATH: off").

Cases: out-of-order, unknown-session, corrupt-exi, bad-v2gtp-header, duplicate, oversize,
tcp-reset-in-loop, ev-silent-in-loop. Each passed case prints `CK-REQUIRED-RAN josev-negative
<protocol>-<case>`. Corrupt payloads are random (a seed, printed; SEED=... replays them) and are
kept only if Josev's codec rejects them too.
"""
import argparse
import copy
import json
import logging
import os
import random
import select
import socket
import struct
import subprocess
import sys
import time

NS = {"din": "urn:din:70121:2012:MsgDef", "iso2": "urn:iso:15118:2:2013:MsgDef"}
SAP_NS = "urn:iso:15118:2:2010:AppProtocol"
CORPUS = {"din": "din-session.jsonl", "iso2": "iso2-dc-session.jsonl"}
CASES = ["out-of-order", "unknown-session", "corrupt-exi", "bad-v2gtp-header", "duplicate", "oversize",
         "tcp-reset-in-loop", "ev-silent-in-loop"]
# How each case must end on our side (V2GStopReason descriptions in boardctl's RESULT line).
EXPECTED_STOP = {
    "out-of-order": "sequence error", "unknown-session": "sequence error", "corrupt-exi": "decode errors",
    "bad-v2gtp-header": "decode errors", "duplicate": "link lost", "oversize": "decode errors",
    "tcp-reset-in-loop": "link lost", "ev-silent-in-loop": "timeout",
}
SEQUENCE_TIMEOUT = 60.0  # V2G_SECC_Sequence_Timeout, v2g-session.md §1 [V2G2-443]


class CaseFailed(Exception):
    pass


def check(cond, what):
    if not cond:
        raise CaseFailed(what)


class Codec:
    """Josev's ExificientEXICodec (one JVM for the whole run)."""

    def __init__(self):
        from iso15118.shared.exificient_exi_codec import ExificientEXICodec
        self.codec = ExificientEXICodec()
        logging.getLogger("py4j").setLevel(logging.CRITICAL)

    def warm_up(self, path):
        """Encode and decode one message of each type in a corpus: in a cold JVM the first call per
        type takes seconds on a loaded machine, enough to miss our SECC's 18 s communication setup
        timer (the same warm-up josev-launch.py gives Josev's own processes)."""
        schemas = {"app": SAP_NS, "din": NS["din"], "iso2": NS["iso2"]}
        seen = set()
        with open(path) as f:
            for line in f:
                m = json.loads(line)
                if m["message"] in seen:
                    continue
                seen.add(m["message"])
                self.encode(m["json"], schemas[m["schema"]])
                self.decode(bytes.fromhex(m["exi"]), schemas[m["schema"]])

    def encode(self, obj, ns):
        return bytes(self.codec.encode(json.dumps(obj), ns))

    def decode(self, exi, ns):
        return json.loads(self.codec.decode(bytes(exi), ns))

    def rejects(self, exi, ns):
        try:
            self.codec.decode(bytes(exi), ns)
            return False
        except Exception:
            return True


def v2gtp(payload, payload_type=0x8001, version=0x01, inverse=0xFE, length=None):
    return struct.pack(">BBHI", version, inverse, payload_type, len(payload) if length is None else length) + payload


class Link:
    """One TCP connection, V2GTP-framed reads with a deadline."""

    def __init__(self, sock):
        self.sock = sock
        self.buffer = b""

    def send(self, data):
        self.sock.sendall(data)

    def receive(self, timeout):
        """('message', type, payload) | ('closed',) | ('reset',) | ('timeout',)"""
        deadline = time.monotonic() + timeout
        while True:
            if len(self.buffer) >= 8:
                _, _, ptype, length = struct.unpack(">BBHI", self.buffer[:8])
                if len(self.buffer) >= 8 + length:
                    payload = self.buffer[8:8 + length]
                    self.buffer = self.buffer[8 + length:]
                    return ("message", ptype, payload)
            left = deadline - time.monotonic()
            if left <= 0:
                return ("timeout",)
            ready, _, _ = select.select([self.sock], [], [], left)
            if not ready:
                continue
            try:
                chunk = self.sock.recv(65536)
            except ConnectionResetError:
                return ("reset",)
            if not chunk:
                return ("closed",)
            self.buffer += chunk

    def reset(self):
        """Close with RST (SO_LINGER 0), as a car whose stack crashed."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()


def sdp(iface, timeout=10.0):
    """SDP request to [ff02::1]:15118 (sdp-v2gtp.md §4); returns (address, port)."""
    index = socket.if_nametoindex(iface)
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, iface.encode())
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, index)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 1)
    request = v2gtp(bytes([0x10, 0x00]), payload_type=0x9000)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            s.sendto(request, ("ff02::1", 15118, 0, index))
            ready, _, _ = select.select([s], [], [], 0.25)
            if ready:
                data, _ = s.recvfrom(64)
                if len(data) == 28 and data[:4] == b"\x01\xfe\x90\x01":
                    address = socket.inet_ntop(socket.AF_INET6, data[8:24])
                    return address, struct.unpack(">H", data[24:26])[0], index
        raise CaseFailed("no SDP response")
    finally:
        s.close()


def value(pv):
    return pv["Value"] * 10 ** pv.get("Multiplier", 0)


class EV:
    """Requests from the corpus with our SessionID, answers decoded by Josev's codec."""

    def __init__(self, codec, proto, link, corpus_dir):
        self.codec, self.proto, self.link = codec, proto, link
        self.ns = NS[proto]
        self.session_id = "00"
        self.templates = {}
        self.flow = []
        with open(os.path.join(corpus_dir, CORPUS[proto])) as f:
            for line in f:
                m = json.loads(line)
                if m["direction"] != "sent":
                    continue
                if m["message"] not in self.templates:
                    self.templates[m["message"]] = m["json"]
                    self.flow.append(m["message"])

    def exi(self, name, session_id=None, edit=None):
        msg = copy.deepcopy(self.templates[name])
        if name == "supportedAppProtocolReq":
            return self.codec.encode(msg, SAP_NS)
        msg["V2G_Message"]["Header"]["SessionID"] = session_id or self.session_id
        if edit:
            edit(msg["V2G_Message"]["Body"][name])
        return self.codec.encode(msg, self.ns)

    def answer(self, timeout=5.0, sap=False):
        got = self.link.receive(timeout)
        if got[0] != "message":
            raise CaseFailed(f"no answer: {got[0]}")
        payload = got[2]
        if sap:
            return "supportedAppProtocolRes", self.codec.decode(payload, SAP_NS)["supportedAppProtocolRes"], payload
        body = self.codec.decode(payload, self.ns)["V2G_Message"]["Body"]
        name, content = next(iter(body.items()))
        return name, content, payload

    def exchange(self, name, expect_ok=True, **kw):
        self.link.send(v2gtp(self.exi(name, **kw)))
        res, content, raw = self.answer(sap=name == "supportedAppProtocolReq")
        if expect_ok:
            check(str(content.get("ResponseCode", "")).startswith("OK"), f"{name}: {res} {content.get('ResponseCode')}")
        return res, content, raw

    def start(self):
        """supportedAppProtocol and SessionSetup."""
        self.exchange("supportedAppProtocolReq")
        _, _, raw = self.exchange("SessionSetupReq")
        msg = self.codec.decode(raw, self.ns)
        self.session_id = msg["V2G_Message"]["Header"]["SessionID"]

    def to_charge_loop(self, rounds=3):
        """The corpus flow up to the charge loop: Ongoing answers and PreCharge repeated until done."""
        self.start()
        for name in self.flow:
            if name in ("supportedAppProtocolReq", "SessionSetupReq"):
                continue
            if name == "CurrentDemandReq":
                break
            for _ in range(100):
                _, content, _ = self.exchange(name)
                if content.get("EVSEProcessing") == "Ongoing":
                    time.sleep(0.05)
                    continue
                if name == "PreChargeReq":
                    target = value(self.templates[name]["V2G_Message"]["Body"][name]["EVTargetVoltage"])
                    if abs(value(content["EVSEPresentVoltage"]) - target) > 10:
                        time.sleep(0.05)
                        continue
                break
            else:
                raise CaseFailed(f"{name} did not finish")
        amps = []
        for _ in range(rounds):
            _, content, _ = self.exchange("CurrentDemandReq")
            amps.append(value(content["EVSEPresentCurrent"]))
            time.sleep(0.05)
        return amps


def expect_close(ev, timeout, what):
    """No answer, then FIN (or RST) from our SECC."""
    got = ev.link.receive(timeout)
    check(got[0] in ("closed", "reset"), f"{what}: expected the SECC to close, got {got[0]}"
          + (f" (an answer of {len(got[2])} bytes)" if got[0] == "message" else ""))
    return got[0]


def run_case(case, ev, secc, rng):
    """The misbehaviour; returns a one-line description of what our SECC did."""
    ok = "OK"
    if case == "out-of-order":
        ev.start()
        res, content, _ = ev.exchange("CurrentDemandReq", expect_ok=False)
        check(res == "CurrentDemandRes" and content["ResponseCode"] == "FAILED_SequenceError", f"{res} {content}")
        alive = True  # it answered; the close and its exit follow at once
        how = expect_close(ev, 5, "after FAILED_SequenceError")
        return alive, f"CurrentDemandReq after SessionSetup -> {res} {content['ResponseCode']}, then {how}"
    if case == "unknown-session":
        ev.start()
        foreign = "%016X" % (int(ev.session_id, 16) ^ 0x5A5A5A5A5A5A5A5A)
        res, content, _ = ev.exchange("ServiceDiscoveryReq", expect_ok=False, session_id=foreign)
        check(res == "ServiceDiscoveryRes" and content["ResponseCode"] == "FAILED_UnknownSession", f"{res} {content}")
        alive = True
        how = expect_close(ev, 5, "after FAILED_UnknownSession")
        return alive, f"ServiceDiscoveryReq with SessionID {foreign} -> {content['ResponseCode']}, then {how}"
    if case == "corrupt-exi":
        ev.start()
        good = ev.exi("ServiceDiscoveryReq")
        corrupt = []
        while len(corrupt) < 3:
            candidate = bytearray(good[:rng.randrange(2, len(good))])
            for _ in range(rng.randrange(1, 4)):
                candidate[rng.randrange(len(candidate))] ^= 1 << rng.randrange(8)
            if ev.codec.rejects(candidate, ev.ns):
                corrupt.append(bytes(candidate))
        ev.link.send(v2gtp(corrupt[0]))
        got = ev.link.receive(0.5)
        check(got[0] == "timeout", f"first corrupt request: expected no answer, got {got[0]}")
        _, content, _ = ev.exchange("ServiceDiscoveryReq")  # the session goes on
        ev.link.send(v2gtp(corrupt[1]))
        ev.link.send(v2gtp(corrupt[2]))
        alive = True
        how = expect_close(ev, 5, "after the third undecodable request")
        return alive, (f"undecodable {corrupt[0].hex()} unanswered, ServiceDiscovery still {content['ResponseCode']}, "
                       f"third undecodable -> {how}")
    if case == "bad-v2gtp-header":
        ev.start()
        ev.link.send(v2gtp(ev.exi("ServiceDiscoveryReq"), version=0x02, inverse=0xFD))
        alive = True
        how = expect_close(ev, 5, "after a header with version 2")
        return alive, f"ServiceDiscoveryReq with protocol version 0x02/0xFD -> {how}, no answer"
    if case == "duplicate":
        ev.start()
        request = v2gtp(ev.exi("ServiceDiscoveryReq"))
        ev.link.send(request)
        _, first, raw1 = ev.answer()
        ev.link.send(request)
        _, second, raw2 = ev.answer()
        check(raw1 == raw2, "the repeated request got a different answer")
        nxt = ev.flow[ev.flow.index("ServiceDiscoveryReq") + 1]
        _, content, _ = ev.exchange(nxt)
        alive = secc.poll() is None
        ev.link.sock.close()
        return alive, (f"ServiceDiscoveryReq twice -> the same {len(raw1)}-byte answer twice ({first['ResponseCode']}), "
                       f"then {nxt} {content['ResponseCode']}; the EV closed")
    if case == "oversize":
        ev.start()
        ev.link.send(v2gtp(b"\x80" * 64, length=1 << 20))
        alive = True
        how = expect_close(ev, 5, "after a 1 MiB length")
        return alive, f"header announcing 1 MiB (over the 8184-byte maximum) -> {how}, no answer"
    if case == "tcp-reset-in-loop":
        amps = ev.to_charge_loop()
        alive = secc.poll() is None
        ev.link.reset()
        return alive, f"charge loop reached (EVSEPresentCurrent {amps} A), then the EV reset the connection"
    if case == "ev-silent-in-loop":
        amps = ev.to_charge_loop()
        silent = time.monotonic()
        how = expect_close(ev, SEQUENCE_TIMEOUT + 10, "the EV silent in the loop")
        after = time.monotonic() - silent
        check(after >= SEQUENCE_TIMEOUT - 1, f"closed after {after:.1f} s, before the sequence timeout")
        alive = True  # it was there to close the connection
        ev.link.sock.close()
        return alive, f"charge loop reached (EVSEPresentCurrent {amps} A), EV silent -> {how} after {after:.1f} s"
    raise CaseFailed(f"unknown case {case}")


def secc_verdict(case, log):
    """Our SECC's own account (boardctl's output)."""
    text = open(log, errors="replace").read()
    result = [l for l in text.splitlines() if l.startswith("RESULT:")]
    check(result, "no RESULT line in our log")
    check(result[-1].startswith("RESULT: FAILED: " + EXPECTED_STOP[case]),
          f"our RESULT: {result[-1]!r}, expected 'FAILED: {EXPECTED_STOP[case]}'")
    rest = [l for l in text.splitlines() if "power path after the session:" in l]
    check(rest and (" idle," in rest[-1] or " safe stop," in rest[-1]),
          f"power path not at rest after the session: {rest[-1:] or 'no line'}")
    check("POWER PATH: off" in text, "POWER PATH not off at the exit")
    return result[-1], rest[-1].split("session:")[1].strip()


def main():
    a = argparse.ArgumentParser()
    a.add_argument("--boardctl", required=True)
    a.add_argument("--secc-netns", required=True)
    a.add_argument("--iface", default="veth-ev")
    a.add_argument("--secc-iface", default="veth-secc")
    a.add_argument("--protocol", choices=sorted(NS), action="append")
    a.add_argument("--corpus", required=True)
    a.add_argument("--out", required=True)
    a.add_argument("cases", nargs="*")
    args = a.parse_args()
    cases = args.cases or CASES
    protocols = args.protocol or ["din", "iso2"]
    seed = int(os.environ.get("SEED") or random.SystemRandom().randrange(1 << 32))
    print(f"josev-negative: seed {seed} (SEED={seed} replays the corrupt payloads)", flush=True)
    codec = Codec()
    warm = time.monotonic()
    for proto in protocols:
        codec.warm_up(os.path.join(args.corpus, CORPUS[proto]))
    print(f"josev-negative: Josev's codec warmed up in {time.monotonic() - warm:.1f} s", flush=True)
    failed = []
    port = 61341
    for proto in protocols:
        for case in cases:
            port += 1
            name = f"{proto}-{case}"
            log = os.path.join(args.out, f"{name}.secc.log")
            rng = random.Random(f"{seed}-{name}")
            bound = SEQUENCE_TIMEOUT + 30 if case == "ev-silent-in-loop" else 30
            started = time.monotonic()
            with open(log, "w") as out:
                secc = subprocess.Popen(["ip", "netns", "exec", args.secc_netns, "timeout", "-k", "5", str(int(bound)),
                                         args.boardctl, "v2g", "--role", "secc", "--interface", args.secc_iface,
                                         "--protocol", proto, "--port", str(port), "--seconds", str(int(bound) - 5),
                                         "--linger", "1"], stdout=out, stderr=subprocess.STDOUT)
            sock = None
            try:
                for _ in range(150):
                    if "listening" in open(log, errors="replace").read() or secc.poll() is not None:
                        break
                    time.sleep(0.1)
                check(secc.poll() is None, f"our SECC exited at start ({secc.returncode})")
                address, tcp_port, index = sdp(args.iface)
                sock = socket.create_connection((f"{address}%{args.iface}", tcp_port), timeout=5)
                sock.setblocking(True)
                ev = EV(codec, proto, Link(sock), args.corpus)
                alive, what = run_case(case, ev, secc, rng)
                check(alive, "our SECC had exited while the EV was still in its session")
                try:
                    rc = secc.wait(timeout=bound)
                except subprocess.TimeoutExpired:
                    raise CaseFailed("our SECC did not end by itself")
                check(rc == 1, f"our SECC exit status {rc} (expected 1: a failed session, not a crash or the time bound)")
                result, rest = secc_verdict(case, log)
                print(f"  {name}: {what}", flush=True)
                print(f"    ours: {result}; power path after the session: {rest}; exit {rc}; "
                      f"{time.monotonic() - started:.1f} s", flush=True)
                print(f"CK-REQUIRED-RAN josev-negative {name}", flush=True)
            except (CaseFailed, OSError) as e:
                failed.append(name)
                print(f"  {name}: FAILED: {e} (our log: {log})", flush=True)
            finally:
                if sock is not None:
                    try:
                        sock.close()
                    except OSError:
                        pass
                if secc.poll() is None:
                    secc.terminate()
                    try:
                        secc.wait(timeout=5)
                    except subprocess.TimeoutExpired:
                        secc.kill()
    if failed:
        print(f"josev-negative: failed: {' '.join(failed)}")
        sys.exit(1)
    print(f"josev-negative: all {len(protocols) * len(cases)} case(s) passed")


if __name__ == "__main__":
    main()

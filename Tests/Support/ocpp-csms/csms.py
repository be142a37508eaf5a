#!/usr/bin/env python3
"""A test central system on the PyPI `ocpp` library (OCPP 1.6J server side, over `websockets`) that
drives one whole simulated session of `chargerd --board sim --ocpp ...` on loopback and checks it.

Every CALL the charge point sends and every CALLRESULT it answers is validated by the library against
the OCA JSON schemas it ships (ocpp/v16/schemas); CALLs are validated here once more explicitly so a
violation fails the run instead of only being logged.

The session: BootNotification -> ChangeConfiguration (MeterValueSampleInterval=1) and GetConfiguration
-> the car plugs in (StatusNotification Preparing) -> RemoteStartTransaction -> Authorize of its idTag
-> StartTransaction -> MeterValues -> SetChargingProfile (TxProfile, a lower limit) -> the next
MeterValues show the lower Current.Offered -> ChangeConfiguration of the target-current key (seed 000)
-> the same -> the connection is dropped and refused for a while -> after the reconnection the queued
MeterValues arrive in order -> TriggerMessage, UnlockConnector -> RemoteStopTransaction ->
StopTransaction (reason Remote) -> the car unplugs and chargerd exits 0 by itself (clean-exit).

With --http, chargerd also serves its HTTP API on a free loopback port (OCPP and the API on one service
plane): during the transaction GET /api/live must show the session (V2G in the charge loop, current
flowing, SLAC matched, the car connected) and GET /metrics must count it (cases http-live, http-metrics).

Prints `CK-OCPP-CHECK <case> ok|FAILED <why>` per case; exit 0 when all passed.
  csms.py --chargerd PATH [--port N] [--state DIR] [--timeout S] [--http]
"""
import argparse, asyncio, datetime, json, os, socket, subprocess, sys, time, urllib.request

import websockets
from ocpp.messages import Call, unpack, _validate_payload
from ocpp.routing import on
from ocpp.v16 import ChargePoint, call, call_result
from ocpp.v16.enums import Action, AuthorizationStatus, RegistrationStatus

ID_TAG = "CK-TAG-0001"
TX_ID = 4711
PROFILE_AMPS = 30.0
TARGET_AMPS = 20.0

results = {}
def check(case, ok, why=""):
    if case in results and not results[case][0]:
        return
    results[case] = (bool(ok), why)

def now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat()

def samples(meter_value):
    out = {}
    for mv in meter_value:
        for s in mv.get("sampled_value", mv.get("sampledValue", [])):
            out[s.get("measurand", "Energy.Active.Import.Register")] = float(s["value"])
    return out, meter_value[0]["timestamp"]


class Session:
    """What the central system has seen, across connections."""
    def __init__(self):
        self.log = []            # (connection number, action, payload) of every CALL from the charge point
        self.connections = 0
        self.boots = 0
        self.meter = []          # (connection, timestamp, samples, transactionId)
        self.status = []
        self.cp = None
        self.events = {k: asyncio.Event() for k in ("boot", "preparing", "authorize", "started", "charging",
                                                     "stopped", "reconnected")}
        self.offline_until = 0.0
        self.validated = 0
        self.invalid = []

S = None
HTTP = None  # "http://127.0.0.1:PORT" of chargerd's API with --http


def http_get(path):
    with urllib.request.urlopen(HTTP + path, timeout=5) as r:
        return r.status, r.read().decode()


def metric(text, name):
    """The value of an unlabelled sample, or None."""
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


async def check_http_during_transaction():
    """OCPP's transaction as the HTTP API shows it (the same snapshots feed both services)."""
    loop = asyncio.get_running_loop()
    try:
        status, body = await loop.run_in_executor(None, http_get, "/api/live")
        live = json.loads(body)
        v2g, power = live["v2g"], live["power"]
        check("http-live", status == 200 and v2g["phase"] == "CurrentDemand"
              and (power["amps"] or 0) > 5 and power["active"] and live["slac"]["matched"]
              and live["pilot"]["vehicle_connected"],
              f"{status} v2g {v2g} power {power} slac {live['slac']}")
        status, text = await loop.run_in_executor(None, http_get, "/metrics")
        started = metric(text, "chargekit_sessions_started_total")
        energy = metric(text, "chargekit_energy_wh_total")
        check("http-metrics", status == 200 and started is not None and started >= 1 and energy is not None and energy > 0
              and 'chargekit_slac_outcomes_total{outcome="matched"} 1' in text,
              f"{status} sessions started {started}, energy {energy} Wh")
    except Exception as e:  # noqa: BLE001
        check("http-live", False, f"{type(e).__name__}: {e}")


class CSMS(ChargePoint):
    async def route_message(self, raw_msg):
        msg = unpack(raw_msg)
        if isinstance(msg, Call):
            try:
                _validate_payload(Call(msg.unique_id, msg.action, json.loads(json.dumps(msg.payload))), "1.6")
                S.validated += 1
            except Exception as e:  # noqa: BLE001
                S.invalid.append(f"{msg.action}: {e}")
            S.log.append((S.connections, msg.action, msg.payload))
        await super().route_message(raw_msg)

    @on(Action.boot_notification)
    async def on_boot(self, charge_point_vendor, charge_point_model, **kw):
        S.boots += 1
        S.events["boot"].set()
        if S.boots > 1:
            S.events["reconnected"].set()
        return call_result.BootNotification(current_time=now(), interval=30, status=RegistrationStatus.accepted)

    @on(Action.heartbeat)
    async def on_heartbeat(self, **kw):
        return call_result.Heartbeat(current_time=now())

    @on(Action.status_notification)
    async def on_status(self, connector_id, error_code, status, **kw):
        S.status.append(status)
        if status == "Preparing":
            S.events["preparing"].set()
        return call_result.StatusNotification()

    @on(Action.authorize)
    async def on_authorize(self, id_tag, **kw):
        S.events["authorize"].set()
        ok = id_tag == ID_TAG
        return call_result.Authorize(id_tag_info={"status": AuthorizationStatus.accepted if ok else AuthorizationStatus.invalid})

    @on(Action.start_transaction)
    async def on_start(self, connector_id, id_tag, meter_start, timestamp, **kw):
        check("start-transaction", connector_id == 1 and id_tag == ID_TAG, f"connector {connector_id} idTag {id_tag}")
        S.meter_start = meter_start
        S.events["started"].set()
        return call_result.StartTransaction(transaction_id=TX_ID, id_tag_info={"status": AuthorizationStatus.accepted})

    @on(Action.meter_values)
    async def on_meter(self, connector_id, meter_value, transaction_id=None, **kw):
        values, ts = samples(meter_value)
        S.meter.append((S.connections, ts, values, transaction_id))
        if values.get("Current.Import", 0) > 5:
            S.events["charging"].set()
        return call_result.MeterValues()

    @on(Action.stop_transaction)
    async def on_stop(self, meter_stop, timestamp, transaction_id, reason=None, **kw):
        S.stop = (meter_stop, transaction_id, reason)
        S.events["stopped"].set()
        return call_result.StopTransaction(id_tag_info={"status": AuthorizationStatus.accepted})


async def handler(ws):
    if time.monotonic() < S.offline_until:
        await ws.close(code=1013, reason="offline for the test")
        return
    S.connections += 1
    cp = CSMS(ws.request.path.strip("/").split("/")[-1], ws)
    S.cp = cp
    try:
        await cp.start()
    except websockets.exceptions.ConnectionClosed:
        pass


async def expect(event, seconds, case):
    try:
        await asyncio.wait_for(S.events[event].wait(), seconds)
        return True
    except asyncio.TimeoutError:
        check(case, False, f"no {event} within {seconds} s")
        return False


def stamp(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


async def next_meter(after_index, seconds=10):
    """The first MeterValues sampled at least 100 ms after now (the answer just sent)."""
    answered = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(milliseconds=100)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for m in S.meter[after_index:]:
            if stamp(m[1]) >= answered:
                return m
        await asyncio.sleep(0.05)
    return None


async def scenario():
    if not await expect("boot", 30, "boot"):
        return
    check("boot", True)
    await asyncio.sleep(0.2)
    r = await S.cp.call(call.ChangeConfiguration(key="MeterValueSampleInterval", value="1"))
    check("configuration", r.status == "Accepted", f"MeterValueSampleInterval: {r.status}")
    r = await S.cp.call(call.GetConfiguration(key=["MeterValueSampleInterval", "ChargeKitTargetCurrent", "NoSuchKey"]))
    keys = {k["key"]: k.get("value") for k in r.configuration_key}
    check("configuration", keys.get("MeterValueSampleInterval") == "1" and "ChargeKitTargetCurrent" in keys
          and r.unknown_key == ["NoSuchKey"], f"GetConfiguration: {r}")
    r = await S.cp.call(call.ChangeConfiguration(key="NumberOfConnectors", value="2"))
    check("configuration", r.status == "Rejected", f"read-only key: {r.status}")

    if not await expect("preparing", 30, "remote-start"):
        return
    r = await S.cp.call(call.RemoteStartTransaction(id_tag=ID_TAG, connector_id=1))
    check("remote-start", r.status == "Accepted", f"RemoteStartTransaction: {r.status}")
    if not await expect("authorize", 10, "authorize"):
        return
    check("authorize", True)
    if not await expect("started", 30, "start-transaction"):
        return
    check("remote-start", True)
    if not await expect("charging", 30, "meter-values"):
        return
    m = S.meter[-1][2]
    check("meter-values", all(k in m for k in ("Energy.Active.Import.Register", "Power.Active.Import", "Current.Import",
                                               "Voltage", "SoC", "Current.Offered")) and S.meter[-1][3] == TX_ID,
          f"measurands {sorted(m)} tx {S.meter[-1][3]}")
    if HTTP:
        await check_http_during_transaction()

    # A TxProfile lowers the current: the first MeterValues sampled after the answer (plus 100 ms for
    # the loop's tick and the 50 ms snapshot) carry the lower setpoint. Sent once the current has ramped.
    deadline = time.monotonic() + 15
    while S.meter[-1][2].get("Current.Offered", 0) <= PROFILE_AMPS + 10 and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    before = S.meter[-1][2]["Current.Offered"]
    profile = {"chargingProfileId": 7, "transactionId": TX_ID, "stackLevel": 1, "chargingProfilePurpose": "TxProfile",
               "chargingProfileKind": "Relative",
               "chargingSchedule": {"chargingRateUnit": "A", "chargingSchedulePeriod": [{"startPeriod": 0, "limit": PROFILE_AMPS}]}}
    r = await S.cp.call(call.SetChargingProfile(connector_id=1, cs_charging_profiles=profile))
    index = len(S.meter)
    m = await next_meter(index)
    offered = m[2]["Current.Offered"] if m else None
    check("charging-profile", r.status == "Accepted" and offered is not None and offered <= PROFILE_AMPS + 0.05
          and before > PROFILE_AMPS, f"status {r.status}, offered before {before} after {offered}")

    # Seed 000: the target current through a configuration key during the transaction.
    r = await S.cp.call(call.ChangeConfiguration(key="ChargeKitTargetCurrent", value=str(TARGET_AMPS)))
    index = len(S.meter)
    m = await next_meter(index)
    offered = m[2]["Current.Offered"] if m else None
    check("target-current-key", r.status == "Accepted" and offered is not None and offered <= TARGET_AMPS + 0.05,
          f"status {r.status}, offered {offered}")

    # Connection loss mid-session: drop it and refuse reconnections for 4 s.
    S.events["reconnected"].clear()
    before_drop = len(S.meter)
    S.offline_until = time.monotonic() + 4
    await S.cp._connection.close()
    if not await expect("reconnected", 40, "offline-queue"):
        return
    await asyncio.sleep(2.5)
    after = [m for m in S.meter[before_drop:]]
    stamps = [m[1] for m in after]
    offline_ones = [m for m in after if m[0] == S.connections]
    gap = [datetime.datetime.fromisoformat(b.replace("Z", "+00:00")) - datetime.datetime.fromisoformat(a.replace("Z", "+00:00"))
           for a, b in zip(stamps, stamps[1:])]
    # Queued while offline: at least 3 samples (1 s interval, 4+ s offline), in order, all for the transaction.
    check("offline-queue", len(offline_ones) >= 3 and stamps == sorted(stamps) and all(m[3] == TX_ID for m in after)
          and all(g.total_seconds() < 1.6 for g in gap),
          f"{len(offline_ones)} after reconnecting, stamps {stamps}")

    r = await S.cp.call(call.TriggerMessage(requested_message="Heartbeat"))
    check("trigger-message", r.status == "Accepted", f"TriggerMessage: {r.status}")
    r = await S.cp.call(call.UnlockConnector(connector_id=1))
    check("unlock-connector", r.status == "NotSupported", f"UnlockConnector: {r.status}")
    r = await S.cp.call(call.RemoteStopTransaction(transaction_id=TX_ID))
    check("remote-stop", r.status == "Accepted", f"RemoteStopTransaction: {r.status}")
    if not await expect("stopped", 40, "remote-stop"):
        return
    meter_stop, tx, reason = S.stop
    check("remote-stop", tx == TX_ID and reason == "Remote" and meter_stop > S.meter_start,
          f"StopTransaction tx {tx} reason {reason} meter {S.meter_start}->{meter_stop}")


async def main():
    global S, HTTP
    ap = argparse.ArgumentParser()
    ap.add_argument("--chargerd", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--state", default="/tmp/chargekit-ocpp-state")
    ap.add_argument("--timeout", type=float, default=150)
    ap.add_argument("--realtime", type=int, default=0, help="run chargerd's loop SCHED_FIFO at this priority (a loaded machine)")
    ap.add_argument("--http", action="store_true", help="chargerd serves its HTTP API too; check it during the transaction")
    a = ap.parse_args()
    http_args = []
    if a.http:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            http_port = s.getsockname()[1]
        HTTP = f"http://127.0.0.1:{http_port}"
        http_args = ["--http", f"127.0.0.1:{http_port}"]
    S = Session()
    os.makedirs(a.state, exist_ok=True)
    for f in os.listdir(a.state):
        os.remove(os.path.join(a.state, f))
    server = await websockets.serve(handler, "127.0.0.1", a.port, subprotocols=["ocpp1.6"])
    port = server.sockets[0].getsockname()[1]
    log = open(os.path.join(a.state, "chargerd.log"), "w")
    proc = subprocess.Popen([a.chargerd, "--board", "sim", "--ocpp", f"ws://127.0.0.1:{port}/ocpp", "--ocpp-id", "CK-SIM-1",
                             "--ocpp-state", a.state, "--ocpp-reconnect-max", "2", "--seconds", str(a.timeout)]
                            + (["--realtime", str(a.realtime)] if a.realtime else []) + http_args,
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        await asyncio.wait_for(scenario(), a.timeout)
    except Exception as e:  # noqa: BLE001
        check("scenario", False, f"{type(e).__name__}: {e}")
    deadline = time.monotonic() + 30
    while proc.poll() is None and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    ended_by_itself = proc.poll() is not None
    if proc.poll() is None:
        proc.terminate()
        proc.wait(10)
    # After the remote stop the car unplugs and the sim session ends: chargerd exits by itself, 0, with the
    # power path confirmed safe and the OCPP client closed before the service plane (no NIO complaint).
    text = open(os.path.join(a.state, "chargerd.log")).read()
    check("clean-exit", ended_by_itself and proc.returncode == 0 and "safe stop confirmed" in text
          and "stop_reason=completed" in text and "Cannot schedule tasks" not in text,
          f"ended by itself {ended_by_itself}, exit {proc.returncode}")
    check("schemas", not S.invalid and S.validated > 10, f"{S.validated} valid, invalid: {S.invalid}")
    server.close()
    order = [x[1] for x in S.log]
    print("calls:", " ".join(order))
    print("statuses:", " ".join(S.status))
    for case, (ok, why) in results.items():
        print(f"CK-OCPP-CHECK {case} {'ok' if ok else 'FAILED ' + why}")
    if not all(ok for ok, _ in results.values()):
        print(open(os.path.join(a.state, "chargerd.log")).read()[-6000:])
        sys.exit(1)

if __name__ == "__main__":
    asyncio.run(main())

#!/usr/bin/env python3
"""Plays the ADVANTICS vehicle controller (EVCC, generic PEV CAN interface v2) against a VCU/BMS on
python-can's udp_multicast bus, through one whole DC session (advantics-can.md §2.7, P0-P2, D1-D8),
then a second one in which the controller falls silent mid-charge, and checks the VCU's answers,
their periods and its reaction to the silence (§2.3: open the contactors after 1 s without
DC_Control). Independent of ChargeKit's codec: frames are encoded and decoded by cantools from the
vendor KCD (v2.5).

  play-evcc.py --kcd PATH [--charge-seconds 2] [--max-current 60]

Prints one line per step and a summary; exit 0 when every check passed, 1 otherwise.
"""
import argparse
import statistics
import sys
import time

import can
import cantools

STAGES = {"Waiting_For_EVSE": 1, "Negotiating_Connection": 2, "Connected_With_Full_Info": 3, "Insulation_Test": 4,
          "Precharge": 5, "Waiting_For_Charge": 6, "Charging": 7, "Ending_Charge": 8, "Welding_Detection": 9,
          "Closing_Communication": 10}
CCS_DC_CORE = 4
ISO_15118_2 = 3


class Failed(Exception):
    pass


class EVCC:
    def __init__(self, args):
        self.db = cantools.database.load_file(args.kcd)
        self.bus = can.Bus(interface="udp_multicast")
        self.max_current = args.max_current
        self.stage = STAGES["Waiting_For_EVSE"]
        self.pins = 0
        self.current = 0.0
        self.close = 0
        self.silent = False
        self.start = time.monotonic()
        self.next_cycle = time.monotonic()
        self.seen = {}          # message name -> list of arrival times
        self.last = {}          # message name -> decoded signals
        self.undecodable = 0
        self.checks = []

    def now(self):
        return time.monotonic() - self.start

    def log(self, text):
        print(f"{self.now():7.3f} s  {text}", flush=True)

    def send(self, name, **signals):
        m = self.db.get_message_by_name(name)
        data = m.encode({s.name: signals.get(s.name, 0) for s in m.signals}, strict=False)
        self.bus.send(can.Message(arbitration_id=m.frame_id, is_extended_id=False, data=data))

    def cycle(self):
        """The controller's 100 ms messages (§2.2)."""
        if self.silent:
            return
        self.send("EVSE_Information", Communication_Stage=self.stage, Protocol=ISO_15118_2 if self.pins else 0,
                  Pins=self.pins, Max_Current=self.current)
        self.send("AC_Control", Ready_To_Deliver_Power=0)
        self.send("DC_Control", Close_Contactors=self.close)

    def pump(self, seconds):
        end = time.monotonic() + seconds
        while True:
            if time.monotonic() >= self.next_cycle:
                self.cycle()
                self.next_cycle += 0.1
            left = min(end, self.next_cycle) - time.monotonic()
            msg = self.bus.recv(max(0.0, left))
            if msg is not None and not msg.is_extended_id:
                try:
                    m = self.db.get_message_by_frame_id(msg.arbitration_id)
                    decoded = m.decode(bytes(msg.data), decode_choices=False)
                except Exception:
                    m = None
                    if msg.arbitration_id >= 0x610:
                        self.undecodable += 1
                if m is not None:
                    self.seen.setdefault(m.name, []).append(time.monotonic())
                    self.last[m.name] = decoded
            if time.monotonic() >= end:
                return

    def status2(self):
        return self.last.get("DC_Status2", {})

    def status1(self):
        return self.last.get("DC_Status1", {})

    def wait_for(self, what, condition, limit):
        deadline = time.monotonic() + limit
        while not condition():
            if time.monotonic() > deadline:
                raise Failed(f"{what}: not within {limit} s (last DC_Status1 {self.status1()}, DC_Status2 {self.status2()})")
            self.pump(0.02)
        self.log(what)

    def enter(self, name):
        self.stage = STAGES[name]
        self.next_cycle = time.monotonic()   # a stage change is reported at once
        self.log(f"stage {name}")

    def check(self, ok, text):
        self.checks.append((ok, text))
        self.log(("PASS " if ok else "FAIL ") + text)

    def until_charging(self):
        self.enter("Waiting_For_EVSE")
        self.pins = 0
        self.pump(0.3)
        self.enter("Negotiating_Connection")
        self.pins = CCS_DC_CORE
        self.pump(0.3)
        self.enter("Connected_With_Full_Info")
        self.pump(0.2)
        self.enter("Insulation_Test")
        self.pump(0.5)
        self.check(not self.status2().get("Contactors_Closed", 1), "contactors open during the insulation test")
        self.enter("Precharge")
        self.wait_for("battery voltage reported and the inlet precharged to it +- 20 V",
                      lambda: self.status2().get("Battery_Voltage", 0) > 20
                      and abs(self.status2().get("Inlet_Voltage", 0) - self.status2().get("Battery_Voltage", 0)) <= 20, 10)
        self.close = 1
        asked = time.monotonic()
        self.wait_for("Contactors_Closed = Close", lambda: self.status2().get("Contactors_Closed") == 1, 2)
        self.log(f"contactors reported closed {(time.monotonic() - asked) * 1000:.0f} ms after Close_Contactors")
        self.enter("Waiting_For_Charge")
        self.pump(0.1)
        self.enter("Charging")

    def run(self, charge_seconds):
        self.pump(0.3)
        self.check(all(n in self.seen for n in ("EV_Information", "DC_Status1", "DC_Status2")),
                   "EV_Information, DC_Status1, DC_Status2 sent from the start, before any session")
        first = time.monotonic()
        self.until_charging()
        start = time.monotonic()
        peak = 0.0
        while time.monotonic() - start < charge_seconds:
            self.current = min(self.max_current, self.current + 2.0)    # the charger's ramp, 20 A/s
            self.pump(0.1)
            peak = max(peak, self.status1().get("Present_Current", 0))
        request = self.status1().get("Max_Charge_Current", 0)
        self.check(request > 0, f"Max_Charge_Current requested ({request} A)")
        self.check(0 < peak <= self.max_current + 1, f"Present_Current follows the granted current (peak {peak} A)")
        # D8: end of charge, welding detection below 1 A, open, inlet <= 60 V.
        self.enter("Ending_Charge")
        self.current = 0
        self.pump(0.1)
        self.enter("Welding_Detection")
        self.wait_for("Present_Current < 1 A", lambda: abs(self.status1().get("Present_Current", 99)) < 1, 5)
        self.close = 0
        opened = time.monotonic()
        self.wait_for("Contactors_Closed = Open", lambda: self.status2().get("Contactors_Closed") == 0, 2)
        self.check(time.monotonic() - opened < 0.5, f"contactors opened {(time.monotonic() - opened) * 1000:.0f} ms after Close_Contactors = Open")
        self.wait_for("inlet <= 60 V", lambda: self.status2().get("Inlet_Voltage", 999) <= 60, 5)
        self.enter("Closing_Communication")
        self.pump(0.3)
        finished = time.monotonic()
        self.periods(first, finished)
        # A second session; the controller falls silent mid-charge (§2.3).
        self.until_charging()
        self.current = 20
        self.pump(0.5)
        self.check(self.status2().get("Contactors_Closed") == 1, "second session charging, contactors closed")
        self.silent = True
        quiet = time.monotonic()
        self.log("controller silent")
        self.wait_for("the VCU opened its contactors on the controller's silence",
                      lambda: self.status2().get("Contactors_Closed") == 0, 3)
        waited = time.monotonic() - quiet
        self.check(0.9 <= waited <= 1.5, f"contactors open {waited * 1000:.0f} ms after the last DC_Control (1 s rule)")
        self.pump(0.3)
        self.check(self.last.get("DC_Status1", {}).get("Max_Charge_Current", 1) == 0, "no current requested after the fault")
        self.check(self.undecodable == 0, f"every VCU frame decodes in cantools ({self.undecodable} did not)")

    def periods(self, first, finished):
        for name in ("EV_Information", "DC_Status1", "DC_Status2"):
            times = [t for t in self.seen.get(name, []) if first <= t <= finished]
            gaps = [b - a for a, b in zip(times, times[1:])]
            if len(gaps) < 10:
                self.check(False, f"{name}: only {len(times)} frames during the session")
                continue
            median = statistics.median(gaps)
            self.check(0.08 <= median <= 0.12 and max(gaps) < 0.5,
                       f"{name} every 100 ms ({len(times)} frames, median {median * 1000:.1f} ms, max {max(gaps) * 1000:.1f} ms)")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--kcd", required=True)
    p.add_argument("--charge-seconds", type=float, default=2.0)
    p.add_argument("--max-current", type=float, default=60.0)
    args = p.parse_args()
    evcc = EVCC(args)
    try:
        evcc.run(args.charge_seconds)
    except Failed as e:
        evcc.check(False, str(e))
    finally:
        evcc.bus.shutdown()
    failed = [t for ok, t in evcc.checks if not ok]
    print(f"play-evcc: {len(evcc.checks) - len(failed)} of {len(evcc.checks)} checks passed, a whole PEV v2 session and the "
          "controller's silence" + ("" if not failed else f"; FAILED: {'; '.join(failed)}"), flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

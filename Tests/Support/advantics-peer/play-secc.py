#!/usr/bin/env python3
"""Plays the ADVANTICS controller (SECC, generic EVSE CAN interface v3) against a customer controller
on python-can's udp_multicast bus, through one whole DC session (advantics-can.md §1.7, E1-E13), and
checks the customer's answers and their periods. Independent of ChargeKit's codec: frames are encoded
and decoded by cantools from the vendor KCD.

  play-secc.py --kcd PATH --battery-volts V [--pistol 1] [--timeout 60]

Prints one line per step and a summary; exit 0 when every check passed, 1 otherwise.
"""
import argparse
import statistics
import sys
import time

import can
import cantools

STATES = {"Waiting_For_PEV": 1, "Negotiating_Connection": 2, "Connected_With_Full_Info": 3, "Insulation_Test": 4,
          "Precharge": 5, "Waiting_For_Charge": 6, "Charging": 7, "Ending_Charge": 8, "Welding_Detection": 9,
          "Closing_Communication": 10, "Not_Available": 12}


class Failed(Exception):
    pass


class SECC:
    def __init__(self, args):
        self.db = cantools.database.load_file(args.kcd)
        self.pistol = args.pistol
        self.battery = args.battery_volts
        self.bus = can.Bus(interface="udp_multicast")
        self.state = STATES["Not_Available"]
        self.start = time.monotonic()
        self.seen = {}          # message name -> list of arrival times
        self.last = {}          # message name -> decoded signals
        self.checks = []

    def now(self):
        return time.monotonic() - self.start

    def log(self, text):
        print(f"{self.now():7.3f} s  {text}", flush=True)

    def send(self, name, **signals):
        m = self.db.get_message_by_name(name)
        data = m.encode({s.name: signals.get(s.name, 0) for s in m.signals}, strict=False)
        self.bus.send(can.Message(arbitration_id=m.frame_id | (self.pistol << 24), is_extended_id=True, data=data))

    def status(self):
        self.send("Advantics_Controller_Status", State=self.state)

    def pump(self, seconds):
        """Receives for `seconds`, keeping the controller status going every 100 ms."""
        end = time.monotonic() + seconds
        while True:
            if time.monotonic() >= self.next_status:
                self.status()
                if self.state == STATES["Connected_With_Full_Info"] and self.waking:
                    self.send("New_Charge_Session", Communication_Protocol=2, Plug_and_pins=1)
                self.next_status += 0.1
            left = min(end, self.next_status) - time.monotonic()
            msg = self.bus.recv(max(0.0, left))
            if msg is not None and msg.is_extended_id and not (msg.arbitration_id & 0x8000) \
                    and (msg.arbitration_id >> 24) == self.pistol:
                try:
                    m = self.db.get_message_by_frame_id(msg.arbitration_id & 0xFFFFFF)
                except KeyError:
                    m = None
                if m is not None:
                    self.seen.setdefault(m.name, []).append(time.monotonic())
                    self.last[m.name] = m.decode(bytes(msg.data), decode_choices=False)
            if time.monotonic() >= end:
                return

    def modules(self):
        return self.last.get("Power_Modules_Status", {})

    def wait_for(self, what, condition, limit, every=None):
        """Pumps until condition() holds; `every` (a callable) runs once per 100 ms vehicle request."""
        deadline = time.monotonic() + limit
        while not condition():
            if time.monotonic() > deadline:
                raise Failed(f"{what}: not within {limit} s (last modules status {self.modules()})")
            if every:
                every()
            self.pump(0.1)
        self.log(what)

    def enter(self, name):
        self.state = STATES[name]
        self.status()
        self.log(f"state {name}")

    def power(self, function, volts=0.0, amps_max=0.0, amps_min=0.0, range_mode=0, closed=0, lowering=0):
        self.send("DC_Power_Control", Target_Voltage=volts, Current_Range_Max=amps_max, Current_Range_Min=amps_min,
                  Power_Function=function, Setpoints_Mode=range_mode, Output_Contactors=closed,
                  Lower_Output_Voltage=lowering)

    def check(self, ok, text):
        self.checks.append((ok, text))
        self.log(("PASS " if ok else "FAIL ") + text)

    def run(self, charge_seconds=3.0):
        self.waking = False
        self.next_status = time.monotonic()
        # E1: with sequence flags the customer must authorise the start.
        self.enter("Not_Available")
        self.wait_for("Start_Charge_Authorisation = Allowed",
                      lambda: self.last.get("Sequence_Control", {}).get("Start_Charge_Authorisation") == 1, 10)
        self.enter("Waiting_For_PEV")
        self.pump(0.3)
        self.enter("Negotiating_Connection")
        self.pump(0.3)
        # E4: the vehicle's information, then wait for the customer's parameters.
        self.enter("Connected_With_Full_Info")
        self.send("EV_Information_Battery", Battery_Capacity=60, Present_State_of_Charge=50)
        self.send("EV_Information_Voltages", EV_Maximum_Voltage=450, EV_Present_Voltage=self.battery)
        self.send("EV_Information_Charge_Limits", EV_Maximum_Charge_Current=150)
        self.wait_for("Charge_Parameters_Done = Done",
                      lambda: self.last.get("Sequence_Control", {}).get("Charge_Parameters_Done") == 1, 10)
        # E5: New_Charge_Session every 100 ms until System_Enable.
        self.waking = True
        first_session = time.monotonic()
        self.wait_for("System_Enable = Allowed", lambda: self.modules().get("System_Enable") == 1, 10)
        self.waking = False
        self.power(1)
        # E6: insulation test at 500 V, 10 good iterations.
        self.enter("Insulation_Test")
        good = [0]

        def judge():
            self.power(2, volts=500, closed=1)
            s = self.modules()
            if s.get("Present_Voltage", 0) >= 450 and s.get("Insulation_Resistance", 0) >= 100:
                good[0] += 1
        self.wait_for("insulation test passed (10 iterations at >= 450 V, >= 100 kOhm)", lambda: good[0] >= 10, 30, judge)
        # E7: lowering until <= 20 V.
        self.wait_for("output lowered to <= 20 V", lambda: self.modules().get("Present_Voltage", 999) <= 20, 20,
                      lambda: self.power(1, closed=1, lowering=1))
        # E8: precharge to the battery voltage, 2 A at most.
        self.enter("Precharge")
        self.wait_for(f"precharged to {self.battery:.1f} V +- 20 V",
                      lambda: abs(self.modules().get("Present_Voltage", 0) - self.battery) <= 20, 20,
                      lambda: self.power(4, volts=self.battery, amps_max=2, range_mode=1, closed=1))
        self.check(abs(self.modules().get("Present_Current", 0)) <= 2.5, "precharge current within 2 A")
        self.pump(0.2)                      # the vehicle closes its contactors
        self.power(1, closed=1)
        self.send("Charge_Status_Change", Vehicle_Ready_for_Charging=1)
        self.enter("Waiting_For_Charge")
        self.pump(0.1)
        # E10: 440 V / 100 A target mode, one request per 100 ms.
        self.enter("Charging")
        # The power stage ramps on its own (§1.4): charge at least `charge_seconds`, and until the
        # current has reached the request (20 s at most).
        start = time.monotonic()
        peak = 0.0
        while time.monotonic() - start < charge_seconds or (peak < 99 and time.monotonic() - start < 20):
            self.power(8, volts=440, amps_max=100, amps_min=100, closed=1)
            self.pump(0.1)
            peak = max(peak, self.modules().get("Present_Current", 0))
            if self.modules().get("System_Enable") != 1:
                raise Failed(f"System_Enable dropped during charging: {self.modules()}")
        self.check(95 <= peak <= 105, f"charging current reached the 100 A request (peak {peak:.1f} A "
                                      f"after {time.monotonic() - start:.1f} s)")
        # E11: stop: current down with contactors closed, then open, then lowering.
        self.send("Charge_Status_Change", Vehicle_Ready_for_Charging=0)
        self.enter("Ending_Charge")
        self.wait_for("current down to <= 1 A", lambda: abs(self.modules().get("Present_Current", 99)) <= 1, 10,
                      lambda: self.power(1, closed=1))
        self.power(1, closed=0)
        self.pump(0.1)
        for _ in range(3):
            self.power(1, closed=0, lowering=1)
            self.pump(0.1)
        self.enter("Welding_Detection")
        self.pump(0.5)
        self.send("Charge_Session_Finished", State=0)
        finished = time.monotonic()
        self.enter("Closing_Communication")
        self.pump(0.5)
        self.enter("Waiting_For_PEV")
        self.pump(0.3)
        self.periods(first_session, finished)

    def periods(self, first_session, finished):
        times = [t for t in self.seen.get("Power_Modules_Status", []) if first_session <= t <= finished]
        gaps = [b - a for a, b in zip(times, times[1:])]
        if len(gaps) < 10:
            self.check(False, f"Power_Modules_Status: only {len(times)} frames during the session")
            return
        median = statistics.median(gaps)
        self.log(f"Power_Modules_Status: {len(times)} frames, gaps median {median * 1000:.1f} ms, "
                 f"max {max(gaps) * 1000:.1f} ms, min {min(gaps) * 1000:.1f} ms")
        self.check(0.08 <= median <= 0.12, f"Power_Modules_Status every 100 ms (median {median * 1000:.1f} ms)")
        self.check(max(gaps) < 0.5, f"Power_Modules_Status never silent for the 500 ms timeout (max gap {max(gaps) * 1000:.1f} ms)")
        params = self.seen.get("DC_Power_Parameters", [])
        pgaps = [b - a for a, b in zip(params, params[1:])]
        self.check(len(params) > 0, f"DC_Power_Parameters sent ({len(params)} frames)")
        if pgaps:
            # Not faster than every 100 ms (§1.5); 20 ms of receive jitter on a loaded machine.
            self.check(min(pgaps) >= 0.08, f"DC_Power_Parameters not faster than 100 ms (min gap {min(pgaps) * 1000:.1f} ms)")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--kcd", required=True)
    p.add_argument("--battery-volts", type=float, required=True)
    p.add_argument("--pistol", type=int, default=1)
    p.add_argument("--charge-seconds", type=float, default=3.0)
    args = p.parse_args()
    secc = SECC(args)
    try:
        secc.run(args.charge_seconds)
    except Failed as e:
        secc.check(False, str(e))
    finally:
        secc.bus.shutdown()
    failed = [t for ok, t in secc.checks if not ok]
    print(f"play-secc: {len(secc.checks) - len(failed)} of {len(secc.checks)} checks passed, one whole v3 session"
          + ("" if not failed else f"; FAILED: {'; '.join(failed)}"), flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

import AdvanticsCAN
import CoreTypes

/// What the scripted ADVANTICS EVCC does in a session (advantics-can.md §2.6–§2.7): the charger it
/// stands for, the timings of each step, its configuration (`[vehicle]` section) and how the session
/// ends.
public struct EVCCScript: Sendable {
    public enum Stop: Sendable, Equatable {
        /// The charger ends the charge after `chargeFor` (the EVSE's stop: D8 / A3).
        case charger
        /// Only the vehicle ends it (`Normal_End_of_Charge`, max SoC, AC `Ready_To_Charge` = 0).
        case vehicle
    }

    /// DC (CCS_DC_Core) or AC (CCS_AC_Three_Phase_Core) pins.
    public var pins: InletPins = .ccsDCCore
    /// 3 = ISO 15118-2 (DC), 1 = CCS_PWM (AC basic charging).
    public var communicationProtocol = 3
    /// Boot (stage Initialising), then Waiting_For_EVSE until the plug-in.
    public var bootFor: Nanoseconds = .milliseconds(200)
    public var plugInAfter: Nanoseconds = .milliseconds(300)
    public var negotiation: Nanoseconds = .milliseconds(300)
    /// The inlet locks (P2: the controller waits for it).
    public var lockTime: Nanoseconds = .milliseconds(100)
    /// D1: how long the charger's insulation test lasts, and whether it finds a fault (the session
    /// then ends without power; `EVSE_Isolation_Level` = Fault in the diagnostics).
    public var insulationTest: Nanoseconds = .milliseconds(500)
    public var insulationFault = false
    /// D2: the CCS precharge process timeout (`[ccs] precharge_process_timeout_s`, 7 s).
    public var prechargeTimeout: Nanoseconds = .seconds(7)
    /// The charger: its maximum current (`EVSE_Information.Max_Current` in DC), the ramp-up rate
    /// (`[vehicle] current_ramp`, default 20 A/s) and the vehicle's configured `max_current`.
    public var chargerMaxAmps: Double = 125
    public var currentRampAmpsPerSecond: Double = 20
    public var maxCurrent: Double = 200
    /// `[vehicle] max_soc` (0: not set).
    public var maxSoC: Double = 0
    /// AC: the EVSE/cable limit (CP duty, PP).
    public var acMaxAmps: Double = 16
    /// How the session ends, and after how long when the charger ends it.
    public var stop: Stop = .charger
    public var chargeFor: Nanoseconds = .seconds(3)
    /// D8: the current threshold of welding detection (1 A; 5 A since release 2.5) and its timeout
    /// after which the contactors open anyway.
    public var weldingCurrentAmps: Double = 1
    public var weldingTimeout: Nanoseconds = .seconds(2)
    /// The safe-unlock voltage (≤ 60 V) and how long closing lasts before the unplug.
    public var unlockVolts: Double = 60
    public var closing: Nanoseconds = .milliseconds(300)
    /// `[vehicle] can_timeout_ms` (500): the VCU's critical frames missing in a powered phase → fault.
    public var canTimeout: Nanoseconds = .milliseconds(500)
    /// AC: the on-board charger must stop within 3 s after Not_Ready (A3).
    public var acStopTimeout: Nanoseconds = .seconds(3)
    /// Plug in again after the unplug (another session) or stay in Waiting_For_EVSE.
    public var plugsInAgain = true
    /// D5: `[vehicle] is_bidirectional` with ISO 15118-20 Dynamic mode, where the charger (its CSMS or
    /// local logic) picks the direction within the vehicle's limits. The charger here charges first,
    /// then, `dischargeAfter` into Charging, discharges at its own maximum capped by the vehicle's
    /// `Max_Discharge_Current` and `[vehicle] max_discharge_current`.
    public var bidirectional = false
    public var dischargeAfter: Nanoseconds = .seconds(1)
    public var chargerMaxDischargeAmps: Double = 80
    public var maxDischargeCurrent: Double = 200
    /// D6, Scheduled mode with voltage control: the configured `target_voltage` used when the vehicle
    /// sends 0, and the pack resistance the simulated charger's voltage regulation drives current through.
    public var targetVoltage: Double = 400
    public var packResistance: Double = 0.05

    public init() {}

    /// An ISO 15118-20 bidirectional DC session (D5): charge, then discharge, ended by the vehicle.
    public static var iso20Bidirectional: EVCCScript {
        var s = EVCCScript()
        s.communicationProtocol = 4
        s.bidirectional = true
        s.stop = .vehicle
        return s
    }

    /// An AC session (A1–A5) on three-phase pins with PWM only.
    public static var ac: EVCCScript {
        var s = EVCCScript()
        s.pins = .ccsACThreePhaseCore
        s.communicationProtocol = 1
        return s
    }
}

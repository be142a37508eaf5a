import AdvanticsCAN
import AdvanticsCANLink
import CoreTypes
import HAL

/// A bench monitor of an ADVANTICS interface (`boardctl can monitor`): takes every frame seen on the
/// bus, in both directions, and renders what a charger engineer checks — the controller's state and
/// power function, setpoints against readouts, limits, System_Enable and insulation, emergency stops —
/// and per message its count, rate and age, with the last frame decoded (advantics-can.md §3, the
/// reference monitors' panels in text). A tool: it allocates; not for the charger's tick.
public final class AdvanticsMonitor {
    public struct MessageStatistics: Sendable {
        public var count = 0
        public var first: MonotonicInstant?
        public var last: MonotonicInstant?
        public var lastFrame: AdvanticsFrame?
    }

    public let codec: AdvanticsCANCodec
    public let interface: AdvanticsInterface
    /// EVSE: the pistol watched (frames of others are counted apart).
    public let pistol: Int
    public private(set) var statistics: [Int: MessageStatistics] = [:]
    public private(set) var unknownFrames = 0
    public private(set) var rejectedFrames = 0
    public private(set) var otherFrames = 0
    public private(set) var state: ControllerState?
    public private(set) var control: DCPowerControl?
    public private(set) var modules: PowerModulesStatus?
    public private(set) var parameters: DCPowerParameters?
    public private(set) var flags: SequenceControl?
    public private(set) var emergency: EmergencyOrigin?
    public private(set) var evMaxVolts: Double?
    public private(set) var evMaxAmps: Double?
    /// PEV v2: the controller's side (stage, pins, Max_Current, the contactor and AC commands,
    /// diagnostics) and the VCU's (request, measurement, voltages, contactors, SoC, stop edges).
    public private(set) var pevEVSE: EVSEInformation?
    public private(set) var pevCloseContactors: Bool?
    public private(set) var pevReadyToDeliver: Bool?
    public private(set) var pevDiagnostics: EVCCDiagnostics?
    public private(set) var pevStatus1: DCStatus1?
    public private(set) var pevStatus2: DCStatus2?
    public private(set) var pevSoC: Double?
    public private(set) var pevReadyToCharge: Bool?
    private var values = SignalValues()

    public init(codec: AdvanticsCANCodec = AdvanticsCANCodec(), interface: AdvanticsInterface = .evse, pistol: Int = 1) {
        self.codec = codec
        self.interface = interface
        self.pistol = pistol
    }

    public func observe(_ frame: CANFrame, at now: MonotonicInstant) {
        guard let f = AdvanticsFrame(received: frame) else { return }
        let ref: AdvanticsMessageRef
        do {
            guard let r = try codec.decode(f, into: &values) else {
                unknownFrames += 1
                return
            }
            ref = r
        } catch {
            rejectedFrames += 1
            return
        }
        guard ref.interface == interface, interface == .pev || ref.pistol == pistol else {
            otherFrames += 1
            return
        }
        var s = statistics[ref.index] ?? MessageStatistics()
        s.count += 1
        s.first = s.first ?? now
        s.last = now
        s.lastFrame = f
        statistics[ref.index] = s
        if interface == .pev {
            switch PEVMessage(index: ref.index, values) {
            case .evseInformation(let i): pevEVSE = i
            case .dcControl(let c): pevCloseContactors = c
            case .acControl(let r): pevReadyToDeliver = r
            case .diagnostics(let d): pevDiagnostics = d
            case .dcStatus1(let s1): pevStatus1 = s1
            case .dcStatus2(let s2): pevStatus2 = s2
            case .evInformation(let soc, _): pevSoC = soc
            case .acStatus(let r): pevReadyToCharge = r
            default: break
            }
            return
        }
        switch EVSEMessage(index: ref.index, values) {
        case .controllerStatus(let st):
            state = st
            if st == .waitingForPEV || st == .notAvailable { emergency = nil }
        case .dcPowerControl(let c): control = c
        case .powerModulesStatus(let m): modules = m
        case .dcPowerParameters(let p): parameters = p
        case .sequenceControl(let q): flags = q
        case .emergencyStop(let o): emergency = o
        case .evVoltages(_, let maxVolts, _): evMaxVolts = maxVolts
        case .evChargeLimits(_, let maxAmps): evMaxAmps = maxAmps
        default: break
        }
    }

    /// The view at `now`: a summary (EVSE) and one line per message seen.
    public func render(at now: MonotonicInstant) -> String {
        var lines: [String] = []
        if interface == .evse {
            lines.append("controller: \(state.map { "\($0)" } ?? "-")" + (emergency.map { "  EMERGENCY STOP (origin \($0 == .pev ? "PEV" : "EVSE"))" } ?? ""))
            if let c = control {
                lines.append("request:    \(c.function) \(c.mode == .range ? "Range_Mode" : "Target_Mode") \(one(c.targetVolts)) V, "
                             + "\(one(c.rangeMinAmps))..\(one(c.rangeMaxAmps)) A, contactors \(c.contactorsClosed ? "Close" : "Open")"
                             + (c.lowering ? ", Lowering" : ""))
            }
            if let m = modules {
                lines.append("modules:    \(one(m.presentVolts)) V \(one(m.presentAmps)) A, System_Enable \(m.systemEnable ? "Allowed" : "Not_Allowed"), "
                             + "insulation \(one(m.insulationKiloohms)) kΩ, \(one(m.modulesCelsius)) °C")
            }
            if let p = parameters {
                lines.append("limits:     \(one(p.maxVolts)) V, charge \(one(p.maxChargeAmps)) A, discharge \(one(p.maxDischargeAmps)) A"
                             + (evMaxVolts.map { "; EV max \(one($0)) V" } ?? "") + (evMaxAmps.map { " \(one($0)) A" } ?? ""))
            }
            if let q = flags {
                lines.append("flags:      start \(q.startChargeAuthorised ? 1 : 0), CCS auth done \(q.ccsAuthorisationDone ? 1 : 0) valid "
                             + "\(q.ccsAuthorisationValid ? 1 : 0), parameters done \(q.chargeParametersDone ? 1 : 0), stop \(q.userStopPressed ? 1 : 0)")
            }
        }
        if interface == .pev {
            if let i = pevEVSE {
                lines.append("controller: \(i.stage), pins \(i.pins), protocol \(i.communicationProtocol), Max_Current \(one(i.maxAmps)) A"
                             + (pevCloseContactors.map { ", Close_Contactors \($0 ? "Close" : "Open")" } ?? "")
                             + (pevReadyToDeliver.map { ", Ready_To_Deliver_Power \($0 ? 1 : 0)" } ?? ""))
            }
            if let s1 = pevStatus1 {
                lines.append("vehicle:    request \(one(s1.maxChargeAmps)) A, present \(one(s1.presentAmps)) A, target \(one(s1.targetVolts)) V"
                             + (pevSoC.map { ", SoC \(one($0)) %" } ?? "") + (pevReadyToCharge.map { ", Ready_To_Charge \($0 ? 1 : 0)" } ?? ""))
            }
            if let s2 = pevStatus2 {
                lines.append("            battery \(one(s2.batteryVolts)) V, inlet \(one(s2.inletVolts)) V, contactors "
                             + "\(s2.contactorsClosed ? "Close" : "Open")" + (s2.normalEndOfCharge ? ", Normal_End_of_Charge" : "")
                             + (s2.emergencyStop ? ", EMERGENCY STOP" : ""))
            }
            if let d = pevDiagnostics, d.faultFlags != 0 || d.isolationLevel == EVCCDiagnostics.isolationFault || d.evseStatusCode != 0 {
                lines.append("diagnostics: flags 0x\(String(d.faultFlags, radix: 16)), EVSE status \(d.evseStatusCode), isolation \(d.isolationLevel)")
            }
        }
        let table = interface == .evse ? codec.evse : codec.pev
        for index in statistics.keys.sorted() {
            let s = statistics[index]!
            var rate = "-"
            if let first = s.first, let last = s.last, s.count > 1, last > first {
                rate = one(Double(s.count - 1) / (Double((last - first).count) / 1e9)) + "/s"
            }
            let age = s.last.map { "\(Int((now - $0).count / 1_000_000)) ms" } ?? "-"
            lines.append("  \(table[index].name): \(s.count) frames, \(rate), age \(age) | "
                         + (s.lastFrame.map { codec.describe($0) } ?? ""))
        }
        lines.append("unknown \(unknownFrames), rejected \(rejectedFrames), other pistols/interface \(otherFrames)")
        return lines.joined(separator: "\n")
    }
}

private func one(_ v: Double) -> String {
    let tenths = (v * 10).rounded()
    let a = abs(Int64(tenths))
    return "\(tenths < 0 ? "-" : "")\(a / 10).\(a % 10)"
}

import Contracts
import CoreTypes

/// What a scenario run ended with, as the charger and the car measured it.
public struct ScenarioObservation: Sendable {
    public var stopReason: V2GStopReason
    public var negotiated: V2GProtocol?
    /// One bit per `V2GSessionPhase.rawValue` reached.
    public var reachedPhases: UInt64
    public var powerFault: PowerFault?
    public var supplyOff: Bool
    public var contactorsOpen: Bool
    public var carContactorsOpen: Bool
    public var soc: Double
    public var targetSoC: Double
    /// The charger's meter (the session recorder) and the car's battery model, Wh.
    public var meterWattHours: Double
    public var batteryWattHours: Double
    public var readyAgain: Bool

    public init(stopReason: V2GStopReason, negotiated: V2GProtocol?, reachedPhases: UInt64, powerFault: PowerFault?,
                supplyOff: Bool, contactorsOpen: Bool, carContactorsOpen: Bool, soc: Double, targetSoC: Double,
                meterWattHours: Double, batteryWattHours: Double, readyAgain: Bool) {
        self.stopReason = stopReason
        self.negotiated = negotiated
        self.reachedPhases = reachedPhases
        self.powerFault = powerFault
        self.supplyOff = supplyOff
        self.contactorsOpen = contactorsOpen
        self.carContactorsOpen = carContactorsOpen
        self.soc = soc
        self.targetSoC = targetSoC
        self.meterWattHours = meterWattHours
        self.batteryWattHours = batteryWattHours
        self.readyAgain = readyAgain
    }

    public func reached(_ phase: V2GSessionPhase) -> Bool { reachedPhases & (1 << UInt64(phase.rawValue)) != 0 }

    public var summary: String {
        let phases = V2GSessionPhase.allCases.filter { reached($0) && $0 != .idle }.map(\.description).joined(separator: " ")
        return "stop reason \(stopReason), \(negotiated?.josevName ?? "no protocol"), phases [\(phases)], power fault "
            + "\(powerFault.map { "\($0)" } ?? "none"), supply \(supplyOff ? "off" : "ON"), contactors \(contactorsOpen ? "open" : "CLOSED"), "
            + "SoC \(Int(soc * 10) / 10) % (target \(targetSoC)), meter \(Int(meterWattHours * 100)) cWh, battery \(Int(batteryWattHours * 100)) cWh, "
            + "ready again \(readyAgain)"
    }
}

extension ScenarioExpectation {
    /// Every promise the observation breaks, one line each (empty: the scenario passed).
    public func failures(_ o: ScenarioObservation) -> [String] {
        var out: [String] = []
        if let stopReason, o.stopReason != stopReason { out.append("stop reason \(o.stopReason), expected \(stopReason)") }
        if let negotiated, o.negotiated != negotiated {
            out.append("negotiated \(o.negotiated?.josevName ?? "none"), expected \(negotiated.josevName)")
        }
        for p in reached where !o.reached(p) { out.append("never reached \(p)") }
        for p in notReached where o.reached(p) { out.append("reached \(p), which it must not") }
        if let powerFault {
            let seen = o.powerFault.map { "\($0)" } ?? "none"
            if seen != powerFault { out.append("power fault \"\(seen)\", expected \"\(powerFault)\"") }
        }
        if let supplyOff, o.supplyOff != supplyOff { out.append("supply \(o.supplyOff ? "off" : "on") at the end") }
        if let contactorsOpen, o.contactorsOpen != contactorsOpen { out.append("contactors \(o.contactorsOpen ? "open" : "closed") at the end") }
        if let carContactorsOpen, o.carContactorsOpen != carContactorsOpen {
            out.append("the car's contactors \(o.carContactorsOpen ? "open" : "closed") at the end")
        }
        if let targetSoCReached, (o.soc >= o.targetSoC) != targetSoCReached {
            out.append("SoC \(o.soc) % against target \(o.targetSoC) %: expected \(targetSoCReached ? "reached" : "not reached")")
        }
        if let minimumEnergyWattHours, o.batteryWattHours < minimumEnergyWattHours {
            out.append("battery received \(o.batteryWattHours) Wh, expected at least \(minimumEnergyWattHours)")
        }
        if let energyTolerancePercent {
            // The meter also sees what charges the output capacitance and feeds the bleeders in cable
            // check and precharge, before the car's contactors close (~0.02 Wh on the sim plant): a
            // floor of 0.05 Wh, so a session of a few Wh is not judged on that alone.
            let allowed = max(energyTolerancePercent / 100 * o.batteryWattHours, 0.05)
            if abs(o.meterWattHours - o.batteryWattHours) > allowed {
                out.append("meter \(o.meterWattHours) Wh vs battery \(o.batteryWattHours) Wh: beyond \(energyTolerancePercent) %")
            }
        }
        if let readyAgain, o.readyAgain != readyAgain { out.append(o.readyAgain ? "ready again, expected not" : "not ready for the next car at the end") }
        return out
    }
}

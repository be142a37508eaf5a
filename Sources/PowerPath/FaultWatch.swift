import Contracts
import CoreTypes

/// The limits `FaultWatch` checks in the current phase (the machine fills them in).
@frozen
public struct WatchLimits: Sendable {
    /// Over-voltage above this for `overVoltageDuration` (0: not checked).
    public var maxVolts: Double = 0
    /// Emergency over-voltage (Table 103) above this at once (0: not checked).
    public var emergencyVolts: Double = 0
    /// Over-current above this plus accuracy and margin for `overCurrentDuration` (negative: not checked).
    public var maxAmps: Double = -1
    /// The IMD must be monitoring and its readings fresh and above the threshold.
    public var isolationWatched = false
    /// The supply was commanded off (since when): it must report off within the decay limit.
    public var supplyOffSince: MonotonicInstant?
    /// The pilot and the request must be live (every powered phase).
    public var livenessWatched = true

    public init() {}
}

/// Every fault the power path watches, once per tick, before the step runs (v2g-session.md §2 and §3):
/// the pilot (fault, emergency stop, vehicle gone), the request's writer, the supply's trip, the
/// contactors' feedback, stale measurements, the isolation, the Table 103 emergency over-voltage
/// (line 39), the over-voltage duration (line 40), over-current, and a supply that does not switch off
/// (line 48/49). The first one found is the fault; the machine then goes to the safe stop in the same
/// tick.
public struct FaultWatch: Sendable {
    public private(set) var overVoltageSince: MonotonicInstant?
    public private(set) var overCurrentSince: MonotonicInstant?
    public private(set) var isolationLowSince: MonotonicInstant?

    public init() {}

    public mutating func reset() {
        overVoltageSince = nil
        overCurrentSince = nil
        isolationLowSince = nil
    }

    @_noAllocation @_noLocks
    public mutating func check(_ input: PowerPathInputs, _ limits: WatchLimits, _ c: PowerPathConfiguration) -> PowerFault? {
        let now = input.now
        if limits.livenessWatched {
            if !input.pilotCurrent { return .pilotSilent }
            let p = input.pilot
            if p.emergencyStop || hasPilotFault(p) || !p.state.vehicleConnected { return .pilotFault }
            if !input.requestCurrent { return .requestSilent }
        }
        if hasSupplyFault(input.supply) { return .supplyTrip }
        if let f = input.contactors.fault { return contactorFault(f) }
        if age(input.meter.at, now) > c.measurementStaleAfter.count { return .measurementStale }
        if limits.isolationWatched {
            let r = input.isolation
            if r.valid, r.ohms < c.isolationFaultThresholdOhms {
                let since = isolationLowSince ?? r.at
                isolationLowSince = since
                if age(since, now) >= c.isolationFaultConfirmation.count { return .isolationFault }
            } else if r.valid {
                isolationLowSince = nil
            }
            if !selfTestRunning(r.selfTest), age(r.at, now) > c.isolationStaleAfter.count { return .isolationMonitorSilent }
        }
        let volts = input.meter.volts > input.supply.volts || !input.contactors.isClosed ? input.meter.volts : input.supply.volts
        if limits.emergencyVolts > 0, volts > limits.emergencyVolts { return .emergencyOverVoltage }
        if limits.maxVolts > 0, input.meter.volts > limits.maxVolts {
            let since = overVoltageSince ?? now
            overVoltageSince = since
            if age(since, now) >= c.overVoltageDuration.count { return .overVoltage }
        } else {
            overVoltageSince = nil
        }
        if limits.maxAmps >= 0 {
            let allowed = limits.maxAmps + accuracy(limits.maxAmps, c) + c.overCurrentMargin
            if input.meter.amps > allowed {
                let since = overCurrentSince ?? now
                overCurrentSince = since
                if age(since, now) >= c.overCurrentDuration.count { return .overCurrent }
            } else {
                overCurrentSince = nil
            }
        } else {
            overCurrentSince = nil
        }
        if let off = limits.supplyOffSince, !input.supply.isOff, age(off, now) >= c.currentDecayLimit.count {
            return .supplyDidNotSwitchOff
        }
        return nil
    }
}

// File-local helpers (`@_noAllocation` code may only call bodies it can see in a debug build).

@inline(__always)
private func age(_ since: MonotonicInstant, _ now: MonotonicInstant) -> Int64 { now.nanoseconds &- since.nanoseconds }

@inline(__always)
private func hasPilotFault(_ p: PilotFacts) -> Bool { if case .some = p.fault { true } else { false } }

@inline(__always)
private func hasSupplyFault(_ r: DCSupplyReadback) -> Bool { if case .some = r.fault { true } else { false } }

@inline(__always)
private func selfTestRunning(_ s: IMDSelfTest) -> Bool { if case .running = s { true } else { false } }

@inline(__always)
private func accuracy(_ amps: Double, _ c: PowerPathConfiguration) -> Double {
    let relative = (amps < 0 ? -amps : amps) * c.currentAccuracyFraction
    return relative > c.currentAccuracyMinimum ? relative : c.currentAccuracyMinimum
}

@inline(__always)
private func contactorFault(_ f: ContactorFault) -> PowerFault {
    switch f {
    case .didNotClose: .contactorDidNotClose
    case .welded: .contactorWelded
    case .droppedOut: .contactorDroppedOut
    case .ioFailed: .contactorIOFailed
    }
}

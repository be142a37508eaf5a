import Contracts
import CoreTypes

/// The charge loop's side of the power path (v2g-session.md §2 lines 39–45): the voltage target and
/// current limit the supply gets are the vehicle's request clamped to its own maxima and the supply's
/// capabilities; the current rises at the ramp rate (line 44) and falls at once. The over-voltage and
/// over-current durations are watched by `FaultWatch` against `overCurrentLimit`, which holds a
/// lowered setpoint for the over-current duration so the supply's fall time is not an over-current.
public struct ChargeLoopGuard: Sendable {
    /// The current setpoint after the ramp.
    public private(set) var setpointAmps: Double = 0
    public private(set) var targetVolts: Double = 0
    /// The limit over-current is judged against (≥ the setpoint).
    public private(set) var overCurrentLimit: Double = 0
    var limitHeldUntil: MonotonicInstant = .zero

    public init() {}

    /// Starts from zero current (the supply was regulating the precharge voltage at ≤ 2 A).
    public mutating func start(_ now: MonotonicInstant, fromAmps amps: Double) {
        setpointAmps = amps
        overCurrentLimit = amps
        limitHeldUntil = now
    }

    @_noAllocation @_noLocks
    public mutating func advance(_ input: PowerPathInputs, targetVolts requestedVolts: Double, targetAmps requestedAmps: Double,
                                 _ c: PowerPathConfiguration, _ command: inout PowerCommand) -> StepReport {
        let ev = input.request.ev
        let cap = input.capabilities
        var volts = requestedVolts
        if ev.maxVolts > 0, volts > ev.maxVolts { volts = ev.maxVolts }
        if volts > cap.maxVolts { volts = cap.maxVolts }
        var amps = requestedAmps < 0 ? 0 : requestedAmps
        if ev.maxAmps > 0, amps > ev.maxAmps { amps = ev.maxAmps }
        if amps > cap.maxAmps { amps = cap.maxAmps }
        if cap.maxWatts > 0, volts > 1, amps * volts > cap.maxWatts { amps = cap.maxWatts / volts }
        targetVolts = volts

        let step = c.currentRampAmpsPerSecond * Double(input.period.count) / 1e9
        if amps > setpointAmps {
            setpointAmps = setpointAmps + step < amps ? setpointAmps + step : amps
        } else {
            setpointAmps = amps
        }
        let now = input.now
        if setpointAmps >= overCurrentLimit {
            overCurrentLimit = setpointAmps
            limitHeldUntil = now + c.overCurrentDuration
        } else if now.nanoseconds >= limitHeldUntil.nanoseconds {
            overCurrentLimit = setpointAmps
            limitHeldUntil = now + c.overCurrentDuration
        }

        command.contactorsClosed = true
        command.imdMonitoring = true
        command.imdSelfTest = false
        command.supplyMode = .export
        command.setpoint = DCSetpoint(volts: volts, amps: setpointAmps)
        return (setpointAmps < amps ? .rampingCurrent : .regulating, .running)
    }
}

import Contracts
import CoreTypes

/// Precharge (v2g-session.md §2 lines 42–43; advantics-can.md E8): regulate the output to the target
/// (the battery voltage) at ≤ 2 A until it is within the tolerance, before the vehicle closes its
/// contactors; fail after the time limit (line 21). Once passed it keeps regulating, so the vehicle
/// finds the voltage when it closes.
public struct Precharge: Sendable {
    public private(set) var targetVolts: Double = 0
    var started: MonotonicInstant = .zero
    var passed = false

    public init() {}

    public mutating func start(targetVolts: Double, _ now: MonotonicInstant) {
        self.targetVolts = targetVolts
        started = now
        passed = false
    }

    /// A new target while precharging (the vehicle may repeat PreChargeReq with a corrected value).
    public mutating func retarget(_ volts: Double) { targetVolts = volts }

    @_noAllocation @_noLocks
    public mutating func advance(_ input: PowerPathInputs, _ c: PowerPathConfiguration,
                                 _ command: inout PowerCommand) -> StepReport {
        var volts = targetVolts
        if input.request.ev.maxVolts > 0, volts > input.request.ev.maxVolts { volts = input.request.ev.maxVolts }
        if volts > input.capabilities.maxVolts { volts = input.capabilities.maxVolts }
        command.contactorsClosed = true
        command.imdMonitoring = true
        command.imdSelfTest = false
        guard input.contactors.isClosed else {
            command.supplyMode = .off
            command.setpoint = .zero
            return (.closingContactors, timedOut(input.now, c) ? .failed(.prechargeTimeout) : .running)
        }
        command.supplyMode = .export
        command.setpoint = DCSetpoint(volts: volts, amps: c.prechargeCurrentLimit)
        // Judged against the requested target (the battery), not the clamped setpoint: the car closes
        // only within the tolerance of its battery voltage.
        let error = input.meter.volts - targetVolts
        if passed || (error <= c.prechargeTolerance && error >= -c.prechargeTolerance) {
            passed = true
            return (.regulating, .passed)
        }
        return (.rampingVoltage, timedOut(input.now, c) ? .failed(.prechargeTimeout) : .running)
    }

    @inline(__always)
    private func timedOut(_ now: MonotonicInstant, _ c: PowerPathConfiguration) -> Bool {
        now.nanoseconds &- started.nanoseconds >= c.prechargeTimeLimit.count
    }
}

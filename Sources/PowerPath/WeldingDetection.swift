import Contracts
import CoreTypes

/// Welding detection with the contactors open (v2g-session.md §2 line 46; EVerest PR#2767): the supply
/// is off and the auxiliary contacts say open, and the inlet-side voltage must fall below the safe
/// voltage within the time limit. A voltage that stays means a pole still conducts (ours welded, or
/// the vehicle's, with our meter on the inlet side).
public struct WeldingDetection: Sendable {
    var started: MonotonicInstant = .zero
    var passed = false

    public init() {}

    public mutating func start(_ now: MonotonicInstant) {
        started = now
        passed = false
    }

    @_noAllocation @_noLocks
    public mutating func advance(_ input: PowerPathInputs, _ c: PowerPathConfiguration,
                                 _ command: inout PowerCommand) -> StepReport {
        command.supplyMode = .off
        command.setpoint = .zero
        command.contactorsClosed = false
        command.imdSelfTest = false
        if passed {
            command.imdMonitoring = false
            return (.done, .passed)
        }
        command.imdMonitoring = true
        if input.contactors.isOpen, input.meter.volts < c.safeVoltage {
            passed = true
            command.imdMonitoring = false
            return (.done, .passed)
        }
        if input.now.nanoseconds &- started.nanoseconds >= c.weldingCheckTimeLimit.count {
            return (.waitingForDecay, .failed(.voltageDidNotDecay))
        }
        return (input.contactors.isOpen ? .waitingForDecay : .openingContactors, .running)
    }
}

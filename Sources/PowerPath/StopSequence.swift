import Contracts
import CoreTypes

/// The normal stop (advantics-can.md E11; v2g-session.md §2 line 48): switch the supply off, wait until
/// it reports off and the output current is below the contactor-safe current, then open the
/// contactors and wait for the auxiliary contacts. A supply that does not switch off in time is caught
/// by `FaultWatch` (`supplyDidNotSwitchOff`), a contactor that does not open by the driver (`welded`).
public struct StopSequence: Sendable {
    public enum Stage: Sendable { case currentToZero, opening, done }
    public private(set) var stage: Stage = .done

    public init() {}

    public mutating func start() { stage = .currentToZero }

    @_noAllocation @_noLocks
    public mutating func advance(_ input: PowerPathInputs, _ c: PowerPathConfiguration,
                                 _ command: inout PowerCommand) -> StepReport {
        command.supplyMode = .off
        command.setpoint = .zero
        command.imdSelfTest = false
        switch stage {
        case .currentToZero:
            let amps = input.meter.amps < 0 ? -input.meter.amps : input.meter.amps
            guard input.supply.isOff, amps < c.contactorSafeCurrent else { return (.currentToZero, .running) }
            stage = .opening
            command.contactorsClosed = false
            return (.openingContactors, .running)
        case .opening:
            command.contactorsClosed = false
            guard input.contactors.isOpen else { return (.openingContactors, .running) }
            stage = .done
            return (.done, .passed)
        case .done:
            command.contactorsClosed = false
            return (.done, .passed)
        }
    }
}

import Contracts
import CoreTypes

/// The cable check (IEC 61851-23 CC.4.1; v2g-session.md §2 lines 33–37): close the contactors with
/// the vehicle's open (the inlet must read below the safe voltage first), apply the Formula CC.1 test voltage at ≤ 2 A, self-test the IMD, hold the
/// isolation above the threshold for a while, then lower the output below the safe voltage. The
/// contactors stay closed for the precharge. An isolation reading below the threshold is caught by
/// `FaultWatch` in the tick it arrives.
public struct CableCheck: Sendable {
    public enum Stage: Sendable { case closing, ramping, selfTest, measuring, lowering, done }

    public private(set) var stage: Stage = .done
    public private(set) var testVolts: Double = 0
    var started: MonotonicInstant = .zero
    var stageSince: MonotonicInstant = .zero
    var selfTestRequested = false
    var selfTestSeenRunning = false
    var goodSince: MonotonicInstant?
    var inletChecked = false

    public init() {}

    public mutating func start(testVolts: Double, _ now: MonotonicInstant) {
        self.testVolts = testVolts
        stage = .closing
        started = now
        stageSince = now
        selfTestRequested = false
        selfTestSeenRunning = false
        goodSince = nil
        inletChecked = false
    }

    @_noAllocation @_noLocks
    public mutating func advance(_ input: PowerPathInputs, _ c: PowerPathConfiguration,
                                 _ command: inout PowerCommand) -> StepReport {
        let now = input.now
        command.imdMonitoring = true
        command.imdSelfTest = false
        if isDone(stage) { return (.done, .passed) }
        if elapsed(started, now, atLeast: c.cableCheckTimeLimit) { return (.none, .failed(.cableCheckTimeout)) }
        switch stage {
        case .closing:
            // Before closing: the inlet must be dead (the car's contactors open), line 37's 60 V. A cable
            // still charged from the last session decays through the bleeders within `inletDecayWait`
            // (a car that plugs in again at once, a controller that starts the next session quickly);
            // the car's battery on the inlet does not. Ours stay open while we wait.
            command.supplyMode = .off
            command.setpoint = .zero
            if !inletChecked {
                if input.meter.volts >= c.safeVoltage {
                    if elapsed(stageSince, now, atLeast: c.inletDecayWait) { return (.closingContactors, .failed(.voltageOnInlet)) }
                    command.contactorsClosed = false
                    return (.closingContactors, .running)
                }
                inletChecked = true
            }
            command.contactorsClosed = true
            guard input.contactors.isClosed else { return (.closingContactors, .running) }
            enter(.ramping, now)
            return apply(&command, c)
        case .ramping:
            apply(&command, c)
            if input.meter.volts >= c.cableCheckVoltageReachedFraction * testVolts {
                enter(.selfTest, now)
                return (.imdSelfTest, .running)
            }
            if elapsed(stageSince, now, atLeast: c.cableCheckVoltageRiseLimit) {
                return (.rampingVoltage, .failed(.cableCheckVoltageNotReached))
            }
            return (.rampingVoltage, .running)
        case .selfTest:
            apply(&command, c)
            if !selfTestRequested {
                selfTestRequested = true
                command.imdSelfTest = true
                return (.imdSelfTest, .running)
            }
            switch input.isolation.selfTest {
            case .running:
                selfTestSeenRunning = true
            case .passed where selfTestSeenRunning:
                enter(.measuring, now)
                return (.measuringIsolation, .running)
            case .failed where selfTestSeenRunning:
                return (.imdSelfTest, .failed(.imdSelfTestFailed))
            default:
                break
            }
            if elapsed(stageSince, now, atLeast: c.imdSelfTestTimeout) {
                return (.imdSelfTest, .failed(.imdSelfTestTimeout))
            }
            return (.imdSelfTest, .running)
        case .measuring:
            apply(&command, c)
            let r = input.isolation
            if r.valid, r.ohms >= c.isolationFaultThresholdOhms, r.at >= stageSince {
                let since = goodSince ?? r.at
                goodSince = since
                if elapsed(since, now, atLeast: c.isolationConfirmation) {
                    enter(.lowering, now)
                    command.supplyMode = .off
                    command.setpoint = .zero
                    return (.loweringVoltage, .running)
                }
            } else if !r.valid {
                goodSince = nil
            }
            return (.measuringIsolation, .running)
        case .lowering:
            command.supplyMode = .off
            command.setpoint = .zero
            command.contactorsClosed = true
            if !c.cableCheckWaitBelowSafeVoltage || input.meter.volts < c.safeVoltage {
                stage = .done
                return (.done, .passed)
            }
            if elapsed(stageSince, now, atLeast: c.cableCheckDischargeLimit) {
                return (.loweringVoltage, .failed(.cableCheckDischargeTimeout))
            }
            return (.loweringVoltage, .running)
        case .done:
            return (.done, .passed)
        }
    }

    @discardableResult
    private func apply(_ command: inout PowerCommand, _ c: PowerPathConfiguration) -> StepReport {
        command.contactorsClosed = true
        command.supplyMode = .export
        command.setpoint = DCSetpoint(volts: testVolts, amps: c.cableCheckCurrentLimit)
        return (.rampingVoltage, .running)
    }

    private mutating func enter(_ s: Stage, _ now: MonotonicInstant) {
        stage = s
        stageSince = now
    }
}

@inline(__always)
private func isDone(_ s: CableCheck.Stage) -> Bool { if case .done = s { true } else { false } }

/// True once `now` is at least `limit` after `since` (integer compare: the checker sees it).
@inline(__always)
private func elapsed(_ since: MonotonicInstant, _ now: MonotonicInstant, atLeast limit: Nanoseconds) -> Bool {
    now.nanoseconds &- since.nanoseconds >= limit.count
}

import Contracts
import CoreTypes

/// The power path's decisions, free of I/O: takes the step the protocol layer asks for
/// (`PowerRequest`), checks it is in sequence (cable check → precharge → charge → stop → welding
/// check), watches every fault before each step runs, and on any fault goes to the safe stop in the
/// same tick — supply off, contactors commanded open — publishing the fault as the outcome. The safe
/// stop holds until the requester acknowledges with a new `idle` request.
///
/// A pure function of `PowerPathInputs`, so it runs the same under the manual clock as on a charger;
/// allocation-free (the steps and `FaultWatch` carry `@_noAllocation`; this dispatcher calls them
/// across files, which the debug-build checker cannot see, so the malloc-count test covers it).
public struct PowerPathMachine: Sendable {
    public let configuration: PowerPathConfiguration
    public private(set) var status = PowerPathStatus()
    public private(set) var command = PowerCommand()
    public private(set) var cableCheck = CableCheck()
    public private(set) var precharge = Precharge()
    public private(set) var chargeLoop = ChargeLoopGuard()
    public private(set) var stopSequence = StopSequence()
    public private(set) var weldingDetection = WeldingDetection()
    public private(set) var watch = FaultWatch()
    /// Since when the supply has been commanded off (nil while exporting).
    public private(set) var supplyOffSince: MonotonicInstant?
    var chargeVolts: Double = 0
    var chargeAmps: Double = 0
    var idleAfterStop = false

    public init(configuration: PowerPathConfiguration = PowerPathConfiguration()) {
        self.configuration = configuration
    }

    /// One tick: request → faults → step → command.
    public mutating func step(_ input: PowerPathInputs) -> PowerCommand {
        if isPhase(.safeStop) {
            holdSafeStop(input)
        } else {
            takeRequest(input)
            if !isPhase(.safeStop), !isPhase(.idle) {
                if let fault = watch.check(input, limits(input), configuration) {
                    fail(fault, input.now)
                } else {
                    runStep(input)
                }
            } else if isPhase(.idle) {
                command = PowerCommand()
            }
        }
        if command.supplyMode == .off {
            if supplyOffSince == nil { supplyOffSince = input.now }
        } else {
            supplyOffSince = nil
        }
        status.volts = input.meter.volts
        status.amps = input.meter.amps
        status.setpoint = command.setpoint
        status.testVolts = isPhase(.cableCheck) ? cableCheck.testVolts : 0
        if input.isolation.valid { status.isolationOhms = input.isolation.ohms }
        status.contactorsClosed = input.contactors.isClosed
        status.supplyOff = input.supply.isOff
        return command
    }

    /// The loop is stopping (signal, request, another controller's fault): safe stop now, unless the
    /// power path is idle with everything already off.
    public mutating func forceSafeStop(_ fault: PowerFault, _ now: MonotonicInstant) {
        if isPhase(.safeStop) { return }
        if isPhase(.idle), !command.contactorsClosed, command.supplyMode == .off { return }
        fail(fault, now)
    }

    // MARK: - Requests

    private mutating func takeRequest(_ input: PowerPathInputs) {
        let r = input.request
        let now = input.now
        if r.sequence == status.sequence {
            // Same step: a charge or precharge request may carry new targets.
            switch r.step {
            case .charge(let v, let i) where isPhase(.charging):
                chargeVolts = v
                chargeAmps = i
            case .precharge(let v) where isPhase(.precharge):
                precharge.retarget(v)
            default: break
            }
            return
        }
        status.sequence = r.sequence
        switch r.step {
        case .idle:
            if command.contactorsClosed || command.supplyMode != .off {
                idleAfterStop = true
                stopSequence.start()
                enter(.stopping, now)
            } else {
                enterIdle(now)
            }
        case .cableCheck:
            guard isPhase(.idle) || (isPhase(.stopping) || isPhase(.weldingCheck)) && status.outcome == .passed,
                  r.ev.maxVolts > 0 else { return fail(.outOfSequence, now) }
            let volts = DCLimits.cableCheckVolts(evMaxVolts: r.ev.maxVolts, supplyMaxVolts: input.capabilities.maxVolts)
            cableCheck.start(testVolts: volts, now)
            enter(.cableCheck, now)
        case .precharge(let v):
            guard isPhase(.cableCheck) && status.outcome == .passed || isPhase(.precharge) else {
                return fail(.outOfSequence, now)
            }
            precharge.start(targetVolts: v, now)
            enter(.precharge, now)
        case .charge(let v, let i):
            guard isPhase(.precharge) && status.outcome == .passed || isPhase(.charging) else {
                return fail(.outOfSequence, now)
            }
            chargeVolts = v
            chargeAmps = i
            if !isPhase(.charging) {
                chargeLoop.start(now, fromAmps: 0)
                enter(.charging, now)
            }
        case .stop:
            idleAfterStop = false
            stopSequence.start()
            enter(.stopping, now)
        case .weldingCheck:
            guard isPhase(.stopping) && status.outcome == .passed else { return fail(.outOfSequence, now) }
            weldingDetection.start(now)
            enter(.weldingCheck, now)
        }
    }

    // MARK: - Steps

    private mutating func runStep(_ input: PowerPathInputs) {
        let c = configuration
        let report: StepReport
        switch status.phase {
        case .cableCheck: report = cableCheck.advance(input, c, &command)
        case .precharge: report = precharge.advance(input, c, &command)
        case .charging: report = chargeLoop.advance(input, targetVolts: chargeVolts, targetAmps: chargeAmps, c, &command)
        case .stopping: report = stopSequence.advance(input, c, &command)
        case .weldingCheck: report = weldingDetection.advance(input, c, &command)
        case .idle, .safeStop: return
        }
        status.progress = report.progress
        switch report.outcome {
        case .failed(let f):
            fail(f, input.now)
        case .passed:
            if status.outcome == .running {
                status.outcome = .passed
                status.decidedAt = input.now
            }
            if isPhase(.stopping), idleAfterStop {
                idleAfterStop = false
                enterIdle(input.now)
            }
        case .running:
            break
        }
    }

    /// What `FaultWatch` checks in each phase.
    private func limits(_ input: PowerPathInputs) -> WatchLimits {
        let c = configuration
        var l = WatchLimits()
        let ev = input.request.ev
        let negotiated = ev.maxVolts > 0 && ev.maxVolts < input.capabilities.maxVolts ? ev.maxVolts : input.capabilities.maxVolts
        l.emergencyVolts = DCLimits.emergencyOverVoltage(negotiatedMaxVolts: negotiated)
        l.supplyOffSince = supplyOffSince
        l.isolationWatched = true
        switch status.phase {
        case .cableCheck:
            l.maxVolts = cableCheck.testVolts + c.voltageAccuracy
            l.maxAmps = c.cableCheckCurrentLimit
            // Trust the IMD only after its self-test (line 36).
            switch cableCheck.stage {
            case .measuring, .lowering, .done: l.isolationWatched = true
            default: l.isolationWatched = false
            }
        case .precharge:
            // Never more than the tolerance above the target: the car would close onto the difference.
            let ceiling = precharge.targetVolts + c.prechargeTolerance
            l.maxVolts = ev.maxVolts > 0 && ev.maxVolts < ceiling ? ev.maxVolts : ceiling
            l.maxAmps = c.prechargeCurrentLimit
        case .charging:
            l.maxVolts = ev.maxVolts
            l.maxAmps = chargeLoop.overCurrentLimit
        case .stopping, .weldingCheck:
            l.maxVolts = ev.maxVolts
        case .idle, .safeStop:
            l.livenessWatched = false
            l.isolationWatched = false
        }
        return l
    }

    // MARK: - Phases

    private mutating func holdSafeStop(_ input: PowerPathInputs) {
        let r = input.request
        if r.sequence != status.sequence, case .idle = r.step {
            status.sequence = r.sequence
            enterIdle(input.now)
            return
        }
        command.makeSafe()
    }

    private mutating func fail(_ fault: PowerFault, _ now: MonotonicInstant) {
        command.makeSafe()
        status.phase = .safeStop
        status.progress = .none
        status.outcome = .failed(fault)
        status.decidedAt = now
        idleAfterStop = false
        watch.reset()
    }

    private mutating func enter(_ phase: PowerPhase, _ now: MonotonicInstant) {
        status.phase = phase
        status.phaseSince = now
        status.outcome = .running
        status.decidedAt = .zero
        status.progress = .none
        watch.reset()
    }

    private mutating func enterIdle(_ now: MonotonicInstant) {
        command = PowerCommand()
        status.phase = .idle
        status.phaseSince = now
        status.outcome = .passed
        status.decidedAt = now
        status.progress = .none
        watch.reset()
    }

    private func isPhase(_ p: PowerPhase) -> Bool { status.phase == p }
}

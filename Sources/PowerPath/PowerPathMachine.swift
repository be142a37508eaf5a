import Contracts
import CoreTypes

/// The power path's decisions, free of I/O: takes the step the protocol layer asks for
/// (`PowerRequest`), checks it is in sequence (cable check → precharge → charge → stop → welding
/// check), watches every fault before each step runs, and on any fault goes to the safe stop in the
/// same tick — supply off, contactors commanded open — publishing the fault as the outcome. The safe
/// stop holds until the requester acknowledges with a new `idle` request — except after a fault that
/// `latchesUntilService` (a welded contactor, a live output after opening, a supply that will not
/// switch off): then the power path is out of service (`status.latchedFault`), answers every later
/// step with that fault and never closes a contactor again until `serviceReset()` (or a restart that
/// does not bring it back with `startOutOfService`). A
/// weld shows whenever the contactors are commanded open, so it is watched in idle and in the safe
/// stop too, and an `idle` request passes through the stop sequence until the feedback confirms open.
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
    /// Out of service since this fault (copied into `status.latchedFault`).
    var latched: PowerFault?

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
                if let fault = latchingFaultAtRest(input) { fail(fault, input.now) }
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
        status.contactorsOpen = input.contactors.isOpen
        status.supplyOff = input.supply.isOff
        return command
    }

    /// A technician's reset after the repair (or the restart that creates a new machine): the latched
    /// fault is cleared and the power path goes idle (supply off, contactors open), ready for the next
    /// request. A part still broken is found again: a pole still closed at the driver's opening
    /// timeout (`PowerPathController.serviceReset` repeats the open command), others the next time the
    /// contactors open.
    public mutating func serviceReset(_ now: MonotonicInstant) {
        guard latched != nil else { return }
        latched = nil
        status.latchedFault = nil
        if isPhase(.safeStop) { enterIdle(now) }
    }

    /// Out of service from the start: an earlier run latched `fault` and recorded it (chargerd's state
    /// directory), and a restart must not hide it. Safe stop with the fault latched, before the first
    /// step, whatever the fault (an unreadable record latches too: when in doubt, safe).
    public mutating func startOutOfService(_ fault: PowerFault, _ now: MonotonicInstant) {
        fail(fault, now)
        latched = fault
        status.latchedFault = fault
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
            // Idle only once the feedback confirms open: the stop sequence waits for it, so a contactor
            // that does not open is caught (and latched) before the next car, not after.
            if command.contactorsClosed || command.supplyMode != .off || !input.contactors.isOpen {
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
            // The session is over and only the contactors' feedback is awaited (supply off, no current):
            // the car leaving now is expected, not a fault; a contactor that does not open still is.
            if idleAfterStop, stopSequence.stage == .opening { l.livenessWatched = false }
        case .idle, .safeStop:
            l.livenessWatched = false
            l.isolationWatched = false
        }
        return l
    }

    // MARK: - Phases

    private mutating func holdSafeStop(_ input: PowerPathInputs) {
        let r = input.request
        command.makeSafe()
        if latched == nil, let fault = latchingFaultAtRest(input) {
            // Found while holding the safe stop of another fault: this one is why the charger is down.
            fail(fault, input.now)
        }
        guard r.sequence != status.sequence else { return }
        if latched != nil {
            // Out of service: every new step, the acknowledging idle too, is answered with the latched fault.
            status.sequence = r.sequence
        } else if case .idle = r.step {
            status.sequence = r.sequence
            enterIdle(input.now)
        }
    }

    /// The contactor faults that show with the contactors commanded open, outside any step: a pole
    /// that stays or comes closed, a coil or feedback line that failed (v2g-session.md §2 line 46).
    private func latchingFaultAtRest(_ input: PowerPathInputs) -> PowerFault? {
        // The driver keeps a fault until its next command; a welded pole is one still not open.
        switch input.contactors.fault {
        case .welded?: input.contactors.isOpen ? nil : .contactorWelded
        case .ioFailed?: .contactorIOFailed
        default: nil
        }
    }

    private mutating func fail(_ fault: PowerFault, _ now: MonotonicInstant) {
        command.makeSafe()
        status.phase = .safeStop
        status.progress = .none
        status.outcome = .failed(fault)
        status.decidedAt = now
        idleAfterStop = false
        watch.reset()
        if latched == nil, fault.latchesUntilService {
            latched = fault
            status.latchedFault = fault
        }
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

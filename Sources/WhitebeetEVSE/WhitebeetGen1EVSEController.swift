import Contracts
import ControlLoop
import CoreTypes
import WhitebeetHCI
import WhitebeetHost

/// The EVSE role on a WHITE-beet-EI with generation-1 firmware (V01_01_0x; whitebeet-hci.md §12,
/// flow §15.1). The module asks the host for every V2G answer (a parameter request, 0x82–0x8C, each
/// with its time-out) and this controller answers each from the shared contracts, as the
/// generation-2 `WhitebeetEVSEController` does: the cable check, precharge, charge, stop and welding
/// check are asked of the power path through `facts.powerRequest` and answered from `facts.power`;
/// the limits come from `configuration`; authorisation goes through the `Authorizer` with the car's
/// EVCC ID. It writes `facts.pilot`, `facts.powerRequest`, `facts.authorization` and `facts.v2g`.
///
/// Safe on faults: a power-path fault answers the pending request with a code that ends the session
/// (cable check "failed", pre-charge code 1, charge loop code 3 "stop charging" [obs]); a request it
/// cannot answer before its time-out, or a module that falls silent with power flowing, stops the
/// power path on the controller's own account (the module ends the session at its time-out, §12.2).
public final class WhitebeetGen1EVSEController: TickController {
    public struct Configuration: Sendable {
        public var evseID: HCIText = "DE*CKT*E0001"
        public var maximumVolts: Double = 500
        public var maximumAmps: Double = 200
        public var maximumWatts: Double = 100_000
        public var minimumVolts: Double = 150
        /// With power flowing the module asks for charge-loop parameters every 100 ms or so (§15.1
        /// step 22); this long without a request the module or the car is gone.
        public var moduleSilenceLimit = Nanoseconds.seconds(2)
        /// An answer is queued this long before the request's time-out at the latest, or the
        /// controller gives the request up and stops the power path itself.
        public var answerMargin = Nanoseconds.milliseconds(20)
        public init() {}
    }

    public typealias Stage = WhitebeetEVSEStage

    public let name = "whitebeet-evse-gen1"
    public let facts: ChargerFacts
    public let host: WhitebeetHostLink
    public let configuration: Configuration
    public let authorizer: any Authorizer
    /// The clean start, CP, SLAC, the command queue and the authorisation, alike in both generations.
    private var stages = WhitebeetModuleStages(generation: .gen1)
    public var stage: Stage { stages.stage }
    public var lastFailure: WhitebeetHostLink.Outcome? { stages.lastFailure }
    public var firmwareVersion: HCIText? { stages.firmwareVersion }
    public private(set) var request = PowerRequest()
    /// Why the controller ended a session on its own, or refused the module.
    public private(set) var abortReason: String?
    /// The parameter request waiting for our answer (its sub) and its deadline.
    public private(set) var pendingRequest: UInt8?
    /// Parameter requests answered in this process.
    public private(set) var answered = 0

    private var targetVolts = 0.0
    private var targetAmps = 0.0
    private var answerBy = MonotonicInstant.zero
    private var lastModuleRequest = MonotonicInstant.zero
    private var awaitingStop = false
    private var idleAfterWeldingCheck = false
    private var session = WhitebeetSessionFacts()

    public var sessionFacts: V2GSessionFacts { session.facts }

    public init(facts: ChargerFacts, host: WhitebeetHostLink, authorizer: any Authorizer = FreeVendAuthorizer(),
                configuration: Configuration = Configuration()) {
        self.facts = facts
        self.host = host
        self.authorizer = authorizer
        self.configuration = configuration
    }

    public func tick(_ context: TickContext) {
        let now = context.now
        while let n = host.takeNotification() { handle(n, now) }
        if let outcome = host.takeOutcome() { handle(outcome, now) }
        followPowerPath(now)
        decide(now)
        if stage == .session { watchModule(now) }
        stages.queue.submitNext(to: host, now)
        facts.pilot.publish(stages.pilotFacts, context)
        facts.powerRequest.publish(request, context)
        facts.authorization.publish(stages.authorization, context)
        facts.v2g.publish(session.facts, context)
    }

    /// A request we could not answer in time, or a module gone silent with power flowing: the module
    /// ends the session at its time-out (§12.2); the power path is stopped now, not when it says so.
    private func watchModule(_ now: MonotonicInstant) {
        if let sub = pendingRequest, now + configuration.answerMargin > answerBy {
            if abortReason == nil { abortReason = "no answer to request 0x\(String(sub, radix: 16)) within its time-out" }
            pendingRequest = nil
            stages.cancelAuthorization(authorizer)
            session.abort(.timeout, now)
            stop()
            return
        }
        switch request.step {
        case .precharge, .charge:
            if !awaitingStop, now - lastModuleRequest > configuration.moduleSilenceLimit {
                abortReason = "no parameter request from the module for \(configuration.moduleSilenceLimit)"
                session.abort(.timeout, now)
                stop()
            }
        default: break
        }
    }

    /// Asks the authorizer until it decides, then answers the request (0x69, §12.1).
    private func decide(_ now: MonotonicInstant) {
        guard let authorized = stages.decide(authorizer, now) else { return }
        answer(.setAuthorization(authorized: authorized))
        if !authorized { session.abort(.authorizationRejected, now) }
    }

    private func handle(_ outcome: WhitebeetHostLink.Outcome, _ now: MonotonicInstant) {
        switch stages.outcome(outcome) {
        case .none: break
        case .otherGeneration(let v):
            // Only generation-1 firmware (V01_xx) speaks this API (§0.1).
            abortReason = "EVSE firmware \(v) is not generation 1 (V01_01_0x): set firmware: gen2 on the board's whitebeet-host device"
        case .sessionLinkLost:
            abortReason = "the module did not take an answer (\(outcome))"
            session.abort(.linkLost, now)
            stop()
        }
    }

    private func handle(_ n: HCINotification, _ now: MonotonicInstant) {
        switch n {
        case .pilotStateChanged(let s):
            // §15.1 steps 7–8: 5 % and matching for a car; +12 V again when it leaves, and V2G stopped.
            if case .carLeft(let from) = stages.pilotChanged(s) {
                session.abort(.pilotLost, now)
                session.reset()
                pendingRequest = nil
                ask(.idle)
                if from == .session || from == .listening { enqueue(.stopV2G, tolerant: true) }
            }
        case .networkStatus(sub: 0x81, _):
            // The module restarted and lost its configuration (§6): a session is over.
            let inSession = stage == .session
            guard stages.moduleRestarted() else { return }
            if inSession || request.step != .idle {
                abortReason = "the module restarted"
                session.abort(.linkLost, now)
                stop()
            }
            pendingRequest = nil
        case .slacMatched:
            guard stages.slacMatched() else { return }
            // §15.1 steps 10–12: EVSE mode, protocols DIN + ISO, external payment, DC modes, V2G start.
            enqueue(.setV2GMode(.evse))
            enqueue(.evseGen1(.setSupportedProtocols([0, 2])))
            enqueue(.evseGen1(.setPaymentOptions([PaymentMethodCode.externalPayment])))
            enqueue(.evseGen1(.setEnergyTransferModes([EnergyTransferMode.dcCore, EnergyTransferMode.dcExtended])))
            enqueue(.startV2G)
        case .slacMatchFailed:
            stages.slacMatchFailed()
        case .evseGen1(let g):
            handle(g, now)
        default:
            break
        }
    }

    private func handle(_ g: EVSEGen1Notification, _ now: MonotonicInstant) {
        session.note(g, now)
        lastModuleRequest = now
        if let t = g.timeoutMilliseconds {
            pendingRequest = g.sub
            answerBy = now + .milliseconds(Int64(t))
        }
        switch g {
        case .sessionStarted(let started):
            abortReason = nil
            stages.sessionStarted(evccID: started.evccID)
        case .requestEVSEID(_, let format):
            // Format 0: FreeV2G answers "no EVSE ID"; any other value gets our ISO-style ID [unclear].
            answer(.setEVSEID(format == 0 ? nil : configuration.evseID))
        case .requestAuthorization:
            stages.authorizationRequested()
        case .requestSchedules:
            answer(.setSchedules(.accepted(Gen1Schedules(tuples: FixedList([
                ScheduleTuple(id: 1, entries: ScheduleEntries([ScheduleEntry(start: 0, interval: 86_400, maximumPower: physical(configuration.maximumWatts))])),
            ])))))
        case .requestDiscoveryChargeParameters(_, let ev):
            guard case .dc(let dc) = ev else {
                // A DC charger: an AC request is refused (code 1 [unclear]); the module ends the session.
                return answer(.setDiscoveryChargeParameters(.declined(.notAcceptable)))
            }
            request.ev = EVLimits(maxVolts: dc.maximumVoltage.value, maxAmps: dc.maximumCurrent.value)
            answer(.setDiscoveryChargeParameters(.accepted(.dc(Gen1DCDiscoveryParameters(
                isolationLevel: 0, maximumCurrent: physical(configuration.maximumAmps), minimumCurrent: .zero,
                maximumVoltage: physical(configuration.maximumVolts), minimumVoltage: physical(configuration.minimumVolts),
                maximumPower: physical(configuration.maximumWatts), peakCurrentRipple: physical(1))))))
        case .requestCableCheckStatus:
            ask(.cableCheck) // answered when the power path decides (followPowerPath)
        case .requestCableCheckParameters:
            answer(.setCableCheckParameters(.accepted(Gen1IsolationStatus(isolationLevel: isolationLevel))))
        case .requestPreChargeParameters(_, let p):
            let status = facts.power.value
            guard status.outcome.fault == nil, p.targetVoltage.value <= configuration.maximumVolts else {
                // Beyond our limits (FreeV2G's code 1) or a faulted power path: the session ends.
                abortReason = status.outcome.fault.map { "power path fault in precharge: \($0)" } ?? "precharge target beyond the limits"
                stop()
                return answer(.setPreChargeParameters(.declined(.notAcceptable)))
            }
            targetVolts = p.targetVoltage.value
            targetAmps = p.targetCurrent.value
            if case .precharge(let v) = request.step, v == targetVolts {} else { ask(.precharge(targetVolts: targetVolts)) }
            answer(.setPreChargeParameters(.accepted(Gen1PresentVoltage(isolationLevel: isolationLevel, presentVoltage: physical(status.volts)))))
        case .requestStartCharging:
            ask(.charge(targetVolts: targetVolts, targetAmps: targetAmps))
            answer(.setStartChargingStatus(.accepted(.dc(isolationLevel: isolationLevel))))
        case .requestChargeLoopParameters(_, let loop):
            let status = facts.power.value
            guard let loop, status.outcome.fault == nil, abortReason == nil else {
                // Code 3 "stop charging" [obs]: the car goes to its stop; the power path stops now.
                if let fault = status.outcome.fault, abortReason == nil { abortReason = "power path fault: \(fault)" }
                stop()
                return answer(.setChargeLoopParameters(.declined(.stopCharging)))
            }
            targetVolts = min(loop.targetVoltage.value, configuration.maximumVolts)
            targetAmps = min(loop.targetCurrent.value, configuration.maximumAmps)
            if case .charge = request.step { request.step = .charge(targetVolts: targetVolts, targetAmps: targetAmps) }
            session.present(volts: status.volts, amps: max(0, status.amps))
            answer(.setChargeLoopParameters(.accepted(.dc(Gen1DCChargeLoopParameters(
                isolationLevel: isolationLevel, presentVoltage: physical(status.volts), presentCurrent: physical(max(0, status.amps)),
                maximumCurrent: physical(configuration.maximumAmps), maximumVoltage: physical(configuration.maximumVolts),
                maximumPower: physical(configuration.maximumWatts),
                currentLimitReached: loop.targetCurrent.value > configuration.maximumAmps,
                voltageLimitReached: loop.targetVoltage.value > configuration.maximumVolts,
                powerLimitReached: targetVolts * targetAmps > configuration.maximumWatts)))))
        case .requestStopCharging:
            // PowerDeliveryRes goes out once the current is down (followPowerPath).
            stop()
        case .requestPostChargeParameters:
            // Welding detection: the output's voltage now; the power path checks the contactors.
            awaitingStop = false
            if request.step != .weldingCheck { ask(.weldingCheck) }
            answer(.setPostChargeParameters(.accepted(Gen1PresentVoltage(isolationLevel: isolationLevel,
                                                                         presentVoltage: physical(facts.power.value.volts)))))
        case .sessionStopped:
            stages.cancelAuthorization(authorizer)
            pendingRequest = nil
            if case .weldingCheck = request.step, facts.power.value.outcome == .running || facts.power.value.sequence != request.sequence {
                idleAfterWeldingCheck = true
            } else if request.step != .idle, !awaitingStop {
                ask(.idle)
            }
            stages.sessionEnded()
            enqueue(.stopV2G) // §15.1 step 26
        }
    }

    /// Answers the cable check and stop when the power path has decided.
    private func followPowerPath(_ now: MonotonicInstant) {
        let status = facts.power.value
        guard status.sequence == request.sequence else { return }
        if pendingRequest == 0x86, status.phase == .cableCheck || status.phase == .safeStop {
            if status.outcome == .passed {
                answer(.setCableCheckStatus(ok: true))
            } else if let fault = status.outcome.fault {
                abortReason = "cable check failed: \(fault)"
                answer(.setCableCheckStatus(ok: false))
            }
        }
        if idleAfterWeldingCheck, status.phase == .weldingCheck, status.outcome != .running {
            idleAfterWeldingCheck = false
            ask(.idle)
        }
        if awaitingStop, status.phase == .stopping, status.outcome == .passed {
            awaitingStop = false
            if pendingRequest == 0x8B {
                answer(.setStopChargingStatus(.accepted(Gen1IsolationStatus(isolationLevel: isolationLevel))))
            } else if stage != .session || abortReason != nil {
                // Stopped on our own: check welding ourselves; the module ends the session at its time-out.
                ask(.weldingCheck)
                idleAfterWeldingCheck = true
            }
        }
        // A fault stopped the power path (its safe stop): once the current is off, the car's stop
        // request is answered — what PowerDeliveryRes(stop) says — and the session goes on to its end.
        if pendingRequest == 0x8B, status.phase == .safeStop, status.outcome.fault != nil, abs(status.amps) < 1 {
            awaitingStop = false
            answer(.setStopChargingStatus(.accepted(Gen1IsolationStatus(isolationLevel: isolationLevel))))
        }
        if status.phase == .safeStop, status.outcome.fault != nil, stage != .session, request.step != .idle {
            awaitingStop = false
            idleAfterWeldingCheck = false
            ask(.idle)
        }
        if status.outcome.fault != nil, stage == .session, pendingRequest != 0x86, case .charge = request.step { stop() }
    }

    /// ISO 15118-2 isolationLevelType [inferred]: valid (1) once the cable check passed, else invalid.
    private var isolationLevel: UInt8 { facts.power.value.isolationOhms > 0 ? 1 : 0 }

    /// Queues the answer to the pending parameter request.
    private func answer(_ command: EVSEGen1Request) {
        if pendingRequest.flatMap(EVSEGen1Notification.answerSub(toRequest:)) == command.sub {
            pendingRequest = nil
            answered += 1
        }
        enqueue(.evseGen1(command))
    }

    private func stop() {
        guard !awaitingStop else { return }
        awaitingStop = true
        ask(.stop)
    }

    private func ask(_ step: PowerStep) {
        request.sequence &+= 1
        request.step = step
    }

    private func enqueue(_ r: HCIRequest, tolerant: Bool = false) { stages.queue.enqueue(r, tolerant: tolerant) }

    private func physical(_ v: Double) -> PhysicalValue { PhysicalValue((v * 10).rounded() / 10) ?? .zero }

    public func safeStop(_ reason: StopReason) -> SafeStopReport {
        ask(.stop)
        return SafeStopReport(name, ["power path asked to stop", "module stage \(stage)"])
    }
}

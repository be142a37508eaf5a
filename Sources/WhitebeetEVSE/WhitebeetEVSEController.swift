import Contracts
import ControlLoop
import CoreTypes
import WhitebeetHCI
import WhitebeetHost

/// The EVSE role on a WHITE-beet-EI (firmware generation 2; whitebeet-hci.md §15.2): configures the
/// module, runs CP and SLAC through it, starts V2G listening, and answers its notifications from the
/// DC power path — cable check, precharge, charge loop, stop and welding detection are asked of the
/// power path through `facts.powerRequest` and reported back from `facts.power`.
///
/// On a WHITE-beet board the module measures the pilot, so this controller is the writer of
/// `facts.pilot` (from the module's CP notifications) and of `facts.powerRequest`. It talks to the
/// module only through the host link's queue side (submit, outcome, notifications); the composition
/// pumps the link's `poll` before this tick. Authorisation goes through the same `Authorizer` as
/// our own SECC, with the car's EVCC ID (its MAC) as the vehicle token; the decision is published
/// in `facts.authorization` (this controller is its writer on a WHITE-beet board). The V2G session
/// the module runs is published in `facts.v2g`, folded from its notifications (`WhitebeetSessionFacts`).
public final class WhitebeetEVSEController: TickController {
    public struct Configuration: Sendable {
        public var dinEVSEID: HCIText = "+49*123*456*789"
        public var isoEVSEID: HCIText = "DE*CKT*E0001"
        public var maximumVolts: Double = 500
        public var maximumAmps: Double = 200
        public var maximumWatts: Double = 100_000
        public var minimumVolts: Double = 150
        /// Live values (0x63) at least this often during a session: the module's default parameter
        /// timeout is 500 ms (session error 23, §3.6); FreeV2G pushes every 100 ms.
        public var liveValuesPeriod = Nanoseconds.milliseconds(100)
        /// With power flowing, the module reports the car's request (0x85) every 100 ms or so; this
        /// long without one, the car or the module is gone and the power path is stopped.
        public var moduleSilenceLimit = Nanoseconds.seconds(2)
        public init() {}
    }

    public typealias Stage = WhitebeetEVSEStage

    public let name = "whitebeet-evse"
    public let facts: ChargerFacts
    public let host: WhitebeetHostLink
    public let configuration: Configuration
    /// The clean start, CP, SLAC, the command queue and the authorisation, alike in both generations.
    private var stages = WhitebeetModuleStages(generation: .gen2)
    public var stage: Stage { stages.stage }
    public var lastFailure: WhitebeetHostLink.Outcome? { stages.lastFailure }
    public var firmwareVersion: HCIText? { stages.firmwareVersion }
    public private(set) var sessionError: UInt8?
    public private(set) var request = PowerRequest()

    private var targetVolts = 0.0
    private var targetAmps = 0.0
    private var awaitingCableCheck = false
    private var awaitingStop = false
    private var idleAfterWeldingCheck = false
    private var lastLiveValues = MonotonicInstant.zero
    private var lastCarRequest = MonotonicInstant.zero
    /// Why the controller stopped a session on its own (module restarted, module silent), or why it
    /// refused the module (generation-1 firmware: `WhitebeetGen1EVSEController` drives that).
    public private(set) var abortReason: String?

    public let authorizer: any Authorizer
    /// `facts.v2g`, folded from the module's notifications (this controller is its writer here).
    private var session = WhitebeetSessionFacts()

    /// The V2G session as the module reported it (what `facts.v2g` carries).
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
        if stage == .session, !awaitingStop, now - lastCarRequest > configuration.moduleSilenceLimit {
            switch request.step {
            case .precharge, .charge:
                abortReason = "no charge parameters from the module for \(configuration.moduleSilenceLimit)"
                session.abort(.timeout, now)
                stop()
            default: break
            }
        }
        if stage == .session, now - lastLiveValues >= configuration.liveValuesPeriod, stages.queue.isEmpty, !host.isBusy {
            enqueueLiveValues(now)
        }
        stages.queue.submitNext(to: host, now)
        facts.pilot.publish(stages.pilotFacts, context)
        facts.powerRequest.publish(request, context)
        facts.authorization.publish(stages.authorization, context)
        facts.v2g.publish(session.facts, context)
    }

    /// Asks the authorizer until it decides, then answers the module (0x6B, §11.1).
    private func decide(_ now: MonotonicInstant) {
        guard let authorized = stages.decide(authorizer, now) else { return }
        enqueue(.setAuthorization(authorized: authorized))
        if !authorized { session.abort(.authorizationRejected, now) }
    }

    private func handle(_ outcome: WhitebeetHostLink.Outcome, _ now: MonotonicInstant) {
        switch stages.outcome(outcome) {
        case .none: break
        case .otherGeneration(let v):
            // EVSE firmware V01_xx speaks the generation-1 V2G API (§0.1): same sub IDs, other meanings.
            abortReason = "EVSE firmware \(v) speaks the generation-1 API: set firmware: gen1 on the board's whitebeet-host device"
        case .sessionLinkLost:
            session.abort(.linkLost, now)
            stop()
        }
    }

    private func handle(_ n: HCINotification, _ now: MonotonicInstant) {
        session.note(n, now)
        switch n {
        case .pilotStateChanged(let s):
            // §15.2 steps 9–10: 5 % and matching for a car; +12 V again when it leaves.
            if case .carLeft = stages.pilotChanged(s) {
                session.abort(.pilotLost, now)
                session.reset()
                ask(.idle)
            }
        case .networkStatus(sub: 0x81, _):
            // "Interface up": the module (re)started and lost its configuration (§6). A session in
            // progress is over; the power path stops, and the module is configured again.
            let inSession = stage == .session
            guard stages.moduleRestarted() else { return }
            if inSession || request.step != .idle {
                abortReason = "the module restarted"
                session.abort(.linkLost, now)
                stop()
            }
        case .slacMatched:
            guard stages.slacMatched() else { return }
            enqueue(.setV2GMode(.evse))
            enqueue(.setConfiguration(EVSEConfiguration(dinEVSEID: configuration.dinEVSEID, isoEVSEID: configuration.isoEVSEID,
                                                        protocols: [V2GProtocolCode.din70121, V2GProtocolCode.iso15118_2],
                                                        paymentMethods: [PaymentMethodCode.externalPayment],
                                                        energyTransferModes: [EnergyTransferMode.dcCore, EnergyTransferMode.dcExtended])))
            enqueue(.setDCChargingParameters(EVSEDCLimits(minimumVoltage: physical(configuration.minimumVolts), minimumCurrent: .zero,
                                                          maximumVoltage: physical(configuration.maximumVolts),
                                                          maximumCurrent: physical(configuration.maximumAmps),
                                                          maximumPower: physical(configuration.maximumWatts),
                                                          peakCurrentRipple: physical(1))))
            enqueue(.startListen)
        case .slacMatchFailed:
            stages.slacMatchFailed()
        case .sessionStarted(let started):
            lastCarRequest = now
            abortReason = nil
            stages.sessionStarted(evccID: started.evccID)
            sessionError = nil
            lastLiveValues = now
        case .authorizationRequested:
            stages.authorizationRequested()
        case .energyTransferModeSelected(let p):
            request.ev = EVLimits(maxVolts: p.maximumVoltage.value, maxAmps: p.maximumCurrent.value)
            if !EnergyTransferMode.isDC(p.mode) { enqueue(.stopCharging) }
        case .schedulesRequested:
            enqueue(.setSchedules(EVSESchedules(tuples: FixedList([
                ScheduleTuple(id: 1, entries: ScheduleEntries([ScheduleEntry(start: 0, interval: 86_400, maximumPower: physical(configuration.maximumWatts))])),
            ]))))
        case .dcChargeParametersChanged(let ev):
            lastCarRequest = now
            targetVolts = min(ev.targetVoltage.value, configuration.maximumVolts)
            targetAmps = min(ev.targetCurrent.value, configuration.maximumAmps)
            switch request.step {
            case .precharge(let v) where v != targetVolts && targetVolts > 0: ask(.precharge(targetVolts: targetVolts))
            case .charge: request.step = .charge(targetVolts: targetVolts, targetAmps: targetAmps) // same sequence (PowerRequest)
            default: break
            }
            enqueueLiveValues(now)
        case .cableCheckRequested:
            awaitingCableCheck = true
            ask(.cableCheck)
        case .preChargeStarted:
            // The module's silence is timed from the start of the step, not from the last request before
            // it: a cable check longer than the limit read as silence when the first precharge request
            // came a tick after this notification (CI, a loaded machine: stop_reason=timeout).
            lastCarRequest = now
            ask(.precharge(targetVolts: targetVolts))
        case .startChargingRequested:
            lastCarRequest = now
            ask(.charge(targetVolts: targetVolts, targetAmps: targetAmps))
            enqueue(.startCharging)
        case .stopChargingRequested:
            stop()
        case .weldingDetectionStarted:
            awaitingStop = false
            ask(.weldingCheck)
        case .sessionStopped:
            stages.cancelAuthorization(authorizer)
            // After a welding check the power path finishes it first (followPowerPath).
            if case .weldingCheck = request.step, facts.power.value.outcome == .running || facts.power.value.sequence != request.sequence {
                idleAfterWeldingCheck = true
            } else {
                ask(.idle)
            }
            stages.sessionEnded()
            enqueue(.stopListen)
        case .sessionError(let code):
            sessionError = code
            stop()
        default:
            break
        }
    }

    /// Reports what the power path decided for the step the module waits on.
    private func followPowerPath(_ now: MonotonicInstant) {
        let status = facts.power.value
        guard status.sequence == request.sequence else { return }
        if awaitingCableCheck, status.phase == .cableCheck || status.phase == .safeStop {
            if status.outcome == .passed {
                awaitingCableCheck = false
                enqueue(.setCableCheckFinished(ok: true))
            } else if status.outcome.fault != nil {
                awaitingCableCheck = false
                enqueue(.setCableCheckFinished(ok: false))
            }
        }
        if idleAfterWeldingCheck, status.phase == .weldingCheck, status.outcome != .running {
            idleAfterWeldingCheck = false
            ask(.idle)
        }
        if awaitingStop, status.phase == .stopping, status.outcome == .passed {
            awaitingStop = false
            if abortReason == nil {
                enqueue(.stopCharging) // the module's flow goes on with welding detection (0x8B)
            } else {
                // Stopped on our own: tell the module if it is still there, check welding ourselves.
                if stage == .session { enqueue(.stopCharging, tolerant: true) }
                ask(.weldingCheck)
                idleAfterWeldingCheck = true
            }
        }
        // A fault put the power path in its safe stop: acknowledged once the session is over.
        if status.phase == .safeStop, status.outcome.fault != nil, stage != .session, request.step != .idle {
            awaitingStop = false
            idleAfterWeldingCheck = false
            ask(.idle)
        }
        if status.outcome.fault != nil, stage == .session, !awaitingCableCheck, case .charge = request.step {
            stop()
        }
    }

    private func stop() {
        guard !awaitingStop else { return }
        awaitingStop = true
        ask(.stop)
    }

    private func enqueueLiveValues(_ now: MonotonicInstant) {
        lastLiveValues = now
        let s = facts.power.value
        session.present(volts: s.volts, amps: max(0, s.amps))
        enqueue(.updateDCChargingParameters(EVSEDCPresentValues(
            isolationLevel: s.isolationOhms > 0 ? 1 : 0, presentVoltage: physical(s.volts), presentCurrent: physical(max(0, s.amps)),
            maximumVoltage: physical(configuration.maximumVolts), maximumCurrent: physical(configuration.maximumAmps),
            maximumPower: physical(configuration.maximumWatts))))
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

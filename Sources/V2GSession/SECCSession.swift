import AppHandshake
import Buffers
import Contracts
import ControlLoop
import CoreTypes
import EXI
import V2G
import V2GTP

/// The charger's side of one V2G session over one TCP connection (DIN SPEC 70121 and ISO 15118-2, DC,
/// external identification): supportedAppProtocol, then SessionSetup … CurrentDemand … SessionStop.
///
/// Each tick it reads V2GTP bytes from `received` (the runner's `StreamPump` fills it), answers each
/// complete request in the same tick into `transmit`, asks the power path for cable check, precharge,
/// the charge setpoints, stop and welding check through `facts.powerRequest`, answers the car from
/// `facts.power` (EVSEProcessing, isolation status, present voltage and current, failure codes), and
/// publishes `facts.v2g`. Registered before the power path (its request is read in the same tick).
///
/// Robustness (v2g-session.md §1, §3; reference-systems.md dc-plc): every SECC timer of §1; out-of-order
/// requests answered FAILED_SequenceError, a foreign SessionID FAILED_UnknownSession, then the session
/// ends; a byte-identical repeat of the last request gets the same answer again; undecodable requests
/// are counted and end the session at `maximumDecodeErrors`; a bad V2GTP header or an oversize payload
/// ends it at once (sdp-v2gtp.md §6.3). On pilot A/E/F, link loss, a timer or a power fault the power
/// request goes to idle (the power path stops, or stays in its safe stop) and `phase` becomes `.ended`
/// with the reason. The runner closes the TCP connection when `closeRequested` is set and `transmit`
/// has drained.
///
/// Steady state (a CurrentDemand request in → response out) allocates nothing: messages are decoded
/// into and encoded from preallocated values, frames built in one preallocated buffer.
public final class SECCSession: TickController {
    public let name = "secc"
    public let received: ByteQueue
    public let transmit: ByteQueue
    public let facts: ChargerFacts
    public let authorizer: any Authorizer
    public let configuration: SECCConfiguration

    /// The session as published on `facts.v2g`.
    public private(set) var session = V2GSessionFacts()
    /// The connection should be closed once `transmit` has drained (after a FAILED answer, SessionStop,
    /// a timeout, a framing error, or when the session ended for another reason).
    public private(set) var closeRequested = false
    /// The last request understood and the last answer sent (for logs, `boardctl v2g` and tests).
    public private(set) var lastRequest = SECCRequest()
    public private(set) var lastAnswer = SECCAnswer()
    /// The power request as last published.
    public private(set) var powerRequest = PowerRequest()
    /// Which timer ended the session, if one did.
    public private(set) var expiredTimer: V2GSessionClock.Timer?
    /// Why the stream failed, if it did (bad header, oversize payload).
    public private(set) var framingError: V2GTPError?
    /// Requests answered FAILED because a list in them was longer than this SECC's storage (issue 15).
    public private(set) var answeredBeyondBound = 0
    /// Called once per request answered (not in the steady state when nil).
    public var onExchange: ((SECCRequest, SECCAnswer) -> Void)?

    private let io: V2GFrameIO
    private let din: SECCDINMessages
    private let iso2: SECCISO2Messages
    private let negotiation: AppProtocolNegotiation
    private var handshakeIn = AppHandshakeMessage()
    private var handshakeOut = AppHandshakeMessage()
    private var sequence = SECCSequence()
    private var clock = V2GSessionClock()
    private var request = SECCRequest()
    private var answer = SECCAnswer()
    private var connected = false
    private var handshakeDone = false
    private var linkWasMatched = false
    /// A power fault seen and not yet answered.
    private var powerFault: PowerFault?
    /// The safe stop (its `decidedAt`) this SECC last acknowledged with an `idle` request.
    private var acknowledgedStop = false
    private var acknowledgedStopAt = MonotonicInstant.zero
    /// The Ongoing, CableCheck or PreCharge loop outlived its timer; not yet answered.
    private var loopTimedOut = false
    private var cableCheckAsked = false
    private var weldingAsked = false
    private var prechargeVolts: Double = 0
    private var lastAnswerResendable = false
    private var token: IdentificationToken?
    private let newSessionID: () -> UInt64

    /// - Parameters:
    ///   - sessionID: where new SessionIDs come from (random 64-bit by default; tests replaying a
    ///     recorded session give the recorded one).
    public init(received: ByteQueue, transmit: ByteQueue, facts: ChargerFacts, authorizer: any Authorizer,
                configuration: SECCConfiguration = SECCConfiguration(),
                sessionID: @escaping () -> UInt64 = { UInt64.random(in: 1...UInt64.max) }) {
        self.received = received
        self.transmit = transmit
        self.facts = facts
        self.authorizer = authorizer
        self.configuration = configuration
        io = V2GFrameIO(maximumPayload: configuration.maximumPayload)
        din = SECCDINMessages(configuration: configuration)
        iso2 = SECCISO2Messages(configuration: configuration)
        negotiation = AppProtocolNegotiation(offered: configuration.protocols, preference: configuration.preference)
        newSessionID = sessionID
    }

    // MARK: - The runner's calls

    /// A TCP connection was accepted: a new session starts (handshake next). The caller clears the
    /// queues of the previous connection.
    public func connectionOpened(at now: MonotonicInstant) {
        io.reset()
        sequence = SECCSequence()
        clock.cancelAll()
        clock.communicationSetup.arm(now, after: configuration.timers.communicationSetup)
        clock.sequence.arm(now, after: configuration.timers.sequence)
        session = V2GSessionFacts()
        session.phase = .handshake
        session.startedAt = now
        connected = true
        handshakeDone = false
        closeRequested = false
        powerFault = nil
        loopTimedOut = false
        cableCheckAsked = false
        weldingAsked = false
        lastAnswerResendable = false
        expiredTimer = nil
        framingError = nil
        if !(powerRequest.step == .idle) { ask(.idle) }
    }

    /// The TCP connection closed or was reset: a session still running ends with `linkLost`.
    public func connectionClosed(at now: MonotonicInstant) {
        connected = false
        if session.phase != .idle, session.phase != .ended { end(.linkLost, now) }
    }

    // MARK: - Tick

    // Not @_noAllocation (nor `handle`, `serve`, `respond`): the facts are `Published<Value>` (generic), the
    // authorizer an existential and `onExchange` a closure, all refused by the checker; the EXI codecs
    // beneath are checked, and SECCZeroAllocationTests counts 0 mallocs over 10 000 CurrentDemand round
    // trips per protocol.
    public func tick(_ context: TickContext) {
        let now = context.now
        if session.phase != .idle, session.phase != .ended { watch(context) }
        var handled = 0
        while connected, !closeRequested, session.phase != .ended, handled < 4 {
            let complete: Bool
            do throws(V2GTPError) {
                complete = try io.pull(from: received)
            } catch {
                framingError = error
                session.decodeErrors &+= 1
                end(.decodeErrors, now)
                break
            }
            if !complete { break }
            handle(context)
            io.finishRequest()
            handled += 1
        }
        if session.phase == .idle || session.phase == .ended { acknowledgeFaultOnceTheCarHasLeft(context) }
        facts.powerRequest.publish(powerRequest, context)
        facts.v2g.publish(session, context)
    }

    /// The car has left (pilot A, IEC 61851-1 state A: no vehicle) while the power path holds a safe stop,
    /// and that stop is complete: acknowledge it with a new `idle` request, so the charger is ready for
    /// the next car. Asked once per safe stop, whatever the fault: whether an acknowledgement ends it is
    /// the power path's one rule (`PowerPathMachine` ignores it while out of service, a welded contactor).
    private func acknowledgeFaultOnceTheCarHasLeft(_ context: TickContext) {
        guard facts.pilot.hasBeenPublished, facts.pilot.isCurrent(in: context) else { return }
        let pilot = facts.pilot.value
        guard pilot.state == .a, pilot.fault == nil, !pilot.emergencyStop else { return }
        let status = facts.power.value
        guard status.phase == .safeStop, status.outcome.fault != nil else { return }
        // Only a safe stop that is done: supply off, contactors open, the output below the safe voltage.
        guard status.supplyOff, !status.contactorsClosed, status.volts < configuration.safeVoltage else { return }
        // Already asked for this safe stop (taken or not): once is enough.
        if acknowledgedStop, acknowledgedStopAt == status.decidedAt { return }
        acknowledgedStop = true
        acknowledgedStopAt = status.decidedAt
        ask(.idle)
    }

    public func safeStop(_ reason: StopReason) -> SafeStopReport {
        let running = session.phase != .idle && session.phase != .ended
        if running { end(.evseShutdown, session.endedAt) }
        return SafeStopReport(name, [running ? "V2G session ended (EVSE shutdown), power request idle"
                                              : "no V2G session running (\(session.phase), \(session.stopReason))"])
    }

    // MARK: - Watching the pilot, the link, the power path and the timers

    private func watch(_ context: TickContext) {
        let now = context.now
        if facts.pilot.hasBeenPublished, facts.pilot.isCurrent(in: context) {
            let p = facts.pilot.value
            if !p.state.vehicleConnected || p.emergencyStop { return end(.pilotLost, now) }
        }
        if facts.plcLink.value.matchedEV != nil {
            linkWasMatched = true
        } else if linkWasMatched, facts.plcLink.hasBeenPublished {
            return end(.linkLost, now)
        }
        let status = facts.power.value
        if powerFault == nil, !(powerRequest.step == .idle), status.sequence == powerRequest.sequence,
           let fault = status.outcome.fault {
            powerFault = fault
            session.powerFault = fault
            clock.faultAnswer.arm(now, after: configuration.timers.faultAnswerWindow)
        }
        if let timer = clock.expired(now) {
            switch timer {
            case .ongoing, .cableCheck, .preCharge:
                // A loop ran too long: the car's next request of that loop is answered FAILED (its
                // answer is what tells the car), bounded by the fault answer window.
                expiredTimer = timer
                clock.ongoing.cancel()
                clock.cableCheck.cancel()
                clock.preCharge.cancel()
                loopTimedOut = true
                clock.faultAnswer.arm(now, after: configuration.timers.faultAnswerWindow)
            case .faultAnswer:
                end(loopTimedOut ? .timeout : .powerFault, now)
            case .communicationSetup, .sequence:
                expiredTimer = timer
                end(.timeout, now)
            }
        }
    }

    // MARK: - One request

    private func handle(_ context: TickContext) {
        let now = context.now
        session.requests &+= 1
        guard io.payloadType == .exi else {
            session.decodeErrors &+= 1
            return end(.decodeErrors, now)
        }
        if !handshakeDone { return handshake(now) }

        if configuration.resendDuplicates, lastAnswerResendable, io.isRepeatOfLastRequest {
            session.duplicates &+= 1
            if io.resend(to: transmit) { session.responses &+= 1 }
            clock.sequence.arm(now, after: configuration.timers.sequence)
            return
        }

        let understood: Bool
        do throws(EXIError) {
            understood = session.negotiated == .din70121
                ? try din.decode(RawSpan(_unsafeBytes: io.payloadBytes), into: &request)
                : try iso2.decode(RawSpan(_unsafeBytes: io.payloadBytes), into: &request)
        } catch {
            // Only a body that this decode reached names the request (an error before it leaves the previous
            // request's body in storage): `partlyDecoded` checks the error lies inside the stored body element.
            if let partial = session.negotiated == .din70121 ? din.partlyDecoded(error) : iso2.partlyDecoded(error) {
                return answerBeyondBound(partial.kind, sessionID: partial.sessionID, now)
            }
            session.decodeErrors &+= 1
            if Int(session.decodeErrors) >= configuration.maximumDecodeErrors { end(.decodeErrors, now) }
            return
        }
        lastRequest = request
        guard understood else {
            // A message this SECC does not serve (AC, certificates, a response): it cannot be answered
            // in its own type, so the session ends (FAILED_SequenceError has no message to travel in).
            return end(.sequenceError, now)
        }

        answer = SECCAnswer()
        answer.kind = request.kind
        answer.sessionID = session.sessionID
        answer.presentVolts = facts.power.value.volts
        answer.presentAmps = facts.power.value.amps
        answer.isolation = cableCheckPassed ? .valid : .invalid

        if request.kind != .sessionSetup, request.sessionID != session.sessionID {
            answer.code = .unknownSession
            return respond(now, ending: .sequenceError)
        }
        if sequence.accept(request.kind) == .sequenceError {
            answer.code = .sequenceError
            return respond(now, ending: .sequenceError)
        }
        if let fault = powerFault, request.kind != .sessionStop {
            describe(fault)
            return respond(now, ending: .powerFault)
        }
        if loopTimedOut, request.kind != .sessionStop {
            answer.code = .failed
            answer.stopCharging = true
            answer.status = .malfunction
            return respond(now, ending: .timeout)
        }
        serve(context)
    }

    /// A valid request longer than a list bound this SECC keeps below the schema (DIN 70121's unbounded lists,
    /// xmldsig; generator README "Bounds") cannot be served, but it is not malformed: the SECC answers it
    /// FAILED in its own type and ends the session (ISO 15118-2 [V2G2-539], DIN 70121 [V2G-DC-665]), instead
    /// of counting a decode error and leaving the car to time out.
    private func answerBeyondBound(_ kind: V2GRequestKind, sessionID: UInt64, _ now: MonotonicInstant) {
        answeredBeyondBound &+= 1
        request = SECCRequest()
        request.kind = kind
        request.sessionID = sessionID
        answer = SECCAnswer()
        answer.kind = kind
        answer.sessionID = session.sessionID
        answer.presentVolts = facts.power.value.volts
        answer.presentAmps = facts.power.value.amps
        answer.code = .failed
        answer.stopCharging = true
        respond(now, ending: .sequenceError)
    }

    private var cableCheckPassed: Bool {
        cableCheckAsked && !(facts.power.value.phase == .cableCheck && facts.power.value.outcome == .running)
            && facts.power.value.outcome.fault == nil
    }

    /// The answer to an accepted, in-sequence request of the current session.
    private func serve(_ context: TickContext) {
        let now = context.now
        let status = facts.power.value
        let mine = status.sequence == powerRequest.sequence
        var ending: V2GStopReason?
        switch request.kind {
        case .sessionSetup:
            if request.sessionID != 0, request.sessionID == session.sessionID {
                answer.code = .oldSessionJoined
            } else {
                session.sessionID = newSessionID()
                answer.code = .newSessionEstablished
            }
            answer.sessionID = session.sessionID
            clock.communicationSetup.cancel()
            session.phase = .sessionSetup
            if let fault = status.latchedFault {
                // Out of service (a welded contactor): no session for this car, refused before any
                // authorisation or transaction starts; after FAILED the session ends (v2g-session.md §1).
                answer.code = .failed
                powerFault = fault
                session.powerFault = fault
                ending = .powerFault
            }
        case .serviceDiscovery:
            session.phase = .serviceDiscovery
        case .serviceDetail:
            answer.serviceID = request.serviceID
            if request.serviceID != SECCServices.chargeServiceID { answer.code = .serviceIDInvalid }
            session.phase = .paymentSelection
        case .paymentServiceSelection:
            if !request.externalPayment {
                answer.code = .paymentSelectionInvalid
            } else if !request.selectsChargeService {
                answer.code = .serviceSelectionInvalid
            }
            session.phase = .paymentSelection
        case .authorization:
            session.phase = .authorization
            let t = token ?? IdentificationToken(vehicle: MACAddress(rawValue: lastEVCCID))
            token = t
            let decision = authorizer.authorize(t, now: now)
            facts.authorization.publish(.asked(t, decision), context)
            switch decision {
            case .accepted:
                clock.ongoing.cancel()
            case .ongoing:
                answer.ongoing = true
                sequence.stayForOngoing()
                if !clock.ongoing.isArmed { clock.ongoing.arm(now, after: configuration.timers.ongoing) }
            case .rejected:
                answer.code = .failed
                ending = .authorizationRejected
            }
        case .chargeParameterDiscovery:
            session.phase = .chargeParameterDiscovery
            if !request.requestsDC {
                answer.code = .wrongEnergyTransferMode
            } else if request.maxVolts <= 0 || request.maxAmps <= 0 || request.maxVolts < configuration.minVolts {
                answer.code = .wrongChargeParameter
            } else {
                session.evMaxVolts = request.maxVolts
                session.evMaxAmps = request.maxAmps
                powerRequest.ev = EVLimits(maxVolts: request.maxVolts, maxAmps: request.maxAmps)
            }
        case .cableCheck:
            session.phase = .cableCheck
            if !cableCheckAsked {
                cableCheckAsked = true
                ask(.cableCheck)
                clock.cableCheck.arm(now, after: configuration.timers.cableCheck)
            }
            if mine, status.phase == .cableCheck, status.outcome == .passed, !isNewRequest {
                clock.cableCheck.cancel()
                answer.isolation = .valid
            } else {
                answer.ongoing = true
                answer.isolation = .invalid
                answer.status = .isolationMonitoringActive
                sequence.stayForOngoing()
            }
        case .preCharge:
            session.phase = .precharge
            clock.cableCheck.cancel()
            prechargeVolts = request.targetVolts
            if case .precharge = powerRequest.step {
                powerRequest.step = .precharge(targetVolts: request.targetVolts)  // retarget, same step
            } else {
                ask(.precharge(targetVolts: request.targetVolts))
                clock.preCharge.arm(now, after: configuration.timers.preCharge)
            }
        case .powerDeliveryStart:
            session.phase = .powerDelivery
            if case .charge = powerRequest.step {
                break  // a repeat: already charging
            }
            guard mine, status.phase == .precharge, status.outcome == .passed else {
                answer.code = .powerDeliveryNotApplied
                ending = .sequenceError
                break
            }
            clock.preCharge.cancel()
            ask(.charge(targetVolts: prechargeVolts, targetAmps: 0))
        case .currentDemand:
            session.phase = .charging
            session.currentDemands &+= 1
            if case .charge = powerRequest.step {
                powerRequest.step = .charge(targetVolts: request.targetVolts, targetAmps: request.targetAmps)
            }
            let c = configuration
            answer.currentLimitAchieved = request.targetAmps >= c.maxAmps
            answer.voltageLimitAchieved = request.targetVolts >= c.maxVolts
            answer.powerLimitAchieved = request.targetVolts * request.targetAmps >= c.maxWatts
            // A remote stop from the operator (OCPP RemoteStopTransaction): ask the car to end the loop.
            if facts.station.value.stopRequested {
                answer.stopCharging = true
                if session.negotiated == .din70121 { answer.status = .shutdown }  // DIN has no notification [V2G-DC-500]
            }
        case .powerDeliveryStop:
            session.phase = .stopping
            clock.preCharge.cancel()
            if request.renegotiate { answer.code = .failed; ending = .sequenceError; break }
            if !(powerRequest.step == .stop) { ask(.stop) }
        case .weldingDetection:
            session.phase = .weldingDetection
            if !weldingAsked, mine, status.phase == .stopping, status.outcome == .passed {
                weldingAsked = true
                ask(.weldingCheck)
            }
        case .sessionStop:
            session.phase = .sessionStop
            ending = powerFault == nil ? .completed : .powerFault
        default:
            answer.code = .sequenceError
            ending = .sequenceError
        }
        if request.soc >= 0 { session.soc = UInt8(clamping: Int(request.soc)) }
        if request.targetVolts > 0 || request.kind == .currentDemand || request.kind == .preCharge {
            session.evTargetVolts = request.targetVolts
            session.evTargetAmps = request.targetAmps
        }
        if answer.code.isFailure, ending == nil { ending = .sequenceError }
        respond(now, ending: ending)
    }

    /// The first answer after a new power step was asked in this same request: the power path has not
    /// seen it yet.
    private var isNewRequest: Bool { facts.power.value.sequence != powerRequest.sequence }

    private var lastEVCCID: UInt64 = 0

    /// Fills the failure answer for a power fault: FAILED (ISO 15118-2: FAILED_ContactorError for the
    /// contactors), status EmergencyShutdown for the faults IEC 61851-23 Table CC.10 treats as
    /// emergencies, Malfunction otherwise; isolation Fault for the IMD's verdicts.
    private func describe(_ fault: PowerFault) {
        answer.code = .failed
        answer.stopCharging = true
        answer.status = .malfunction
        switch fault {
        case .isolationFault, .imdSelfTestFailed:
            answer.isolation = .fault
        case .overVoltage, .emergencyOverVoltage, .overCurrent, .pilotFault, .supplyTrip:
            answer.status = .emergencyShutdown
        case .contactorDidNotClose, .contactorWelded, .contactorDroppedOut, .contactorIOFailed, .voltageDidNotDecay:
            answer.code = .contactorError
        default:
            break
        }
    }

    /// Encodes and queues `answer`; ends the session afterwards when `ending` is set.
    private func respond(_ now: MonotonicInstant, ending: V2GStopReason?) {
        if request.kind == .sessionSetup { lastEVCCID = request.evccID }
        var span = MutableRawSpan(_unsafeBytes: io.payloadRegion)
        let length: Int
        do throws(EXIError) {
            length = session.negotiated == .din70121 ? try din.encode(answer, into: &span) : try iso2.encode(answer, into: &span)
        } catch {
            return end(ending ?? .sequenceError, now)
        }
        if io.send(payloadType: .exi, length: length, to: transmit) { session.responses &+= 1 }
        lastAnswer = answer
        lastAnswerResendable = !answer.ongoing && !answer.code.isFailure && request.kind.repeatsWithNewAnswer == false
        clock.sequence.arm(now, after: configuration.timers.sequence)
        session.evsePresentVolts = answer.presentVolts
        session.evsePresentAmps = answer.presentAmps
        onExchange?(request, answer)
        if answer.code.isFailure { sequence.failed() }
        if let ending { end(ending, now) }
    }

    private func handshake(_ now: MonotonicInstant) {
        do throws(EXIError) {
            try AppHandshakeCodec.decode(RawSpan(_unsafeBytes: io.payloadBytes), into: &handshakeIn)
        } catch {
            session.decodeErrors &+= 1
            if Int(session.decodeErrors) >= configuration.maximumDecodeErrors { end(.decodeErrors, now) }
            return
        }
        guard case .supportedAppProtocolReq(let req) = handshakeIn else { return end(.sequenceError, now) }
        let outcome = negotiation.negotiate(req)
        handshakeOut = .supportedAppProtocolRes(outcome.response)
        var span = MutableRawSpan(_unsafeBytes: io.payloadRegion)
        let length: Int
        do throws(EXIError) {
            length = try AppHandshakeCodec.encode(handshakeOut, into: &span)
        } catch {
            return end(.sequenceError, now)
        }
        if io.send(payloadType: .exi, length: length, to: transmit) { session.responses &+= 1 }
        clock.sequence.arm(now, after: configuration.timers.sequence)
        if let selected = outcome.selected {
            session.negotiated = selected
            handshakeDone = true
            lastAnswerResendable = false
        } else {
            end(.noCommonProtocol, now)
        }
    }

    // MARK: - Power and the end

    /// A new step for the power path (a new sequence number).
    private func ask(_ step: PowerStep) {
        powerRequest.sequence &+= 1
        powerRequest.step = step
    }

    private func end(_ reason: V2GStopReason, _ now: MonotonicInstant) {
        guard session.phase != .ended else { return }
        session.phase = .ended
        session.stopReason = reason
        session.endedAt = now
        clock.cancelAll()
        closeRequested = true
        if let token, case .asked(_, .ongoing) = facts.authorization.value { authorizer.cancel(token) }
        token = nil
        // The power path stops (current to zero, contactors open) and goes idle; one in its safe stop
        // stays there, showing its fault, until the next session acknowledges it.
        if facts.power.value.phase != .safeStop, !(powerRequest.step == .idle) { ask(.idle) }
    }
}

extension V2GRequestKind {
    /// Requests that come again by design and need a fresh answer each time (the loops).
    var repeatsWithNewAnswer: Bool {
        switch self {
        case .cableCheck, .preCharge, .currentDemand, .weldingDetection, .chargingStatus: true
        default: false
        }
    }
}

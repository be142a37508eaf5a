import AppHandshake
import Buffers
import Contracts
import ControlLoop
import CoreTypes
import DIN70121
import EXI
import ISO15118_2
import V2G
import V2GTP

/// The vehicle side of a V2G session over one TCP connection (DIN SPEC 70121 or ISO 15118-2, DC,
/// EIM): supportedAppProtocol offering `configuration.protocols`, then the DC sequence of
/// `EVCCSequence`, driven by an `EVBatteryModel`. For the vehicle simulator, `boardctl v2g --role
/// evcc` and the tests.
///
/// A `TickController`: it never touches a socket. The runner (transport) moves the connection's
/// bytes into `received` and out of `transmit`, calls `connectionOpened(at:)` once the TCP
/// connection is up and `connectionClosed(at:)` when it goes, and closes the connection once
/// `closeRequested` says so (the session is over: SessionStopRes, a timeout, a FAILED
/// response — the car stops the communication, ISO 15118-2 [V2G2-539] / DIN 70121 §9.6).
///
/// Each tick: read the SECC's response (V2GTP framing, EXI decode in place into a message allocated
/// once), decide the next step, integrate the battery while the car's contactors are closed, check
/// the timers of v2g-session.md §1, and send the next request (EXI encode into a buffer allocated
/// once). Nothing in the steady state allocates: `EVCCAllocationTests` counts 0 mallocs per
/// CurrentDemand round.
public final class EVCCSession: TickController {
    public let name = "evcc"
    public let received: ByteQueue
    public let transmit: ByteQueue
    public let battery: any EVBatteryModel
    public let configuration: EVCCConfiguration

    /// The session as the car sees it (its own copy: `ChargerFacts.v2g` has the SECC as writer).
    public private(set) var session = V2GSessionFacts()
    /// The car's contactors: closed from PowerDeliveryRes(Start) to PowerDeliveryRes(Stop) or the
    /// end of the session. A plant model (PowerPlantSim) follows this, and so does a simulated
    /// vehicle's control pilot: state C while closed, B otherwise (ISO 15118-2 [V2G2-847/-848]).
    public private(set) var contactorsClosed = false
    /// The last response, as read.
    public private(set) var lastAnswer = EVSEAnswer()
    /// Where the sequence stands (round counters, the reason SessionStop will end with).
    public private(set) var sequence = EVCCSequence()
    /// Called after every response (for `boardctl v2g` output and logs). Whatever it does is the
    /// caller's cost: leave nil where the tick must not allocate.
    public var report: ((EVCCExchange) -> Void)?

    /// The session is over and the connection is still open: the runner closes it.
    public var closeRequested: Bool { connected && session.isFinished }

    /// What goes out next, or is being answered.
    private enum Outgoing: Equatable {
        case handshake
        case request(V2GRequestKind)
    }

    /// V2GTP framing in and out (shared with the SECC): one preallocated frame buffer.
    private let io: V2GFrameIO
    /// The messages, allocated once and decoded into / built in place (several kB each).
    private let din: UnsafeMutablePointer<DIN70121.V2G_Message>
    private let iso2: UnsafeMutablePointer<ISO15118_2.V2G_Message>
    /// Room for an SECC's schedule beyond the message's inline 24 PMax/sales-tariff entries, up to the schema's
    /// 3 × 1024 (issue 15): reserved with the session, its pages written only when such a schedule arrives.
    private let listArena = EXIListArena(capacity: ISO15118_2ListArena.worstCaseBytes)
    private let app: UnsafeMutablePointer<AppHandshakeMessage>
    /// supportedAppProtocolReq, built once from `configuration.protocols`.
    private let handshake: UnsafeMutablePointer<AppHandshakeMessage>

    private var connected = false
    private var next: Outgoing?
    private var awaiting: Outgoing?
    private var sendAt: MonotonicInstant = .zero
    private var sentAt: MonotonicInstant = .zero
    private var request = EVCCRequest()
    private var sessionID = EXIBytes<8>()
    /// V2G_EVCC_Msg_Timeout of the request in flight (2 s / 5 s / 250 ms, §1).
    private var responseTimer = Deadline()
    /// The Ongoing (60 s), CableCheck (40 s) or PreCharge (7 s) loop the car is in (§1).
    private var loopTimer = Deadline()
    private var loopKind: V2GRequestKind?
    /// CommunicationSetup: TCP connection → SessionSetupRes (20 s, §1).
    private var setupTimer = Deadline()
    private var lastDeliveryAt: MonotonicInstant = .zero
    /// EVSEMaximumCurrentLimit as last announced (ChargeParameterDiscoveryRes, CurrentDemandRes);
    /// NaN until then.
    private var evseMaxAmps: Double = .nan

    public init(received: ByteQueue, transmit: ByteQueue, battery: any EVBatteryModel, configuration: EVCCConfiguration = EVCCConfiguration(),
                maximumPayload: Int = 8184) {
        self.received = received
        self.transmit = transmit
        self.battery = battery
        self.configuration = configuration
        io = V2GFrameIO(maximumPayload: maximumPayload)
        din = .allocate(capacity: 1)
        din.initialize(to: DIN70121.V2G_Message())
        iso2 = .allocate(capacity: 1)
        iso2.initialize(to: ISO15118_2.V2G_Message())
        app = .allocate(capacity: 1)
        app.initialize(to: AppHandshakeMessage())
        handshake = .allocate(capacity: 1)
        handshake.initialize(to: .supportedAppProtocolReq(AppProtocolNegotiation.request(offering: configuration.protocols)))
        request.evccID = configuration.evccID
        request.prechargeAmps = configuration.prechargeAmps
        request.sendsChargingProfile = configuration.sendsChargingProfile
    }

    deinit {
        din.deinitialize(count: 1)
        din.deallocate()
        iso2.deinitialize(count: 1)
        iso2.deallocate()
        app.deinitialize(count: 1)
        app.deallocate()
        handshake.deinitialize(count: 1)
        handshake.deallocate()
    }

    // MARK: - The connection

    /// The TCP connection to the SECC is up: a new session starts with supportedAppProtocolReq,
    /// sent in the next tick.
    public func connectionOpened(at now: MonotonicInstant) {
        connected = true
        io.reset()
        session = V2GSessionFacts()
        session.phase = .handshake
        session.startedAt = now
        sequence = EVCCSequence()
        lastAnswer = EVSEAnswer()
        sessionID = EXIBytes<8>()
        sessionID.count = 1  // SessionSetupReq carries the one-octet SessionID 00 (ISO 15118-2 [V2G2-756])
        contactorsClosed = false
        awaiting = nil
        next = .handshake
        sendAt = now
        responseTimer.cancel()
        loopTimer.cancel()
        loopKind = nil
        setupTimer.arm(now, after: configuration.timers.communicationSetup)
        lastDeliveryAt = now
        evseMaxAmps = .nan
    }

    /// The TCP connection closed or was reset: what arrived before the close is read first (a charger
    /// that closes right behind its SessionStopRes ended the session, it did not lose the link), then a
    /// session still running ends with `linkLost`. A partial frame left behind a reset is not waited for.
    public func connectionClosed(at now: MonotonicInstant) {
        if connected, !session.isFinished, session.phase != .idle { receive(now) }
        if !session.isFinished, session.phase != .idle { end(.linkLost, now) }
        connected = false
    }

    // MARK: - The tick

    public func tick(_ context: TickContext) {
        let now = context.now
        guard connected, !session.isFinished else { return }
        receive(now)
        if session.isFinished { return }
        if contactorsClosed {
            let amps = session.evsePresentAmps.isNaN ? 0 : session.evsePresentAmps
            let volts = session.evsePresentVolts.isNaN ? 0 : session.evsePresentVolts
            battery.deliver(amps: amps, volts: volts, for: now - lastDeliveryAt)
            session.soc = UInt8(min(max(battery.soc.rounded(.down), 0), 100))
        }
        lastDeliveryAt = now
        if responseTimer.hasExpired(now) || loopTimer.hasExpired(now) || setupTimer.hasExpired(now) {
            end(.timeout, now)
            return
        }
        if let outgoing = next, now >= sendAt { send(outgoing, now) }
    }

    public func safeStop(_ reason: StopReason) -> SafeStopReport {
        let wasClosed = contactorsClosed
        if connected, !session.isFinished, session.phase != .idle {
            // The car's side of a stop: contactors open, no more requests.
            session.phase = .ended
            session.stopReason = .evseShutdown
        }
        contactorsClosed = false
        next = nil
        return SafeStopReport(name, [wasClosed ? "EV contactors opened" : "EV contactors open",
                                     "session \(session.phase) (\(session.stopReason))"])
    }

    // MARK: - Receiving

    /// Takes each complete V2GTP message out of `received` (the shared `V2GFrameIO`: header checks and
    /// the payload cap before anything is buffered) and handles it.
    private func receive(_ now: MonotonicInstant) {
        while !session.isFinished {
            let complete: Bool
            do throws(V2GTPError) {
                complete = try io.pull(from: received)
            } catch {
                // A bad header or an oversize payload: the stream cannot be resynchronised (sdp-v2gtp.md §6.2).
                received.removeAll()
                session.decodeErrors &+= 1
                end(.decodeErrors, now)
                return
            }
            if !complete { return }
            // The payload stays in the reader's buffer until `finishRequest()`.
            handle(io.payloadBytes, now)
            io.finishRequest()
        }
    }

    private func handle(_ payload: UnsafeRawBufferPointer, _ now: MonotonicInstant) {
        // A byte-identical copy of the previous answer (a SECC resending, dc-plc's duplicate on the
        // other side) is dropped when it cannot be the answer awaited; anything else out of turn
        // ends the session.
        let repeated = io.isRepeatOfLastRequest
        guard let expected = awaiting else {
            if repeated {
                session.duplicates &+= 1
                return
            }
            end(.sequenceError, now)
            return
        }
        switch expected {
        case .handshake:
            accept()
            handleHandshake(payload, now)
        case .request(let kind): handleResponse(payload, to: kind, repeated: repeated, now)
        }
    }

    /// The awaited answer arrived.
    private func accept() {
        awaiting = nil
        responseTimer.cancel()
        session.responses &+= 1
    }

    private func handleHandshake(_ payload: UnsafeRawBufferPointer, _ now: MonotonicInstant) {
        do throws(EXIError) {
            try AppHandshakeCodec.decode(RawSpan(_unsafeBytes: payload), into: &app.pointee)
        } catch {
            session.decodeErrors &+= 1
            end(.decodeErrors, now)
            return
        }
        guard case .supportedAppProtocolRes(let response) = app.pointee else {
            end(.sequenceError, now)
            return
        }
        var answer = EVSEAnswer()
        answer.responseCode = response.ResponseCode.rawValue
        report?(EVCCExchange(kind: nil, sentAt: sentAt, answeredAt: now, answer: answer, targetVolts: 0, targetAmps: 0, soc: battery.soc))
        // §7.5: the SchemaID names our entry; Failed_NoNegotiation carries none.
        guard let selected = AppProtocolNegotiation.selected(by: response, offering: configuration.protocols),
              selected == .din70121 || selected == .iso15118_2 else {
            end(.noCommonProtocol, now)
            return
        }
        session.negotiated = selected
        next = .request(.sessionSetup)
        sendAt = now
    }

    private func handleResponse(_ payload: UnsafeRawBufferPointer, to kind: V2GRequestKind, repeated: Bool, _ now: MonotonicInstant) {
        var headerSession = EXIBytes<8>()
        do throws(EXIError) {
            if session.negotiated == .din70121 {
                try DINCodec.decode(RawSpan(_unsafeBytes: payload), into: &din.pointee)
                EVCCDINMessages.read(din.pointee, into: &lastAnswer)
                headerSession = din.pointee.Header.SessionID
            } else {
                try ISO2Codec.decode(RawSpan(_unsafeBytes: payload), into: &iso2.pointee, listArena: listArena.handle)
                EVCCISO2Messages.read(iso2.pointee, into: &lastAnswer)
                headerSession = iso2.pointee.Header.SessionID
            }
        } catch {
            accept()
            session.decodeErrors &+= 1
            end(.decodeErrors, now)
            return
        }
        let matches = lastAnswer.kind == kind || (lastAnswer.kind == .powerDeliveryStart && kind == .powerDeliveryStop)
        if repeated, !matches {
            // The previous answer again: still waiting for this one (its timer keeps running).
            session.duplicates &+= 1
            return
        }
        accept()
        let answer = lastAnswer
        if !answer.maxAmps.isNaN, !answer.isFailure { evseMaxAmps = answer.maxAmps }
        if !answer.presentVolts.isNaN { session.evsePresentVolts = answer.presentVolts }
        if !answer.presentAmps.isNaN { session.evsePresentAmps = answer.presentAmps }
        report?(EVCCExchange(kind: kind, sentAt: sentAt, answeredAt: now, answer: answer, targetVolts: session.evTargetVolts,
                             targetAmps: session.evTargetAmps, soc: battery.soc))
        if kind == .sessionSetup, answer.kind == .sessionSetup, !answer.isFailure {
            // The SECC's SessionID for the rest of the session (DIN 70121 §9.4.1.2.3, [V2G2-755]).
            sessionID = headerSession
            session.sessionID = V2GSessionClock.sessionID(headerSession)
            setupTimer.cancel()
        } else if answer.kind != nil, !answer.isFailure, headerSession != sessionID {
            // A response for another session: not ours to follow.
            end(.sequenceError, now)
            return
        }
        if kind == .currentDemand { session.currentDemands &+= 1 }
        if kind == .powerDeliveryStart, answer.kind == .powerDeliveryStart, !answer.isFailure {
            contactorsClosed = true  // precharge matched and the EVSE agreed: the car closes its contactors
            lastDeliveryAt = now
        }
        if kind == .powerDeliveryStop { contactorsClosed = false }
        switch sequence.next(after: answer, sent: kind, batteryVolts: battery.terminalVolts, demand: battery.demand(),
                             configuration: configuration) {
        case .end(let reason):
            end(reason, now)
        case .send(let following):
            next = .request(following)
            sendAt = following == .currentDemand && kind == .currentDemand ? now + configuration.chargeLoopInterval : now
        }
    }

    // MARK: - Sending

    private func send(_ outgoing: Outgoing, _ now: MonotonicInstant) {
        var span = MutableRawSpan(_unsafeBytes: io.payloadRegion)
        let length: Int
        do throws(EXIError) {
            switch outgoing {
            case .handshake:
                length = try AppHandshakeCodec.encode(handshake.pointee, into: &span)
            case .request(let kind):
                prepare(kind)
                if session.negotiated == .din70121 {
                    EVCCDINMessages.build(request, sessionID: sessionID, into: &din.pointee)
                    length = try DINCodec.encode(din.pointee, into: &span)
                } else {
                    EVCCISO2Messages.build(request, sessionID: sessionID, into: &iso2.pointee)
                    length = try ISO2Codec.encode(iso2.pointee, into: &span)
                }
            }
        } catch {
            // Our own request does not encode (a value out of its schema range): nothing sensible
            // can follow.
            end(.decodeErrors, now)
            return
        }
        // The whole frame or nothing: a connection backed up gets it in a later tick.
        guard io.send(payloadType: .exi, length: length, to: transmit) else { return }
        next = nil
        awaiting = outgoing
        sentAt = now
        session.requests &+= 1
        responseTimer.arm(now, after: timeout(for: outgoing))
        if case .request(let kind) = outgoing {
            session.phase = Self.phase(of: kind)
            armLoopTimer(for: kind, now)
        }
    }

    /// Fills `request` for `kind` from the battery and what the session learnt so far.
    private func prepare(_ kind: V2GRequestKind) {
        request.kind = kind
        var demand = battery.demand()
        // The car asks for no more than the EVSE said it can give (ISO 15118-2 §8.5.4.3: the EVSE
        // limits are the ceiling of EVTargetCurrent; EVerest's hack_fix_hlc_integer_current_requests
        // shows cars that do otherwise confuse chargers).
        if !evseMaxAmps.isNaN, evseMaxAmps >= 0 { demand.targetAmps = min(demand.targetAmps, evseMaxAmps) }
        request.demand = demand
        request.prechargeVolts = battery.terminalVolts
        request.energyCapacityWattHours = battery.capacityWattHours
        request.energyRequestWattHours = battery.energyRequestWattHours
        request.fullSoC = battery.targetSoC
        request.bulkSoC = battery.bulkSoC
        let answer = lastAnswer
        if answer.kind == .serviceDiscovery { request.chargeServiceID = answer.chargeServiceID }
        if answer.kind == .chargeParameterDiscovery {
            request.scheduleTupleID = answer.scheduleTupleID
            request.scheduleMaxWatts = answer.scheduleMaxWatts
        }
        session.soc = UInt8(min(max(demand.soc.rounded(.down), 0), 100))
        session.evMaxVolts = demand.maxVolts
        session.evMaxAmps = demand.maxAmps
        switch kind {
        case .preCharge:
            session.evTargetVolts = request.prechargeVolts
            session.evTargetAmps = request.prechargeAmps
        case .currentDemand:
            session.evTargetVolts = demand.targetVolts
            session.evTargetAmps = demand.targetAmps
        default:
            break
        }
    }

    /// V2G_EVCC_Msg_Timeout for `outgoing` (v2g-session.md §1).
    private func timeout(for outgoing: Outgoing) -> Nanoseconds {
        let timers = configuration.timers
        guard case .request(let kind) = outgoing else { return timers.message }
        switch kind {
        case .currentDemand: return timers.currentDemand
        case .powerDeliveryStart, .powerDeliveryStop:
            return session.negotiated == .din70121 ? timers.message : timers.longMessage
        case .serviceDetail, .paymentDetails, .certificateInstallation, .certificateUpdate:
            return timers.longMessage
        default: return timers.message
        }
    }

    /// Starts the loop timer when the car enters an Ongoing, CableCheck or PreCharge loop; a
    /// request of another step ends it.
    private func armLoopTimer(for kind: V2GRequestKind, _ now: MonotonicInstant) {
        guard kind != loopKind else { return }
        loopKind = kind
        switch kind {
        case .authorization, .chargeParameterDiscovery: loopTimer.arm(now, after: configuration.timers.ongoing)
        case .cableCheck: loopTimer.arm(now, after: configuration.timers.cableCheck)
        case .preCharge: loopTimer.arm(now, after: configuration.timers.precharge)
        default: loopTimer.cancel()
        }
    }

    private func end(_ reason: V2GStopReason, _ now: MonotonicInstant) {
        session.phase = .ended
        session.stopReason = reason
        session.endedAt = now
        contactorsClosed = false
        next = nil
        awaiting = nil
        responseTimer.cancel()
        loopTimer.cancel()
        setupTimer.cancel()
    }

    // MARK: - Helpers

    private static func phase(of kind: V2GRequestKind) -> V2GSessionPhase {
        switch kind {
        case .sessionSetup: .sessionSetup
        case .serviceDiscovery: .serviceDiscovery
        case .serviceDetail, .paymentServiceSelection, .paymentDetails: .paymentSelection
        case .authorization: .authorization
        case .chargeParameterDiscovery: .chargeParameterDiscovery
        case .cableCheck: .cableCheck
        case .preCharge: .precharge
        case .powerDeliveryStart: .powerDelivery
        case .currentDemand, .chargingStatus, .meteringReceipt: .charging
        case .powerDeliveryStop: .stopping
        case .weldingDetection: .weldingDetection
        case .sessionStop, .certificateInstallation, .certificateUpdate: .sessionStop
        }
    }
}

import Buffers
import ControlLoop
import Contracts
import CoreTypes
import HomePlugAV

/// The EVSE side of ISO 15118-3 SLAC (slac.md §5.2): sets a fresh NMK/NID into the local modem,
/// waits for the EV's CM_SLAC_PARM.REQ once the control pilot is in B/C/D, characterises the
/// attenuation from the sounds, and hands the NMK to the EV in CM_SLAC_MATCH.CNF.
///
/// Up to `SlacMatcher.sessionSlots` EVs may run matching at once (cross-talk from a neighbouring
/// cable: each gets its own answers and the EV picks the loudest EVSE). The controller reads and
/// writes frame queues only; events and a trace of every message and timer go to `port`.
public final class SlacMatcher: TickController {
    public let name: String
    public let port: SlacPort
    public var configuration: Configuration
    /// The board this matcher reads the pilot from (`facts.pilot`, written by the CP controller
    /// earlier in the tick) and publishes the link state on (`facts.plcLink`, every tick).
    public let facts: ChargerFacts
    /// The confirmed control-pilot state as the CP controller published it.
    public var pilot: PilotState { facts.pilot.value.state }

    public struct Configuration: Sendable {
        /// TT_EVSE_SLAC_init (20 … 50 s).
        public var slacInit = SlacTiming.evseSlacInit
        /// NUM_SOUNDS offered in CM_SLAC_PARM.CNF (C_EV_match_MNBC).
        public var numberOfSounds = UInt8(SlacTiming.evMatchMNBC)
        /// TIME_OUT offered in CM_SLAC_PARM.CNF, × 100 ms (TT_EVSE_match_MNBC).
        public var soundingTimeOut = SlacTiming.evseMatchMNBCTimeOutField
        /// Take NUM_SOUNDS and TIME_OUT from the EV's CM_START_ATTEN_CHAR.IND (pyslac, open-plc-utils)
        /// rather than the values above (EVerest) — slac.md §9.
        public var followEVSoundingParameters = true
        public var rounding = AttenuationAverager.Rounding.truncate
        /// dB added to every averaged group (EVerest `sounding_attenuation_adjustment`).
        public var attenuationAdjustment = 0
        /// Which CM_SET_KEY.CNF results mean "key accepted" (slac.md §2.2).
        public var keyAcceptance = KeyAcceptance.qualcomm
        /// A new NMK after every session, so the EV's modem is expelled ([V2G3-M09-17]); pyslac keeps it.
        public var newKeyPerSession = true
        /// After a failed run wait for a new CM_SLAC_PARM.REQ instead of staying failed (EVerest's
        /// `reset_instead_of_fail`: some cars restart with a PARM.REQ straight away).
        public var restartAfterFailure = true
        /// Answer CM_VALIDATE with the toggle procedure; otherwise with "not required"
        /// ([V2G3-A09-51] lets an EVSE leave validation out).
        public var validation = false
        public init() {}
    }

    /// Which CM_SET_KEY.CNF Result values count as success (slac.md §2.2, §9).
    public enum KeyAcceptance: Sendable {
        /// 0x01, what QCA firmware answers.
        case qualcomm
        /// 0x00, the HomePlug text.
        case homePlug
        case either

        func accepts(_ result: UInt8) -> Bool {
            switch self {
            case .qualcomm: result == SetKeyConfirm.qcaAccepted
            case .homePlug: result == SetKeyConfirm.homePlugSuccess
            case .either: result == SetKeyConfirm.qcaAccepted || result == SetKeyConfirm.homePlugSuccess
            }
        }
    }

    /// Where the EVSE is (slac.md §5.1 Unmatched → Matching → Matched).
    public enum Phase: Sendable, Equatable {
        /// CM_SET_KEY.REQ sent, waiting for the local modem.
        case keySetup
        /// Unmatched, pilot not in B/C/D.
        case idle
        /// Pilot in B/C/D, TT_EVSE_SLAC_init running.
        case waitingForRequest
        /// At least one EV is being characterised.
        case matching
        case matched(MACAddress)
        /// Waiting for the pilot to leave B/C/D (or for a new key setup).
        case failed(SlacFailure)
    }

    /// Interoperability deviations seen and tolerated (slac.md §11.4).
    public struct Quirks: OptionSet, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// CM_SLAC_MATCH.REQ MVFLength big-endian (pyslac's example EV).
        public static let byteSwappedMVFLength = Quirks(rawValue: 1)
        /// CM_SLAC_MATCH.REQ carrying the EV's own MAC as EVSE MAC.
        public static let evseMACIsPEVMAC = Quirks(rawValue: 2)
        /// CM_ATTEN_PROFILE.IND with NumGroups ≠ 58.
        public static let nonStandardGroupCount = Quirks(rawValue: 4)
        /// A CM_SET_KEY.CNF whose result the configuration does not accept (a remote modem's refusal).
        public static let refusedKeyConfirm = Quirks(rawValue: 8)
    }

    public private(set) var phase: Phase = .keySetup
    public private(set) var quirks: Quirks = []
    /// The key currently set (or being set) in the local modem.
    public private(set) var nmk = NetworkMembershipKey.zero
    public private(set) var nid = NetworkID.zero
    public static let sessionSlots = 4

    private var random: SlacRandom
    private var started = false
    private var lastPilot: PilotState = .a
    private var pilotWantsMatching = false
    private var slacInit = Deadline()
    private var keyConfirm = Deadline()
    private var keyAttempts = 0
    private var sessions = InlineArray<4, Session>(repeating: Session())
    /// The match being held (repeated MATCH.REQ are answered from here).
    private var held = Session()
    private var matchedAt = MonotonicInstant.zero

    /// One EV's run (slac.md §5.2 steps 4–9).
    struct Session {
        enum Step { case free, awaitingStartAttenChar, sounding, awaitingAttenCharResponse, awaitingMatch, validationToggle }
        var step = Step.free
        var ev = MACAddress.zero
        var runID = RunID.zero
        var deadline = Deadline()
        var expectedSounds = 0
        var sounds = 0
        var averager = AttenuationAverager()
        var result = AttenuationGroups()
        var attenCharRepetitions = 0
        var validationExchanges = 0
        var toggles = 0
    }

    public init(name: String = "slac-evse", port: SlacPort, facts: ChargerFacts = ChargerFacts(),
                configuration: Configuration = Configuration(), random: SlacRandom = .system) {
        self.name = name
        self.port = port
        self.facts = facts
        self.configuration = configuration
        self.random = random
    }

    // MARK: - Tick

    public func tick(_ context: TickContext) {
        let now = context.now
        if !started {
            started = true
            startKeySetup(now)
        }
        followPilot(now)
        while let frame = port.next(now) { handle(frame, now) }
        expireTimers(now)
        facts.plcLink.publish(linkState, context)
    }

    /// Forgets every run and the held match; the modem keeps its key until the next start, which sets
    /// a new one (so an EV that stays associated is expelled then, [V2G3-M09-17]).
    public func safeStop(_ reason: StopReason) -> SafeStopReport {
        let wasMatched = facts.plcLink.value.matchedEV
        clearSessions()
        slacInit.cancel()
        keyConfirm.cancel()
        phase = .idle
        facts.plcLink.publish(.unmatched, tick: facts.plcLink.tick, at: facts.plcLink.at)
        return SafeStopReport(name, [wasMatched.map { "match with \($0) dropped" } ?? "no match held",
                                     "no matching running"])
    }

    /// The link as the `PLCLinkState` contract describes it.
    private var linkState: PLCLinkState {
        switch phase {
        case .keySetup, .idle, .waitingForRequest: return .unmatched
        case .matching:
            var i = 0
            while i < Self.sessionSlots {
                if sessions[i].step != .free { return .matching(ev: sessions[i].ev) }
                i += 1
            }
            return .matching(ev: .zero)
        case .matched(let ev):
            return .matched(PLCLinkMatch(ev: ev, attenuation: UInt8(clamping: held.result.mean), since: matchedAt))
        case .failed(let f): return .failed(f)
        }
    }

    // MARK: - Control pilot

    private func followPilot(_ now: MonotonicInstant) {
        let p = pilot
        guard p != lastPilot else { return }
        let was = lastPilot
        lastPilot = p
        countToggle(from: was, to: p)
        if p.vehicleConnected && !was.vehicleConnected {
            pilotWantsMatching = true
            switch phase {
            case .idle: beginWaiting(now)
            case .failed(.modemNotResponding): startKeySetup(now)
            case .failed: beginWaiting(now)
            default: break
            }
        } else if !p.vehicleConnected && was.vehicleConnected {
            pilotWantsMatching = false
            leave(now)
        }
    }

    /// The pilot left B/C/D: end every run, and for a session that handed out the key set a new one
    /// ([V2G3-M09-17]).
    private func leave(_ now: MonotonicInstant) {
        slacInit.cancel()
        switch phase {
        case .matched:
            port.post(now, .left)
            clearSessions()
            if configuration.newKeyPerSession { startKeySetup(now) } else { phase = .idle }
        case .matching, .waitingForRequest:
            if case .matching = phase { port.post(now, .failed(.pilotLeft, final: true)) }
            clearSessions()
            phase = .idle
        case .failed(.modemNotResponding), .keySetup:
            break
        case .failed, .idle:
            phase = .idle
        }
    }

    private func countToggle(from: PilotState, to: PilotState) {
        guard (from == .b && to == .c) || (from == .c && to == .b) else { return }
        var i = 0
        while i < Self.sessionSlots {
            if sessions[i].step == .validationToggle { sessions[i].toggles += 1 }
            i += 1
        }
    }

    private func beginWaiting(_ now: MonotonicInstant) {
        phase = .waitingForRequest
        slacInit.arm(now, after: configuration.slacInit)
        port.log(now, .timerArmed(.evseSlacInit, configuration.slacInit))
    }

    // MARK: - Key setup (slac.md §7.3)

    private func startKeySetup(_ now: MonotonicInstant) {
        nmk = random.membershipKey()
        nid = NetworkKeys.networkID(for: nmk)
        keyAttempts = 0
        phase = .keySetup
        sendKey(now)
    }

    private func sendKey(_ now: MonotonicInstant) {
        keyAttempts += 1
        port.send(.setKeyRequest(SetKeyRequest(nid: nid, nmk: nmk)), to: SlacConstants.localModem, now)
        keyConfirm.arm(now, after: SlacTiming.modemKeyConfirm)
        port.log(now, .timerArmed(.modemKeyConfirm, SlacTiming.modemKeyConfirm))
    }

    // MARK: - Frames

    private func handle(_ frame: HomePlugFrame, _ now: MonotonicInstant) {
        let from = frame.source
        switch frame.message {
        case .setKeyConfirm(let cnf):
            guard phase == .keySetup else { return ignore(frame, now) }
            port.log(now, .received(.setKeyConfirm, from: from))
            guard configuration.keyAcceptance.accepts(cnf.result) else {
                quirks.insert(.refusedKeyConfirm)
                return
            }
            keyConfirm.cancel()
            port.post(now, .keySet(nid))
            if pilotWantsMatching { beginWaiting(now) } else { phase = .idle }

        case .slacParmRequest(let req):
            parmRequest(req, from: from, now)

        case .startAttenCharIndication(let ind):
            guard let i = session(run: ind.runID, ev: from, step: .awaitingStartAttenChar),
                  ind.applicationType == SlacConstants.applicationType, ind.securityType == SlacConstants.securityType,
                  ind.responseType == SlacConstants.responseType, ind.numberOfSounds > 0, ind.timeOut > 0
            else { return ignore(frame, now) }
            port.log(now, .received(.startAttenCharIndication, from: from))
            let follow = configuration.followEVSoundingParameters
            let window = Nanoseconds.milliseconds(100 * Int64(follow ? ind.timeOut : configuration.soundingTimeOut))
            sessions[i].expectedSounds = Int(follow ? ind.numberOfSounds : configuration.numberOfSounds)
            sessions[i].step = .sounding
            sessions[i].deadline.arm(now, after: window)
            port.log(now, .timerArmed(.evseMatchMNBC, window))

        case .mnbcSoundIndication(let ind):
            guard let i = session(run: ind.runID, ev: from, step: .sounding) else { return ignore(frame, now) }
            port.log(now, .received(.mnbcSoundIndication, from: from))
            sessions[i].sounds += 1

        case .attenProfileIndication(let ind):
            guard let i = session(ev: ind.pevMAC, step: .sounding) else { return ignore(frame, now) }
            port.log(now, .received(.attenProfileIndication, from: from))
            if ind.groups.count != AttenuationGroups.standardCount { quirks.insert(.nonStandardGroupCount) }
            sessions[i].averager.add(ind.groups)
            if sessions[i].averager.profiles >= sessions[i].expectedSounds { characterised(i, now) }

        case .attenCharResponse(let rsp):
            // [V2G3-A09-47]: ignore invalid responses.
            guard let i = session(run: rsp.runID, ev: from, step: .awaitingAttenCharResponse),
                  rsp.sourceAddress == from, rsp.sourceID.isZero, rsp.responderID.isZero, rsp.result == 0
            else { return ignore(frame, now) }
            port.log(now, .received(.attenCharResponse, from: from))
            awaitMatch(i, now)

        case .validateRequest(let req):
            validate(req, from: from, now)

        case .slacMatchRequest(let req):
            matchRequest(req, from: from, now)

        case .vendorAttenuationCharacteristics:
            return // QCA chatter while sounding (slac.md §3.7)

        default:
            ignore(frame, now)
        }
    }

    private func ignore(_ frame: HomePlugFrame, _ now: MonotonicInstant) {
        port.log(now, .ignored(frame.message.mmType, from: frame.source))
    }

    /// slac.md §5.2 step 4; a repeated request with the same EV and RunID restarts that run
    /// ([V2G3-A09-16]).
    private func parmRequest(_ req: SlacParmRequest, from ev: MACAddress, _ now: MonotonicInstant) {
        let frame = HomePlugMessage.slacParmRequest(req)
        guard req.applicationType == SlacConstants.applicationType, req.securityType == SlacConstants.securityType else {
            return port.log(now, .ignored(frame.mmType, from: ev))
        }
        switch phase {
        case .waitingForRequest, .matching: break
        case .matched(let peer) where peer == ev:
            // The EV restarted matching (its join failed): the held match is over.
            port.post(now, .left)
            clearSessions()
        default:
            return port.log(now, .ignored(frame.mmType, from: ev))
        }
        guard let i = slot(for: ev) else { return port.log(now, .ignored(frame.mmType, from: ev)) }
        port.log(now, .received(.slacParmRequest, from: ev))
        sessions[i] = Session()
        sessions[i].ev = ev
        sessions[i].runID = req.runID
        sessions[i].step = .awaitingStartAttenChar
        port.send(.slacParmConfirm(SlacParmConfirm(numberOfSounds: configuration.numberOfSounds,
                                                   timeOut: configuration.soundingTimeOut,
                                                   forwardingStation: ev, runID: req.runID)), to: ev, now)
        sessions[i].deadline.arm(now, after: SlacTiming.matchSequence)
        port.log(now, .timerArmed(.matchSequence, SlacTiming.matchSequence))
        if phase != .matching {
            phase = .matching
            slacInit.cancel()
        }
        port.post(now, .matchingStarted(peer: ev, runID: req.runID))
    }

    /// Sounding done (count reached or window over, [V2G3-A09-19]): send the averages.
    private func characterised(_ i: Int, _ now: MonotonicInstant) {
        sessions[i].result = sessions[i].averager.average(rounding: configuration.rounding,
                                                          adjustment: configuration.attenuationAdjustment)
        sessions[i].attenCharRepetitions = 0
        sessions[i].step = .awaitingAttenCharResponse
        sendAttenChar(i, now)
    }

    private func sendAttenChar(_ i: Int, _ now: MonotonicInstant) {
        let s = sessions[i]
        port.send(.attenCharIndication(AttenCharIndication(sourceAddress: s.ev, runID: s.runID,
                                                           numberOfSounds: UInt8(clamping: s.averager.profiles),
                                                           groups: s.result)), to: s.ev, now)
        sessions[i].deadline.arm(now, after: SlacTiming.matchResponse)
        port.log(now, .timerArmed(.matchResponse, SlacTiming.matchResponse))
    }

    private func awaitMatch(_ i: Int, _ now: MonotonicInstant) {
        sessions[i].step = .awaitingMatch
        sessions[i].deadline.arm(now, after: SlacTiming.evseMatchSession)
        port.log(now, .timerArmed(.evseMatchSession, SlacTiming.evseMatchSession))
    }

    /// CM_VALIDATE (slac.md §2.11): optional; first exchange "ready", second counts B↔C toggles during
    /// TT_EVSE_vald_toggle.
    private func validate(_ req: ValidateRequest, from ev: MACAddress, _ now: MonotonicInstant) {
        guard let i = session(ev: ev, step: .awaitingMatch) else {
            return port.log(now, .ignored(.validateRequest, from: ev))
        }
        port.log(now, .received(.validateRequest, from: ev))
        guard configuration.validation else {
            return port.send(.validateConfirm(ValidateConfirm(toggleCount: 0, result: .notRequired)), to: ev, now)
        }
        sessions[i].validationExchanges += 1
        if sessions[i].validationExchanges == 1 {
            port.send(.validateConfirm(ValidateConfirm(toggleCount: 0, result: .ready)), to: ev, now)
            awaitMatch(i, now)
        } else {
            let window = SlacTiming.evseValidationToggle(timerField: req.timer)
            sessions[i].toggles = 0
            sessions[i].step = .validationToggle
            sessions[i].deadline.arm(now, after: window)
            port.log(now, .timerArmed(.validationToggle, window))
        }
    }

    /// slac.md §5.2 step 9; invalid requests are ignored ([V2G3-A09-98]). Tolerates pyslac's example
    /// EV: MVFLength big-endian, its own MAC as EVSE MAC (slac.md §11.4).
    private func matchRequest(_ req: SlacMatchRequest, from ev: MACAddress, _ now: MonotonicInstant) {
        if case .matched(let peer) = phase {
            // A repeated request (our CNF was lost): answer it again.
            guard peer == ev, req.runID == held.runID else { return port.log(now, .ignored(.slacMatchRequest, from: ev)) }
            port.log(now, .received(.slacMatchRequest, from: ev))
            return sendMatchConfirm(held, now)
        }
        var i = session(run: req.runID, ev: ev, step: .awaitingMatch)
        if i == nil { i = session(run: req.runID, ev: ev, step: .awaitingAttenCharResponse) } // our IND arrived, its RSP did not
        guard let i, req.applicationType == SlacConstants.applicationType, req.securityType == SlacConstants.securityType,
              req.pevMAC == ev, req.pevID.isZero, req.evseID.isZero,
              req.mvfLength == SlacMatchRequest.standardLength || req.mvfLength == SlacMatchRequest.byteSwappedLength,
              req.evseMAC == port.hostMAC || req.evseMAC == ev
        else { return port.log(now, .ignored(.slacMatchRequest, from: ev)) }
        if req.mvfLength == SlacMatchRequest.byteSwappedLength { quirks.insert(.byteSwappedMVFLength) }
        if req.evseMAC != port.hostMAC { quirks.insert(.evseMACIsPEVMAC) }
        port.log(now, .received(.slacMatchRequest, from: ev))
        held = sessions[i]
        matchedAt = now
        sendMatchConfirm(held, now)
        clearSessions()
        phase = .matched(ev)
        port.post(now, .matched(SlacMatch(peer: ev, runID: req.runID, nid: nid, nmk: nmk,
                                          attenuation: UInt8(clamping: held.result.mean),
                                          sounds: UInt8(clamping: held.averager.profiles))))
    }

    private func sendMatchConfirm(_ s: Session, _ now: MonotonicInstant) {
        port.send(.slacMatchConfirm(SlacMatchConfirm(pevMAC: s.ev, evseMAC: port.hostMAC, runID: s.runID, nid: nid, nmk: nmk)),
                  to: s.ev, now)
    }

    // MARK: - Timers

    private func expireTimers(_ now: MonotonicInstant) {
        if keyConfirm.fire(now) {
            port.log(now, .timerExpired(.modemKeyConfirm))
            if keyAttempts < SlacTiming.modemKeyAttempts {
                sendKey(now)
            } else {
                phase = .failed(.modemNotResponding)
                port.post(now, .failed(.modemNotResponding, final: true))
            }
        }
        if slacInit.fire(now) {
            port.log(now, .timerExpired(.evseSlacInit))
            if phase == .waitingForRequest {
                phase = .failed(.noSlacRequest)
                port.post(now, .failed(.noSlacRequest, final: true))
            }
        }
        var i = 0
        while i < Self.sessionSlots {
            if sessions[i].step != .free, sessions[i].deadline.fire(now) { sessionTimerExpired(i, now) }
            i += 1
        }
    }

    private func sessionTimerExpired(_ i: Int, _ now: MonotonicInstant) {
        switch sessions[i].step {
        case .awaitingStartAttenChar:
            port.log(now, .timerExpired(.matchSequence))
            fail(i, .noStartAttenChar, now)
        case .sounding:
            port.log(now, .timerExpired(.evseMatchMNBC))
            characterised(i, now)
        case .awaitingAttenCharResponse:
            port.log(now, .timerExpired(.matchResponse))
            if sessions[i].attenCharRepetitions < SlacTiming.matchRetries {
                sessions[i].attenCharRepetitions += 1
                sendAttenChar(i, now)
            } else {
                fail(i, .noAttenCharResponse, now)
            }
        case .awaitingMatch:
            port.log(now, .timerExpired(.evseMatchSession))
            fail(i, .noMatchRequest, now)
        case .validationToggle:
            port.log(now, .timerExpired(.validationToggle))
            let ev = sessions[i].ev
            port.send(.validateConfirm(ValidateConfirm(toggleCount: UInt8(clamping: sessions[i].toggles),
                                                       result: sessions[i].toggles > 0 ? .success : .failure)), to: ev, now)
            awaitMatch(i, now)
        case .free:
            break
        }
    }

    private func fail(_ i: Int, _ reason: SlacFailure, _ now: MonotonicInstant) {
        sessions[i] = Session()
        var active = false
        var k = 0
        while k < Self.sessionSlots {
            if sessions[k].step != .free { active = true }
            k += 1
        }
        let restart = configuration.restartAfterFailure && pilotWantsMatching
        port.post(now, .failed(reason, final: !active && !restart))
        guard !active, phase == .matching else { return }
        if restart { beginWaiting(now) } else { phase = .failed(reason) }
    }

    // MARK: - Sessions

    private func session(run: RunID, ev: MACAddress, step: Session.Step) -> Int? {
        var i = 0
        while i < Self.sessionSlots {
            if sessions[i].step == step, sessions[i].runID == run, sessions[i].ev == ev { return i }
            i += 1
        }
        return nil
    }

    private func session(ev: MACAddress, step: Session.Step) -> Int? {
        var i = 0
        while i < Self.sessionSlots {
            if sessions[i].step == step, sessions[i].ev == ev { return i }
            i += 1
        }
        return nil
    }

    /// The slot an EV's new run goes into: its previous run, else a free slot.
    private func slot(for ev: MACAddress) -> Int? {
        var free: Int?
        var i = 0
        while i < Self.sessionSlots {
            if sessions[i].step != .free, sessions[i].ev == ev { return i }
            if free == nil, sessions[i].step == .free { free = i }
            i += 1
        }
        return free
    }

    private func clearSessions() {
        var i = 0
        while i < Self.sessionSlots {
            sessions[i] = Session()
            i += 1
        }
    }
}

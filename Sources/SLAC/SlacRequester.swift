import Buffers
import ControlLoop
import Contracts
import CoreTypes
import HomePlugAV

/// The EV side of ISO 15118-3 SLAC (slac.md §5.3): once the control pilot is in B/C/D it broadcasts
/// CM_SLAC_PARM.REQ, sounds (3 × CM_START_ATTEN_CHAR.IND, 10 × CM_MNBC_SOUND.IND), collects the
/// EVSEs' CM_ATTEN_CHAR.IND during TT_EV_atten_results, picks the loudest EVSE, asks it for the key
/// with CM_SLAC_MATCH.REQ and sets that key into its own modem. Failed runs restart after
/// TT_matching_rate, at most C_conn_max_match times within TT_matching_repetition.
///
/// The EV does not start CM_VALIDATE (optional, [V2G3-A09-51]; no source implements the EV side).
public final class SlacRequester: TickController {
    public let name: String
    public let port: SlacPort
    public var configuration: Configuration
    /// The control-pilot state as the EV sees it, written before each tick.
    public var pilot: PilotState = .a

    public struct Configuration: Sendable {
        /// TP_match_sequence (0 … 100 ms).
        public var pauseBeforeSounding = SlacTiming.evPauseMatchSequence
        /// TP_EV_batch_msg_interval (20 … 50 ms).
        public var batchInterval = SlacTiming.evBatchMessageInterval
        /// C_EV_start_atten_char_inds.
        public var startAttenCharCount = SlacTiming.evStartAttenCharCount
        /// C_EV_match_MNBC.
        public var sounds = SlacTiming.evMatchMNBC
        /// TIME_OUT sent in CM_START_ATTEN_CHAR.IND, × 100 ms (TT_EVSE_match_MNBC).
        public var soundingTimeOut = SlacTiming.evseMatchMNBCTimeOutField
        /// TT_EV_atten_results (max 1200 ms).
        public var attenuationResults = SlacTiming.evAttenResults
        /// EVSEs louder than this are not chosen (dB, mean over groups).
        public var attenuationThreshold = SlacTiming.evAttenuationThreshold
        /// C_conn_max_match.
        public var maximumAttempts = SlacTiming.maximumMatchAttempts
        /// A fixed RunID (tests, the Ioniq's MAC + 00 00); nil = random per run.
        public var runID: RunID?
        public init() {}
    }

    /// Where the EV is (slac.md §5.1, §5.3).
    public enum Phase: Sendable, Equatable {
        case idle
        case waitingForParmConfirm
        case sounding
        case waitingForMatchConfirm
        /// The new key is being set into the own modem (TT_match_join).
        case joining
        case matched(MACAddress)
        /// TT_matching_rate before the next attempt.
        case waitingToRetry
        case failed(SlacFailure)
    }

    public private(set) var phase: Phase = .idle
    public private(set) var runID = RunID.zero
    /// Attempts started for the current connection.
    public private(set) var attempts = 0

    private var random: SlacRandom
    private var lastPilot: PilotState = .a
    /// One timer per phase step (which one is named in the trace).
    private var step = Deadline()
    private var stepTimer = SlacTimer.matchResponse
    /// TT_EV_atten_results, started with the first CM_START_ATTEN_CHAR.IND.
    private var attenResults = Deadline()
    /// TT_matching_repetition, started with the first attempt.
    private var repetition = Deadline()
    private var requestRepetitions = 0
    private var batchSent = 0
    private var candidates = EVSECandidates()
    private var chosen = EVSECandidates.Candidate()
    private var offered = SlacMatchConfirm(pevMAC: .zero, evseMAC: .zero, runID: .zero, nid: .zero, nmk: .zero)

    public init(name: String = "slac-ev", port: SlacPort, configuration: Configuration = Configuration(),
                random: SlacRandom = .system) {
        self.name = name
        self.port = port
        self.configuration = configuration
        self.random = random
    }

    public func tick(_ context: TickContext) {
        let now = context.now
        followPilot(now)
        while let frame = port.next(now) { handle(frame, now) }
        expireTimers(now)
    }

    public func safeStop(_ reason: StopReason) -> SafeStopReport {
        reset()
        return SafeStopReport(name, ["matching stopped"])
    }

    // MARK: - Control pilot

    private func followPilot(_ now: MonotonicInstant) {
        let p = pilot
        guard p != lastPilot else { return }
        let was = lastPilot
        lastPilot = p
        if p.vehicleConnected && !was.vehicleConnected {
            attempts = 0
            repetition.arm(now, after: SlacTiming.matchingRepetition)
            port.log(now, .timerArmed(.matchingRepetition, SlacTiming.matchingRepetition))
            startAttempt(now)
        } else if !p.vehicleConnected && was.vehicleConnected {
            switch phase {
            case .matched: port.post(now, .left)
            case .idle, .failed: break
            default: port.post(now, .failed(.pilotLeft, final: true))
            }
            reset()
        }
    }

    private func reset() {
        phase = .idle
        step.cancel()
        attenResults.cancel()
        repetition.cancel()
        candidates.removeAll()
    }

    // MARK: - One attempt

    private func startAttempt(_ now: MonotonicInstant) {
        attempts += 1
        runID = configuration.runID ?? RunID(rawValue: random.next())
        candidates.removeAll()
        requestRepetitions = 0
        phase = .waitingForParmConfirm
        port.flushReceived()
        sendParmRequest(now)
        port.post(now, .matchingStarted(peer: .broadcast, runID: runID))
    }

    private func sendParmRequest(_ now: MonotonicInstant) {
        port.send(.slacParmRequest(SlacParmRequest(runID: runID)), to: .broadcast, now)
        arm(.matchResponse, SlacTiming.matchResponse, now)
    }

    private func arm(_ timer: SlacTimer, _ after: Nanoseconds, _ now: MonotonicInstant) {
        step.arm(now, after: after)
        stepTimer = timer
        port.log(now, .timerArmed(timer, after))
    }

    /// Sends the next message of the sounding batch: C_EV_start_atten_char_inds × START_ATTEN_CHAR,
    /// then C_EV_match_MNBC × MNBC_SOUND, TP_EV_batch_msg_interval apart.
    private func sendBatchMessage(_ now: MonotonicInstant) {
        let c = configuration
        let host = port.hostMAC
        if batchSent < c.startAttenCharCount {
            if batchSent == 0 {
                attenResults.arm(now, after: c.attenuationResults) // [V2G3-A09-30]
                port.log(now, .timerArmed(.evAttenResults, c.attenuationResults))
            }
            port.send(.startAttenCharIndication(StartAttenCharIndication(numberOfSounds: UInt8(clamping: c.sounds),
                                                                         timeOut: c.soundingTimeOut,
                                                                         forwardingStation: host, runID: runID)),
                      to: .broadcast, now)
        } else {
            let remaining = c.startAttenCharCount + c.sounds - batchSent - 1
            let rnd = Bytes16(high: random.next(), low: random.next())
            port.send(.mnbcSoundIndication(MNBCSoundIndication(count: UInt8(clamping: remaining), runID: runID, random: rnd)),
                      to: .broadcast, now)
        }
        batchSent += 1
        if batchSent < c.startAttenCharCount + c.sounds {
            step.arm(now, after: c.batchInterval)
            stepTimer = .evBatchMessageInterval
        } else {
            step.cancel()
        }
    }

    private func sendMatchRequest(_ now: MonotonicInstant) {
        port.send(.slacMatchRequest(SlacMatchRequest(pevMAC: port.hostMAC, evseMAC: chosen.evse, runID: runID)),
                  to: chosen.evse, now)
        arm(.matchResponse, SlacTiming.matchResponse, now)
    }

    private func sendKey(_ now: MonotonicInstant) {
        port.send(.setKeyRequest(SetKeyRequest(nid: offered.nid, nmk: offered.nmk)), to: SlacConstants.localModem, now)
        step.arm(now, after: SlacTiming.modemKeyConfirm)
        stepTimer = .modemKeyConfirm
        port.log(now, .timerArmed(.modemKeyConfirm, SlacTiming.modemKeyConfirm))
    }

    // MARK: - Frames

    private func handle(_ frame: HomePlugFrame, _ now: MonotonicInstant) {
        let from = frame.source
        switch frame.message {
        case .slacParmConfirm(let cnf):
            guard cnf.runID == runID, cnf.applicationType == SlacConstants.applicationType,
                  cnf.securityType == SlacConstants.securityType else { return ignore(frame, now) }
            port.log(now, .received(.slacParmConfirm, from: from))
            // Further CNFs (other EVSEs hearing us) need nothing: they will answer the sounds too.
            guard phase == .waitingForParmConfirm else { return }
            phase = .sounding
            batchSent = 0
            arm(.evPauseMatchSequence, configuration.pauseBeforeSounding, now)

        case .attenCharIndication(let ind):
            guard ind.runID == runID, ind.sourceAddress == port.hostMAC, phase == .sounding else { return ignore(frame, now) }
            port.log(now, .received(.attenCharIndication, from: from))
            candidates.record(from, ind)
            // [V2G3-A09-31]: answer every IND while TT_EV_atten_results runs.
            port.send(.attenCharResponse(AttenCharResponse(sourceAddress: port.hostMAC, runID: runID)), to: from, now)

        case .slacMatchConfirm(let cnf):
            guard phase == .waitingForMatchConfirm, from == chosen.evse, cnf.runID == runID, cnf.pevMAC == port.hostMAC
            else { return ignore(frame, now) }
            port.log(now, .received(.slacMatchConfirm, from: from))
            offered = cnf
            phase = .joining
            sendKey(now)
            attenResults.arm(now, after: SlacTiming.matchJoin) // reused as TT_match_join
            port.log(now, .timerArmed(.matchJoin, SlacTiming.matchJoin))

        case .setKeyConfirm:
            guard phase == .joining else { return ignore(frame, now) }
            port.log(now, .received(.setKeyConfirm, from: from))
            step.cancel()
            attenResults.cancel()
            repetition.cancel()
            phase = .matched(chosen.evse)
            port.post(now, .matched(SlacMatch(peer: chosen.evse, runID: runID, nid: offered.nid, nmk: offered.nmk,
                                              attenuation: UInt8(clamping: chosen.attenuation), sounds: chosen.sounds)))

        case .vendorAttenuationCharacteristics:
            return

        default:
            ignore(frame, now)
        }
    }

    private func ignore(_ frame: HomePlugFrame, _ now: MonotonicInstant) {
        port.log(now, .ignored(frame.message.mmType, from: frame.source))
    }

    // MARK: - Timers

    private func expireTimers(_ now: MonotonicInstant) {
        if repetition.fire(now) {
            port.log(now, .timerExpired(.matchingRepetition))
        }
        if attenResults.fire(now) {
            if phase == .joining {
                port.log(now, .timerExpired(.matchJoin))
                return attemptFailed(.joinTimeout, now)
            }
            port.log(now, .timerExpired(.evAttenResults))
            if phase == .sounding { choose(now) }
        }
        guard step.fire(now) else { return }
        switch phase {
        case .waitingForParmConfirm:
            port.log(now, .timerExpired(.matchResponse))
            if requestRepetitions < SlacTiming.matchRetries {
                requestRepetitions += 1
                sendParmRequest(now)
            } else {
                attemptFailed(.noParmConfirm, now)
            }
        case .sounding:
            if stepTimer == .evPauseMatchSequence { port.log(now, .timerExpired(.evPauseMatchSequence)) }
            sendBatchMessage(now)
        case .waitingForMatchConfirm:
            port.log(now, .timerExpired(.matchResponse))
            if requestRepetitions < SlacTiming.matchRetries {
                requestRepetitions += 1
                sendMatchRequest(now)
            } else {
                attemptFailed(.noMatchConfirm, now)
            }
        case .joining:
            port.log(now, .timerExpired(.modemKeyConfirm))
            sendKey(now)
        case .waitingToRetry:
            port.log(now, .timerExpired(.matchingRate))
            startAttempt(now)
        case .idle, .matched, .failed:
            break
        }
    }

    /// TT_EV_atten_results over: pick the EVSE (slac.md §6.2) and ask it for the key.
    private func choose(_ now: MonotonicInstant) {
        step.cancel()
        guard candidates.count > 0 else { return attemptFailed(.noAttenuationResults, now) }
        guard let best = candidates.choose(threshold: configuration.attenuationThreshold) else {
            return attemptFailed(.attenuationTooHigh, now)
        }
        chosen = best
        requestRepetitions = 0
        phase = .waitingForMatchConfirm
        sendMatchRequest(now)
    }

    /// One run failed: retry after TT_matching_rate while attempts and TT_matching_repetition last.
    private func attemptFailed(_ reason: SlacFailure, _ now: MonotonicInstant) {
        step.cancel()
        attenResults.cancel()
        let more = attempts < configuration.maximumAttempts && repetition.isArmed
        port.post(now, .failed(reason, final: !more))
        if more {
            phase = .waitingToRetry
            arm(.matchingRate, SlacTiming.matchingRate, now) // [V2G3-A09-124]
        } else {
            phase = .failed(attempts >= configuration.maximumAttempts ? reason : .attemptsExhausted)
            repetition.cancel()
        }
    }
}

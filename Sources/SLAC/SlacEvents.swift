import Contracts
import CoreTypes
import HomePlugAV

/// A completed match: who the peer is, the logical network both modems now share, and how loud the
/// link was (slac.md §5.2 step 9, §5.3 step 6).
@frozen
public struct SlacMatch: Sendable, BitwiseCopyable, Equatable {
    /// The other host: the EV's MAC for the EVSE, the chosen EVSE's MAC for the EV.
    public var peer: MACAddress
    public var runID: RunID
    public var nid: NetworkID
    public var nmk: NetworkMembershipKey
    /// Mean of the averaged attenuation groups, dB (what the EV compares between EVSEs).
    public var attenuation: UInt8
    /// Sounds the EVSE averaged.
    public var sounds: UInt8

    public init(peer: MACAddress, runID: RunID, nid: NetworkID, nmk: NetworkMembershipKey, attenuation: UInt8, sounds: UInt8) {
        self.peer = peer
        self.runID = runID
        self.nid = nid
        self.nmk = nmk
        self.attenuation = attenuation
        self.sounds = sounds
    }
}

/// What a SLAC controller reports to the rest of the charger (the V2G layer starts SDP on
/// `.matched`, the CP controller runs its E/F retry on `.failed`).
@frozen
public enum SlacEvent: Sendable, BitwiseCopyable, Equatable {
    /// The local modem holds a new key (EVSE start-up and after each session).
    case keySet(NetworkID)
    /// A matching run started (EV: PARM.REQ sent; EVSE: PARM.REQ answered).
    case matchingStarted(peer: MACAddress, runID: RunID)
    /// D-LINK_READY (link established), slac.md §8.
    case matched(SlacMatch)
    /// One run failed; `final` when no retry follows.
    case failed(SlacFailure, final: Bool)
    /// D-LINK_READY (no link): the session ended because the pilot left B/C/D.
    case left
}

/// The timers a SLAC controller arms, for the trace.
@frozen
public enum SlacTimer: UInt8, Sendable, BitwiseCopyable, CustomStringConvertible {
    case evseSlacInit, matchSequence, evseMatchMNBC, matchResponse, evseMatchSession, validationToggle
    case evPauseMatchSequence, evBatchMessageInterval, evAttenResults, matchJoin, matchingRate, matchingRepetition
    case modemKeyConfirm

    public var description: String {
        switch self {
        case .evseSlacInit: "TT_EVSE_SLAC_init"
        case .matchSequence: "TT_match_sequence"
        case .evseMatchMNBC: "TT_EVSE_match_MNBC"
        case .matchResponse: "TT_match_response"
        case .evseMatchSession: "TT_EVSE_match_session"
        case .validationToggle: "TT_EVSE_vald_toggle"
        case .evPauseMatchSequence: "TP_match_sequence"
        case .evBatchMessageInterval: "TP_EV_batch_msg_interval"
        case .evAttenResults: "TT_EV_atten_results"
        case .matchJoin: "TT_match_join"
        case .matchingRate: "TT_matching_rate"
        case .matchingRepetition: "TT_matching_repetition"
        case .modemKeyConfirm: "modem key confirm"
        }
    }
}

/// One line of the SLAC trace: every message sent or received and every timer armed or expired, so
/// `boardctl slac` can print the exchange and tests can check its order. Fixed size, no allocation.
@frozen
public struct SlacTraceEntry: Sendable, BitwiseCopyable {
    @frozen
    public enum Kind: Sendable, BitwiseCopyable {
        case sent(MMType, to: MACAddress)
        case received(MMType, from: MACAddress)
        /// A frame that was parsed but ignored (wrong RunID, another EV, out of sequence).
        case ignored(MMType, from: MACAddress)
        /// A frame that did not parse.
        case malformed(from: MACAddress)
        case timerArmed(SlacTimer, Nanoseconds)
        case timerExpired(SlacTimer)
        case event(SlacEvent)
    }

    public var time: MonotonicInstant
    public var kind: Kind

    public init(time: MonotonicInstant, kind: Kind) {
        self.time = time
        self.kind = kind
    }
}

extension SlacTraceEntry: CustomStringConvertible {
    public var description: String {
        switch kind {
        case let .sent(t, to): "→ \(t) to \(to)"
        case let .received(t, from): "← \(t) from \(from)"
        case let .ignored(t, from): "  ignored \(t) from \(from)"
        case let .malformed(from): "  malformed frame from \(from)"
        case let .timerArmed(timer, d): "  timer \(timer) armed (\(d))"
        case let .timerExpired(timer): "  timer \(timer) expired"
        case let .event(e):
            switch e {
            case let .keySet(nid): "• key set in local modem, NID \(nid)"
            case let .matchingStarted(peer, run): "• matching started with \(peer), RunID \(run)"
            case let .matched(m): "• MATCHED with \(m.peer): NID \(m.nid), key \(m.nmk.fingerprint), attenuation \(m.attenuation) dB over \(m.sounds) sounds"
            case let .failed(f, final): "• failed: \(f)\(final ? " (final)" : ", retrying")"
            case .left: "• left the logical network"
            }
        }
    }
}

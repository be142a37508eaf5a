/// Why a matching attempt or the whole matching failed.
@frozen
public enum SlacFailure: UInt8, Sendable, BitwiseCopyable, CustomStringConvertible {
    /// The local modem never confirmed CM_SET_KEY.
    case modemNotResponding
    /// EVSE: TT_EVSE_SLAC_init elapsed without CM_SLAC_PARM.REQ.
    case noSlacRequest
    /// EVSE: TT_match_sequence elapsed without CM_START_ATTEN_CHAR.IND.
    case noStartAttenChar
    /// EVSE: no valid CM_ATTEN_CHAR.RSP after C_EV_match_retry repetitions.
    case noAttenCharResponse
    /// EVSE: TT_EVSE_match_session elapsed without CM_SLAC_MATCH.REQ.
    case noMatchRequest
    /// EV: no CM_SLAC_PARM.CNF after C_EV_match_retry repetitions.
    case noParmConfirm
    /// EV: TT_EV_atten_results elapsed without a usable CM_ATTEN_CHAR.IND.
    case noAttenuationResults
    /// EV: every EVSE was above the attenuation threshold.
    case attenuationTooHigh
    /// EV: no CM_SLAC_MATCH.CNF after C_EV_match_retry repetitions.
    case noMatchConfirm
    /// EV: the new key was not confirmed by the own modem within TT_match_join.
    case joinTimeout
    /// EV: C_conn_max_match attempts or TT_matching_repetition used up.
    case attemptsExhausted
    /// The control pilot left B/C/D during matching.
    case pilotLeft

    public var description: String {
        switch self {
        case .modemNotResponding: "local modem did not confirm CM_SET_KEY"
        case .noSlacRequest: "no CM_SLAC_PARM.REQ within TT_EVSE_SLAC_init"
        case .noStartAttenChar: "no CM_START_ATTEN_CHAR.IND within TT_match_sequence"
        case .noAttenCharResponse: "no CM_ATTEN_CHAR.RSP after C_EV_match_retry repetitions"
        case .noMatchRequest: "no CM_SLAC_MATCH.REQ within TT_EVSE_match_session"
        case .noParmConfirm: "no CM_SLAC_PARM.CNF after C_EV_match_retry repetitions"
        case .noAttenuationResults: "no CM_ATTEN_CHAR.IND within TT_EV_atten_results"
        case .attenuationTooHigh: "every EVSE above the attenuation threshold"
        case .noMatchConfirm: "no CM_SLAC_MATCH.CNF after C_EV_match_retry repetitions"
        case .joinTimeout: "own modem did not confirm the new key within TT_match_join"
        case .attemptsExhausted: "C_conn_max_match attempts used up"
        case .pilotLeft: "control pilot left B/C/D"
        }
    }
}

import Contracts
import CoreTypes

/// ISO 15118-3 SLAC timers and counters as the implementations quote them (slac.md §4; the
/// ISO text itself was not available, requirement IDs are those slac.md gives). Every controller
/// timer is a `Deadline` named after one of these.
public enum SlacTiming {
    /// TT_EVSE_SLAC_init, 20 s … 50 s: EVSE, from CP state B (HLC enabled) until the first
    /// CM_SLAC_PARM.REQ (slac.md §4; EVerest 40 s default, pyslac 50 s). [V2G3-M06-07] acts on it.
    public static let evseSlacInit = Nanoseconds.seconds(40)
    public static let evseSlacInitRange = Nanoseconds.seconds(20)...Nanoseconds.seconds(50)

    /// TT_match_sequence, 400 ms: EVSE, longest gap between CM_SLAC_PARM.CNF and
    /// CM_START_ATTEN_CHAR.IND (slac.md §4).
    public static let matchSequence = Nanoseconds.milliseconds(400)

    /// TP_match_sequence, 0 … 100 ms: EV, pause between CM_SLAC_PARM.CNF and the first
    /// CM_START_ATTEN_CHAR.IND (slac.md §4; some EVSEs stopped answering at 250 ms).
    public static let evPauseMatchSequence = Nanoseconds.milliseconds(20)
    public static let evPauseMatchSequenceRange = Nanoseconds.zero...Nanoseconds.milliseconds(100)

    /// TP_EV_batch_msg_interval, 20 … 50 ms: EV, spacing of consecutive CM_START_ATTEN_CHAR.IND and
    /// CM_MNBC_SOUND.IND (slac.md §4; pyslac, open-plc-utils and EVerest use 20 ms).
    public static let evBatchMessageInterval = Nanoseconds.milliseconds(20)
    public static let evBatchMessageIntervalRange = Nanoseconds.milliseconds(20)...Nanoseconds.milliseconds(50)

    /// C_EV_start_atten_char_inds = 3: number of CM_START_ATTEN_CHAR.IND the EV sends (slac.md §4).
    public static let evStartAttenCharCount = 3

    /// C_EV_match_MNBC = 10: number of M-sounds (slac.md §4, §2.5 NUM_SOUNDS).
    public static let evMatchMNBC = 10

    /// TT_EVSE_match_MNBC = 600 ms, sent as TIME_OUT = 6 (× 100 ms): EVSE sounding window after
    /// CM_START_ATTEN_CHAR.IND (slac.md §4, [V2G3-A09-19] ends sounding at the count or the window).
    public static let evseMatchMNBC = Nanoseconds.milliseconds(600)
    public static let evseMatchMNBCTimeOutField: UInt8 = 6

    /// TT_EV_atten_results, max 1200 ms: EV, from the first CM_START_ATTEN_CHAR.IND, window in which
    /// CM_ATTEN_CHAR.IND are collected ([V2G3-A09-30], [V2G3-A09-31]).
    public static let evAttenResults = Nanoseconds.milliseconds(1200)

    /// TT_match_response = 200 ms: wait for CM_SLAC_PARM.CNF, CM_ATTEN_CHAR.RSP, CM_SLAC_MATCH.CNF
    /// (slac.md §4).
    public static let matchResponse = Nanoseconds.milliseconds(200)

    /// C_EV_match_retry = 2: retries of a request after TT_match_response (EV: PARM.REQ, MATCH.REQ;
    /// EVSE: ATTEN_CHAR.IND) (slac.md §4).
    public static let matchRetries = 2

    /// TT_EVSE_match_session = 10 s: EVSE, from CM_ATTEN_CHAR.RSP until CM_SLAC_MATCH.REQ or
    /// CM_VALIDATE.REQ (slac.md §4).
    public static let evseMatchSession = Nanoseconds.seconds(10)

    /// TT_match_join, max 12 s: from CM_SLAC_MATCH.CNF until both modems are in one AVLN (slac.md §4).
    public static let matchJoin = Nanoseconds.seconds(12)

    /// TT_matching_rate = 400 ms: wait before restarting a failed matching process ([V2G3-A09-124]).
    public static let matchingRate = Nanoseconds.milliseconds(400)

    /// TT_matching_repetition = 10 s: window within which matching restarts may happen (slac.md §4,
    /// as pyslac applies it).
    public static let matchingRepetition = Nanoseconds.seconds(10)

    /// C_conn_max_match, min 3: matching attempts per connection (slac.md §4).
    public static let maximumMatchAttempts = 3

    /// TT_EVSE_vald_toggle: validation toggle window, (Timer field + 1) × 100 ms (slac.md §2.11, §4).
    public static func evseValidationToggle(timerField: UInt8) -> Nanoseconds { .milliseconds(100 * (Int64(timerField) + 1)) }

    /// Not ISO: how long to wait for the local modem's CM_SET_KEY.CNF before asking again
    /// (EVerest 500–1000 ms, SmartEVSE-3 200 ms; slac.md §5.2 step 2).
    public static let modemKeyConfirm = Nanoseconds.milliseconds(1000)
    /// Not ISO: CM_SET_KEY.REQ attempts before the modem is declared unresponsive (SmartEVSE-3: 5).
    public static let modemKeyAttempts = 3

    /// Not ISO: attenuation above which the EV rejects an EVSE (open-plc-utils `pev` default 40 dB,
    /// slac.md §6.2).
    public static let evAttenuationThreshold = 40
}

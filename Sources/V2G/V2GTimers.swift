import CoreTypes

/// The V2G messaging timers of v2g-session.md §1, one constant per requirement, each citing the row
/// it comes from. SECC timers bound what we wait for; EVCC timers are what a car allows us.
public enum V2GTimers {
    /// V2G_SECC_CommunicationSetup_Performance_Time: link ready → TCP connection (sdp-v2gtp.md §5.3,
    /// [V2G2-716]: 18 s).
    public static let seccCommunicationSetup = Nanoseconds.seconds(18)
    /// V2G_SECC_Sequence_Timeout: the longest gap between two requests (§1, [V2G2-443]: 60 s).
    public static let seccSequence = Nanoseconds.seconds(60)
    /// V2G_SECC_Msg_Performance_Time, default (§1, ISO 15118-2: 1.5 s).
    public static let seccMessagePerformance = Nanoseconds.milliseconds(1_500)
    /// ... for messages that wait on a back end (§1, ISO 15118-2: 4.5 s; PowerDeliveryRes [V2G2-858/-862]).
    public static let seccBackendMessagePerformance = Nanoseconds.milliseconds(4_500)
    /// ... for CurrentDemandRes (§1, ISO 15118-2 Table 109: 25 ms).
    public static let seccCurrentDemandPerformance = Nanoseconds.milliseconds(25)
    /// The SECC's Ongoing loop bound (§1, ISO 15118-2 SECC: 55 s).
    public static let seccOngoing = Nanoseconds.seconds(55)
    /// CableCheck loop, SECC side (§1, ISO 15118-2 Table 111 / DIN Table 77: 38 s).
    public static let seccCableCheck = Nanoseconds.seconds(38)
    /// PreCharge loop, SECC side (§1, ISO 15118-2 Table 111 as quoted by two implementations: 5 s).
    public static let seccPreCharge = Nanoseconds.seconds(5)
    /// V2G_SECC_CPState_Detection_Timeout after CableCheckReq (§1, [V2G2-916..918]: 1.5 s).
    public static let seccCPStateDetection = Nanoseconds.milliseconds(1_500)
    /// CP B→C/D after PowerDelivery(Start), C/D→B after Stop (§1, [V2G2-847/-848]: 250 ms).
    public static let cpStateAfterPowerDelivery = Nanoseconds.milliseconds(250)
    /// Contactors closed after CP C/D (§1, [V2G2-860]: 3 s).
    public static let contactorClose = Nanoseconds.seconds(3)

    /// V2G_EVCC_Msg_Timeout for most requests (§1: 2 s, all three protocols).
    public static let evccMessage = Nanoseconds.seconds(2)
    /// ... for long messages (§1: ISO 15118-2 5 s; DIN PowerDelivery 2 s).
    public static let evccLongMessageISO2 = Nanoseconds.seconds(5)
    /// CurrentDemand timeout on the EVCC side (§1: 250 ms DIN and ISO 15118-2).
    public static let evccCurrentDemand = Nanoseconds.milliseconds(250)
    /// The EVCC's Ongoing bound (§1: 60 s).
    public static let evccOngoing = Nanoseconds.seconds(60)
    /// CableCheck and PreCharge loops on the EVCC side (§1: 40 s and 7 s).
    public static let evccCableCheck = Nanoseconds.seconds(40)
    public static let evccPreCharge = Nanoseconds.seconds(7)
    /// SDP: 250 ms per request, 50 requests (sdp-v2gtp.md §4.5, [V2G2-159, -161]).
    public static let sdpResponse = Nanoseconds.milliseconds(250)
    public static let sdpRequests = 50
}

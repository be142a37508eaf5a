import CoreTypes

/// CM_START_ATTEN_CHAR.IND (EV → broadcast, C_EV_start_atten_char_inds = 3 times), slac.md §2.6.
@frozen
public struct StartAttenCharIndication: Sendable, BitwiseCopyable, Equatable {
    public var applicationType: UInt8 = SlacConstants.applicationType
    public var securityType: UInt8 = SlacConstants.securityType
    public var numberOfSounds: UInt8
    /// Sounding window in units of 100 ms.
    public var timeOut: UInt8
    public var responseType: UInt8 = SlacConstants.responseType
    public var forwardingStation: MACAddress
    public var runID: RunID

    public init(numberOfSounds: UInt8, timeOut: UInt8, forwardingStation: MACAddress, runID: RunID) {
        self.numberOfSounds = numberOfSounds
        self.timeOut = timeOut
        self.forwardingStation = forwardingStation
        self.runID = runID
    }

    @_transparent public static var minimumLength: Int { 38 }

    @_transparent
    init(unchecked s: borrowing RawSpan) {
        applicationType = Wire.u8(s, 19)
        securityType = Wire.u8(s, 20)
        numberOfSounds = Wire.u8(s, 21)
        timeOut = Wire.u8(s, 22)
        responseType = Wire.u8(s, 23)
        forwardingStation = Wire.mac(s, 24)
        runID = RunID(rawValue: Wire.beBytes(s, 30, 8))
    }

    @_transparent
    func encode(_ s: inout MutableRawSpan) {
        Wire.put(&s, 19, applicationType)
        Wire.put(&s, 20, securityType)
        Wire.put(&s, 21, numberOfSounds)
        Wire.put(&s, 22, timeOut)
        Wire.put(&s, 23, responseType)
        Wire.putMAC(&s, 24, forwardingStation)
        Wire.putBEBytes(&s, 30, runID.rawValue, 8)
    }
}

/// CM_MNBC_SOUND.IND (EV → broadcast, C_EV_match_MNBC = 10 times), slac.md §2.7.
@frozen
public struct MNBCSoundIndication: Sendable, BitwiseCopyable, Equatable {
    public var applicationType: UInt8 = SlacConstants.applicationType
    public var securityType: UInt8 = SlacConstants.securityType
    public var senderID: StationID = .zero
    /// Sounds remaining after this one (9 … 0).
    public var count: UInt8
    public var runID: RunID
    public var random: Bytes16

    public init(count: UInt8, runID: RunID, random: Bytes16 = Bytes16()) {
        self.count = count
        self.runID = runID
        self.random = random
    }

    @_transparent public static var minimumLength: Int { 71 }

    @_transparent
    init(unchecked s: borrowing RawSpan) {
        applicationType = Wire.u8(s, 19)
        securityType = Wire.u8(s, 20)
        senderID = Wire.station(s, 21)
        count = Wire.u8(s, 38)
        runID = RunID(rawValue: Wire.beBytes(s, 39, 8))
        random = Wire.bytes16(s, 55)
    }

    @_transparent
    func encode(_ s: inout MutableRawSpan) {
        Wire.put(&s, 19, applicationType)
        Wire.put(&s, 20, securityType)
        Wire.putStation(&s, 21, senderID)
        Wire.put(&s, 38, count)
        Wire.putBEBytes(&s, 39, runID.rawValue, 8)
        Wire.zero(&s, from: 47, to: 55)
        Wire.putBEBytes(&s, 55, random.high, 8)
        Wire.putBEBytes(&s, 63, random.low, 8)
    }
}

/// CM_ATTEN_PROFILE.IND (EVSE's own modem → EVSE host, one per received sound), slac.md §2.8.
/// Carries no RunID: the EVSE associates it by PEV MAC.
@frozen
public struct AttenProfileIndication: Sendable, BitwiseCopyable, Equatable {
    public var pevMAC: MACAddress
    public var groups: AttenuationGroups

    public init(pevMAC: MACAddress, groups: AttenuationGroups) {
        self.pevMAC = pevMAC
        self.groups = groups
    }

    /// Up to NumGroups and the reserved byte; the AAG values follow.
    @_transparent public static var minimumLength: Int { 27 }

    @_transparent
    static func parse(_ s: borrowing RawSpan) throws(HomePlugError) -> Self {
        let n = Int(Wire.u8(s, 25))
        guard n >= 1, n <= AttenuationGroups.standardCount else {
            throw .badLength(.attenProfileIndication, field: "NumGroups", value: n)
        }
        guard s.byteCount >= 27 + n else { throw .shortFrame(length: s.byteCount, needed: 27 + n) }
        return Self(pevMAC: Wire.mac(s, 19), groups: Wire.groups(s, 27, count: n))
    }

    var encodedLength: Int { 27 + groups.count }

    @_transparent
    func encode(_ s: inout MutableRawSpan) {
        Wire.putMAC(&s, 19, pevMAC)
        Wire.put(&s, 25, UInt8(truncatingIfNeeded: groups.count))
        Wire.put(&s, 26, 0)
        Wire.putGroups(&s, 27, groups)
    }
}

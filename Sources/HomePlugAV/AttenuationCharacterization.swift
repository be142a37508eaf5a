import CoreTypes

/// CM_ATTEN_CHAR.IND (EVSE → EV, unicast): the averaged attenuation profile, slac.md §2.9, §6.1.
@frozen
public struct AttenCharIndication: Sendable, BitwiseCopyable, Equatable {
    public var applicationType: UInt8 = SlacConstants.applicationType
    public var securityType: UInt8 = SlacConstants.securityType
    /// The EV host.
    public var sourceAddress: MACAddress
    public var runID: RunID
    public var sourceID: StationID = .zero
    public var responderID: StationID = .zero
    /// Number of profiles actually averaged.
    public var numberOfSounds: UInt8
    public var groups: AttenuationGroups

    public init(sourceAddress: MACAddress, runID: RunID, numberOfSounds: UInt8, groups: AttenuationGroups) {
        self.sourceAddress = sourceAddress
        self.runID = runID
        self.numberOfSounds = numberOfSounds
        self.groups = groups
    }

    @_transparent public static var minimumLength: Int { 71 }

    @_transparent
    static func parse(_ s: borrowing RawSpan) throws(HomePlugError) -> Self {
        let n = Int(Wire.u8(s, 70))
        guard n >= 1, n <= AttenuationGroups.standardCount else {
            throw .badLength(.attenCharIndication, field: "NumGroups", value: n)
        }
        guard s.byteCount >= 71 + n else { throw .shortFrame(length: s.byteCount, needed: 71 + n) }
        var m = Self(sourceAddress: Wire.mac(s, 21), runID: RunID(rawValue: Wire.beBytes(s, 27, 8)),
                     numberOfSounds: Wire.u8(s, 69), groups: Wire.groups(s, 71, count: n))
        m.applicationType = Wire.u8(s, 19)
        m.securityType = Wire.u8(s, 20)
        m.sourceID = Wire.station(s, 35)
        m.responderID = Wire.station(s, 52)
        return m
    }

    var encodedLength: Int { 71 + groups.count }

    @_transparent
    func encode(_ s: inout MutableRawSpan) {
        Wire.put(&s, 19, applicationType)
        Wire.put(&s, 20, securityType)
        Wire.putMAC(&s, 21, sourceAddress)
        Wire.putBEBytes(&s, 27, runID.rawValue, 8)
        Wire.putStation(&s, 35, sourceID)
        Wire.putStation(&s, 52, responderID)
        Wire.put(&s, 69, numberOfSounds)
        Wire.put(&s, 70, UInt8(truncatingIfNeeded: groups.count))
        Wire.putGroups(&s, 71, groups)
    }
}

/// CM_ATTEN_CHAR.RSP (EV → EVSE, unicast), slac.md §2.10.
@frozen
public struct AttenCharResponse: Sendable, BitwiseCopyable, Equatable {
    public var applicationType: UInt8 = SlacConstants.applicationType
    public var securityType: UInt8 = SlacConstants.securityType
    public var sourceAddress: MACAddress
    public var runID: RunID
    public var sourceID: StationID = .zero
    public var responderID: StationID = .zero
    /// 0x00 = success.
    public var result: UInt8

    public init(sourceAddress: MACAddress, runID: RunID, result: UInt8 = 0) {
        self.sourceAddress = sourceAddress
        self.runID = runID
        self.result = result
    }

    @_transparent public static var minimumLength: Int { 70 }

    @_transparent
    init(unchecked s: borrowing RawSpan) {
        applicationType = Wire.u8(s, 19)
        securityType = Wire.u8(s, 20)
        sourceAddress = Wire.mac(s, 21)
        runID = RunID(rawValue: Wire.beBytes(s, 27, 8))
        sourceID = Wire.station(s, 35)
        responderID = Wire.station(s, 52)
        result = Wire.u8(s, 69)
    }

    @_transparent
    func encode(_ s: inout MutableRawSpan) {
        Wire.put(&s, 19, applicationType)
        Wire.put(&s, 20, securityType)
        Wire.putMAC(&s, 21, sourceAddress)
        Wire.putBEBytes(&s, 27, runID.rawValue, 8)
        Wire.putStation(&s, 35, sourceID)
        Wire.putStation(&s, 52, responderID)
        Wire.put(&s, 69, result)
    }
}

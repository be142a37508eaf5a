import CoreTypes

/// CM_SLAC_MATCH.REQ (EV → chosen EVSE, unicast), slac.md §2.12.
@frozen
public struct SlacMatchRequest: Sendable, BitwiseCopyable, Equatable {
    /// MVFLength as ISO 15118-3 sends it: 0x003E little-endian.
    public static let standardLength: UInt16 = 0x003E
    /// pyslac's example EV sends MVFLength big-endian (`00 3E`), read little-endian as 0x3E00
    /// (slac.md §2.12, §11.4).
    public static let byteSwappedLength: UInt16 = 0x3E00

    public var applicationType: UInt8 = SlacConstants.applicationType
    public var securityType: UInt8 = SlacConstants.securityType
    /// MVFLength read little-endian (see `standardLength`, `byteSwappedLength`).
    public var mvfLength: UInt16 = SlacMatchRequest.standardLength
    public var pevID: StationID = .zero
    public var pevMAC: MACAddress
    public var evseID: StationID = .zero
    public var evseMAC: MACAddress
    public var runID: RunID

    public init(pevMAC: MACAddress, evseMAC: MACAddress, runID: RunID) {
        self.pevMAC = pevMAC
        self.evseMAC = evseMAC
        self.runID = runID
    }

    @_transparent public static var minimumLength: Int { 85 }

    @_transparent
    init(unchecked s: borrowing RawSpan) {
        applicationType = Wire.u8(s, 19)
        securityType = Wire.u8(s, 20)
        mvfLength = Wire.le16(s, 21)
        pevID = Wire.station(s, 23)
        pevMAC = Wire.mac(s, 40)
        evseID = Wire.station(s, 46)
        evseMAC = Wire.mac(s, 63)
        runID = RunID(rawValue: Wire.beBytes(s, 69, 8))
    }

    @_transparent
    func encode(_ s: inout MutableRawSpan) {
        Wire.put(&s, 19, applicationType)
        Wire.put(&s, 20, securityType)
        Wire.putLE16(&s, 21, mvfLength)
        Wire.putStation(&s, 23, pevID)
        Wire.putMAC(&s, 40, pevMAC)
        Wire.putStation(&s, 46, evseID)
        Wire.putMAC(&s, 63, evseMAC)
        Wire.putBEBytes(&s, 69, runID.rawValue, 8)
        Wire.zero(&s, from: 77, to: 85)
    }
}

/// CM_SLAC_MATCH.CNF (EVSE → EV, unicast): the EVSE's NID and NMK, slac.md §2.13.
@frozen
public struct SlacMatchConfirm: Sendable, BitwiseCopyable, Equatable {
    /// MVFLength 0x0056 little-endian.
    public static let standardLength: UInt16 = 0x0056

    public var applicationType: UInt8 = SlacConstants.applicationType
    public var securityType: UInt8 = SlacConstants.securityType
    public var mvfLength: UInt16 = SlacMatchConfirm.standardLength
    public var pevID: StationID = .zero
    public var pevMAC: MACAddress
    public var evseID: StationID = .zero
    public var evseMAC: MACAddress
    public var runID: RunID
    public var nid: NetworkID
    public var nmk: NetworkMembershipKey

    public init(pevMAC: MACAddress, evseMAC: MACAddress, runID: RunID, nid: NetworkID, nmk: NetworkMembershipKey) {
        self.pevMAC = pevMAC
        self.evseMAC = evseMAC
        self.runID = runID
        self.nid = nid
        self.nmk = nmk
    }

    @_transparent public static var minimumLength: Int { 109 }

    @_transparent
    init(unchecked s: borrowing RawSpan) {
        applicationType = Wire.u8(s, 19)
        securityType = Wire.u8(s, 20)
        mvfLength = Wire.le16(s, 21)
        pevID = Wire.station(s, 23)
        pevMAC = Wire.mac(s, 40)
        evseID = Wire.station(s, 46)
        evseMAC = Wire.mac(s, 63)
        runID = RunID(rawValue: Wire.beBytes(s, 69, 8))
        nid = NetworkID(rawValue: Wire.beBytes(s, 85, 7))
        nmk = Wire.key(s, 93)
    }

    @_transparent
    func encode(_ s: inout MutableRawSpan) {
        Wire.put(&s, 19, applicationType)
        Wire.put(&s, 20, securityType)
        Wire.putLE16(&s, 21, mvfLength)
        Wire.putStation(&s, 23, pevID)
        Wire.putMAC(&s, 40, pevMAC)
        Wire.putStation(&s, 46, evseID)
        Wire.putMAC(&s, 63, evseMAC)
        Wire.putBEBytes(&s, 69, runID.rawValue, 8)
        Wire.zero(&s, from: 77, to: 85)
        Wire.putBEBytes(&s, 85, nid.rawValue, 7)
        Wire.put(&s, 92, 0)
        Wire.putKey(&s, 93, nmk)
    }
}

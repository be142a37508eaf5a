import CoreTypes

/// CM_SET_KEY.REQ (host → own modem): sets the NMK and NID of the AVLN the modem joins
/// (slac.md §2.1, ISO 15118-3 Table A.8). Sent to 00:B0:52:00:00:01.
@frozen
public struct SetKeyRequest: Sendable, BitwiseCopyable, Equatable {
    /// KeyType 0x01 = NMK (AES-128).
    public var keyType: UInt8 = 0x01
    /// 0 per ISO 15118-3 Table A.8 (pyslac); 0xAAAAAAAA elsewhere; modems accept both (slac.md §9).
    public var myNonce: UInt32 = 0
    public var yourNonce: UInt32 = 0
    /// 0x04 = HLE protocol.
    public var protocolID: UInt8 = 0x04
    public var protocolRunNumber: UInt16 = 0
    public var protocolMessageNumber: UInt8 = 0
    public var ccoCapability: UInt8 = 0
    public var nid: NetworkID
    /// 0x01 = NMK known to the station.
    public var newEKS: UInt8 = 0x01
    public var nmk: NetworkMembershipKey

    public init(nid: NetworkID, nmk: NetworkMembershipKey) {
        self.nid = nid
        self.nmk = nmk
    }

    /// Key type … NewKey end at 57; three reserved zero bytes follow (open-plc-utils), pyslac omits them.
    @_transparent public static var minimumLength: Int { 57 }
    @_transparent static var encodedLength: Int { 60 }

    @_transparent
    init(unchecked s: borrowing RawSpan) {
        keyType = Wire.u8(s, 19)
        myNonce = Wire.be32(s, 20)
        yourNonce = Wire.be32(s, 24)
        protocolID = Wire.u8(s, 28)
        protocolRunNumber = Wire.le16(s, 29)
        protocolMessageNumber = Wire.u8(s, 31)
        ccoCapability = Wire.u8(s, 32)
        nid = NetworkID(rawValue: Wire.beBytes(s, 33, 7))
        newEKS = Wire.u8(s, 40)
        nmk = Wire.key(s, 41)
    }

    @_transparent
    func encode(_ s: inout MutableRawSpan) {
        Wire.put(&s, 19, keyType)
        Wire.putBE32(&s, 20, myNonce)
        Wire.putBE32(&s, 24, yourNonce)
        Wire.put(&s, 28, protocolID)
        Wire.putLE16(&s, 29, protocolRunNumber)
        Wire.put(&s, 31, protocolMessageNumber)
        Wire.put(&s, 32, ccoCapability)
        Wire.putBEBytes(&s, 33, nid.rawValue, 7)
        Wire.put(&s, 40, newEKS)
        Wire.putKey(&s, 41, nmk)
        Wire.zero(&s, from: 57, to: 60)
    }
}

/// CM_SET_KEY.CNF (own modem → host), slac.md §2.2. Result semantics conflict: QCA firmware answers
/// 0x01 when it accepted the key, HomePlug says 0x00 is success (slac.md §2.2, §9).
@frozen
public struct SetKeyConfirm: Sendable, BitwiseCopyable, Equatable {
    public var result: UInt8
    public var myNonce: UInt32 = 0
    public var yourNonce: UInt32 = 0
    public var protocolID: UInt8 = 0x04
    public var protocolRunNumber: UInt16 = 0
    public var protocolMessageNumber: UInt8 = 0
    public var ccoCapability: UInt8 = 0

    /// What a QCA modem answers when it took the key (slac.md §2.2).
    public static let qcaAccepted: UInt8 = 0x01
    /// HomePlug's success value (and what remote modems answer, slac.md §2.2).
    public static let homePlugSuccess: UInt8 = 0x00

    public init(result: UInt8) { self.result = result }

    @_transparent public static var minimumLength: Int { 33 }

    @_transparent
    init(unchecked s: borrowing RawSpan) {
        result = Wire.u8(s, 19)
        myNonce = Wire.be32(s, 20)
        yourNonce = Wire.be32(s, 24)
        protocolID = Wire.u8(s, 28)
        protocolRunNumber = Wire.le16(s, 29)
        protocolMessageNumber = Wire.u8(s, 31)
        ccoCapability = Wire.u8(s, 32)
    }

    @_transparent
    func encode(_ s: inout MutableRawSpan) {
        Wire.put(&s, 19, result)
        Wire.putBE32(&s, 20, myNonce)
        Wire.putBE32(&s, 24, yourNonce)
        Wire.put(&s, 28, protocolID)
        Wire.putLE16(&s, 29, protocolRunNumber)
        Wire.put(&s, 31, protocolMessageNumber)
        Wire.put(&s, 32, ccoCapability)
    }
}

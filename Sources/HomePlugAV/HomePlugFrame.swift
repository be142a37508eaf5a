import CoreTypes

/// Every management message this codec knows (slac.md §2, §3).
@frozen
public enum HomePlugMessage: Sendable, Equatable {
    case setKeyRequest(SetKeyRequest)
    case setKeyConfirm(SetKeyConfirm)
    case slacParmRequest(SlacParmRequest)
    case slacParmConfirm(SlacParmConfirm)
    case startAttenCharIndication(StartAttenCharIndication)
    case mnbcSoundIndication(MNBCSoundIndication)
    case attenProfileIndication(AttenProfileIndication)
    case attenCharIndication(AttenCharIndication)
    case attenCharResponse(AttenCharResponse)
    case validateRequest(ValidateRequest)
    case validateConfirm(ValidateConfirm)
    case slacMatchRequest(SlacMatchRequest)
    case slacMatchConfirm(SlacMatchConfirm)
    /// VS_SW_VER.REQ: read the modem's firmware version.
    case softwareVersionRequest
    case softwareVersionConfirm(SoftwareVersionConfirm)
    /// VS_RS_DEV.REQ: reset the modem.
    case resetDeviceRequest
    case resetDeviceConfirm(ResetDeviceConfirm)
    /// VS 0xA14E, sent unsolicited by QCA modems while sounding; recognised so it can be ignored
    /// (slac.md §3.7).
    case vendorAttenuationCharacteristics

    /// The MMTYPE this message travels with.
    @inlinable public var mmType: MMType {
        switch self {
        case .setKeyRequest: .setKeyRequest
        case .setKeyConfirm: .setKeyConfirm
        case .slacParmRequest: .slacParmRequest
        case .slacParmConfirm: .slacParmConfirm
        case .startAttenCharIndication: .startAttenCharIndication
        case .mnbcSoundIndication: .mnbcSoundIndication
        case .attenProfileIndication: .attenProfileIndication
        case .attenCharIndication: .attenCharIndication
        case .attenCharResponse: .attenCharResponse
        case .validateRequest: .validateRequest
        case .validateConfirm: .validateConfirm
        case .slacMatchRequest: .slacMatchRequest
        case .slacMatchConfirm: .slacMatchConfirm
        case .softwareVersionRequest: .softwareVersionRequest
        case .softwareVersionConfirm: .softwareVersionConfirm
        case .resetDeviceRequest: .resetDeviceRequest
        case .resetDeviceConfirm: .resetDeviceConfirm
        case .vendorAttenuationCharacteristics: .attenuationCharacteristicsVendor
        }
    }
}

/// One HomePlug AV management frame: Ethernet addresses and the message (slac.md §1).
///
/// `parse` and `encode` are pure and allocation-free; a malformed frame is a typed `HomePlugError`,
/// never a trap.
@frozen
public struct HomePlugFrame: Sendable, Equatable {
    /// EtherType of HomePlug AV / Green PHY (slac.md §1.1).
    @_transparent public static var etherType: UInt16 { 0x88E1 }
    /// Header length: Ethernet (14) + MMV (1) + MMTYPE (2) + FMI (2) for standard messages.
    @_transparent public static var standardHeaderLength: Int { 19 }
    /// Ethernet (14) + MMV (1) + MMTYPE (2) + OUI (3) for Qualcomm vendor messages.
    @_transparent public static var vendorHeaderLength: Int { 20 }
    /// Shorter frames are zero-padded on the wire (slac.md §1.1).
    @_transparent public static var minimumFrameLength: Int { 60 }
    /// The longest frame `encode` produces (CM_ATTEN_CHAR.IND with 58 groups).
    @_transparent public static var maximumEncodedLength: Int { 129 }

    public var destination: MACAddress
    public var source: MACAddress
    public var message: HomePlugMessage

    @inlinable
    public init(destination: MACAddress, source: MACAddress, message: HomePlugMessage) {
        self.destination = destination
        self.source = source
        self.message = message
    }

    /// Cheap look at a frame's MMTYPE (nil when it is not a HomePlug frame of at least 17 bytes).
    @inlinable
    public static func peekMMType(_ s: borrowing RawSpan) -> MMType? {
        guard s.byteCount >= 17, Wire.be16(s, 12) == etherType else { return nil }
        return MMType(rawValue: Wire.le16(s, 15))
    }

    // MARK: - Parsing

    /// Decodes one Ethernet frame (header included, padding tolerated).
    public static func parse(_ s: borrowing RawSpan) throws(HomePlugError) -> HomePlugFrame {
        let n = s.byteCount
        guard n >= 17 else { throw .shortFrame(length: n, needed: 17) }
        let type = Wire.be16(s, 12)
        guard type == etherType else { throw .wrongEtherType(type) }
        let mmv = Wire.u8(s, 14)
        let mmType = MMType(rawValue: Wire.le16(s, 15))
        let destination = Wire.mac(s, 0)
        let source = Wire.mac(s, 6)

        if mmType.isVendorSpecific {
            guard mmv == 0x00 else { throw .wrongMMV(mmType, mmv: mmv) }
            guard n >= vendorHeaderLength else { throw .shortFrame(length: n, needed: vendorHeaderLength) }
            let oui = UInt32(Wire.u8(s, 17)) << 16 | UInt32(Wire.u8(s, 18)) << 8 | UInt32(Wire.u8(s, 19))
            guard oui == qualcommOUI else { throw .wrongOUI(mmType, oui: oui) }
            let message = try parseVendor(mmType, s)
            return HomePlugFrame(destination: destination, source: source, message: message)
        }

        guard mmv == 0x01 || mmv == 0x02 else { throw .wrongMMV(mmType, mmv: mmv) }
        guard n >= standardHeaderLength else { throw .shortFrame(length: n, needed: standardHeaderLength) }
        let fmi = Wire.be16(s, 17)
        guard fmi == 0 else { throw .fragmented(mmType, fmi: fmi) }
        let message = try parseStandard(mmType, s)
        return HomePlugFrame(destination: destination, source: source, message: message)
    }

    @_transparent
    static func need(_ s: borrowing RawSpan, _ length: Int) throws(HomePlugError) {
        guard s.byteCount >= length else { throw .shortFrame(length: s.byteCount, needed: length) }
    }

    static func parseStandard(_ t: MMType, _ s: borrowing RawSpan) throws(HomePlugError) -> HomePlugMessage {
        switch t {
        case .setKeyRequest:
            try need(s, SetKeyRequest.minimumLength)
            return .setKeyRequest(SetKeyRequest(unchecked: s))
        case .setKeyConfirm:
            try need(s, SetKeyConfirm.minimumLength)
            return .setKeyConfirm(SetKeyConfirm(unchecked: s))
        case .slacParmRequest:
            try need(s, SlacParmRequest.minimumLength)
            return .slacParmRequest(SlacParmRequest(unchecked: s))
        case .slacParmConfirm:
            try need(s, SlacParmConfirm.minimumLength)
            return .slacParmConfirm(SlacParmConfirm(unchecked: s))
        case .startAttenCharIndication:
            try need(s, StartAttenCharIndication.minimumLength)
            return .startAttenCharIndication(StartAttenCharIndication(unchecked: s))
        case .mnbcSoundIndication:
            try need(s, MNBCSoundIndication.minimumLength)
            return .mnbcSoundIndication(MNBCSoundIndication(unchecked: s))
        case .attenProfileIndication:
            try need(s, AttenProfileIndication.minimumLength)
            return .attenProfileIndication(try AttenProfileIndication.parse(s))
        case .attenCharIndication:
            try need(s, AttenCharIndication.minimumLength)
            return .attenCharIndication(try AttenCharIndication.parse(s))
        case .attenCharResponse:
            try need(s, AttenCharResponse.minimumLength)
            return .attenCharResponse(AttenCharResponse(unchecked: s))
        case .validateRequest:
            try need(s, ValidateRequest.minimumLength)
            return .validateRequest(ValidateRequest(unchecked: s))
        case .validateConfirm:
            try need(s, ValidateConfirm.minimumLength)
            return .validateConfirm(try ValidateConfirm.parse(s))
        case .slacMatchRequest:
            try need(s, SlacMatchRequest.minimumLength)
            return .slacMatchRequest(SlacMatchRequest(unchecked: s))
        case .slacMatchConfirm:
            try need(s, SlacMatchConfirm.minimumLength)
            return .slacMatchConfirm(SlacMatchConfirm(unchecked: s))
        default:
            throw .unknownMMType(t)
        }
    }

    static func parseVendor(_ t: MMType, _ s: borrowing RawSpan) throws(HomePlugError) -> HomePlugMessage {
        switch t {
        case .softwareVersionRequest: return .softwareVersionRequest
        case .softwareVersionConfirm:
            try need(s, SoftwareVersionConfirm.minimumLength)
            return .softwareVersionConfirm(try SoftwareVersionConfirm.parse(s))
        case .resetDeviceRequest: return .resetDeviceRequest
        case .resetDeviceConfirm:
            try need(s, ResetDeviceConfirm.minimumLength)
            return .resetDeviceConfirm(ResetDeviceConfirm(status: Wire.u8(s, 20)))
        case .attenuationCharacteristicsVendor: return .vendorAttenuationCharacteristics
        default: throw .unknownMMType(t)
        }
    }

    // MARK: - Encoding

    /// Unpadded length of the encoded frame.
    public var encodedLength: Int {
        switch message {
        case .setKeyRequest: SetKeyRequest.encodedLength
        case .setKeyConfirm: SetKeyConfirm.minimumLength
        case .slacParmRequest: SlacParmRequest.minimumLength
        case .slacParmConfirm: SlacParmConfirm.minimumLength
        case .startAttenCharIndication: StartAttenCharIndication.minimumLength
        case .mnbcSoundIndication: MNBCSoundIndication.minimumLength
        case .attenProfileIndication(let m): m.encodedLength
        case .attenCharIndication(let m): m.encodedLength
        case .attenCharResponse: AttenCharResponse.minimumLength
        case .validateRequest: ValidateRequest.minimumLength
        case .validateConfirm: ValidateConfirm.minimumLength
        case .slacMatchRequest: SlacMatchRequest.minimumLength
        case .slacMatchConfirm: SlacMatchConfirm.minimumLength
        case .softwareVersionRequest, .resetDeviceRequest, .vendorAttenuationCharacteristics: HomePlugFrame.vendorHeaderLength
        case .softwareVersionConfirm(let m): m.encodedLength
        case .resetDeviceConfirm: ResetDeviceConfirm.minimumLength
        }
    }

    /// Writes the frame at the start of `s`, zero-padded to 60 bytes; returns its length.
    public func encode(into s: inout MutableRawSpan) throws(HomePlugError) -> Int {
        let length = encodedLength
        let total = length < Self.minimumFrameLength ? Self.minimumFrameLength : length
        guard s.byteCount >= total else { throw .bufferTooSmall(needed: total, capacity: s.byteCount) }
        Wire.putMAC(&s, 0, destination)
        Wire.putMAC(&s, 6, source)
        Wire.putBE16(&s, 12, Self.etherType)
        let t = message.mmType
        Wire.putLE16(&s, 15, t.rawValue)
        if t.isVendorSpecific {
            Wire.put(&s, 14, 0x00)
            Wire.put(&s, 17, UInt8(truncatingIfNeeded: qualcommOUI >> 16))
            Wire.put(&s, 18, UInt8(truncatingIfNeeded: qualcommOUI >> 8))
            Wire.put(&s, 19, UInt8(truncatingIfNeeded: qualcommOUI))
        } else {
            Wire.put(&s, 14, 0x01)
            Wire.putBE16(&s, 17, 0)
        }
        switch message {
        case .setKeyRequest(let m): m.encode(&s)
        case .setKeyConfirm(let m): m.encode(&s)
        case .slacParmRequest(let m): m.encode(&s)
        case .slacParmConfirm(let m): m.encode(&s)
        case .startAttenCharIndication(let m): m.encode(&s)
        case .mnbcSoundIndication(let m): m.encode(&s)
        case .attenProfileIndication(let m): m.encode(&s)
        case .attenCharIndication(let m): m.encode(&s)
        case .attenCharResponse(let m): m.encode(&s)
        case .validateRequest(let m): m.encode(&s)
        case .validateConfirm(let m): m.encode(&s)
        case .slacMatchRequest(let m): m.encode(&s)
        case .slacMatchConfirm(let m): m.encode(&s)
        case .softwareVersionConfirm(let m): m.encode(&s)
        case .resetDeviceConfirm(let m): Wire.put(&s, 20, m.status)
        case .softwareVersionRequest, .resetDeviceRequest, .vendorAttenuationCharacteristics: break
        }
        Wire.zero(&s, from: length, to: total)
        return total
    }
}

/// A HomePlug AV management message type (MMTYPE): a base value with the mode in the two least
/// significant bits (slac.md §1.3). Carried little-endian on the wire.
@frozen
public struct MMType: RawRepresentable, Hashable, Sendable, BitwiseCopyable, CustomStringConvertible {
    public var rawValue: UInt16

    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// The two mode bits (slac.md §1.3).
    @frozen
    public enum Mode: UInt16, Sendable, BitwiseCopyable {
        case request = 0, confirm = 1, indication = 2, response = 3
    }

    @inlinable public var mode: Mode { Mode(rawValue: rawValue & 3)! }
    @inlinable public var base: UInt16 { rawValue & ~3 }
    /// Qualcomm vendor-specific range 0xA000–0xBFFF (MMV 0x00 with an OUI after the MMTYPE).
    @inlinable public var isVendorSpecific: Bool { rawValue >= 0xA000 && rawValue <= 0xBFFF }

    // Standard messages (MMV 0x01, FMI) — slac.md §1.3.
    @_transparent public static var setKeyRequest: MMType { MMType(rawValue: 0x6008) }
    @_transparent public static var setKeyConfirm: MMType { MMType(rawValue: 0x6009) }
    @_transparent public static var slacParmRequest: MMType { MMType(rawValue: 0x6064) }
    @_transparent public static var slacParmConfirm: MMType { MMType(rawValue: 0x6065) }
    @_transparent public static var startAttenCharIndication: MMType { MMType(rawValue: 0x606A) }
    @_transparent public static var attenCharIndication: MMType { MMType(rawValue: 0x606E) }
    @_transparent public static var attenCharResponse: MMType { MMType(rawValue: 0x606F) }
    @_transparent public static var mnbcSoundIndication: MMType { MMType(rawValue: 0x6076) }
    @_transparent public static var validateRequest: MMType { MMType(rawValue: 0x6078) }
    @_transparent public static var validateConfirm: MMType { MMType(rawValue: 0x6079) }
    @_transparent public static var slacMatchRequest: MMType { MMType(rawValue: 0x607C) }
    @_transparent public static var slacMatchConfirm: MMType { MMType(rawValue: 0x607D) }
    @_transparent public static var attenProfileIndication: MMType { MMType(rawValue: 0x6086) }

    // Qualcomm vendor-specific messages (MMV 0x00, OUI 00 B0 52) — slac.md §3.
    @_transparent public static var softwareVersionRequest: MMType { MMType(rawValue: 0xA000) }
    @_transparent public static var softwareVersionConfirm: MMType { MMType(rawValue: 0xA001) }
    @_transparent public static var resetDeviceRequest: MMType { MMType(rawValue: 0xA01C) }
    @_transparent public static var resetDeviceConfirm: MMType { MMType(rawValue: 0xA01D) }
    /// Sent unsolicited by QCA modems during sounding; layout unknown, to be ignored (slac.md §3.7).
    @_transparent public static var attenuationCharacteristicsVendor: MMType { MMType(rawValue: 0xA14E) }

    /// The name the HomePlug and ISO 15118-3 texts use ("CM_SLAC_PARM.REQ"), or the hex value.
    public var description: String {
        switch self {
        case .setKeyRequest: "CM_SET_KEY.REQ"
        case .setKeyConfirm: "CM_SET_KEY.CNF"
        case .slacParmRequest: "CM_SLAC_PARM.REQ"
        case .slacParmConfirm: "CM_SLAC_PARM.CNF"
        case .startAttenCharIndication: "CM_START_ATTEN_CHAR.IND"
        case .attenCharIndication: "CM_ATTEN_CHAR.IND"
        case .attenCharResponse: "CM_ATTEN_CHAR.RSP"
        case .mnbcSoundIndication: "CM_MNBC_SOUND.IND"
        case .validateRequest: "CM_VALIDATE.REQ"
        case .validateConfirm: "CM_VALIDATE.CNF"
        case .slacMatchRequest: "CM_SLAC_MATCH.REQ"
        case .slacMatchConfirm: "CM_SLAC_MATCH.CNF"
        case .attenProfileIndication: "CM_ATTEN_PROFILE.IND"
        case .softwareVersionRequest: "VS_SW_VER.REQ"
        case .softwareVersionConfirm: "VS_SW_VER.CNF"
        case .resetDeviceRequest: "VS_RS_DEV.REQ"
        case .resetDeviceConfirm: "VS_RS_DEV.CNF"
        case .attenuationCharacteristicsVendor: "VS_ATTENUATION_CHARACTERISTICS.IND"
        default: "MMTYPE 0x" + String(rawValue, radix: 16, uppercase: true)
        }
    }
}

/// The application protocols a charger can speak after the handshake, as the supportedAppProtocol
/// messages name them (sdp-v2gtp.md §7.4).
@frozen
public enum V2GProtocol: UInt8, Sendable, BitwiseCopyable, CaseIterable, CustomStringConvertible {
    case din70121
    case iso15118_2
    case iso15118_20DC

    /// ProtocolNamespace in the handshake.
    public var namespace: String {
        switch self {
        case .din70121: "urn:din:70121:2012:MsgDef"
        case .iso15118_2: "urn:iso:15118:2:2013:MsgDef"
        case .iso15118_20DC: "urn:iso:std:iso:15118:-20:DC"
        }
    }

    /// VersionNumberMajor.VersionNumberMinor this firmware implements.
    public var version: (major: UInt32, minor: UInt32) {
        switch self {
        case .din70121, .iso15118_2: (2, 0)
        case .iso15118_20DC: (1, 0)
        }
    }

    /// The names Josev (and `run-pair.sh`'s `$PROTOCOL`) use.
    public var josevName: String {
        switch self {
        case .din70121: "DIN_SPEC_70121"
        case .iso15118_2: "ISO_15118_2"
        case .iso15118_20DC: "ISO_15118_20_DC"
        }
    }

    /// Accepts our short names (`din`, `iso2`, `iso20`) and Josev's.
    public init?(name: String) {
        switch name.lowercased() {
        case "din", "din70121", "din_spec_70121": self = .din70121
        case "iso2", "iso15118-2", "iso_15118_2": self = .iso15118_2
        case "iso20", "iso20dc", "iso15118-20", "iso_15118_20_dc", "iso_15118_20": self = .iso15118_20DC
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .din70121: "DIN SPEC 70121"
        case .iso15118_2: "ISO 15118-2"
        case .iso15118_20DC: "ISO 15118-20 DC"
        }
    }
}

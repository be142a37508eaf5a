/// The EXI grammars `boardctl exi --schema` knows, by the names Josev's exi-ref.py uses.
public enum EXISchema: String, CaseIterable, Sendable {
    case app
    case din
    case iso2
    case iso20Common = "iso20-common"
    case iso20DC = "iso20-dc"
    case iso20AC = "iso20-ac"
    case iso20ACDP = "iso20-acdp"
    case iso20WPT = "iso20-wpt"

    /// Namespace of the schema's messages.
    public var namespace: String {
        switch self {
        case .app: "urn:iso:15118:2:2010:AppProtocol"
        case .din: "urn:din:70121:2012:MsgDef"
        case .iso2: "urn:iso:15118:2:2013:MsgDef"
        case .iso20Common: "urn:iso:std:iso:15118:-20:CommonMessages"
        case .iso20DC: "urn:iso:std:iso:15118:-20:DC"
        case .iso20AC: "urn:iso:std:iso:15118:-20:AC"
        case .iso20ACDP: "urn:iso:std:iso:15118:-20:ACDP"
        case .iso20WPT: "urn:iso:std:iso:15118:-20:WPT"
        }
    }
}

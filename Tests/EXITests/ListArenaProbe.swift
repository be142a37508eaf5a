import AppHandshake
import DIN70121
import EXI
import EXITool
import ISO15118_2
import ISO15118_20

/// Decodes with or without a list arena into a message on the heap (message types are tens of kilobytes).
enum ListArenaProbe {
    static func worstCaseBytes(_ schema: EXISchema) -> Int {
        switch schema {
        case .app: return AppHandshakeListArena.worstCaseBytes
        case .din: return DIN70121ListArena.worstCaseBytes
        case .iso2: return ISO15118_2ListArena.worstCaseBytes
        case .iso20Common, .iso20DC, .iso20AC, .iso20ACDP, .iso20WPT: return ISO15118_20ListArena.worstCaseBytes
        }
    }

    static func decode(_ schema: EXISchema, _ bytes: [UInt8], arena: EXIListArenaHandle) throws(EXIError) {
        let span = bytes.span.bytes
        switch schema {
        case .app: try into(AppHandshakeCodec.Message.self) { (m) throws(EXIError) in try AppHandshakeCodec.decode(span, into: &m, listArena: arena) }
        case .din: try into(DINCodec.Message.self) { (m) throws(EXIError) in try DINCodec.decode(span, into: &m, listArena: arena) }
        case .iso2: try into(ISO2Codec.Message.self) { (m) throws(EXIError) in try ISO2Codec.decode(span, into: &m, listArena: arena) }
        case .iso20Common: try into(ISO20CommonCodec.Message.self) { (m) throws(EXIError) in try ISO20CommonCodec.decode(span, into: &m, listArena: arena) }
        case .iso20DC: try into(ISO20DCCodec.Message.self) { (m) throws(EXIError) in try ISO20DCCodec.decode(span, into: &m, listArena: arena) }
        case .iso20AC: try into(ISO20ACCodec.Message.self) { (m) throws(EXIError) in try ISO20ACCodec.decode(span, into: &m, listArena: arena) }
        case .iso20ACDP: try into(ISO20ACDPCodec.Message.self) { (m) throws(EXIError) in try ISO20ACDPCodec.decode(span, into: &m, listArena: arena) }
        case .iso20WPT: try into(ISO20WPTCodec.Message.self) { (m) throws(EXIError) in try ISO20WPTCodec.decode(span, into: &m, listArena: arena) }
        }
    }

    static func into<M: EXIDefaultValue>(_: M.Type, _ body: (inout M) throws(EXIError) -> Void) throws(EXIError) {
        let m = UnsafeMutablePointer<M>.allocate(capacity: 1)
        m.initialize(to: M())
        defer {
            m.deinitialize(count: 1)
            m.deallocate()
        }
        try body(&m.pointee)
    }
}

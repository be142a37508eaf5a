import AppHandshake
import DIN70121
import EXI
import ISO15118_2
import ISO15118_20

/// The `boardctl exi` logic, testable without the binary: EXI hex -> Josev-shaped JSON and back.
public enum EXITool {
    /// Largest message `encode` will produce (V2GTP payloads are far smaller).
    public static let maximumMessageBytes = 1 << 20

    /// Decodes EXI bytes with `schema` into Josev's JSON shape.
    public static func decode(_ schema: EXISchema, bytes: [UInt8]) throws(EXIToolError) -> JSONValue {
        do throws(EXIError) {
            let span = bytes.span.bytes
            switch schema {
            case .app: return AppHandshakeCodec.json(try AppHandshakeCodec.decode(span))
            case .din: return DINCodec.json(try DINCodec.decode(span))
            case .iso2: return ISO2Codec.json(try ISO2Codec.decode(span))
            case .iso20Common: return ISO20CommonCodec.json(try ISO20CommonCodec.decode(span))
            case .iso20DC: return ISO20DCCodec.json(try ISO20DCCodec.decode(span))
            case .iso20AC: return ISO20ACCodec.json(try ISO20ACCodec.decode(span))
            case .iso20ACDP: return ISO20ACDPCodec.json(try ISO20ACDPCodec.decode(span))
            case .iso20WPT: return ISO20WPTCodec.json(try ISO20WPTCodec.decode(span))
            }
        } catch {
            throw .exi(error)
        }
    }

    /// Encodes Josev-shaped JSON with `schema` into EXI bytes.
    public static func encode(_ schema: EXISchema, json: JSONValue) throws(EXIToolError) -> [UInt8] {
        switch schema {
        case .app: return try write(try message(AppHandshakeCodec.message, json), AppHandshakeCodec.encode)
        case .din: return try write(try message(DINCodec.message, json), DINCodec.encode)
        case .iso2: return try write(try message(ISO2Codec.message, json), ISO2Codec.encode)
        case .iso20Common: return try write(try message(ISO20CommonCodec.message, json), ISO20CommonCodec.encode)
        case .iso20DC: return try write(try message(ISO20DCCodec.message, json), ISO20DCCodec.encode)
        case .iso20AC: return try write(try message(ISO20ACCodec.message, json), ISO20ACCodec.encode)
        case .iso20ACDP: return try write(try message(ISO20ACDPCodec.message, json), ISO20ACDPCodec.encode)
        case .iso20WPT: return try write(try message(ISO20WPTCodec.message, json), ISO20WPTCodec.encode)
        }
    }

    static func message<M>(_ parse: (JSONValue) throws(JSONError) -> M, _ json: JSONValue) throws(EXIToolError) -> M {
        do throws(JSONError) { return try parse(json) } catch { throw .json(error) }
    }

    static func write<M>(_ message: M, _ encode: (M, inout MutableRawSpan) throws(EXIError) -> Int) throws(EXIToolError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: maximumMessageBytes)
        do throws(EXIError) {
            let count: Int
            do {
                var elements = out.mutableSpan
                var span = elements.mutableBytes
                count = try encode(message, &span)
            }
            return Array(out.prefix(count))
        } catch {
            throw .exi(error)
        }
    }

    /// `boardctl exi decode`: hex text (white space, colons and a 0x prefix allowed) -> JSON text.
    public static func decode(schema: EXISchema, hex: String) throws(EXIToolError) -> String {
        var text = Substring(hex)
        while let f = text.first, f.isWhitespace { text = text.dropFirst() }
        if text.hasPrefix("0x") || text.hasPrefix("0X") { text = text.dropFirst(2) }
        guard let bytes = Hex.decode(String(text)) else { throw .badHex(String(text)) }
        return try decode(schema, bytes: bytes).description
    }

    /// `boardctl exi encode`: JSON text -> lower-case hex (as exi-ref.py prints it).
    public static func encode(schema: EXISchema, json: String) throws(EXIToolError) -> String {
        let value: JSONValue
        do throws(JSONError) { value = try JSONParser.parse(json) } catch { throw .json(error) }
        return Hex.encode(try encode(schema, json: value)).lowercased()
    }
}

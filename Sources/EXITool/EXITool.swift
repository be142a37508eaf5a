import AppHandshake
import DIN70121
import EXI
import EXIJSON
import Foundation
import ISO15118_2
import ISO15118_20
import AppHandshakeJSON
import DIN70121JSON
import ISO15118_2JSON
import ISO15118_20JSON

/// The `boardctl exi` logic, testable without the binary: EXI hex -> Josev-shaped JSON and back.
public enum EXITool {
    /// Largest message `encode` will produce (V2GTP payloads are far smaller).
    public static let maximumMessageBytes = 1 << 20

    /// Decodes EXI bytes with `schema` into Josev's JSON shape.
    public static func decode(_ schema: EXISchema, bytes: [UInt8]) throws(EXIToolError) -> JSONValue {
        try onLargeStack { () throws(EXIToolError) -> JSONValue in try decodeHere(schema, bytes: bytes) }
    }

    /// Encodes Josev-shaped JSON with `schema` into EXI bytes.
    public static func encode(_ schema: EXISchema, json: JSONValue) throws(EXIToolError) -> [UInt8] {
        try onLargeStack { () throws(EXIToolError) -> [UInt8] in try encodeHere(schema, json: json) }
    }

    /// Stack of the thread the conversions run on: the JSON mappings build whole messages (hundreds of
    /// kilobytes at the lists' bounds, Sources/EXIGenerator/README.md "Bounds") and their parts on the
    /// stack, more than a concurrency worker thread has.
    static let stackBytes = 64 << 20

    /// Runs `body` on a thread with a large stack (for tests that hold whole messages as values).
    public static func withLargeStack<T>(_ body: () -> T) -> T {
        do throws(EXIToolError) {
            return try onLargeStack { () throws(EXIToolError) -> T in body() }
        } catch {
            fatalError("unreachable: the body does not throw")
        }
    }

    /// Runs `body` on a thread with a `stackBytes` stack and joins it.
    static func onLargeStack<T>(_ body: () throws(EXIToolError) -> T) throws(EXIToolError) -> T {
        var result: Result<T, EXIToolError>?
        withoutActuallyEscaping(body) { escaping in
            let job = LargeStackJob {
                do throws(EXIToolError) { result = .success(try escaping()) } catch { result = .failure(error) }
            }
            var attributes = pthread_attr_t()
            pthread_attr_init(&attributes)
            pthread_attr_setstacksize(&attributes, stackBytes)
            var thread = pthread_t()
            let context = Unmanaged.passRetained(job).toOpaque()
            let started = pthread_create(&thread, &attributes, { raw in
                Unmanaged<LargeStackJob>.fromOpaque(raw!).takeUnretainedValue().work()
                return nil
            }, context)
            pthread_attr_destroy(&attributes)
            if started == 0 {
                pthread_join(thread, nil)
            } else {
                job.work()  // no thread (resources): run here
            }
            Unmanaged<LargeStackJob>.fromOpaque(context).release()
        }
        return try result!.get()
    }

    /// Bytes of list arena a message of `schema` needs at most (generated, `<Family>ListArena`).
    static func listArenaBytes(_ schema: EXISchema) -> Int {
        switch schema {
        case .app: return AppHandshakeListArena.worstCaseBytes
        case .din: return DIN70121ListArena.worstCaseBytes
        case .iso2: return ISO15118_2ListArena.worstCaseBytes
        case .iso20Common, .iso20DC, .iso20AC, .iso20ACDP, .iso20WPT: return ISO15118_20ListArena.worstCaseBytes
        }
    }

    static func decodeHere(_ schema: EXISchema, bytes: [UInt8]) throws(EXIToolError) -> JSONValue {
        // one arena per call, at the schema's worst case: lists up to maxOccurs (pages never written stay unmapped)
        let arena = EXIListArena(capacity: listArenaBytes(schema))
        defer { withExtendedLifetime(arena) {} }
        let a = arena.handle
        do throws(EXIError) {
            let span = bytes.span.bytes
            switch schema {
            case .app: return try json(span, { (s, m) throws(EXIError) in try AppHandshakeCodec.decode(s, into: &m, listArena: a) }, AppHandshakeCodec.json)
            case .din: return try json(span, { (s, m) throws(EXIError) in try DINCodec.decode(s, into: &m, listArena: a) }, DINCodec.json)
            case .iso2: return try json(span, { (s, m) throws(EXIError) in try ISO2Codec.decode(s, into: &m, listArena: a) }, ISO2Codec.json)
            case .iso20Common: return try json(span, { (s, m) throws(EXIError) in try ISO20CommonCodec.decode(s, into: &m, listArena: a) }, ISO20CommonCodec.json)
            case .iso20DC: return try json(span, { (s, m) throws(EXIError) in try ISO20DCCodec.decode(s, into: &m, listArena: a) }, ISO20DCCodec.json)
            case .iso20AC: return try json(span, { (s, m) throws(EXIError) in try ISO20ACCodec.decode(s, into: &m, listArena: a) }, ISO20ACCodec.json)
            case .iso20ACDP: return try json(span, { (s, m) throws(EXIError) in try ISO20ACDPCodec.decode(s, into: &m, listArena: a) }, ISO20ACDPCodec.json)
            case .iso20WPT: return try json(span, { (s, m) throws(EXIError) in try ISO20WPTCodec.decode(s, into: &m, listArena: a) }, ISO20WPTCodec.json)
            }
        } catch {
            throw .exi(error)
        }
    }

    /// Decodes into a message on the heap: message types are tens of kilobytes (Sources/EXIGenerator/README.md,
    /// Bounds), too big to copy around on a thread's stack.
    static func json<M: EXIDefaultValue>(_ span: RawSpan, _ decode: (RawSpan, inout M) throws(EXIError) -> Void,
                                         _ json: (M) -> JSONValue) throws(EXIError) -> JSONValue {
        let message = UnsafeMutablePointer<M>.allocate(capacity: 1)
        message.initialize(to: M())
        defer {
            message.deinitialize(count: 1)
            message.deallocate()
        }
        try decode(span, &message.pointee)
        return json(message.pointee)
    }

    static func encodeHere(_ schema: EXISchema, json: JSONValue) throws(EXIToolError) -> [UInt8] {
        // the JSON readers put long lists into this arena; the message points into it until it is written
        let arena = EXIListArena(capacity: listArenaBytes(schema))
        let result = JSONCoding.withListArena(arena) { () -> Result<[UInt8], EXIToolError> in
            do throws(EXIToolError) { return .success(try encodeWithArena(schema, json: json)) } catch { return .failure(error) }
        }
        withExtendedLifetime(arena) {}
        return try result.get()
    }

    static func encodeWithArena(_ schema: EXISchema, json: JSONValue) throws(EXIToolError) -> [UInt8] {
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

/// The work of one `EXITool.onLargeStack` thread (a class: its pointer is the thread's argument).
final class LargeStackJob {
    let work: () -> Void
    init(_ work: @escaping () -> Void) { self.work = work }
}

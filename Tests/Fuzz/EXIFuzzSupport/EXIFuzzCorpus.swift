import AppHandshake
import DIN70121
import EXI
import EXIJSON
import EXITool
import Foundation
import ISO15118_2
import ISO15118_20

/// The seeds of every EXI fuzzer: Josev's session corpus (../shared/tools/josev/samples/corpus) and our
/// conformance corpus (Tests/EXITests/Conformance/corpus.jsonl). The ISO 15118-20 AC, ACDP and WPT
/// schemas have no messages of their own in either: they start from the ISO 15118-20 common messages
/// (same header and framing) and their default message, encoded.
public enum EXIFuzzCorpus {
    /// Streams per schema, in file order (Josev's first). `root` is the package root.
    public static func load(root: String) -> [EXISchema: [[UInt8]]] {
        var out: [EXISchema: [[UInt8]]] = [:]
        let josev = root + "/../shared/tools/josev/samples/corpus/"
        let files = ["din-session.jsonl", "iso2-dc-session.jsonl", "iso20-dc-session.jsonl"].map { josev + $0 }
            + [root + "/Tests/EXITests/Conformance/corpus.jsonl"]
        for file in files {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { continue }
            for line in text.split(separator: "\n") {
                guard let object = try? JSONParser.parse(String(line)), case .string(let name)? = object["schema"],
                      case .string(let hex)? = object["exi"], let schema = EXISchema(rawValue: name),
                      let bytes = bytes(hex: hex), bytes.count < 4096 else { continue }
                out[schema, default: []].append(bytes)
            }
        }
        for schema in [EXISchema.iso20AC, .iso20ACDP, .iso20WPT] where out[schema] == nil {
            out[schema] = defaultMessage(schema).map { [$0] } ?? []
            out[schema]! += out[.iso20Common] ?? []
        }
        return out
    }

    /// The schema's default message (`Message()`), encoded.
    static func defaultMessage(_ schema: EXISchema) -> [UInt8]? {
        func encoded<M: EXIDefaultValue>(_ encode: (M, inout MutableRawSpan) throws(EXIError) -> Int) -> [UInt8]? {
            var out = [UInt8](repeating: 0, count: 1 << 16)
            let count: Int?
            do {
                var elements = out.mutableSpan
                var span = elements.mutableBytes
                count = try? encode(M(), &span)
            }
            return count.map { Array(out.prefix($0)) }
        }
        return switch schema {
        case .app: encoded(AppHandshakeCodec.encode)
        case .din: encoded(DINCodec.encode)
        case .iso2: encoded(ISO2Codec.encode)
        case .iso20Common: encoded(ISO20CommonCodec.encode)
        case .iso20DC: encoded(ISO20DCCodec.encode)
        case .iso20AC: encoded(ISO20ACCodec.encode)
        case .iso20ACDP: encoded(ISO20ACDPCodec.encode)
        case .iso20WPT: encoded(ISO20WPTCodec.encode)
        }
    }

    static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count / 2)
        var i = 0
        while i < digits.count {
            guard let high = nibble(digits[i]), let low = nibble(digits[i + 1]) else { return nil }
            out.append(high << 4 | low)
            i += 2
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

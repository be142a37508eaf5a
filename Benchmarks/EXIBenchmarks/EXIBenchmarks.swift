// Encode and decode of the charge-loop messages and SessionSetupReq, on the exact bytes Josev sent
// (../shared/tools/josev/samples/corpus): time per message and mallocs per message (target 0).
import AppHandshake
import Benchmark
import DIN70121
import EXI
import Foundation
import ISO15118_2
import ISO15118_20

/// The wire bytes of the first `message` in one of Josev's session files.
func corpusBytes(_ file: String, _ message: String) -> [UInt8] {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    let url = root.appendingPathComponent("shared/tools/josev/samples/corpus/\(file)")
    guard let text = try? String(contentsOf: url, encoding: .utf8) else { fatalError("cannot read \(url.path)") }
    for line in text.split(separator: "\n") {
        guard let obj = try? JSONParser.parse(String(line)), case .string(let m)? = obj["message"], m == message,
              case .string(let hex)? = obj["exi"], let bytes = Hex.decode(hex) else { continue }
        return bytes
    }
    fatalError("no \(message) in \(file)")
}

/// Decode (returning the message, and into a caller's message), and encode, for a message of one codec.
func register<M>(_ name: String, _ bytes: [UInt8], decode: @escaping @Sendable (RawSpan) throws(EXIError) -> M,
                 decodeInto: @escaping @Sendable (RawSpan, inout M) throws(EXIError) -> Void,
                 encode: @escaping @Sendable (M, inout MutableRawSpan) throws(EXIError) -> Int) {
    let input = bytes
    Benchmark("\(name)_decode") { benchmark in
        let span = input.span.bytes
        for _ in benchmark.scaledIterations {
            blackHole(try decode(span))
        }
    }
    Benchmark("\(name)_decodeInto") { benchmark in
        let span = input.span.bytes
        var message = try decode(span)
        for _ in benchmark.scaledIterations {
            try decodeInto(span, &message)
            blackHole(message)
        }
    }
    let message = try! decode(input.span.bytes)
    Benchmark("\(name)_encode") { benchmark in
        var output = [UInt8](repeating: 0, count: 1024)
        var elements = output.mutableSpan
        var span = elements.mutableBytes
        for _ in benchmark.scaledIterations {
            blackHole(try encode(message, &span))
        }
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput],
        timeUnits: .nanoseconds,
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 200)
    register("DIN_CurrentDemandReq", corpusBytes("din-session.jsonl", "CurrentDemandReq"),
             decode: DINCodec.decode, decodeInto: DINCodec.decode(_:into:), encode: DINCodec.encode)
    register("DIN_CurrentDemandRes", corpusBytes("din-session.jsonl", "CurrentDemandRes"),
             decode: DINCodec.decode, decodeInto: DINCodec.decode(_:into:), encode: DINCodec.encode)
    register("ISO2_CurrentDemandReq", corpusBytes("iso2-dc-session.jsonl", "CurrentDemandReq"),
             decode: ISO2Codec.decode, decodeInto: ISO2Codec.decode(_:into:), encode: ISO2Codec.encode)
    register("ISO2_CurrentDemandRes", corpusBytes("iso2-dc-session.jsonl", "CurrentDemandRes"),
             decode: ISO2Codec.decode, decodeInto: ISO2Codec.decode(_:into:), encode: ISO2Codec.encode)
    register("ISO20_DC_ChargeLoopReq", corpusBytes("iso20-dc-session.jsonl", "DC_ChargeLoopReq"),
             decode: ISO20DCCodec.decode, decodeInto: ISO20DCCodec.decode(_:into:), encode: ISO20DCCodec.encode)
    register("ISO20_DC_ChargeLoopRes", corpusBytes("iso20-dc-session.jsonl", "DC_ChargeLoopRes"),
             decode: ISO20DCCodec.decode, decodeInto: ISO20DCCodec.decode(_:into:), encode: ISO20DCCodec.encode)
    register("ISO2_SessionSetupReq", corpusBytes("iso2-dc-session.jsonl", "SessionSetupReq"),
             decode: ISO2Codec.decode, decodeInto: ISO2Codec.decode(_:into:), encode: ISO2Codec.encode)
    register("ISO20_SessionSetupReq", corpusBytes("iso20-dc-session.jsonl", "SessionSetupReq"),
             decode: ISO20CommonCodec.decode, decodeInto: ISO20CommonCodec.decode(_:into:), encode: ISO20CommonCodec.encode)
}

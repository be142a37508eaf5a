// Encode and decode of the charge-loop messages and SessionSetupReq, on the exact bytes Josev sent
// (../shared/tools/josev/samples/corpus): time per message and mallocs per message (target 0).
import AppHandshake
import BenchCorpus
import Benchmark
import DIN70121
import EXI
import Foundation
import ISO15118_2
import ISO15118_20

/// A codec's three entry points, called on its concrete types (a protocol with static requirements: the
/// benchmark bodies are specialised per codec, no closure thunk between the loop and the codec).
protocol BenchCodec {
    associatedtype Message
    static func decode(_ bytes: RawSpan) throws(EXIError) -> Message
    static func decode(_ bytes: RawSpan, into message: inout Message) throws(EXIError)
    static func encode(_ message: Message, into output: inout MutableRawSpan) throws(EXIError) -> Int
}
extension DINCodec: BenchCodec {}
extension ISO2Codec: BenchCodec {}
extension ISO20DCCodec: BenchCodec {}
extension ISO20CommonCodec: BenchCodec {}

/// `_decode`: `decode(_:)`, a new message per call (its storage initialised first); `_decodeInto`:
/// `decode(_:into:)` into one message kept across calls (the hot path); `_encode`: `encode(_:into:)`.
func register<C: BenchCodec>(_ name: String, _ codec: C.Type, _ bytes: [UInt8]) {
    let input = bytes
    Benchmark("\(name)_decode") { benchmark in
        let span = input.span.bytes
        for _ in benchmark.scaledIterations {
            blackHole(try C.decode(span))
        }
    }
    Benchmark("\(name)_decodeInto") { benchmark in
        let span = input.span.bytes
        var message = try C.decode(span)
        for _ in benchmark.scaledIterations {
            try C.decode(span, into: &message)
            blackHole(message)
        }
    }
    let message = try! C.decode(input.span.bytes)
    Benchmark("\(name)_encode") { benchmark in
        var output = [UInt8](repeating: 0, count: 1024)
        var elements = output.mutableSpan
        var span = elements.mutableBytes
        for _ in benchmark.scaledIterations {
            blackHole(try C.encode(message, into: &span))
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
    register("DIN_CurrentDemandReq", DINCodec.self, corpusBytes("din-session.jsonl", "CurrentDemandReq"))
    register("DIN_CurrentDemandRes", DINCodec.self, corpusBytes("din-session.jsonl", "CurrentDemandRes"))
    register("ISO2_CurrentDemandReq", ISO2Codec.self, corpusBytes("iso2-dc-session.jsonl", "CurrentDemandReq"))
    register("ISO2_CurrentDemandRes", ISO2Codec.self, corpusBytes("iso2-dc-session.jsonl", "CurrentDemandRes"))
    register("ISO20_DC_ChargeLoopReq", ISO20DCCodec.self, corpusBytes("iso20-dc-session.jsonl", "DC_ChargeLoopReq"))
    register("ISO20_DC_ChargeLoopRes", ISO20DCCodec.self, corpusBytes("iso20-dc-session.jsonl", "DC_ChargeLoopRes"))
    register("ISO2_SessionSetupReq", ISO2Codec.self, corpusBytes("iso2-dc-session.jsonl", "SessionSetupReq"))
    register("ISO20_SessionSetupReq", ISO20CommonCodec.self, corpusBytes("iso20-dc-session.jsonl", "SessionSetupReq"))
}

// Instruction counts per message under callgrind (repeatable, unlike wall clock on shared cores):
//
//   valgrind --tool=callgrind --callgrind-out-file=/dev/null exi-callgrind DIN_CurrentDemandReq decodeInto 1000
//
// prints nothing but runs `iterations` operations; .ci/exi-callgrind.sh runs 0 and N iterations and
// divides the difference of the totals by N. Same messages as the benchmark (Josev's wire bytes).
import AppHandshake
import BenchCorpus
import DIN70121
import EXI
import Foundation
import ISO15118_2
import ISO15118_20

@inline(never) func sink<T>(_ value: borrowing T) { withExtendedLifetime(value) {} }

/// Runs one operation `n` times on concrete types (no generic thunks between the loop and the codec). One
/// runner per codec on purpose: a runner generic over the codec copies the message on every encode (31k
/// instructions per DIN CurrentDemandReq instead of 8k), which measures the harness, not the codec.
protocol Runner { static func run(_ op: String, _ bytes: [UInt8], _ n: Int) throws(EXIError) }

enum DINRun: Runner {
    static func run(_ op: String, _ bytes: [UInt8], _ n: Int) throws(EXIError) {
        let span = bytes.span.bytes
        var out = [UInt8](repeating: 0, count: 4096)
        var message = try DINCodec.decode(span)
        let original = message  // encode borrows a constant: passing the `var` would copy it each time
        var ms = out.mutableSpan
        var o = ms.mutableBytes
        for _ in 0..<n {
            switch op {
            case "decode": sink(try DINCodec.decode(span))
            case "decodeInto": try DINCodec.decode(span, into: &message); withUnsafePointer(to: &message) { sink($0) }
            default: sink(try DINCodec.encode(original, into: &o))
            }
        }
    }
}
enum ISO2Run: Runner {
    static func run(_ op: String, _ bytes: [UInt8], _ n: Int) throws(EXIError) {
        let span = bytes.span.bytes
        var out = [UInt8](repeating: 0, count: 4096)
        var message = try ISO2Codec.decode(span)
        let original = message  // encode borrows a constant: passing the `var` would copy it each time
        var ms = out.mutableSpan
        var o = ms.mutableBytes
        for _ in 0..<n {
            switch op {
            case "decode": sink(try ISO2Codec.decode(span))
            case "decodeInto": try ISO2Codec.decode(span, into: &message); withUnsafePointer(to: &message) { sink($0) }
            default: sink(try ISO2Codec.encode(original, into: &o))
            }
        }
    }
}
enum ISO20DCRun: Runner {
    static func run(_ op: String, _ bytes: [UInt8], _ n: Int) throws(EXIError) {
        let span = bytes.span.bytes
        var out = [UInt8](repeating: 0, count: 4096)
        var message = try ISO20DCCodec.decode(span)
        let original = message  // encode borrows a constant: passing the `var` would copy it each time
        var ms = out.mutableSpan
        var o = ms.mutableBytes
        for _ in 0..<n {
            switch op {
            case "decode": sink(try ISO20DCCodec.decode(span))
            case "decodeInto": try ISO20DCCodec.decode(span, into: &message); withUnsafePointer(to: &message) { sink($0) }
            default: sink(try ISO20DCCodec.encode(original, into: &o))
            }
        }
    }
}
enum ISO20CommonRun: Runner {
    static func run(_ op: String, _ bytes: [UInt8], _ n: Int) throws(EXIError) {
        let span = bytes.span.bytes
        var out = [UInt8](repeating: 0, count: 4096)
        var message = try ISO20CommonCodec.decode(span)
        let original = message  // encode borrows a constant: passing the `var` would copy it each time
        var ms = out.mutableSpan
        var o = ms.mutableBytes
        for _ in 0..<n {
            switch op {
            case "decode": sink(try ISO20CommonCodec.decode(span))
            case "decodeInto": try ISO20CommonCodec.decode(span, into: &message); withUnsafePointer(to: &message) { sink($0) }
            default: sink(try ISO20CommonCodec.encode(original, into: &o))
            }
        }
    }
}

let cases: [String: (any Runner.Type, String, String)] = [
    "DIN_CurrentDemandReq": (DINRun.self, "din-session.jsonl", "CurrentDemandReq"),
    "DIN_CurrentDemandRes": (DINRun.self, "din-session.jsonl", "CurrentDemandRes"),
    "ISO2_CurrentDemandReq": (ISO2Run.self, "iso2-dc-session.jsonl", "CurrentDemandReq"),
    "ISO2_CurrentDemandRes": (ISO2Run.self, "iso2-dc-session.jsonl", "CurrentDemandRes"),
    "ISO2_SessionSetupReq": (ISO2Run.self, "iso2-dc-session.jsonl", "SessionSetupReq"),
    "ISO20_DC_ChargeLoopReq": (ISO20DCRun.self, "iso20-dc-session.jsonl", "DC_ChargeLoopReq"),
    "ISO20_DC_ChargeLoopRes": (ISO20DCRun.self, "iso20-dc-session.jsonl", "DC_ChargeLoopRes"),
    "ISO20_SessionSetupReq": (ISO20CommonRun.self, "iso20-dc-session.jsonl", "SessionSetupReq"),
]

let args = CommandLine.arguments
guard args.count == 4, let (runner, file, name) = cases[args[1]], let n = Int(args[3]),
      ["decode", "decodeInto", "encode"].contains(args[2]) else {
    print("usage: exi-callgrind <\(cases.keys.sorted().joined(separator: "|"))> <decode|decodeInto|encode> <iterations>")
    exit(2)
}
do { try runner.run(args[2], corpusBytes(file, name), n) } catch { print(error); exit(1) }

// Instruction counts per message under callgrind (repeatable, unlike wall clock on shared cores):
//
//   valgrind --tool=callgrind --callgrind-out-file=/dev/null exi-callgrind DIN_CurrentDemandReq decodeInto 1000
//
// prints nothing but runs `iterations` operations; .ci/exi-callgrind.sh runs 1 and N+1 iterations and
// divides the difference of the totals by N (1, not 0: the first call's one-time costs stay out).
// Same messages as the benchmark (Josev's wire bytes); `exi-callgrind list` names them.
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
/// `changeType` decodes `other` and then `bytes` into the same message each iteration: both decodes find a
/// different body type in the storage (issue 15: the first message after a change of type).
protocol Runner { static func run(_ op: String, _ bytes: [UInt8], _ other: [UInt8], _ n: Int) throws(EXIError) }

enum AppRun: Runner {
    static func run(_ op: String, _ bytes: [UInt8], _ other: [UInt8], _ n: Int) throws(EXIError) {
        let span = bytes.span.bytes, otherSpan = other.span.bytes
        var out = [UInt8](repeating: 0, count: 4096)
        var message = try AppHandshakeCodec.decode(span)
        let original = message  // encode borrows a constant: passing the `var` would copy it each time
        var ms = out.mutableSpan
        var o = ms.mutableBytes
        for _ in 0..<n {
            switch op {
            case "decode": sink(try AppHandshakeCodec.decode(span))
            case "decodeInto": try AppHandshakeCodec.decode(span, into: &message); withUnsafePointer(to: &message) { sink($0) }
            case "changeType":
                try AppHandshakeCodec.decode(otherSpan, into: &message); withUnsafePointer(to: &message) { sink($0) }
                try AppHandshakeCodec.decode(span, into: &message); withUnsafePointer(to: &message) { sink($0) }
            default: sink(try AppHandshakeCodec.encode(original, into: &o))
            }
        }
    }
}
enum DINRun: Runner {
    static func run(_ op: String, _ bytes: [UInt8], _ other: [UInt8], _ n: Int) throws(EXIError) {
        let span = bytes.span.bytes, otherSpan = other.span.bytes
        var out = [UInt8](repeating: 0, count: 4096)
        var message = try DINCodec.decode(span)
        let original = message  // encode borrows a constant: passing the `var` would copy it each time
        var ms = out.mutableSpan
        var o = ms.mutableBytes
        for _ in 0..<n {
            switch op {
            case "decode": sink(try DINCodec.decode(span))
            case "decodeInto": try DINCodec.decode(span, into: &message); withUnsafePointer(to: &message) { sink($0) }
            case "changeType":
                try DINCodec.decode(otherSpan, into: &message); withUnsafePointer(to: &message) { sink($0) }
                try DINCodec.decode(span, into: &message); withUnsafePointer(to: &message) { sink($0) }
            default: sink(try DINCodec.encode(original, into: &o))
            }
        }
    }
}
enum ISO2Run: Runner {
    static func run(_ op: String, _ bytes: [UInt8], _ other: [UInt8], _ n: Int) throws(EXIError) {
        let span = bytes.span.bytes, otherSpan = other.span.bytes
        var out = [UInt8](repeating: 0, count: 4096)
        var message = try ISO2Codec.decode(span)
        let original = message  // encode borrows a constant: passing the `var` would copy it each time
        var ms = out.mutableSpan
        var o = ms.mutableBytes
        for _ in 0..<n {
            switch op {
            case "decode": sink(try ISO2Codec.decode(span))
            case "decodeInto": try ISO2Codec.decode(span, into: &message); withUnsafePointer(to: &message) { sink($0) }
            case "changeType":
                try ISO2Codec.decode(otherSpan, into: &message); withUnsafePointer(to: &message) { sink($0) }
                try ISO2Codec.decode(span, into: &message); withUnsafePointer(to: &message) { sink($0) }
            default: sink(try ISO2Codec.encode(original, into: &o))
            }
        }
    }
}
enum ISO20DCRun: Runner {
    static func run(_ op: String, _ bytes: [UInt8], _ other: [UInt8], _ n: Int) throws(EXIError) {
        let span = bytes.span.bytes, otherSpan = other.span.bytes
        var out = [UInt8](repeating: 0, count: 4096)
        var message = try ISO20DCCodec.decode(span)
        let original = message  // encode borrows a constant: passing the `var` would copy it each time
        var ms = out.mutableSpan
        var o = ms.mutableBytes
        for _ in 0..<n {
            switch op {
            case "decode": sink(try ISO20DCCodec.decode(span))
            case "decodeInto": try ISO20DCCodec.decode(span, into: &message); withUnsafePointer(to: &message) { sink($0) }
            case "changeType":
                try ISO20DCCodec.decode(otherSpan, into: &message); withUnsafePointer(to: &message) { sink($0) }
                try ISO20DCCodec.decode(span, into: &message); withUnsafePointer(to: &message) { sink($0) }
            default: sink(try ISO20DCCodec.encode(original, into: &o))
            }
        }
    }
}
enum ISO20CommonRun: Runner {
    static func run(_ op: String, _ bytes: [UInt8], _ other: [UInt8], _ n: Int) throws(EXIError) {
        let span = bytes.span.bytes, otherSpan = other.span.bytes
        var out = [UInt8](repeating: 0, count: 4096)
        var message = try ISO20CommonCodec.decode(span)
        let original = message  // encode borrows a constant: passing the `var` would copy it each time
        var ms = out.mutableSpan
        var o = ms.mutableBytes
        for _ in 0..<n {
            switch op {
            case "decode": sink(try ISO20CommonCodec.decode(span))
            case "decodeInto": try ISO20CommonCodec.decode(span, into: &message); withUnsafePointer(to: &message) { sink($0) }
            case "changeType":
                try ISO20CommonCodec.decode(otherSpan, into: &message); withUnsafePointer(to: &message) { sink($0) }
                try ISO20CommonCodec.decode(span, into: &message); withUnsafePointer(to: &message) { sink($0) }
            default: sink(try ISO20CommonCodec.encode(original, into: &o))
            }
        }
    }
}

/// Every message of a DIN, an ISO-2 and an ISO-20 DC session, both sides, as `<PROTOCOL>_<message>`
/// (ISO-20 messages of the DC schema keep their `DC_` prefix): runner, session file, message name.
let sessions: [(prefix: String, file: String)] = [("DIN", "din-session.jsonl"), ("ISO2", "iso2-dc-session.jsonl"), ("ISO20", "iso20-dc-session.jsonl")]
let runners: [String: any Runner.Type] = ["app": AppRun.self, "din": DINRun.self, "iso2": ISO2Run.self, "iso20-dc": ISO20DCRun.self, "iso20-common": ISO20CommonRun.self]
var cases: [(name: String, runner: any Runner.Type, schema: String, file: String, message: String)] = []
let args = CommandLine.arguments
// only the session file a case names is read (`list` reads all): reading is not what is measured
let wanted = args.count > 1 && args[1] != "list" ? String(args[1].prefix(while: { $0 != "_" })) : nil
for (prefix, file) in sessions where wanted == nil || wanted == prefix {
    for (schema, message) in corpusMessages(file) {
        cases.append(("\(prefix)_\(message)", runners[schema]!, schema, file, message))
    }
}

if args.count == 2, args[1] == "list" {  // the case names, one a line, for .ci/exi-callgrind.sh
    for c in cases { print(c.name) }
    exit(0)
}
guard args.count == 4 || args.count == 5, let c = cases.first(where: { $0.name == args[1] }), let n = Int(args[3]),
      ["decode", "decodeInto", "encode", "changeType"].contains(args[2]) else {
    print("usage: exi-callgrind list | <case> <decode|decodeInto|encode> <iterations> | <case> changeType <iterations> <other case of the same schema>")
    exit(2)
}
var other: [UInt8] = []
if args[2] == "changeType" {
    guard args.count == 5, let o = cases.first(where: { $0.name == args[4] }), o.schema == c.schema else {
        print("changeType needs another case of schema \(c.schema)"); exit(2)
    }
    other = corpusBytes(o.file, o.message)
}
do { try c.runner.run(args[2], corpusBytes(c.file, c.message), other, n) } catch { print(error); exit(1) }

// The property every EXI fuzzer checks, shared by the mutation fuzzer of Tests/EXITests/FuzzTests.swift,
// the replay of saved inputs (Tests/FuzzReplay/exi) and the libFuzzer target (Tests/Fuzz/EXIFuzz):
//
//  1. any bytes give a message or a typed `EXIError`, never a trap;
//  2. a message that decodes encodes, and that encoding decodes to an equal message
//     (decode → encode → decode agree);
//  3. `decode(_:into:)` into a message that held another message (of another type where the pool has
//     one) accepts exactly what a fresh decode accepts, and gives an equal message.
import AppHandshake
import DIN70121
import EXI
import EXITool
import ISO15118_2
import ISO15118_20

/// The outcome of one input.
public enum EXIFuzzVerdict: Equatable, Sendable {
    /// A typed error, from the fresh and every in-place decode alike.
    case rejected
    /// Decoded, re-encoded and decoded again to the same message.
    case roundTripped
    /// The property does not hold: what differed.
    case finding(String)
}

/// How a saved EXI input is stored (libFuzzer's artifacts and our own): byte 0 picks the schema
/// (`EXISchema.allCases[byte % count]`), the rest is the EXI stream.
public enum EXIFuzzInput {
    public static func schema(selector: UInt8) -> EXISchema {
        EXISchema.allCases[Int(selector) % EXISchema.allCases.count]
    }

    public static func selector(of schema: EXISchema) -> UInt8 {
        UInt8(EXISchema.allCases.firstIndex(of: schema)!)
    }

    /// `[selector] + stream`.
    public static func file(_ schema: EXISchema, _ stream: [UInt8]) -> [UInt8] { [selector(of: schema)] + stream }

    /// The schema and the stream of a saved input; nil for an empty file.
    public static func parse(_ file: [UInt8]) -> (EXISchema, [UInt8])? {
        guard let first = file.first else { return nil }
        return (schema(selector: first), Array(file.dropFirst()))
    }
}

/// The decoders under test, each with the messages it holds before an in-place decode. One instance per
/// thread: it re-encodes into a buffer of its own.
public final class EXIFuzzProperty {
    /// Messages that decode, per schema: what `decode(_:into:)` overwrites. Built from `held`.
    private var pools: [EXISchema: Any] = [:]
    /// The output of re-encoding (one buffer, reused: large enough for any message).
    private let output: UnsafeMutableRawBufferPointer

    deinit { output.deallocate() }

    /// `held`: streams per schema (the corpora); up to `perSchema` of them that decode are kept, picked
    /// to differ from each other, plus the schema's default message.
    public init(held: [EXISchema: [[UInt8]]], perSchema: Int = 2) {
        output = UnsafeMutableRawBufferPointer.allocate(byteCount: EXITool.maximumMessageBytes, alignment: 16)
        for schema in EXISchema.allCases {
            let streams = held[schema] ?? []
            switch schema {
            case .app: pools[schema] = Self.pool(AppHandshakeCodec.decode, streams, perSchema)
            case .din: pools[schema] = Self.pool(DINCodec.decode, streams, perSchema)
            case .iso2: pools[schema] = Self.pool(ISO2Codec.decode, streams, perSchema)
            case .iso20Common: pools[schema] = Self.pool(ISO20CommonCodec.decode, streams, perSchema)
            case .iso20DC: pools[schema] = Self.pool(ISO20DCCodec.decode, streams, perSchema)
            case .iso20AC: pools[schema] = Self.pool(ISO20ACCodec.decode, streams, perSchema)
            case .iso20ACDP: pools[schema] = Self.pool(ISO20ACDPCodec.decode, streams, perSchema)
            case .iso20WPT: pools[schema] = Self.pool(ISO20WPTCodec.decode, streams, perSchema)
            }
        }
    }

    /// The default message and up to `count` distinct decoded ones, spread over the streams.
    private static func pool<M: Equatable & EXIDefaultValue>(_ decode: (RawSpan) throws(EXIError) -> M,
                                                             _ streams: [[UInt8]], _ count: Int) -> [M] {
        var out: [M] = [M()]
        guard !streams.isEmpty else { return out }
        let step = max(1, streams.count / max(1, count))
        var i = 0
        while i < streams.count, out.count <= count {
            let stream = streams[i]
            if let m = try? decode(stream.span.bytes), !out.contains(m) { out.append(m) }
            i += step
        }
        return out
    }

    /// Checks one input against `schema`'s decoder.
    public func check(_ schema: EXISchema, _ input: [UInt8]) -> EXIFuzzVerdict {
        // messages are ~100 KB values: the debug build's copies (derived ==) outgrow a worker thread's stack
        EXITool.withLargeStack { checkHere(schema, input) }
    }

    func checkHere(_ schema: EXISchema, _ input: [UInt8]) -> EXIFuzzVerdict {
        switch schema {
        case .app: run(AppHandshakeCodec.decode, AppHandshakeCodec.decode(_:into:), AppHandshakeCodec.encode, schema, input)
        case .din: run(DINCodec.decode, DINCodec.decode(_:into:), DINCodec.encode, schema, input)
        case .iso2: run(ISO2Codec.decode, ISO2Codec.decode(_:into:), ISO2Codec.encode, schema, input)
        case .iso20Common: run(ISO20CommonCodec.decode, ISO20CommonCodec.decode(_:into:), ISO20CommonCodec.encode, schema, input)
        case .iso20DC: run(ISO20DCCodec.decode, ISO20DCCodec.decode(_:into:), ISO20DCCodec.encode, schema, input)
        case .iso20AC: run(ISO20ACCodec.decode, ISO20ACCodec.decode(_:into:), ISO20ACCodec.encode, schema, input)
        case .iso20ACDP: run(ISO20ACDPCodec.decode, ISO20ACDPCodec.decode(_:into:), ISO20ACDPCodec.encode, schema, input)
        case .iso20WPT: run(ISO20WPTCodec.decode, ISO20WPTCodec.decode(_:into:), ISO20WPTCodec.encode, schema, input)
        }
    }

    private func run<M: Equatable>(_ decode: (RawSpan) throws(EXIError) -> M,
                                   _ decodeInto: (RawSpan, inout M) throws(EXIError) -> Void,
                                   _ encode: (M, inout MutableRawSpan) throws(EXIError) -> Int,
                                   _ schema: EXISchema, _ input: [UInt8]) -> EXIFuzzVerdict {
        let fresh: M?
        let freshError: EXIError?
        do throws(EXIError) {
            fresh = try decode(input.span.bytes)
            freshError = nil
        } catch {
            fresh = nil
            freshError = error
        }
        // 3. in place, over every held message
        for (n, held) in (pools[schema] as? [M] ?? []).enumerated() {
            var message = held
            do throws(EXIError) {
                try decodeInto(input.span.bytes, &message)
                guard let fresh else {
                    return .finding("\(schema.rawValue): decode(_:into:) over held message \(n) accepted what a fresh decode rejects (\(freshError!))")
                }
                if message != fresh {
                    return .finding("\(schema.rawValue): decode(_:into:) over held message \(n) differs from a fresh decode")
                }
            } catch {
                if fresh != nil {
                    return .finding("\(schema.rawValue): decode(_:into:) over held message \(n) rejected (\(error)) what a fresh decode accepts")
                }
            }
        }
        guard let fresh else { return .rejected }
        // 2. decode → encode → decode
        let count: Int
        do throws(EXIError) {
            var span = MutableRawSpan(_unsafeBytes: output)
            count = try encode(fresh, &span)
        } catch {
            return .finding("\(schema.rawValue): a decoded message does not encode: \(error)")
        }
        let again: M
        do throws(EXIError) {
            again = try decode(RawSpan(_unsafeBytes: UnsafeRawBufferPointer(rebasing: output[0..<count])))
        } catch {
            return .finding("\(schema.rawValue): our encoding of a decoded message does not decode: \(error)")
        }
        return again == fresh ? .roundTripped : .finding("\(schema.rawValue): decode → encode → decode gives another message")
    }
}

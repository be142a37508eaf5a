import Foundation
import MallocCounting
import Testing
import V2GTP

/// A seeded generator (SplitMix64) so every random test can be replayed: the seed comes from
/// `V2GTP_SEED` or a fixed default and is printed.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    static var seed: UInt64 {
        ProcessInfo.processInfo.environment["V2GTP_SEED"].flatMap { UInt64($0) } ?? 0x5EED_15118
    }
}

func message(_ type: UInt16, _ payload: [UInt8]) -> [UInt8] {
    let n = UInt32(payload.count)
    return [0x01, 0xFE, UInt8(type >> 8), UInt8(type & 0xFF),
            UInt8(n >> 24), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)] + payload
}

/// Feeds `stream` in the given chunk sizes, collecting every complete payload.
func read(_ reader: V2GTPReader, _ stream: [UInt8], chunks: [Int]) throws -> [[UInt8]] {
    var out: [[UInt8]] = []
    var offset = 0
    var c = 0
    while offset < stream.count {
        let size = min(chunks[c % chunks.count], stream.count - offset)
        c += 1
        var chunk = Array(stream[offset..<offset + size])
        while !chunk.isEmpty {
            let taken = try reader.consume(chunk.span.bytes)
            chunk.removeFirst(taken)
            offset += taken
            if reader.header != nil {
                var p: [UInt8] = []
                let s = reader.payload
                for i in 0..<s.byteCount { p.append(s.unsafeLoad(fromByteOffset: i, as: UInt8.self)) }
                out.append(p)
                reader.next()
            }
        }
    }
    return out
}

/// The TCP side of sdp-v2gtp.md §6: whatever way the stream is cut, the messages come out whole.
@Suite struct V2GTPReaderTests {
    static let payloads: [[UInt8]] = [[0x80, 0x00, 0xDB, 0xAB], [], Array(repeating: 0x5A, count: 300), [0x01]]
    static var stream: [UInt8] { payloads.flatMap { message(0x8001, $0) } }

    @Test func byteByByteAndAllAtOnce() throws {
        #expect(try read(V2GTPReader(), Self.stream, chunks: [1]) == Self.payloads)
        #expect(try read(V2GTPReader(), Self.stream, chunks: [Self.stream.count]) == Self.payloads)
        #expect(try read(V2GTPReader(), Self.stream, chunks: [7, 3, 11]) == Self.payloads)
    }

    /// Random cuts, seeded (V2GTP_SEED replays a failure).
    @Test func randomSegmentation() throws {
        let seed = SeededRandom.seed
        var random = SeededRandom(seed)
        for round in 0..<500 {
            let chunks = (0..<8).map { _ in Int.random(in: 1...40, using: &random) }
            let got = try read(V2GTPReader(), Self.stream, chunks: chunks)
            #expect(got == Self.payloads, "V2GTP_SEED=\(seed) round \(round) chunks \(chunks)")
            if got != Self.payloads { break }
        }
        print("V2GTP random segmentation: 500 rounds, V2GTP_SEED=\(seed)")
    }

    /// §6.2: an announced payload above the limit is refused from its header alone, before any
    /// payload byte is buffered, and the reader stays failed (the connection must close).
    @Test func oversizeIsRefusedFromTheHeader() throws {
        let reader = V2GTPReader(maximumPayload: 100)
        let header = Array(message(0x8001, Array(repeating: 0, count: 101)).prefix(8))
        #expect(throws: V2GTPError.payloadTooLarge(announced: 101, limit: 100)) { try reader.consume((header + [1, 2, 3]).span.bytes) }
        #expect(throws: V2GTPError.payloadTooLarge(announced: 101, limit: 100)) { try reader.consume(([0x01] as [UInt8]).span.bytes) }
        let huge: [UInt8] = [0x01, 0xFE, 0x80, 0x01, 0xFF, 0xFF, 0xFF, 0xFF]
        #expect(throws: V2GTPError.payloadTooLarge(announced: UInt32.max, limit: 8184)) { try V2GTPReader().consume(huge.span.bytes) }
    }

    @Test func badVersionAndForeignTypesEndTheStream() throws {
        #expect(throws: V2GTPError.badVersion(0x01, inverse: 0xFF)) {
            try V2GTPReader().consume(([0x01, 0xFF, 0x80, 0x01, 0, 0, 0, 0] as [UInt8]).span.bytes)
        }
        // An ISO 15118-20 DC stream on a DIN/ISO-2 connection (Josev's rule, §6.3).
        #expect(throws: V2GTPError.unexpectedPayloadType(0x8004)) {
            try V2GTPReader(accepted: .dinOrISO2).consume(message(0x8004, [1]).span.bytes)
        }
        let iso20 = V2GTPReader(accepted: .iso20)
        #expect(try read(iso20, message(0x8004, [1, 2]), chunks: [3]) == [[1, 2]])
    }

    /// A full buffer of garbage never crashes or hangs the reader: it fails or waits, seeded.
    @Test func garbageNeverCrashes() throws {
        let seed = SeededRandom.seed
        var random = SeededRandom(seed)
        var failures = 0
        for _ in 0..<2_000 {
            let reader = V2GTPReader(maximumPayload: 64)
            let n = Int.random(in: 0...80, using: &random)
            var junk = (0..<n).map { _ in UInt8.random(in: 0...255, using: &random) }
            if Bool.random(using: &random), junk.count >= 2 { junk[0] = 0x01; junk[1] = 0xFE }
            do {
                var rest = junk
                while !rest.isEmpty {
                    let taken = try reader.consume(rest.span.bytes)
                    rest.removeFirst(taken)
                    if reader.header != nil { reader.next() } else if taken == 0 { break }
                }
            } catch {
                failures += 1
            }
            _ = try? SDPRequest.decode(junk.span.bytes)
            _ = try? SDPResponse.decode(junk.span.bytes)
        }
        print("V2GTP garbage: 2000 inputs, \(failures) refused, V2GTP_SEED=\(seed)")
        #expect(failures > 0)
    }

    /// Reading allocates nothing once the reader exists.
    @Test func readingAllocatesNothing() throws {
        let reader = V2GTPReader()
        let stream = Self.stream
        var total = 0
        func run(_ rounds: Int) {
            for _ in 0..<rounds {
                var offset = 0
                while offset < stream.count {
                    let taken = (try? reader.consume(stream.span.extracting(offset...).bytes)) ?? stream.count
                    offset += taken
                    if let h = reader.header {
                        total &+= Int(h.payloadLength) &+ reader.payload.byteCount
                        reader.next()
                    }
                }
            }
        }
        run(1) // first use: lazy metadata
        total = 0
        let mallocs = MallocCounter.count { run(1_000) }
        #expect(mallocs == 0)
        #expect(total == 1_000 * 2 * Self.payloads.reduce(0) { $0 + $1.count })
    }
}

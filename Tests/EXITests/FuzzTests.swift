import EXI
import EXITool
import Foundation
import Testing

/// A mutation fuzzer for every decoder, seeded with Josev's corpus and our conformance corpus: flipped
/// bits, changed bytes, cut and spliced streams. Every input must give a value or a typed error; a
/// value must re-encode, and that encoding must decode to the same value (JSON). Iterations per schema
/// come from EXI_FUZZ_ITERATIONS (CI's .ci/exi-fuzz.sh runs more than the default unit test).
@Suite struct FuzzTests {
    static let iterations = Int(ProcessInfo.processInfo.environment["EXI_FUZZ_ITERATIONS"] ?? "") ?? 1500

    /// Deterministic per run: the seed is printed on failure (EXI_FUZZ_SEED to replay).
    struct Rng: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func seeds() -> [EXISchema: [[UInt8]]] {
        var out: [EXISchema: [[UInt8]]] = [:]
        for m in SharedFiles.corpusMessages() {
            if let s = EXISchema(rawValue: m.schema), let b = Hex.decode(m.exi) { out[s, default: []].append(b) }
        }
        for e in ConformanceCorpusTests.entries {
            if let s = EXISchema(rawValue: e.schema), let b = Hex.decode(e.exi), b.count < 2048 { out[s, default: []].append(b) }
        }
        return out
    }

    static func mutate(_ input: [UInt8], _ pool: [[UInt8]], _ rng: inout Rng) -> [UInt8] {
        var b = input
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            switch Int.random(in: 0..<6, using: &rng) {
            case 0 where !b.isEmpty:  // flip a bit
                let i = Int.random(in: 0..<b.count, using: &rng)
                b[i] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
            case 1 where !b.isEmpty:  // random byte
                b[Int.random(in: 0..<b.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            case 2 where b.count > 1:  // cut
                b = Array(b.prefix(Int.random(in: 1..<b.count, using: &rng)))
            case 3:  // splice another seed's tail
                let other = pool[Int.random(in: 0..<pool.count, using: &rng)]
                let at = Int.random(in: 0...b.count, using: &rng)
                b = Array(b.prefix(at)) + other.suffix(Int.random(in: 0...other.count, using: &rng))
            case 4 where !b.isEmpty:  // extreme byte
                b[Int.random(in: 0..<b.count, using: &rng)] = [0x00, 0xFF, 0x7F, 0x80][Int.random(in: 0..<4, using: &rng)]
            default:  // insert bytes
                let at = Int.random(in: 0...b.count, using: &rng)
                b.insert(contentsOf: (0..<Int.random(in: 1...8, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }, at: at)
            }
        }
        if !b.isEmpty, Int.random(in: 0..<4, using: &rng) != 0 { b[0] = 0x80 }
        return b
    }

    @Test(arguments: EXISchema.allCases)
    func decoderSurvivesMutations(_ schema: EXISchema) throws {
        let all = Self.seeds()
        let pool = all[schema] ?? all[.iso20Common] ?? []
        try #require(!pool.isEmpty)
        let seed = UInt64(ProcessInfo.processInfo.environment["EXI_FUZZ_SEED"] ?? "") ?? UInt64(schema.rawValue.hashValue & 0xFFFF)
        var rng = Rng(state: seed)
        var decoded = 0
        for i in 0..<Self.iterations {
            let input = Self.mutate(pool[Int.random(in: 0..<pool.count, using: &rng)], pool, &rng)
            guard let json = try? EXITool.decode(schema, bytes: input) else { continue }
            decoded += 1
            // a value we accept must survive our own round trip
            do {
                let bytes = try EXITool.encode(schema, json: json)
                let again = try EXITool.decode(schema, bytes: bytes)
                #expect(again.sameContent(as: json), "seed \(seed) iteration \(i): \(Hex.encode(input))")
            } catch {
                Issue.record("seed \(seed) iteration \(i): decoded \(Hex.encode(input)) but re-encoding failed: \(error)")
            }
        }
        print("fuzz \(schema.rawValue): \(Self.iterations) inputs, \(decoded) decoded and round-tripped")
    }
}

import EXI
import EXIFuzzSupport
import EXITool
import Foundation
import Testing
import TestSupport

/// A mutation fuzzer for every decoder, seeded with Josev's corpus and our conformance corpus: flipped
/// bits, changed bytes, cut and spliced streams. Every input must give a value or a typed error; a
/// value must re-encode, and that encoding must decode to the same value, both as a message and as
/// JSON; `decode(_:into:)` over a held message must agree with a fresh decode (EXIFuzzProperty).
/// Iterations per schema come from EXI_FUZZ_ITERATIONS (CI's .ci/extra/fuzz-exi.sh runs more).
///
/// Reproducible: the seed is EXI_FUZZ_SEED when set, else a fixed value per schema (never
/// `hashValue`, which changes per process). It is printed on the summary line and with every
/// failure, and the failing input is saved (`[schema selector] + stream`, see EXIFuzzInput) under
/// FuzzArtifacts.directory; copied into Tests/FuzzReplay/exi/ it is replayed by every `swift test`.
@Suite struct FuzzTests {
    static let iterations = Int(ProcessInfo.processInfo.environment["EXI_FUZZ_ITERATIONS"] ?? "") ?? 1500

    /// The schema's seed: EXI_FUZZ_SEED, or a fixed default derived from the schema's name.
    static func seed(_ schema: EXISchema) -> UInt64 {
        FuzzSeed.value("EXI_FUZZ_SEED", default: FuzzSeed.stable("exi-fuzz " + schema.rawValue) & 0xFFFF_FFFF)
    }

    typealias Rng = FuzzRandom

    static func seeds() -> [EXISchema: [[UInt8]]] {
        EXIFuzzCorpus.load(root: SharedFiles.packageRoot.path)
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

    /// Every schema starts from at least one stream its decoder accepts (ISO 15118-20 AC, ACDP and WPT
    /// have no corpus messages of their own: their default message, encoded, is one).
    @Test(arguments: EXISchema.allCases)
    func everySchemaHasASeedThatDecodes(_ schema: EXISchema) {
        let pool = Self.seeds()[schema] ?? []
        let accepted = pool.filter { (try? EXITool.decode(schema, bytes: $0)) != nil }.count
        print("fuzz seeds \(schema.rawValue): \(pool.count) streams, \(accepted) decode")
        #expect(accepted > 0)
    }

    @Test(arguments: EXISchema.allCases)
    func decoderSurvivesMutations(_ schema: EXISchema) throws {
        let all = Self.seeds()
        let pool = all[schema] ?? []
        try #require(!pool.isEmpty)
        let property = EXIFuzzProperty(held: all)  // one per test: its re-encoding buffer is not shared
        let seed = Self.seed(schema)
        var rng = Rng(seed: seed)
        // Printed first as well: a trap ends the process before the summary line (the RNG is
        // deterministic, so the seed alone replays the run; exi-fuzz also saves trapping inputs).
        print("fuzz \(schema.rawValue): seed \(seed) starting (EXI_FUZZ_SEED=\(seed) replays)")
        var decoded = 0, failures = 0
        func fail(_ what: String, _ input: [UInt8], _ i: Int) {
            failures += 1
            guard failures <= 3 else { return }
            let saved = FuzzArtifacts.save(EXIFuzzInput.file(schema, input), name: "exi-\(schema.rawValue)-seed\(seed)-i\(i)")
            Issue.record("""
                fuzz \(schema.rawValue) seed \(seed) iteration \(i): \(what)
                  input \(Hex.encode(input))
                  saved to \(saved): replay with EXI_FUZZ_SEED=\(seed) swift test --filter FuzzTests, or keep it by copying it into Tests/FuzzReplay/exi/
                """)
        }
        // Mutations start from streams the decoder accepts (for AC, ACDP and WPT that is their default
        // message: the ISO 15118-20 common messages they share a header with are only spliced in).
        let accepted = pool.filter { (try? EXITool.decode(schema, bytes: $0)) != nil }
        let bases = accepted.isEmpty ? pool : accepted
        for i in 0..<Self.iterations {
            let input = Self.mutate(bases[Int.random(in: 0..<bases.count, using: &rng)], pool, &rng)
            if case .finding(let what) = property.check(schema, input) {
                fail(what, input, i)
                continue
            }
            guard let json = try? EXITool.decode(schema, bytes: input) else { continue }
            decoded += 1
            // a value we accept must survive our own round trip through JSON as well
            do {
                let bytes = try EXITool.encode(schema, json: json)
                let again = try EXITool.decode(schema, bytes: bytes)
                if !again.sameContent(as: json) { fail("JSON round trip differs", input, i) }
            } catch {
                fail("decoded, but re-encoding from JSON failed: \(error)", input, i)
            }
        }
        print("fuzz \(schema.rawValue): seed \(seed), \(Self.iterations) inputs, \(decoded) decoded and round-tripped, \(failures) failures")
    }
}

/// Inputs that once failed (Tests/FuzzReplay/exi: libFuzzer artifacts or FuzzTests' saved inputs,
/// byte 0 = schema selector) must pass the fuzz property now. Runs on every `swift test`; an empty
/// directory passes.
@Suite struct EXIFuzzReplayTests {
    @Test func savedInputsPass() {
        let inputs = FuzzReplay.inputs("exi")
        let property = EXIFuzzProperty(held: FuzzTests.seeds())
        for (name, file) in inputs {
            guard let (schema, stream) = EXIFuzzInput.parse(file) else { continue }
            if case .finding(let what) = property.check(schema, stream) {
                Issue.record("Tests/FuzzReplay/exi/\(name) (\(schema.rawValue)): \(what)")
            }
        }
        print("fuzz replay exi: \(inputs.count) saved inputs from \(FuzzReplay.directory("exi"))")
    }
}

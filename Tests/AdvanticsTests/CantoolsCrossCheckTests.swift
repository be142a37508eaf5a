import AdvanticsCAN
import Foundation
import Testing
import TestSupport

/// Where the cross-check finds cantools and the vendor databases, and whether it can run here.
enum Cantools {
    static let root = PackageLayout.root()
    static let script = root + "/Tests/Support/cantools/crosscheck.py"
    static let venv = ProcessInfo.processInfo.environment["CANTOOLS_VENV"] ?? "/var/tmp/chargekit-cantools-venv"
    static let data = root + "/../shared/specs/data"
    static var python: String { venv + "/bin/python" }

    static let available: Bool = {
        var missing: [String] = []
        if !FileManager.default.isExecutableFile(atPath: python) {
            missing.append("the cantools venv at \(venv) (Tests/Support/cantools/ensure-venv.sh, run by .ci/setup)")
        }
        if !FileManager.default.fileExists(atPath: data + "/Advantics_Generic_EVSE_protocol_v3.6.kcd") {
            missing.append("the vendor databases in \(data)")
        }
        if !missing.isEmpty { print("cantools cross-check: skipped, needs \(missing.joined(separator: ", "))") }
        return missing.isEmpty
    }()

    static func temporary(_ name: String) -> String {
        NSTemporaryDirectory() + "ck-cantools-\(getpid())-\(name)"
    }

    static func json(_ values: [String: Double]) -> String {
        "{" + values.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", ") + "}"
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    static func bytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var i = hex.startIndex
        while i < hex.endIndex {
            let j = hex.index(i, offsetBy: 2)
            out.append(UInt8(hex[i..<j], radix: 16)!)
            i = j
        }
        return out
    }

    static func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-9 * max(1, abs(a)) }
}

/// One random or boundary physical value for a signal, within its raw range, limits and labels.
func randomValue(_ s: CANSignalLayout, _ rng: inout FuzzRandom) -> Double {
    if s.isEnumerated { return Double(s.labels.randomElement(using: &rng)!.value) }
    var lo = s.rawRange.lowerBound, hi = s.rawRange.upperBound
    if let l = s.limits {
        lo = max(lo, Int64(((l.lowerBound - s.offset) / s.scale).rounded(.up)))
        hi = min(hi, Int64(((l.upperBound - s.offset) / s.scale).rounded(.down)))
    }
    let pick = Int.random(in: 0..<10, using: &rng)
    let raw: Int64 = pick == 0 ? lo : pick == 1 ? hi : pick == 2 && lo <= 0 && hi >= 0 ? 0 : Int64.random(in: lo...hi, using: &rng)
    return Double(raw) * s.scale + s.offset
}

/// Our codec against cantools loading the vendor's KCD and DBC files (advantics-can.md §4): values
/// we encode decode identically in cantools and cantools encodes them to our bytes; frames cantools
/// encodes from its own random and boundary values decode identically in ours. Seeded
/// (ADVANTICS_CANTOOLS_SEED), printed.
@Suite(.serialized, .enabled(if: Cantools.available, "needs the cantools venv and ../shared/specs/data (reason printed)"),
       .required("cantools"))
struct CantoolsCrossCheckTests {
    static let seed = FuzzSeed.value("ADVANTICS_CANTOOLS_SEED", default: 0xCA17_0016)

    /// Encodes `perMessage` random frames of every message with our codec, has cantools decode and
    /// re-encode them, and compares. Returns the number of frames compared.
    func ourFramesInCantools(_ db: String, _ codec: AdvanticsCANCodec, perMessage: Int, seed: UInt64) throws -> Int {
        var rng = FuzzRandom(seed: seed)
        var lines: [String] = []
        var cases: [(name: String, frame: AdvanticsFrame, values: [String: Double])] = []
        for interface in [AdvanticsInterface.evse, .pev] {
            let table = interface == .evse ? codec.evse : codec.pev
            for (index, m) in table.enumerated() {
                for n in 0..<perMessage {
                    var v = SignalValues(count: m.signals.count)
                    var named: [String: Double] = [:]
                    for (i, s) in m.signals.enumerated() {
                        v[i] = randomValue(s, &rng)
                        named[s.name.description] = v[i]
                    }
                    let pistol = interface == .evse ? (n % 3 == 0 ? 0 : Int.random(in: 1...31, using: &rng)) : 0
                    let f = try codec.encode(AdvanticsMessageRef(interface: interface, index: index, pistol: pistol), v)
                    // Decode ourselves too: what we encode, we read back.
                    var back = SignalValues()
                    let ref = try #require(try codec.decode(f, into: &back))
                    #expect(ref.pistol == pistol)
                    for i in 0..<m.signals.count where !Cantools.close(v[i], back[i]) {
                        Issue.record("seed \(seed): \(m.name).\(m.signals[i].name): \(v[i]) → \(back[i])")
                    }
                    cases.append((m.name.description, f, named))
                    lines.append("{\"name\": \"\(m.name)\", \"id\": \(f.id & 0xFF_FFFF), \"data\": \"\(Cantools.hex(f.bytes))\", \"values\": \(Cantools.json(named))}")
                }
            }
        }
        let input = Cantools.temporary("in.jsonl"), output = Cantools.temporary("out.jsonl")
        defer { try? FileManager.default.removeItem(atPath: input); try? FileManager.default.removeItem(atPath: output) }
        try (lines.joined(separator: "\n") + "\n").write(toFile: input, atomically: true, encoding: .utf8)
        try Subprocess.check([Cantools.python, Cantools.script, "check", db, input, output], timeout: 300)
        let answers = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n")
        try #require(answers.count == cases.count)
        var compared = 0
        for (c, line) in zip(cases, answers) {
            let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            if obj["skip"] != nil { continue }
            let decoded = obj["decoded"] as! [String: Double]
            for (name, value) in c.values {
                guard let theirs = decoded[name] else { continue }
                if !Cantools.close(value, theirs) {
                    Issue.record("seed \(seed): \(c.name).\(name): we encoded \(value), cantools decodes \(theirs) from \(c.frame.bytes)")
                }
            }
            let encoded = Cantools.bytes(obj["encoded"] as! String)
            // An older revision without some of our signals (the early PEV DB has no Emergency_Stop)
            // encodes those bits as reserved zeros: only the common signals are compared then.
            let missing = obj["missing"] as? [String] ?? []
            if missing.isEmpty, encoded != c.frame.bytes {
                Issue.record("seed \(seed): \(c.name) \(c.values): we encode \(c.frame.bytes), cantools \(encoded)")
            }
            compared += 1
        }
        return compared
    }

    /// Frames cantools encodes from its own random values, decoded by us.
    func cantoolsFramesInOurs(_ db: String, _ codec: AdvanticsCANCodec, count: Int, seed: UInt64) throws -> Int {
        let output = Cantools.temporary("random.jsonl")
        defer { try? FileManager.default.removeItem(atPath: output) }
        try Subprocess.check([Cantools.python, Cantools.script, "random", db, String(seed % 1_000_000_007), String(count), output],
                             timeout: 300)
        var compared = 0
        for line in try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n") {
            let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let id = UInt32(obj["id"] as! Int)
            let bytes = Cantools.bytes(obj["data"] as! String)
            let values = obj["values"] as! [String: Double]
            let name = obj["name"] as! String
            let f = AdvanticsFrame(id: id, extended: id > 0x7FF, bytes: bytes)
            var out = SignalValues()
            do {
                guard let ref = try codec.decode(f, into: &out) else {
                    Issue.record("seed \(seed): \(name) 0x\(String(id, radix: 16)) unknown to us")
                    continue
                }
                let m = codec.layout(ref)
                #expect(m.name.description == name)
                for (i, s) in m.signals.enumerated() {
                    guard let theirs = values[s.name.description] else {
                        Issue.record("\(name).\(s.name) missing in cantools' frame")
                        continue
                    }
                    if !Cantools.close(out[i], theirs) {
                        Issue.record("seed \(seed): \(name).\(s.name): cantools encoded \(theirs), we decode \(out[i]) from \(bytes)")
                    }
                }
                compared += 1
            } catch {
                Issue.record("seed \(seed): \(name) \(bytes): \(error)")
            }
        }
        return compared
    }

    @Test func evseAndPEVReferenceKCD() throws {
        let codec = AdvanticsCANCodec()
        var n = try ourFramesInCantools(Cantools.data + "/Advantics_Generic_EVSE_protocol_v3.6.kcd", codec, perMessage: 60, seed: Self.seed)
        n += try ourFramesInCantools(Cantools.data + "/Advantics_Generic_PEV_protocol_v2.5.kcd", codec, perMessage: 60, seed: Self.seed &+ 1)
        print("cantools cross-check: seed \(Self.seed) (replay: ADVANTICS_CANTOOLS_SEED=\(Self.seed)): \(n) of our frames identical in cantools (KCD)")
        #expect(n >= 2000)
    }

    @Test func evseAndPEVDBCExports() throws {
        let codec = AdvanticsCANCodec()
        var n = try ourFramesInCantools(Cantools.data + "/Advantics_Generic_EVSE_protocol_v3.6.dbc", codec, perMessage: 30, seed: Self.seed &+ 2)
        n += try ourFramesInCantools(Cantools.data + "/Advantics_Generic_PEV_protocol_v2.5.dbc", codec, perMessage: 30, seed: Self.seed &+ 3)
        print("cantools cross-check: seed \(Self.seed): \(n) of our frames identical in cantools (DBC)")
        #expect(n >= 1000)
    }

    @Test func cantoolsFramesDecodeIdenticallyInOurs() throws {
        let codec = AdvanticsCANCodec()
        var n = try cantoolsFramesInOurs(Cantools.data + "/Advantics_Generic_EVSE_protocol_v3.6.kcd", codec, count: 2300, seed: Self.seed)
        n += try cantoolsFramesInOurs(Cantools.data + "/Advantics_Generic_PEV_protocol_v2.5.kcd", codec, count: 1700, seed: Self.seed &+ 1)
        print("cantools cross-check: seed \(Self.seed): \(n) cantools frames identical in ours")
        #expect(n == 4000)
    }

    /// The early PEV database of the example monitor (0.1 A, 0.01 kWh) against `PEVScaling.exampleDatabase`:
    /// the messages both have with the same length.
    @Test func earlyPEVDatabaseMatchesTheExampleScaling() throws {
        let codec = AdvanticsCANCodec(pevScaling: .exampleDatabase)
        let n = try ourFramesInCantools(Cantools.data + "/Advantics_Generic_PEV_protocol_v2.kcd", codec, perMessage: 50, seed: Self.seed &+ 4)
        print("cantools cross-check: seed \(Self.seed): \(n) frames identical in the early PEV database at 0.1 A / 0.01 kWh")
        #expect(n >= 200)
    }
}

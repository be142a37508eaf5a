import AppHandshakeJSON
import Buffers
import Contracts
import ControlLoop
import CoreTypes
import DIN70121JSON
import EXI
import EXIJSON
import EXITool
import Foundation
import ISO15118_2JSON
import PowerPath
import PowerPlantSim
import V2GSession
import V2GTP

/// Files the tests read at run time from the project's `shared/` folder (never copied into the repo).
enum SharedFiles {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let shared = packageRoot.deletingLastPathComponent().appendingPathComponent("shared")
    static let josev = shared.appendingPathComponent("tools/josev")
    static let corpus = josev.appendingPathComponent("samples/corpus")

    /// One wire message of a recorded Josev session.
    struct CorpusMessage {
        let schema: String
        let direction: String
        let message: String
        let json: JSONValue
        let exi: [UInt8]
    }

    static func corpus(_ file: String) -> [CorpusMessage] {
        guard let text = try? String(contentsOf: corpus.appendingPathComponent(file), encoding: .utf8) else { return [] }
        var out: [CorpusMessage] = []
        for line in text.split(separator: "\n") {
            guard let obj = try? JSONParser.parse(String(line)), case .string(let schema)? = obj["schema"],
                  case .string(let hex)? = obj["exi"], let json = obj["json"], case .string(let dir)? = obj["direction"],
                  case .string(let message)? = obj["message"], let bytes = Hex.decode(hex) else { continue }
            out.append(CorpusMessage(schema: schema, direction: dir, message: message, json: json, exi: bytes))
        }
        return out
    }
}

/// The SECC composed as on a charger, under the manual clock: simulated plant (pumped first) → the
/// EV (test code: writes requests into the SECC's `received`, reads `transmit`, plays the car's
/// contactors and the pilot) → `SECCSession` → `PowerPathController`, one 1 ms tick per `step()`.
final class SECCBench {
    let clock = ManualClock()
    let period = Nanoseconds.milliseconds(1)
    let facts = ChargerFacts()
    let plant: SimulatedPowerPlant
    let powerPath: PowerPathController?
    let received = ByteQueue(capacity: 65_536)
    let transmit = ByteQueue(capacity: 65_536)
    let secc: SECCSession
    private(set) var tick: UInt64 = 0
    /// The pilot the car shows (published every tick as the CP controller would).
    var pilot: PilotState = .b
    var publishesPilot = true
    /// The largest output current seen.
    private(set) var peakAmps: Double = 0

    init(configuration: SECCConfiguration = SECCConfiguration(), parameters: PlantParameters = PlantParameters(),
         authorizer: any Authorizer = FreeVendAuthorizer(), withPowerPath: Bool = true,
         powerPath powerConfiguration: PowerPathConfiguration = PowerPathConfiguration(),
         sessionID: UInt64 = 0x1122_3344_5566_7788) {
        plant = SimulatedPowerPlant(parameters: parameters)
        secc = SECCSession(received: received, transmit: transmit, facts: facts, authorizer: authorizer,
                           configuration: configuration, sessionID: { sessionID })
        powerPath = withPowerPath
            ? PowerPathController(facts: facts, supply: plant.supply, contactors: plant.contactors,
                                  isolationMonitor: plant.isolationMonitor, meter: plant.meter,
                                  configuration: powerConfiguration)
            : nil
        secc.connectionOpened(at: clock.now())
    }

    var now: MonotonicInstant { clock.now() }
    var context: TickContext { TickContext(now: clock.now(), index: tick, period: period) }

    /// One tick; `ev` runs after the plant and before the SECC.
    func step(_ ev: ((SECCBench) -> Void)? = nil) {
        clock.advance(by: period)
        tick += 1
        let ctx = context
        plant.pump(ctx)
        ev?(self)
        if publishesPilot {
            let p = PilotFacts(state: pilot, stateSince: .zero, commandedPWM: .digitalCommunication,
                               appliedPWM: .digitalCommunication, digitalCommunication: true, fault: nil,
                               emergencyStop: false)
            facts.pilot.publish(p, ctx)
        }
        secc.tick(ctx)
        powerPath?.tick(ctx)
        peakAmps = max(peakAmps, plant.meter.measurement.amps)
    }

    /// Steps until `done` or `ticks` pass; true when `done` was reached.
    @discardableResult
    func run(_ ticks: Int, ev: ((SECCBench) -> Void)? = nil, until done: (SECCBench) -> Bool) -> Bool {
        for _ in 0..<ticks {
            step(ev)
            if done(self) { return true }
        }
        return false
    }

    // MARK: - Bytes on the wire (the EV's side)

    /// Queues one V2GTP frame (payload type 0x8001) as the car would send it.
    func send(_ payload: [UInt8], type: UInt16 = 0x8001) {
        var frame: [UInt8] = [0x01, 0xFE, UInt8(type >> 8), UInt8(type & 0xFF)]
        let n = UInt32(payload.count)
        frame += [UInt8(n >> 24), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)]
        frame += payload
        sendRaw(frame)
    }

    func sendRaw(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in _ = received.push(RawSpan(_unsafeBytes: raw)) }
    }

    /// Every complete frame the SECC queued since the last call (payloads only).
    private var pending: [UInt8] = []
    /// Every answer payload, in order, when `recordsResponses` is set.
    var recordsResponses = false
    private(set) var recorded: [[UInt8]] = []
    func responses() -> [[UInt8]] {
        while let b = transmit.pop() { pending.append(b) }
        var out: [[UInt8]] = []
        while pending.count >= 8 {
            let n = Int(pending[4]) << 24 | Int(pending[5]) << 16 | Int(pending[6]) << 8 | Int(pending[7])
            guard pending.count >= 8 + n else { break }
            out.append(Array(pending[8..<(8 + n)]))
            if recordsResponses { recorded.append(Array(pending[8..<(8 + n)])) }
            pending.removeFirst(8 + n)
        }
        return out
    }

    /// The power path is safe: supply off and contactors open (feedback), nothing flowing.
    var powerIsSafe: Bool {
        plant.supply.readback.isOff && plant.contactors.status.isOpen && abs(plant.meter.measurement.amps) < 1
    }
}

/// A message of Josev's JSON shape, read as the EV reads the SECC's answer.
struct Answer {
    let name: String
    let body: JSONValue
    let sessionID: String

    init?(schema: EXISchema, bytes: [UInt8]) {
        guard let json = try? EXITool.decode(schema, bytes: bytes) else { return nil }
        if schema == .app {
            guard case .object(let m) = json, let first = m.first else { return nil }
            name = first.0
            body = first.1
            sessionID = ""
            return
        }
        guard let message = json["V2G_Message"], case .object(let m)? = message["Body"], let first = m.first else { return nil }
        name = first.0
        body = first.1
        if case .string(let s)? = message["Header"]?["SessionID"] { sessionID = s } else { sessionID = "" }
    }

    var responseCode: String {
        if case .string(let s)? = body["ResponseCode"] { return s }
        return ""
    }

    var ongoing: Bool {
        if case .string(let s)? = body["EVSEProcessing"] { return s.hasPrefix("Ongoing") }
        return false
    }

    func string(_ path: String...) -> String? {
        var v: JSONValue? = body
        for p in path { v = v?[p] }
        if case .string(let s)? = v { return s }
        return nil
    }

    /// A PhysicalValue member as a number.
    func physical(_ key: String) -> Double? {
        guard let p = body[key], case .number(let v)? = p["Value"], case .number(let m)? = p["Multiplier"],
              let value = Double(v), let mult = Double(m) else { return nil }
        return value * pow(10, mult)
    }
}

extension JSONValue {
    /// A copy with the member at `path` set to `value` (members added at the end when missing).
    func setting(_ path: [String], to value: JSONValue) -> JSONValue {
        guard let key = path.first else { return value }
        guard case .object(var members) = self else { return self }
        if let i = members.firstIndex(where: { $0.0 == key }) {
            members[i].1 = members[i].1.setting(Array(path.dropFirst()), to: value)
        } else {
            members.append((key, JSONValue.object([]).setting(Array(path.dropFirst()), to: value)))
        }
        return .object(members)
    }

    /// A PhysicalValue in Josev's shape.
    static func physical(_ x: Double, _ unit: String) -> JSONValue {
        let whole = x.rounded() == x && abs(x) < 32_000
        let value = whole ? Int(x) : Int((x * 10).rounded())
        return .object([("Multiplier", .number(whole ? "0" : "-1")), ("Unit", .string(unit)), ("Value", .number(String(value)))])
    }
}

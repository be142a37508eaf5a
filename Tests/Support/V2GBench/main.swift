// SECC processing per CurrentDemand, bytes in → bytes out (issue 14 "Benchmark"): the SECC is brought to
// the charge loop with Josev's recorded requests (../shared/tools/josev/samples/corpus), a stand-in power
// path answering every step at once, then one recorded CurrentDemandReq frame is pushed into `received`,
// the SECC ticks, the CurrentDemandRes frame is drained from `transmit` — N times.
//
//   v2g-bench din|iso2 time N        per-exchange wall time of `tick` (p50, p90, p99, max) over N
//   v2g-bench din|iso2 run N         N exchanges, no timing (for callgrind: .ci/v2g-bench.sh)
//
// Run from the package root. Timing is reported, never asserted.
import Buffers
import Contracts
import ControlLoop
import CoreTypes
import EXI
import EXIJSON
import Foundation
import V2GSession

let args = CommandLine.arguments
guard args.count == 4, args[1] == "din" || args[1] == "iso2", let n = Int(args[3]) else {
    FileHandle.standardError.write(Data("usage: v2g-bench din|iso2 time|run N\n".utf8))
    exit(2)
}
let din = args[1] == "din"
let file = din ? "din-session.jsonl" : "iso2-dc-session.jsonl"
let path = "../shared/tools/josev/samples/corpus/" + file
guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
    FileHandle.standardError.write(Data("v2g-bench: cannot read \(path) (run from the package root)\n".utf8))
    exit(2)
}
var requests: [(name: String, frame: [UInt8])] = []
for line in text.split(separator: "\n") {
    guard let obj = try? JSONParser.parse(String(line)), obj["direction"] == .string("sent"),
          case .string(let name)? = obj["message"], case .string(let hex)? = obj["exi"], let bytes = Hex.decode(hex) else { continue }
    let count = UInt32(bytes.count)
    let frame: [UInt8] = [0x01, 0xFE, 0x80, 0x01, UInt8(count >> 24), UInt8(count >> 16 & 0xFF), UInt8(count >> 8 & 0xFF),
                          UInt8(count & 0xFF)] + bytes
    requests.append((name, frame))
}

let facts = ChargerFacts()
let received = ByteQueue(capacity: 16_384)
let transmit = ByteQueue(capacity: 16_384)
let recordedID: UInt64 = din ? 0x06AE_3BFF_1644_07EF : 0x4A2F_34FB_3D3A_E9A0
let secc = SECCSession(received: received, transmit: transmit, facts: facts, authorizer: FreeVendAuthorizer(),
                       sessionID: { recordedID })
var tick: UInt64 = 0
var now = MonotonicInstant.zero

/// A power path that completes every step at once (what the SECC answers from, not what it costs).
@MainActor func standInPowerPath(_ context: TickContext) {
    let r = facts.powerRequest.value
    var s = PowerPathStatus(sequence: r.sequence, outcome: .passed)
    switch r.step {
    case .idle: s.phase = .idle
    case .cableCheck: s.phase = .cableCheck
    case .precharge(let v): s.phase = .precharge; s.volts = v
    case .charge(let v, let i): s.phase = .charging; s.outcome = .running; s.volts = v; s.amps = i
    case .stop: s.phase = .stopping
    case .weldingCheck: s.phase = .weldingCheck
    }
    facts.power.publish(s, context)
}

@MainActor func exchange(_ frame: [UInt8]) {
    frame.withUnsafeBytes { raw in _ = received.push(RawSpan(_unsafeBytes: raw)) }
    now = now + .milliseconds(1)
    tick += 1
    let context = TickContext(now: now, index: tick, period: .milliseconds(1))
    secc.tick(context)
    standInPowerPath(context)
    transmit.discard(transmit.count)
}

secc.connectionOpened(at: now)
var demand: [UInt8]?
for r in requests {
    if r.name == "CurrentDemandReq" {
        if demand == nil { demand = r.frame }
        continue  // the loop below sends it
    }
    if r.name == "PowerDeliveryReq", demand != nil { break }  // the stop: not wanted here
    exchange(r.frame)
}
guard let demand, secc.session.phase == .charging || secc.session.phase == .powerDelivery else {
    FileHandle.standardError.write(Data("v2g-bench: session did not reach the charge loop (\(secc.session.phase), \(secc.session.stopReason))\n".utf8))
    exit(1)
}
exchange(demand)

if args[2] == "run" {
    for _ in 0..<n { exchange(demand) }
    print("v2g-bench \(args[1]): \(n) CurrentDemand exchanges, session \(secc.session.phase), \(secc.session.currentDemands) answered")
} else {
    let clock = SystemMonotonicClock()
    var samples = [Int64](repeating: 0, count: n)
    for i in 0..<n {
        demand.withUnsafeBytes { raw in _ = received.push(RawSpan(_unsafeBytes: raw)) }
        now = now + .milliseconds(1)
        tick += 1
        let context = TickContext(now: now, index: tick, period: .milliseconds(1))
        let t0 = clock.now()
        secc.tick(context)
        let t1 = clock.now()
        standInPowerPath(context)
        transmit.discard(transmit.count)
        samples[i] = (t1 - t0).count
    }
    samples.sort()
    func p(_ q: Double) -> String { String(format: "%.2f", Double(samples[min(n - 1, Int(Double(n) * q))]) / 1000) }
    print("v2g-bench \(args[1]): SECC tick per CurrentDemand (bytes in → bytes out), \(n) exchanges: p50 \(p(0.5)) µs, p90 \(p(0.9)) µs, p99 \(p(0.99)) µs, max \(p(1.0)) µs; answered \(secc.session.currentDemands), last \(secc.lastAnswer.code)")
}

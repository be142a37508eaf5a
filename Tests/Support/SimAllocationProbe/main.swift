import Boards
import ChargerAssembly
import CoreTypes
import Foundation
import MallocCounting
import Runtime
import SimBoard

// The zero-allocation proof of the real `sim` composition, in a process of its own: the malloc
// counter's hook is process-wide while it measures, and a thread of another test ending inside that
// window (its TLS destructors allocating after the counter's own destructor ran) corrupts the heap.
// Alone here, the only other thread is the CP helper emulator's, which lives through the window.
//
// Usage: sim-allocation-probe BOARD_FILE [TICKS] [idle|charging]. Prints one line of key=value and
// exits 0 when it measured (whatever the count), 1 when SLAC did not match (or, charging, the session
// did not reach the charge loop) during start-up.
// idle: the car matched and plugged in, V2G composed but not started (SDP server, SECC and power
// path idle). charging: the car's session in the CurrentDemand loop (a large battery keeps it there),
// the whole path — EVCC, TCP over the simulated network, SECC, power path, plant — every tick.
let arguments = CommandLine.arguments
let boardFile = arguments.count > 1 ? arguments[1] : "Boards/sim.yaml"
let ticks = arguments.count > 2 ? Int(arguments[2]) ?? 100_000 : 100_000
let charging = arguments.count > 3 && arguments[3] == "charging"
let board = try BoardLoader.load(path: boardFile)
let clock = SystemMonotonicClock()
let loop = TickLoop(period: .microseconds(charging ? 1000 : 100), clock: clock, waiter: PollWaiter(clock: clock))
var options = Charger.Options()
options.vehicleCharges = charging
if charging {
    var pack = SimulatedEVCharging.compressedPack(options.plant)
    pack.capacityWattHours = 1_000_000
    options.plant.battery.capacityAmpHours = 1_000_000 / 370
    pack.bulkSoC = 77
    options.vehicleBattery = pack
}
let charger = try Charger.open(board, options: options)
charger.register(on: loop)
var changes = 0
loop.addController(FactsWatcher(facts: charger.facts) { _, _ in changes += 1 })
// The session report's trace, small so that it fills and decimates inside the measured window.
let trace = SessionTrace(facts: charger.facts, capacity: 256)
loop.addController(trace)
let end = Date().addingTimeInterval(30)
while Date() < end, charger.facts.plcLink.value.matchedEV == nil { loop.run(ticks: 50) }
guard charger.facts.plcLink.value.matchedEV != nil else {
    print("sim-allocation-probe: SLAC did not match during start-up")
    exit(1)
}
if charging {
    let until = Date().addingTimeInterval(40)
    while Date() < until, charger.facts.v2g.value.phase != .charging { loop.run(ticks: 50) }
    guard charger.facts.v2g.value.phase == .charging else {
        print("sim-allocation-probe: the session did not reach the charge loop (\(charger.facts.v2g.value.phase), \(charger.facts.v2g.value.stopReason))")
        exit(1)
    }
}
loop.run(ticks: 2_000) // first use of every steady path
let demandsBefore = charger.facts.v2g.value.currentDemands
let samplesBefore = charger.pilot?.controller.samplesSeen ?? 0
let changesBefore = changes
let mallocs = MallocCounter.count { loop.run(ticks: ticks) }
let samples = (charger.pilot?.controller.samplesSeen ?? 0) - samplesBefore
print("ticks=\(ticks) mallocs=\(mallocs) cp_samples=\(samples) fact_changes=\(changes - changesBefore) "
      + "matched=\(charger.facts.plcLink.value.matchedEV != nil) v2g=\(charger.facts.v2g.value.phase) "
      + "current_demands=\(charger.facts.v2g.value.currentDemands - demandsBefore) "
      + "trace_recording=\(trace.recording) trace_stride=\(trace.stride)")
loop.stop(.requested("probe done"))

import Boards
import ChargerAssembly
import CoreTypes
import Foundation
import Glibc
import HTTPAPI
import MallocCounting
import Runtime
import ServicePlane
import SimBoard
import Synchronization

// The loop with the service plane off, idle and busy, in one run (issue 20's last proof): the real
// `sim` composition in its CurrentDemand loop (a large battery keeps it there) with the charger's one
// `ServicePlaneHost` bridge registered, measured in windows of TICKS ticks:
//   off   the plane not started (the bridge fills its rings and drops: nobody drains them);
//   idle  the plane started (HTTP API, polling the bridge every 10 ms), no client;
//   busy  CLIENTS threads polling the JSON views, /metrics, /sessions and the page back to back, plus
//         one open /events stream.
// Per window: mallocs on the loop's thread, jitter (lateness of each tick) min/median/p99/max in µs,
// overruns, requests answered. off first ×ROUNDS, then idle and busy alternating ×ROUNDS.
// Not part of `swift test`: .ci/plane-bench.sh runs it (release build) by hand.
//
// With REALTIME (a priority, 1…99) the loop's thread runs SCHED_FIFO with memory locked, as
// `chargerd --realtime` does; the plane's and the clients' threads, started before, stay normal.
//
// Usage: plane-bench BOARD_FILE [TICKS] [ROUNDS] [CLIENTS] [REALTIME]
let arguments = CommandLine.arguments
let boardFile = arguments.count > 1 ? arguments[1] : "Boards/sim.yaml"
let ticks = arguments.count > 2 ? Int(arguments[2]) ?? 10_000 : 10_000
let rounds = arguments.count > 3 ? Int(arguments[3]) ?? 3 : 3
let clients = arguments.count > 4 ? Int(arguments[4]) ?? 2 : 2
let realtime = arguments.count > 5 ? Int32(arguments[5]) : nil

let board = try BoardLoader.load(path: boardFile)
let clock = SystemMonotonicClock()
let loop = TickLoop(period: .milliseconds(1), clock: clock, waiter: PollWaiter(clock: clock))
var options = Charger.Options()
options.vehicleCharges = true
var pack = SimulatedEVCharging.compressedPack(options.plant)
pack.capacityWattHours = 1_000_000
options.plant.battery.capacityAmpHours = 1_000_000 / 370
pack.bulkSoC = 77
options.vehicleBattery = pack
let charger = try Charger.open(board, options: options)
charger.register(on: loop)

let host = ServicePlaneHost(facts: charger.facts, authorizer: nil)
let api = HTTPAPI(configuration: try HTTPAPIConfiguration(address: "127.0.0.1:0", token: nil), plane: host.plane)
let server = HTTPAPIServer(api: api)
let port = Atomic<Int>(0)
host.add("http", api, start: { port.store(try server.start(), ordering: .relaxed) }, stop: { server.stop() })
loop.addController(host.bridge)

let until = Date().addingTimeInterval(60)
while Date() < until, charger.facts.v2g.value.phase != .charging { loop.run(ticks: 50) }
guard charger.facts.v2g.value.phase == .charging else {
    print("plane-bench: the session did not reach the charge loop (\(charger.facts.v2g.value.phase))")
    exit(1)
}
loop.run(ticks: 2_000)  // first use of every steady path

/// One request on a fresh connection (`Connection: close`), read to EOF; true on a 200.
@Sendable func get(_ path: String) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port.load(ordering: .relaxed)).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let ok = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard ok == 0 else { return false }
    var request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
    _ = request.withUnsafeMutableBytes { send(fd, $0.baseAddress!, $0.count, 0) }
    var chunk = [UInt8](repeating: 0, count: 8192)
    var first: [UInt8] = []
    while true {
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
        if n <= 0 { break }
        if first.count < 12 { first += chunk[0..<min(n, 12)] }
    }
    return String(decoding: first, as: UTF8.self).hasPrefix("HTTP/1.1 200")
}

/// The client threads live through every window (a thread ending while the malloc hook is in would
/// corrupt the heap, see MallocCounter); `busy` switches their traffic on and off.
final class Traffic: Sendable {
    let busy = Atomic<Bool>(false)
    let done = Atomic<Bool>(false)
    let answered = Atomic<Int>(0)
}
let traffic = Traffic()
var threads: [Thread] = []
for c in 0..<clients {
    let t = Thread {
        let paths = ["/api/live", "/metrics", "/api/power", "/sessions", "/api/loop", "/"]
        var i = c
        while !traffic.done.load(ordering: .relaxed) {
            guard traffic.busy.load(ordering: .relaxed) else { usleep(1000); continue }
            if get(paths[i % paths.count]) { traffic.answered.wrappingAdd(1, ordering: .relaxed) }
            i += 1
        }
    }
    t.start()
    threads.append(t)
}
// One live-page stream, open while busy (reads whatever the plane pushes).
let stream = Thread {
    while !traffic.done.load(ordering: .relaxed) {
        guard traffic.busy.load(ordering: .relaxed) else { usleep(1000); continue }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port.load(ordering: .relaxed)).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var request = Array("GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)
        _ = request.withUnsafeMutableBytes { send(fd, $0.baseAddress!, $0.count, 0) }
        var chunk = [UInt8](repeating: 0, count: 4096)
        while traffic.busy.load(ordering: .relaxed), !traffic.done.load(ordering: .relaxed) {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            if n == 0 { break }
        }
        close(fd)
    }
}
stream.start()
if let realtime {
    if let e = TickLoop.makeRealtime(priority: realtime) {
        print("plane-bench: cannot run SCHED_FIFO \(realtime): \(e); normal priority")
    } else {
        print("plane-bench: loop thread SCHED_FIFO \(realtime), memory locked")
    }
}

func us(_ ns: UInt64) -> String { String(format: "%.1f", Double(ns) / 1000) }

@MainActor func window(_ name: String, round: Int) {
    let before = traffic.answered.load(ordering: .relaxed)
    let demands = charger.facts.v2g.value.currentDemands
    loop.resetStatistics()
    let mallocs = MallocCounter.count { loop.run(ticks: ticks) }
    let r = loop.statistics.report
    let answered = traffic.answered.load(ordering: .relaxed) - before
    print("window=\(name) round=\(round) ticks=\(r.ticks) mallocs=\(mallocs) jitter_us_min=\(us(r.jitter.min)) "
          + "median=\(us(r.jitter.median)) p99=\(us(r.jitter.p99)) max=\(us(r.jitter.max)) overruns=\(r.overruns) "
          + "tick_us_p99=\(us(r.duration.p99)) requests=\(answered) current_demands=\(charger.facts.v2g.value.currentDemands - demands) "
          + "v2g=\(charger.facts.v2g.value.phase) stop=\(charger.facts.v2g.value.stopReason)")
    fflush(nil)
}

for r in 1...rounds { window("off", round: r) }
try host.start()
for _ in 0..<200 where port.load(ordering: .relaxed) == 0 { usleep(1000) }
loop.run(ticks: 500)
for r in 1...rounds {
    window("idle", round: r)
    traffic.busy.store(true, ordering: .relaxed)
    loop.run(ticks: 200)  // the clients get going
    window("busy", round: r)
    traffic.busy.store(false, ordering: .relaxed)
}
let dropped = host.bridge.snapshots.refusedCount
print("plane-bench: snapshots the bridge dropped: \(dropped) (start-up and the off windows, nobody draining; any the plane missed)")
traffic.done.store(true, ordering: .relaxed)
for t in threads + [stream] { while !t.isFinished { usleep(1000) } }
loop.stop(.requested("bench done"))
host.stop()

import Contracts
import ControlLoop
import CoreTypes
import Foundation
import HTTPAPI
import OCPP16
import ServiceLink
import ServicePlane
import TestSupport
import Testing

/// A bridge, a plane and the API server on 127.0.0.1 (port chosen by the kernel), with the loop's
/// ticks driven by the test on its own thread.
final class APIRig: @unchecked Sendable {
    let facts = ChargerFacts()
    let bridge: ServiceBridge
    let plane: ServicePlane
    let api: HTTPAPI
    let server: HTTPAPIServer
    let port: Int
    var tick: UInt64 = 0

    init(host: String = "127.0.0.1", token: String? = nil, sessionLog: String? = nil, benchCar: Bool = false) throws {
        bridge = ServiceBridge(facts: facts, authorizer: nil, snapshotEvery: 1)
        plane = ServicePlane(bridge: bridge, pollInterval: .milliseconds(1))
        var c = try HTTPAPIConfiguration(address: host + ":0", token: token)
        c.sessionLogPath = sessionLog
        c.benchCar = benchCar
        api = HTTPAPI(configuration: c, plane: plane)
        plane.add(api)
        plane.start()
        server = HTTPAPIServer(api: api)
        port = try server.start()
    }

    var client: LoopbackHTTPClient { LoopbackHTTPClient(host: api.configuration.host, port: port) }

    func context() -> TickContext {
        defer { tick += 1 }
        return TickContext(now: MonotonicInstant(nanoseconds: 1_000_000 * Int64(tick + 1)), index: tick, period: .milliseconds(1))
    }

    /// Ticks the bridge `n` times after applying `change` to the facts.
    func run(_ n: Int, _ change: (ChargerFacts, TickContext) -> Void = { _, _ in }) {
        for _ in 0..<n {
            let c = context()
            change(facts, c)
            bridge.tick(c)
        }
    }

    /// Waits until the plane has seen the newest snapshot, ticking on meanwhile (a ring that was full
    /// dropped the newest snapshots, as the loop does when the plane is behind).
    func settle() throws {
        for _ in 0..<500 {
            run(1)
            let seen = try plane.eventLoop.submit { self.api.latest.tick }.wait()
            if seen + 1 >= tick { return }
            usleep(1000)
        }
    }

    /// One simulated session: SessionSetup → charging at 400 V 100 A (SoC 40 → 41) → ended.
    func simulateSession(completed: Bool = true) {
        var v2g = V2GSessionFacts()
        v2g.phase = .sessionSetup
        v2g.soc = 40
        run(20) { f, c in f.v2g.publish(v2g, c) }
        v2g.phase = .charging
        var power = PowerPathStatus()
        power.volts = 400
        power.amps = 100
        power.phase = .charging
        run(200) { f, c in
            f.v2g.publish(v2g, c)
            f.power.publish(power, c)
        }
        v2g.soc = 41
        v2g.phase = .ended
        v2g.stopReason = completed ? .completed : .decodeErrors
        run(20) { f, c in
            f.v2g.publish(v2g, c)
            f.power.publish(PowerPathStatus(), c)
        }
    }

    func stop() {
        server.stop()
        plane.shutdown()
    }
}

@Suite(.serialized) struct HTTPAPIServerTests {
    /// The JSON views answer on the wire with the loop's facts.
    @Test func jsonViewsOnTheWire() throws {
        let rig = try APIRig()
        defer { rig.stop() }
        var pilot = PilotFacts()
        pilot.state = .c
        rig.run(10) { f, c in f.pilot.publish(pilot, c) }
        try rig.settle()
        let r = try rig.client.request("GET", "/api/live")
        #expect(r.status == 200)
        #expect(r.headers.contains("application/json"))
        let live = try JSON.parse(r.body)
        #expect(live["pilot"]?["state"]?.string == "\(PilotState.c)")
        #expect((live["loop"]?["ticks"]?.integer ?? 0) >= 10)
        for path in ["/api/pilot", "/api/slac", "/api/v2g", "/api/power", "/api/battery", "/api/loop"] {
            let v = try rig.client.request("GET", path)
            #expect(v.status == 200, "\(path)")
            #expect((try? JSON.parse(v.body)) != nil, "\(path): \(v.body)")
        }
        #expect(try rig.client.request("GET", "/nowhere").status == 404)
        #expect(try rig.client.request("DELETE", "/metrics").status == 405)
        let page = try rig.client.request("GET", "/")
        #expect(page.status == 200 && page.body.contains("EventSource"))
    }

    /// One JSON line per session, on `GET /sessions` and appended to the session log.
    @Test func perSessionRecord() throws {
        let log = NSTemporaryDirectory() + "chargekit-sessions-\(getpid()).jsonl"
        try? FileManager.default.removeItem(atPath: log)
        defer { try? FileManager.default.removeItem(atPath: log) }
        let rig = try APIRig(sessionLog: log)
        defer { rig.stop() }
        rig.simulateSession()
        try rig.settle()
        rig.simulateSession(completed: false)
        try rig.settle()
        let r = try rig.client.request("GET", "/sessions")
        #expect(r.status == 200)
        let lines = r.body.split(separator: "\n")
        try #require(lines.count == 2, "\(r.body)")
        let first = try JSON.parse(String(lines[0]))
        #expect(first["session"]?.integer == 1)
        #expect(first["completed"]?.bool == true)
        #expect(first["soc_start"]?.integer == 40)
        #expect(first["soc_end"]?.integer == 41)
        #expect(first["peak_amps"]?.number == 100)
        // 400 V × 100 A for ~0.2 s ≈ 2.2 Wh.
        let wh = try #require(first["energy_wh"]?.number)
        #expect(wh > 2 && wh < 2.5, "\(wh)")
        let second = try JSON.parse(String(lines[1]))
        #expect(second["completed"]?.bool == false)
        #expect(second["stop_reason"]?.string == "\(V2GStopReason.decodeErrors)")
        let file = try String(contentsOfFile: log, encoding: .utf8)
        #expect(file == r.body)
    }

    /// Bench controls are commands through the ServiceLink queue: a stop reaches `facts.station`.
    @Test func benchStopReachesTheLoop() throws {
        let rig = try APIRig()
        defer { rig.stop() }
        rig.run(2)
        let r = try rig.client.request("POST", "/api/bench/stop")
        #expect(r.status == 202)
        for _ in 0..<200 where !rig.facts.station.value.stopRequested {
            usleep(2000)
            rig.run(1)
        }
        #expect(rig.facts.station.value.stopRequested)
        #expect(try rig.client.request("POST", "/api/bench/start").status == 501)
    }

    /// The technician's service reset is a command through the ServiceLink queue like the bench stop:
    /// each POST raises `facts.station.serviceResets` by one (the power path resets once per increase).
    @Test func serviceResetReachesTheLoop() throws {
        let rig = try APIRig()
        defer { rig.stop() }
        rig.run(2)
        #expect(rig.facts.station.value.serviceResets == 0)
        for expected in UInt32(1)...2 {
            let r = try rig.client.request("POST", "/api/service/reset")
            #expect(r.status == 202)
            #expect(r.body.contains("serviceReset"))
            for _ in 0..<200 where rig.facts.station.value.serviceResets < expected {
                usleep(2000)
                rig.run(1)
            }
            #expect(rig.facts.station.value.serviceResets == expected)
        }
        #expect(try rig.client.request("GET", "/api/service/reset").status == 405)
    }

    /// `POST /api/bench/start` on a board with a simulated car: 409 while a car's session runs (the loop's
    /// facts unchanged), 202 once it has ended, and the replug reaches the loop as a count on
    /// `facts.station` (the sim car's trigger) through the ServiceLink command ring.
    @Test func benchStartReplugsOnlyAfterTheSession() throws {
        let rig = try APIRig(benchCar: true)
        defer { rig.stop() }
        var pilot = PilotFacts()
        pilot.state = .b
        var v2g = V2GSessionFacts()
        v2g.phase = .charging
        rig.run(10) { f, c in
            f.pilot.publish(pilot, c)
            f.v2g.publish(v2g, c)
        }
        try rig.settle()
        let busy = try rig.client.request("POST", "/api/bench/start")
        #expect(busy.status == 409)
        #expect(busy.body.contains("a session is running (V2G CurrentDemand)"), "\(busy.body)")
        // Plugged in, SLAC not yet matched: a session is running too.
        v2g.phase = .idle
        rig.run(10) { f, c in f.v2g.publish(v2g, c) }
        try rig.settle()
        #expect(try rig.client.request("POST", "/api/bench/start").status == 409)
        rig.run(5)
        #expect(rig.facts.station.value.benchReplugs == 0)

        // The session ends; the car is still plugged in (B): the bench may start the next one.
        v2g.phase = .ended
        v2g.stopReason = .completed
        rig.run(10) { f, c in f.v2g.publish(v2g, c) }
        try rig.settle()
        let r = try rig.client.request("POST", "/api/bench/start")
        #expect(r.status == 202, "\(r.body)")
        #expect(r.body.contains("benchReplug"))
        for _ in 0..<200 where rig.facts.station.value.benchReplugs == 0 {
            usleep(2000)
            rig.run(1)
        }
        #expect(rig.facts.station.value.benchReplugs == 1)
        // While the car is being plugged in again (5 s of loop time), a second start is refused.
        let again = try rig.client.request("POST", "/api/bench/start")
        #expect(again.status == 409 && again.body.contains("being plugged in again"), "\(again.body)")
        rig.run(5_000)
        try rig.settle()
        #expect(try rig.client.request("POST", "/api/bench/start").status == 202)
        #expect(try rig.client.request("GET", "/api/bench/start").status == 405)
    }

    /// Bound elsewhere than 127.0.0.1 (here 127.0.0.2, still loopback, so no traffic leaves), the API
    /// answers 401 without the bearer token, and with it as usual; the event stream too.
    @Test func bearerTokenOffLoopback() throws {
        #expect(throws: HTTPAPIConfiguration.Problem.tokenRequired("127.0.0.2")) {
            _ = try HTTPAPIConfiguration(address: "127.0.0.2:8080", token: nil)
        }
        let rig = try APIRig(host: "127.0.0.2", token: "s3cret")
        defer { rig.stop() }
        rig.run(3)
        for path in ["/metrics", "/api/live", "/sessions", "/events", "/"] {
            let r = try rig.client.request("GET", path)
            #expect(r.status == 401, "\(path)")
            #expect(r.headers.contains("WWW-Authenticate: Bearer"))
        }
        #expect(try rig.client.request("POST", "/api/bench/stop").status == 401)
        #expect(try rig.client.request("POST", "/api/service/reset").status == 401)
        #expect(try rig.client.request("GET", "/metrics", token: "wrong").status == 401)
        #expect(try rig.client.request("GET", "/metrics", token: "s3cret").status == 200)
        #expect(!rig.facts.station.value.stopRequested)
        #expect(rig.facts.station.value.serviceResets == 0)
    }

    @Test func addressParsing() throws {
        let a = try HTTPAPIConfiguration(address: ":9000", token: nil)
        #expect(a.host == "127.0.0.1" && a.port == 9000)
        let b = try HTTPAPIConfiguration(address: "[::1]:81", token: nil)
        #expect(b.host == "::1" && b.isLoopback)
        #expect(throws: HTTPAPIConfiguration.Problem.badAddress("nope")) { _ = try HTTPAPIConfiguration(address: "nope", token: nil) }
        #expect(throws: HTTPAPIConfiguration.Problem.badAddress("h:70000")) { _ = try HTTPAPIConfiguration(address: "h:70000", token: "t") }
    }
}

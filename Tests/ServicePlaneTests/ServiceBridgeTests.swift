import Contracts
import ControlLoop
import CoreTypes
import MallocCounting
import ServiceLink
import ServicePlane
import Testing

/// A service that keeps the plane busy: on every snapshot it builds text (allocating, as a real
/// service does) and posts commands back to the loop.
final class BusyService: PlaneService, @unchecked Sendable {
    let plane: ServicePlane
    var seen = 0
    var text: [String] = []
    init(plane: ServicePlane) { self.plane = plane }
    func snapshot(_ s: FactsSnapshot) {
        seen += 1
        text.append("tick \(s.tick) \(s.volts) V \(s.amps) A")
        if text.count > 100 { text.removeAll() }
        plane.post(.currentLimit(Double(16 + seen % 16)))
        plane.post(.clearStop)
    }
    func event(_ e: ServiceEvent) {
        if case .authorizationRequested(let t) = e { plane.post(.authorization(t, .accepted)) }
    }
}

@Suite struct ServiceBridgeTests {
    func context(_ i: UInt64) -> TickContext {
        TickContext(now: MonotonicInstant(nanoseconds: 1_000_000 * Int64(i + 1)), index: i, period: .milliseconds(1))
    }

    /// Commands posted by the service plane are applied by the loop's next tick: the current limit
    /// appears on `facts.station`, a remote stop sets `stopRequested`.
    @Test func commandsReachTheFacts() {
        let facts = ChargerFacts()
        let bridge = ServiceBridge(facts: facts, authorizer: ServiceAuthorizer(), snapshotEvery: 1)
        #expect(bridge.commands.push(.currentLimit(12)))
        #expect(bridge.commands.push(.remoteStop))
        bridge.tick(context(0))
        #expect(facts.station.value.maxAmps == 12)
        #expect(facts.station.value.stopRequested)
        #expect(bridge.snapshots.pop()?.limitAmps == 12)
        #expect(bridge.events.pop() == .applied(.currentLimit(12)))
    }

    /// A bench replug is a count on `facts.station` (the sim car replugs once per step, whatever ticks
    /// it missed); the operator's limit and stop are untouched.
    @Test func benchReplugCounts() {
        let facts = ChargerFacts()
        let bridge = ServiceBridge(facts: facts, authorizer: nil, snapshotEvery: 1)
        bridge.tick(context(0))
        #expect(facts.station.value.benchReplugs == 0)
        #expect(bridge.commands.push(.benchReplug))
        #expect(bridge.commands.push(.benchReplug))
        bridge.tick(context(1))
        #expect(facts.station.value.benchReplugs == 2)
        #expect(facts.station.value.maxAmps == .infinity)
        #expect(!facts.station.value.stopRequested)
        #expect(bridge.events.pop() == .applied(.benchReplug))
    }

    /// A remote start accepts the car's pending request; an authorisation request becomes an event.
    @Test func authorizerFollowsTheServicePlane() {
        let facts = ChargerFacts()
        let authorizer = ServiceAuthorizer()
        let bridge = ServiceBridge(facts: facts, authorizer: authorizer)
        let car = IdentificationToken(.vehicleID, "020000000001")
        #expect(authorizer.authorize(car, now: .zero) == .ongoing)
        bridge.tick(context(0))
        #expect(bridge.events.pop() == .authorizationRequested(car))
        _ = bridge.commands.push(.remoteStart(IdentificationToken(.externalIdentification, "CK-TAG-0001")))
        bridge.tick(context(1))
        #expect(authorizer.authorize(car, now: .zero) == .accepted)
        #expect(authorizer.sessionToken == IdentificationToken(.externalIdentification, "CK-TAG-0001"))
    }

    /// The loop's side allocates nothing while the service plane is busy on its own thread (the
    /// counter counts the loop thread only): 20 000 ticks with snapshots every tick, commands and
    /// authorisation round trips.
    @Test func loopTicksAllocateNothingWithABusyServicePlane() throws {
        let facts = ChargerFacts()
        let authorizer = ServiceAuthorizer()
        let bridge = ServiceBridge(facts: facts, authorizer: authorizer, snapshotEvery: 1, capacity: 64)
        let plane = ServicePlane(bridge: bridge, pollInterval: .microseconds(200))
        let busy = BusyService(plane: plane)
        plane.add(busy)
        plane.start()
        defer { plane.shutdown() }
        var tokens: [IdentificationToken] = []
        for i in 0..<8 { tokens.append(IdentificationToken(.vehicleID, "02000000000\(i)")) }
        for i in 0..<2000 { bridge.tick(context(UInt64(i))) }  // warm-up
        var i: UInt64 = 2000
        let mallocs = MallocCounter.count {
            while i < 22_000 {
                if i % 500 == 0 { _ = authorizer.authorize(tokens[Int(i / 500) % 8], now: MonotonicInstant(nanoseconds: Int64(i))) }
                bridge.tick(context(i))
                i += 1
            }
        }
        let applied = plane.eventLoop.submit { (busy.seen, plane.eventsSeen) }
        let (seen, events) = try applied.wait()
        print("service plane: \(seen) snapshots handled, \(events) events, \(bridge.snapshots.refusedCount) snapshots dropped; loop mallocs \(mallocs)")
        #expect(mallocs == 0)
        #expect(seen > 10, "the service plane was busy")
        #expect(facts.station.value.maxAmps >= 16)
    }
}

import Contracts
import Glibc
import ControlLoop
import CoreTypes
import ServiceLink
import ServicePlane
import Synchronization
import Testing

/// A service that notes what the host did to it, in one shared journal.
final class JournalService: PlaneService, @unchecked Sendable {
    let journal: Journal
    let name: String
    init(_ name: String, _ journal: Journal) {
        self.name = name
        self.journal = journal
    }
    func snapshot(_ s: FactsSnapshot) { journal.snapshots.add(1, ordering: .relaxed) }
    func event(_ e: ServiceEvent) {}
}

final class Journal: @unchecked Sendable {
    var lines: [String] = []
    let snapshots = Atomic<Int>(0)
}

struct StartRefused: Error {}

@Suite struct ServicePlaneHostTests {
    func context(_ i: UInt64) -> TickContext {
        TickContext(now: MonotonicInstant(nanoseconds: 1_000_000 * Int64(i + 1)), index: i, period: .milliseconds(1))
    }

    /// Services start once, in the order added, after the plane runs; they stop once, in reverse, before
    /// it goes; every service sees the one bridge's snapshots.
    @Test func startsInOrderStopsInReverseOnce() throws {
        let journal = Journal()
        let host = ServicePlaneHost(facts: ChargerFacts(), authorizer: nil)
        for name in ["ocpp", "http", "site"] {
            host.add(name, JournalService(name, journal), start: { journal.lines.append("start \(name)") },
                     stop: { journal.lines.append("stop \(name)") })
        }
        #expect(host.names == ["ocpp", "http", "site"])
        try host.start()
        #expect(host.isRunning)
        for i in 0..<400 where journal.snapshots.load(ordering: .relaxed) < 3 {
            host.bridge.tick(context(UInt64(i)))
            if i % 50 == 49 { usleep(20_000) }
        }
        #expect(journal.snapshots.load(ordering: .relaxed) >= 3, "three services, one snapshot each at least")
        host.stop()
        host.stop()
        #expect(journal.lines == ["start ocpp", "start http", "start site", "stop site", "stop http", "stop ocpp"])
        #expect(!host.isRunning)
    }

    /// A start that fails stops those already started (reverse order) and the plane; the error reaches
    /// the caller, and the service after it never starts.
    @Test func aFailedStartStopsWhatStarted() {
        let journal = Journal()
        let host = ServicePlaneHost(facts: ChargerFacts(), authorizer: nil)
        host.add("ocpp", nil, start: { journal.lines.append("start ocpp") }, stop: { journal.lines.append("stop ocpp") })
        host.add("http", nil, start: { throw StartRefused() }, stop: { journal.lines.append("stop http") })
        host.add("site", nil, start: { journal.lines.append("start site") }, stop: { journal.lines.append("stop site") })
        #expect(throws: StartRefused.self) { try host.start() }
        #expect(journal.lines == ["start ocpp", "stop ocpp"])
        #expect(!host.isRunning)
        host.stop()
        #expect(journal.lines == ["start ocpp", "stop ocpp"])
    }
}

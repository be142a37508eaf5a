import Contracts
import ControlLoop
import CoreTypes
import Foundation
import HTTPAPI
import MallocCounting
import Synchronization
import Testing

/// Issue 20 item 1 with item 3 on: the loop's side allocates nothing while a client keeps the HTTP
/// API busy on the service plane (JSON views, metrics, sessions, the live page) and an event stream
/// is open. The counter counts the loop's thread only.
@Suite(.serialized) struct HTTPAPIMallocTests {
    @Test func loopTicksAllocateNothingWithHTTPTraffic() throws {
        let rig = try APIRig()
        defer { rig.stop() }
        rig.run(2000)  // warm-up
        let flags = TrafficFlags()
        let client = rig.client
        let traffic = Thread {
            let paths = ["/metrics", "/api/live", "/sessions", "/api/loop", "/", "/api/power"]
            var i = 0
            while !flags.stop.load(ordering: .relaxed) {
                if let r = try? client.request("GET", paths[i % paths.count]), r.status == 200 {
                    flags.answered.wrappingAdd(1, ordering: .relaxed)
                }
                i += 1
            }
        }
        traffic.start()
        // Let the client get going before counting.
        for _ in 0..<500 where flags.answered.load(ordering: .relaxed) < 5 { usleep(2000) }
        var v2g = V2GSessionFacts()
        var power = PowerPathStatus()
        let mallocs = MallocCounter.count {
            for i in 0..<20_000 {
                let c = rig.context()
                if i % 4000 == 0 {
                    v2g.phase = v2g.phase == .charging ? .ended : .charging
                    v2g.stopReason = v2g.phase == .ended ? .completed : .none
                    rig.facts.v2g.publish(v2g, c)
                }
                power.volts = 400 + Double(i % 50)
                power.amps = Double(i % 100)
                rig.facts.power.publish(power, c)
                rig.bridge.tick(c)
            }
        }
        flags.stop.store(true, ordering: .relaxed)
        while !traffic.isFinished { usleep(1000) }
        let served = flags.answered.load(ordering: .relaxed)
        let records = try rig.plane.eventLoop.submit { rig.api.recordsWritten }.wait()
        print("http: \(served) requests answered during 20000 ticks, \(records) session records, \(rig.bridge.snapshots.refusedCount) snapshots dropped; loop mallocs \(mallocs)")
        #expect(mallocs == 0)
        #expect(served > 10, "the HTTP API was busy")
    }
}

/// Shared between the test and its client thread.
final class TrafficFlags: Sendable {
    let stop = Atomic<Bool>(false)
    let answered = Atomic<Int>(0)
}

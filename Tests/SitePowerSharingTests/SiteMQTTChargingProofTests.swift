import Foundation
import Testing
import TestSupport

/// Site sharing on charging power paths (issue 20 item 5): two `chargerd --board sim` processes, each
/// charging its simulated car, share a 60 A budget through Debian's mosquitto. The test reads each
/// charger's power path from its HTTP API (`/api/power`: the measured output current and the limit in
/// force) every 50 ms: charger a alone may take 50 A (b, not yet seen, counted at its 10 A fallback);
/// when b's car plugs in, a lowers to 30 A before b raises (lower-then-tell), and the measured currents
/// never add up to more than the budget.
@Suite(.serialized, .required("mqtt")) struct SiteMQTTChargingProofTests {
    struct Sample { var at: Double; var amps: Double; var limit: Double; var phase: String }

    static func sample(_ client: LoopbackHTTPClient, at: Double) -> Sample? {
        guard let r = try? client.request("GET", "/api/power"), r.status == 200,
              let object = try? JSONSerialization.jsonObject(with: Data(r.body.utf8)) as? [String: Any] else { return nil }
        let limit = (object["limit_amps"] as? Double) ?? .infinity
        return Sample(at: at, amps: (object["amps"] as? Double) ?? 0, limit: limit, phase: (object["phase"] as? String) ?? "?")
    }

    @Test(.enabled(if: mosquittoReady, "needs Debian's mosquitto"))
    func twoChargingSessionsShareTheBudgetMeasuredOnTheirPowerPaths() throws {
        let chargerd = try #require(PackageLayout.product("chargerd"), "chargerd is not built next to the test bundle")
        let directory = NSTemporaryDirectory() + "chargekit-site-charging-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let brokerPort = SiteMQTTProofTests.freePort()
        let broker = try SiteMQTTProofTests.startBroker(port: brokerPort, directory: directory)
        defer { broker.stop() }
        var processes: [BackgroundProcess] = []
        defer { for p in processes { p.stop() } }
        func charger(_ name: String) throws -> LoopbackHTTPClient {
            let http = SiteMQTTProofTests.freePort()
            let p = try BackgroundProcess([chargerd, "--board", "sim", "--bench", "--http", "127.0.0.1:\(http)",
                                           "--site-broker", "127.0.0.1:\(brokerPort)", "--site", "charging\(brokerPort)",
                                           "--site-charger", name, "--site-budget", "60", "--site-chargers", "2",
                                           "--site-fallback", "10", "--site-policy", "fair", "--site-print-limits"]
                                          // SCHED_FIFO for the loop when root, as the other multi-process proofs.
                                          + (Subprocess.isRoot ? ["--realtime", "20"] : []),
                                          log: directory + "/\(name).log", mergeOutput: false)
            processes.append(p)
            return LoopbackHTTPClient(host: "127.0.0.1", port: http)
        }
        let start = Date()
        func now() -> Double { Date().timeIntervalSince(start) }

        let a = try charger("a")
        var samples: [(a: Sample, b: Sample?)] = []
        // a charges alone.
        var aCharging = false
        while now() < 40, !aCharging {
            if let s = Self.sample(a, at: now()) {
                samples.append((s, nil))
                aCharging = s.amps > 5
            }
            usleep(50_000)
        }
        try #require(aCharging, "charger a never charged: \(processes[0].errorOutput.suffix(3000))")
        let aloneUntil = now() + 1.5
        while now() < aloneUntil {
            if let s = Self.sample(a, at: now()) { samples.append((s, nil)) }
            usleep(50_000)
        }
        // b's car plugs in and charges beside a's.
        let b = try charger("b")
        var together = 0.0
        var lastBoth: Double?
        while now() < 90, together < 3 {
            guard let sa = Self.sample(a, at: now()), let sb = Self.sample(b, at: now()) else { usleep(50_000); continue }
            samples.append((sa, sb))
            if sa.amps > 5, sb.amps > 5 {
                if let t = lastBoth { together += sa.at - t }
                lastBoth = sa.at
            } else {
                lastBoth = nil
            }
            if sa.phase == "idle", sb.amps > 5 { break }  // a's car finished first
            usleep(50_000)
        }
        for p in processes { p.stop(grace: 5) }

        let alone = samples.filter { $0.b == nil && $0.a.amps > 1 }
        let peakAlone = alone.map(\.a.amps).max() ?? 0
        let worst = samples.compactMap { s in s.b.map { s.a.amps + $0.amps } }.max() ?? 0
        let both = samples.compactMap { s -> (Sample, Sample)? in
            guard let sb = s.b, s.a.amps > 5, sb.amps > 5 else { return nil }
            return (s.a, sb)
        }
        print("site on charging power paths: a alone peak \(peakAlone) A (limit \(alone.last?.a.limit ?? -1) A); "
              + "\(both.count) samples with both charging (\(String(format: "%.1f", together)) s), a \(both.last.map { "\($0.0.amps) A of \($0.0.limit)" } ?? "-"), "
              + "b \(both.last.map { "\($0.1.amps) A of \($0.1.limit)" } ?? "-"); worst sum of the measured currents \(worst) A of 60 A")
        #expect(peakAlone > 30 && peakAlone <= 50.5, "a alone takes the budget less b's fallback: \(peakAlone) A")
        #expect(together >= 1, "both charged at once for \(together) s")
        // Snapshots every 50 ms, read one after the other: 1 A for the skew between the two reads.
        #expect(worst <= 61, "the measured currents added up to \(worst) A over the 60 A budget")
        let settled = both.dropFirst(10)
        #expect(settled.allSatisfy { $0.0.amps <= 30.5 && $0.1.amps <= 30.5 }, "fair share: \(settled.map { "\($0.0.amps)+\($0.1.amps)" })")
        try? FileManager.default.removeItem(atPath: directory)
    }
}

import Foundation
import Testing
import TestSupport

/// Debian's broker (the `mosquitto` package; .ci/setup installs it).
let mosquittoBroker: String? = ["/usr/sbin/mosquitto", "/usr/bin/mosquitto"].first { FileManager.default.isExecutableFile(atPath: $0) }
let mosquittoReady: Bool = {
    if mosquittoBroker == nil { print("SiteMQTTProofTests skipped: no mosquitto broker (apt-get install mosquitto; .ci/setup does)") }
    return mosquittoBroker != nil
}()

/// Issue 20 item 5's proof: three `chargerd --board sim` processes share a 60 A site budget through
/// Debian's mosquitto on loopback (a free port, started by the test) while they join, one leaves, and
/// the broker restarts. Each prints its site limit with the CLOCK_MONOTONIC time (a raise before the loop
/// gets it, a lowering after the loop applied it, so the log overstates what each drew); the test adds
/// the three step functions up and requires the sum never to exceed the budget.
@Suite(.serialized, .required("mqtt")) struct SiteMQTTProofTests {
    static let budget: Int64 = 60_000
    static let fallback: Int64 = 10_000

    struct Step { var at: Int64; var mA: Int64; var raise: Bool; var charger: String }

    static func steps(_ name: String, _ output: String) -> [Step] {
        output.split(separator: "\n").compactMap { line in
            let f = line.split(separator: " ")
            guard f.count == 4, f[0] == "site-limit", let at = Int64(f[1]), let mA = Int64(f[2]) else { return nil }
            return Step(at: at, mA: mA, raise: f[3] == "raise", charger: name)
        }
    }

    /// The largest sum of the chargers' limits over time (raises before lowerings at the same instant).
    static func worstSum(_ all: [Step]) -> (Int64, String) {
        let ordered = all.sorted { ($0.at, $0.raise ? 0 : 1) < ($1.at, $1.raise ? 0 : 1) }
        var limit: [String: Int64] = [:]
        var worst: (Int64, String) = (0, "")
        for s in ordered {
            limit[s.charger] = s.mA
            let sum = limit.values.reduce(0, +)
            if sum > worst.0 { worst = (sum, limit.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")) }
        }
        return worst
    }

    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_addr.s_addr = inet_addr("127.0.0.1")
        a.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: a.sin_port))
    }

    static func startBroker(port: Int, directory: String) throws -> BackgroundProcess {
        let conf = directory + "/mosquitto.conf"
        try "listener \(port) 127.0.0.1\nallow_anonymous true\npersistence false\n".write(toFile: conf, atomically: true, encoding: .utf8)
        let broker = try BackgroundProcess([mosquittoBroker!, "-c", conf], log: directory + "/mosquitto-\(UUID().uuidString.prefix(6)).log")
        #expect(broker.waitFor("running", timeout: 10), "mosquitto did not start: \(broker.output)")
        return broker
    }

    /// Waits until every charger named has printed `mA` as its latest limit.
    static func waitFor(_ chargers: [(String, BackgroundProcess)], _ mA: Int64, timeout: Double) -> Bool {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            if chargers.allSatisfy({ steps($0.0, $0.1.output).last?.mA == mA }) { return true }
            usleep(50_000)
        }
        return false
    }

    @Test(.enabled(if: mosquittoReady, "needs Debian's mosquitto"))
    func threeChargersShareABudgetAcrossJoinsLeavesAndABrokerRestart() throws {
        let chargerd = try #require(PackageLayout.product("chargerd"), "chargerd is not built next to the test bundle")
        let directory = NSTemporaryDirectory() + "chargekit-site-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let port = Self.freePort()
        var broker = try Self.startBroker(port: port, directory: directory)
        defer { broker.stop() }
        func charger(_ name: String) throws -> BackgroundProcess {
            try BackgroundProcess([chargerd, "--board", "sim", "--no-v2g", "--site-broker", "127.0.0.1:\(port)",
                                   "--site", "proof\(port)", "--site-charger", name, "--site-budget", "60", "--site-chargers", "3",
                                   "--site-fallback", "10", "--site-policy", "fair", "--site-demand", "40", "--site-demand-always",
                                   "--site-print-limits"],
                                  log: directory + "/\(name).log", mergeOutput: false)
        }
        var running: [(String, BackgroundProcess)] = []
        var all: [(String, BackgroundProcess)] = []
        defer { for (_, p) in all { p.stop() } }

        // Joins: a and b see each other and count c (not seen) at its 10 A fallback: 25 A each.
        for n in ["a", "b"] { let p = try charger(n); running.append((n, p)); all.append((n, p)) }
        #expect(Self.waitFor(running, 25_000, timeout: 30), "a, b → 25 A")
        let c = try charger("c")
        running.append(("c", c)); all.append(("c", c))
        #expect(Self.waitFor(running, 20_000, timeout: 30), "a, b, c → 20 A")

        // The broker restarts (nothing persisted): all fall back to at most 10 A, come back, share again.
        broker.stop()
        #expect(Self.waitFor(running, Self.fallback, timeout: 10),
                "all at or under the fallback without the broker")
        usleep(1_500_000)
        broker = try Self.startBroker(port: port, directory: directory)
        #expect(Self.waitFor(running, 20_000, timeout: 40), "a, b, c → 20 A after the broker restart")

        // b leaves (SIGTERM): a and c count it at its fallback and take 25 A each.
        running[1].1.stop(grace: 5)
        running.remove(at: 1)
        #expect(Self.waitFor(running, 25_000, timeout: 30), "a, c → 25 A after b left")
        for (_, p) in running { p.stop(grace: 5) }

        var steps: [Step] = []
        for (n, p) in all {
            let s = Self.steps(n, p.output)
            print("charger \(n): \(s.count) limit changes, last \(s.last.map { "\($0.mA) mA" } ?? "none")")
            if s.isEmpty { print(p.errorOutput.suffix(2000)) }
            steps += s
        }
        let (worst, at) = Self.worstSum(steps)
        print("site: worst sum of the limits \(worst) mA of \(Self.budget) mA budget (\(at))")
        #expect(worst <= Self.budget, "the site's sum exceeded the budget: \(at)")
        #expect(steps.count >= 12)
        try? FileManager.default.removeItem(atPath: directory)
    }
}

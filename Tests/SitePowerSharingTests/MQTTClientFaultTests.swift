import Foundation
import Glibc
import SiteMQTT
import Testing
import TestSupport

/// The CMosquitto shim under faults a broker can make (Tests/Support/mqtt-fault/fake-broker.py, a scripted
/// MQTT 3.1.1 peer on loopback): each shows as an event the site service acts on (it falls back to its safe
/// minimum on anything but `connected`), never a crash, a hang or a message that is not whole.
@Suite(.serialized) struct MQTTClientFaultTests {
    /// Starts the fake broker playing `script`; its port.
    static func broker(_ script: String) throws -> (BackgroundProcess, Int) {
        let root = PackageLayout.root()
        let p = try BackgroundProcess(["python3", root + "/Tests/Support/mqtt-fault/fake-broker.py", "--script", script],
                                      log: NSTemporaryDirectory() + "ck-fake-broker-\(getpid())-\(script).log")
        guard p.waitFor("listening ", timeout: 10),
              let line = p.output.split(separator: "\n").first(where: { $0.hasPrefix("listening ") }),
              let port = Int(line.split(separator: " ")[1]) else {
            p.stop()
            throw Failure("fake broker \(script) did not start: \(p.output) \(p.errorOutput)")
        }
        return (p, port)
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }

    /// A client subscribed to fault/#, connected to the fake broker playing `script`.
    static func client(_ script: String, port: Int) throws -> MQTTClient {
        let c = try MQTTClient(clientID: "ck-fault-\(script)-\(getpid())", host: "127.0.0.1", port: port)
        try c.setSubscription("fault/#")
        try c.connect(keepAliveSeconds: 5)
        return c
    }

    /// Events until `done` holds for the list or `seconds` pass.
    static func events(_ c: MQTTClient, seconds: Double, until done: ([MQTTEvent]) -> Bool) -> [MQTTEvent] {
        var seen: [MQTTEvent] = []
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            while let e = c.next() { seen.append(e) }
            if done(seen) { break }
            usleep(10_000)
        }
        return seen
    }

    static func summary(_ events: [MQTTEvent]) -> String {
        events.map { e in
            switch e {
            case .message(let t, let p, _): "message(\(t), \(p.count) B)"
            default: "\(e)"
            }
        }.joined(separator: ", ")
    }

    @Test func refusedConnectionIsAnEventWithTheBrokersReason() throws {
        let (b, port) = try Self.broker("refuse")
        defer { b.stop() }
        let c = try Self.client("refuse", port: port)
        let seen = Self.events(c, seconds: 10) { $0.contains { if case .refused = $0 { true } else { false } } }
        print("refuse: \(Self.summary(seen))")
        let reason = seen.compactMap { e -> String? in if case .refused(let r) = e { return r }; return nil }.first
        #expect(reason?.contains("not authorised") == true, "events: \(Self.summary(seen))")
        #expect(!seen.contains(.connected))
    }

    @Test func garbageInsteadOfConnackEndsTheConnection() throws {
        let (b, port) = try Self.broker("garbage")
        defer { b.stop() }
        let c = try Self.client("garbage", port: port)
        let seen = Self.events(c, seconds: 10) { $0.contains { if case .disconnected = $0 { true } else { false } } }
        print("garbage: \(Self.summary(seen))")
        let errno = seen.compactMap { e -> Int32? in if case .disconnected(let e) = e { return e }; return nil }.first
        #expect(errno != nil && errno != 0, "events: \(Self.summary(seen))")
        #expect(!seen.contains(.connected))
    }

    @Test func resetMidSessionIsADisconnectThenTheShimReconnects() throws {
        let (b, port) = try Self.broker("reset")
        defer { b.stop() }
        let c = try Self.client("reset", port: port)
        let seen = Self.events(c, seconds: 15) { $0.filter { $0 == .connected }.count >= 2 }
        print("reset: \(Self.summary(seen))")
        let lost = seen.firstIndex { if case .disconnected(let e) = $0 { e != 0 } else { false } }
        #expect(seen.first == .connected && lost != nil, "events: \(Self.summary(seen))")
        #expect(seen.filter { $0 == .connected }.count >= 2, "the network thread reconnected: \(Self.summary(seen))")
    }

    @Test func oversizeMessagesAreDroppedWholeNotCut() throws {
        let (b, port) = try Self.broker("oversize")
        defer { b.stop() }
        let c = try Self.client("oversize", port: port)
        let seen = Self.events(c, seconds: 10) { $0.contains { if case .message(let t, _, _) = $0 { t == "fault/ok" } else { false } } }
        print("oversize: \(Self.summary(seen))")
        let messages = seen.compactMap { e -> (String, [UInt8])? in if case .message(let t, let p, _) = e { return (t, p) }; return nil }
        #expect(messages.count == 1 && messages.first?.0 == "fault/ok" && messages.first?.1 == Array("ok".utf8),
                "only the message that fits: \(Self.summary(seen))")
    }

    @Test func floodBeyondTheQueueIsReportedAsOverflowInOrder() throws {
        let (b, port) = try Self.broker("flood")
        defer { b.stop() }
        let c = try Self.client("flood", port: port)
        // Not polled while the 600 messages arrive: the shim's 512-event queue fills.
        usleep(1_500_000)
        let seen = Self.events(c, seconds: 5) { $0.contains(.overflow) }
        let numbers = seen.compactMap { e -> Int? in
            if case .message(_, let p, _) = e { return Int(String(decoding: p, as: UTF8.self)) }
            return nil
        }
        print("flood: \(seen.count) events, \(numbers.count) messages (\(numbers.first ?? -1)…\(numbers.last ?? -1)), overflow \(seen.contains(.overflow))")
        #expect(seen.contains(.overflow), "the lost events are reported")
        #expect(numbers == Array(numbers.sorted()) && numbers.first == 0 && numbers.count < 600, "kept in order, the rest dropped")
        #expect(seen.last == .overflow, "overflow comes after what was kept")
    }

    @Test func halfAPacketAndSilenceEndsByTheKeepAlive() throws {
        let (b, port) = try Self.broker("halfpacket")
        defer { b.stop() }
        let c = try Self.client("halfpacket", port: port)
        // Keep-alive 5 s: libmosquitto gives up 1.5 keep-alives after the last packet it got.
        let seen = Self.events(c, seconds: 20) { $0.contains { if case .disconnected = $0 { true } else { false } } }
        print("halfpacket: \(Self.summary(seen))")
        #expect(seen.first == .connected && seen.contains { if case .disconnected(let e) = $0 { e != 0 } else { false } },
                "events: \(Self.summary(seen))")
        #expect(!seen.contains { if case .message = $0 { true } else { false } }, "no half message delivered")
    }
}

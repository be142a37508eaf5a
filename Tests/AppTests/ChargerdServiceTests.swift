import Foundation
import Testing
import TestSupport

/// A unix datagram socket standing in for systemd's notification socket ($NOTIFY_SOCKET).
final class NotifyListener: Sendable {
    let path: String
    let fd: Int32

    init() throws {
        path = "/tmp/ck-notify-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        unlink(path)
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        try #require(fd >= 0, "socket: errno \(errno)")
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in path.utf8.enumerated() { raw[i] = b }
        }
        let r = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        try #require(r == 0, "bind \(path): errno \(errno)")
    }

    deinit {
        close(fd)
        unlink(path)
    }

    /// Reads datagrams on a thread of its own while the service runs, as systemd does: a unix
    /// datagram socket queues only `net.unix.max_dgram_qlen` (10) unread datagrams, after which the
    /// sender's next one fails, so a whole session's notifications must be read as they come.
    func collect(while body: () throws -> Subprocess.Output) rethrows -> (Subprocess.Output, [String]) {
        let inbox = Inbox()
        let reader = Thread { [self] in
            while inbox.isOpen {
                inbox.append(drain())
                usleep(20_000)
            }
        }
        reader.start()
        let result = try body()
        inbox.close()
        usleep(100_000)
        inbox.append(drain())
        return (result, inbox.messages)
    }

    /// What the reader thread has collected, behind a lock.
    private final class Inbox: @unchecked Sendable {
        private let lock = NSLock()
        private var open = true
        private var collected: [String] = []
        var isOpen: Bool { lock.withLock { open } }
        var messages: [String] { lock.withLock { collected } }
        func close() { lock.withLock { open = false } }
        func append(_ batch: [String]) { lock.withLock { collected += batch } }
    }

    /// Every datagram queued so far, in order.
    func drain() -> [String] {
        var messages: [String] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n < 0 { break }
            messages.append(String(decoding: buffer[0..<n], as: UTF8.self))
        }
        return messages
    }
}

@Suite struct ChargerdService {
    /// `chargerd --board sim` under a systemd-like environment: READY=1 with a STATUS once the loop
    /// runs, WATCHDOG=1 about every half of WATCHDOG_USEC, STOPPING=1 when it stops. It runs the sim
    /// board's whole session (about 20 s) so that it ends by itself with exit 0.
    @Test func notifiesReadyWatchdogAndStopping() throws {
        let listener = try NotifyListener()
        let tool = try #require(PackageLayout.product("chargerd"), "chargerd is not built next to the test bundle")
        let (result, messages) = try listener.collect {
            try Subprocess.run(
                [tool, "--board", "sim"], directory: PackageLayout.root(),
                environment: ["NOTIFY_SOCKET": listener.path, "WATCHDOG_USEC": "1000000", "WATCHDOG_PID": nil], timeout: 300)
        }
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stderr.contains("systemd: notifying \(listener.path), watchdog 1.0 s"), "\(result.stderr)")
        print("notifications: \(messages.map { $0.replacingOccurrences(of: "\n", with: "\\n") })")
        let ready = try #require(messages.firstIndex { $0.hasPrefix("READY=1\n") }, "no READY=1 in \(messages)")
        #expect(messages[ready].contains("STATUS=board sim: loop running"))
        let pings = messages.indices.filter { messages[$0] == "WATCHDOG=1" }
        // A session of ~20 s with a ping due every 0.5 s while ticks are on time.
        #expect(pings.count >= 4, "\(messages)")
        #expect(pings.allSatisfy { $0 > ready })
        let stopping = try #require(messages.lastIndex { $0.hasPrefix("STOPPING=1") }, "no STOPPING=1 in \(messages)")
        #expect(stopping == messages.count - 1)
    }

    /// Outside systemd nothing changes: no NOTIFY_SOCKET, no notification line in the log. The
    /// `--seconds 0.5` cap ends the run before the sim board's session completes: exit 1 (issue 18).
    @Test func withoutNotifySocketItDoesNotNotify() throws {
        let tool = try #require(PackageLayout.product("chargerd"), "chargerd is not built next to the test bundle")
        let result = try Subprocess.run([tool, "--board", "sim", "--seconds", "0.5"], directory: PackageLayout.root(),
                                        environment: ["NOTIFY_SOCKET": nil], timeout: 60)
        #expect(result.status == 1, "stderr: \(result.stderr)")
        #expect(result.stderr.contains("the session did not complete"), "\(result.stderr)")
        #expect(!result.stderr.contains("systemd:"))
    }
}

import Foundation
import Testing
import TestSupport

/// A unix datagram socket standing in for systemd's notification socket ($NOTIFY_SOCKET).
final class NotifyListener {
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
    /// runs, WATCHDOG=1 about every half of WATCHDOG_USEC, STOPPING=1 when it stops.
    @Test func notifiesReadyWatchdogAndStopping() throws {
        let listener = try NotifyListener()
        let tool = try #require(PackageLayout.product("chargerd"), "chargerd is not built next to the test bundle")
        let result = try Subprocess.run(
            [tool, "--board", "sim", "--seconds", "3"], directory: PackageLayout.root(),
            environment: ["NOTIFY_SOCKET": listener.path, "WATCHDOG_USEC": "1000000", "WATCHDOG_PID": nil], timeout: 60)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stderr.contains("systemd: notifying \(listener.path), watchdog 1.0 s"), "\(result.stderr)")
        let messages = listener.drain()
        print("notifications: \(messages.map { $0.replacingOccurrences(of: "\n", with: "\\n") })")
        let ready = try #require(messages.firstIndex { $0.hasPrefix("READY=1\n") }, "no READY=1 in \(messages)")
        #expect(messages[ready].contains("STATUS=board sim: loop running"))
        let pings = messages.indices.filter { messages[$0] == "WATCHDOG=1" }
        // 3 s of ticks with a ping due every 0.5 s: 5 or 6 (the last may fall just after the end).
        #expect(pings.count >= 4, "\(messages)")
        #expect(pings.allSatisfy { $0 > ready })
        let stopping = try #require(messages.lastIndex { $0.hasPrefix("STOPPING=1") }, "no STOPPING=1 in \(messages)")
        #expect(stopping == messages.count - 1)
    }

    /// Outside systemd nothing changes: no NOTIFY_SOCKET, no notification line in the log.
    @Test func withoutNotifySocketItDoesNotNotify() throws {
        let tool = try #require(PackageLayout.product("chargerd"), "chargerd is not built next to the test bundle")
        let result = try Subprocess.run([tool, "--board", "sim", "--seconds", "0.5"], directory: PackageLayout.root(),
                                        environment: ["NOTIFY_SOCKET": nil], timeout: 60)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(!result.stderr.contains("systemd:"))
    }
}

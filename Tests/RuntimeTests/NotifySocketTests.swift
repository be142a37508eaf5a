#if canImport(Glibc)
import Glibc
#endif
import Runtime
import SystemPackage
import Testing

@Suite struct NotifySocketNames {
    /// $NOTIFY_SOCKET is a path or an abstract `@name` (sd_notify(3)); anything else is refused.
    @Test func badNamesAreTypedErrors() {
        #expect(throws: Errno.invalidArgument) { try NotifySocket(socketName: "") }
        #expect(throws: Errno.invalidArgument) { try NotifySocket(socketName: "relative/path") }
        #expect(throws: Errno.invalidArgument) { try NotifySocket(socketName: "@") }
        #expect(throws: Errno.fileNameTooLong) { try NotifySocket(socketName: "/" + String(repeating: "x", count: 200)) }
    }

    /// An abstract name (leading `@`, sent as a NUL byte, no terminator) reaches a socket bound to it.
    @Test func abstractNameDelivers() throws {
        let name = "ck-notify-test-\(getpid())"
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        try #require(fd >= 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(name.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw[0] = 0
            for (i, b) in bytes.enumerated() { raw[i + 1] = b }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + 1 + bytes.count)
        let r = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        try #require(r == 0, "bind: errno \(errno)")
        let socket = try NotifySocket(socketName: "@" + name)
        let message = Array("READY=1".utf8)
        let failed = message.withUnsafeBytes { socket.send($0) }
        #expect(failed == nil)
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = recv(fd, &buffer, buffer.count, 0)
        let received: [UInt8] = n > 0 ? Array(buffer.prefix(n)) : []
        #expect(n == message.count, "recv: \(n), errno \(errno)")
        #expect(received == message)
    }
}

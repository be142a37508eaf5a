import Foundation
import Glibc

/// A minimal HTTP/1.1 client over a plain socket for the tests (one request, `Connection: close`,
/// read to EOF), so the server is exercised on the wire without another HTTP stack in the test.
public struct LoopbackHTTPClient: Sendable {
    public struct Response { public var status: Int; public var headers: String; public var body: String }
    public enum Failure: Error { case socket(Int32), connect(Int32), malformed(String) }

    public let host: String
    public let port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public func request(_ method: String, _ path: String, token: String? = nil) throws -> Response {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure.socket(errno) }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, host, &address.sin_addr)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw Failure.connect(errno) }
        var text = "\(method) \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\nContent-Length: 0\r\n"
        if let token { text += "Authorization: Bearer \(token)\r\n" }
        text += "\r\n"
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { send(fd, $0.baseAddress!, $0.count, 0) }
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            if n <= 0 { break }
            received += chunk[0..<n]
        }
        let all = String(decoding: received, as: UTF8.self)
        guard let split = all.range(of: "\r\n\r\n") else { throw Failure.malformed(all) }
        let head = String(all[..<split.lowerBound])
        let statusText = head.split(separator: " ", maxSplits: 2).dropFirst().first.map(String.init) ?? ""
        guard let status = Int(statusText) else { throw Failure.malformed(head) }
        return Response(status: status, headers: head, body: String(all[split.upperBound...]))
    }
}

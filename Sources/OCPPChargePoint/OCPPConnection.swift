import HTTPTypes
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import ServicePlane
import WSClient

/// The charge point's WebSocket to its central system over WSClient (OCPP-J 1.6 §3): subprotocol
/// `ocpp1.6`, the identity as the last path segment, Basic auth with the AuthorizationKey (security
/// profile 1) and TLS trusting the configured root (profile 2, `wss://`). Reconnects after a loss
/// with a doubling backoff (`reconnectInitial` … `reconnectMaximum`), reset once a connection was up.
/// Runs on the service plane's event loop group; frames reach `ChargePoint` on its event loop.
public final class OCPPConnection: @unchecked Sendable {
    public let chargePoint: ChargePoint
    public let options: OCPPOptions
    let log: Logger
    private var task: Task<Void, Never>?

    public init(chargePoint: ChargePoint, log: Logger) {
        self.chargePoint = chargePoint
        options = chargePoint.options
        self.log = log
    }

    public func start() {
        task = Task.detached { [self] in await self.runForever() }
    }

    public func stop() { task?.cancel() }

    /// What the charge point hands out to send through the connection while it is up.
    final class Link: OCPPTransport, @unchecked Sendable {
        enum Outgoing: Sendable { case text(String), close }
        let continuation: AsyncStream<Outgoing>.Continuation
        init(_ c: AsyncStream<Outgoing>.Continuation) { continuation = c }
        func send(_ text: String) { continuation.yield(.text(text)) }
        func close() { continuation.yield(.close) }
    }

    private func runForever() async {
        var backoff = options.reconnectInitial
        let plane = chargePoint.plane
        let cp = chargePoint
        while !Task.isCancelled {
            var configuration = WebSocketClientConfiguration()
            configuration.additionalHeaders[HTTPField.Name("Sec-WebSocket-Protocol")!] = "ocpp1.6"
            if let password = options.password {
                configuration.additionalHeaders[.authorization] = "Basic " + Base64.encode(Array("\(options.chargePointId):\(password)".utf8))
            }
            var tls: TLSConfiguration?
            if let ca = options.caFile {
                var t = TLSConfiguration.makeClientConfiguration()
                t.trustRoots = .file(ca)
                tls = t
            }
            let up = ManagedFlag()
            do {
                let client = WebSocketClient(url: options.endpoint, configuration: configuration, tlsConfiguration: tls,
                                             eventLoopGroup: plane.group, logger: log) { inbound, outbound, _ in
                    up.set()
                    let (stream, continuation) = AsyncStream<Link.Outgoing>.makeStream()
                    let link = Link(continuation)
                    plane.execute { cp.connected(link) }
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            for await o in stream {
                                switch o {
                                case .text(let t): try await outbound.write(.text(t))
                                case .close:
                                    try await outbound.close(.normalClosure, reason: "reset")
                                    return
                                }
                            }
                        }
                        for try await message in inbound.messages(maxSize: 1 << 20) {
                            if case .text(let t) = message { plane.execute { cp.received(t) } }
                        }
                        continuation.finish()
                        group.cancelAll()
                    }
                }
                try await client.run()
                log.notice("ocpp: connection closed by the central system")
            } catch {
                log.warning("ocpp: connection to \(options.endpoint) failed: \(error)")
            }
            plane.execute { cp.disconnected() }
            if up.isSet { backoff = options.reconnectInitial }
            log.info("ocpp: reconnecting in \(backoff) s")
            try? await Task.sleep(for: .milliseconds(Int(backoff * 1000)))
            backoff = min(backoff * 2, options.reconnectMaximum)
        }
    }
}

/// A flag set from the connection's task and read after it (the task has ended by then).
final class ManagedFlag: @unchecked Sendable {
    private(set) var isSet = false
    func set() { isSet = true }
}

/// RFC 4648 base64 for the Basic credentials (no Foundation on this path).
enum Base64 {
    static func encode(_ bytes: [UInt8]) -> String {
        let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            let n = min(3, bytes.count - i)
            let b0 = bytes[i], b1 = n > 1 ? bytes[i + 1] : 0, b2 = n > 2 ? bytes[i + 2] : 0
            out.append(table[Int(b0 >> 2)])
            out.append(table[Int((b0 & 3) << 4 | b1 >> 4)])
            out.append(n > 1 ? table[Int((b1 & 0xF) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            out.append(n > 2 ? table[Int(b2 & 0x3F)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}

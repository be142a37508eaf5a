import HTTPTypes
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import ServicePlane
import Synchronization
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
    /// True once `runForever` has returned: the WebSocket client has nothing left on the plane's loops.
    private let ended = ConditionLock(value: false)
    private let stopping = Atomic<Bool>(false)
    /// The link of the connection that is up, for `stop` to close.
    private let current = NIOLockedValueBox<Link?>(nil)

    public init(chargePoint: ChargePoint, log: Logger) {
        self.chargePoint = chargePoint
        options = chargePoint.options
        self.log = log
    }

    public func start() {
        task = Task.detached { [self] in
            await self.runForever()
            ended.lock()
            ended.unlock(withValue: true)
        }
    }

    /// Closes the connection with a WebSocket close (the central system sees a normal closure), waits
    /// until the client has finished, and cancels it if that takes longer than `closeTimeout` s; so the
    /// service plane shuts its event loops down after, not under, the client's last work (NIO: "Cannot
    /// schedule tasks on an EventLoop that has already shut down").
    public func stop() {
        guard let task else { return }
        stopping.store(true, ordering: .releasing)
        current.withLockedValue { $0 }?.close()
        if ended.lock(whenValue: true, timeoutSeconds: Self.closeTimeout) {
            ended.unlock()
        } else {
            task.cancel()
            if ended.lock(whenValue: true, timeoutSeconds: Self.stopTimeout) { ended.unlock() }
        }
        self.task = nil
    }

    static let closeTimeout = 1.5
    static let stopTimeout = 3.0

    /// What the charge point hands out to send through the connection while it is up.
    final class Link: OCPPTransport, @unchecked Sendable {
        enum Outgoing: Sendable { case text(String), close }
        let continuation: AsyncStream<Outgoing>.Continuation
        init(_ c: AsyncStream<Outgoing>.Continuation) { continuation = c }
        func send(_ text: String) { continuation.yield(.text(text)) }
        func close() {
            closedHere.store(true, ordering: .releasing)
            continuation.yield(.close)
        }
        /// Whether this side closed the connection (a reset, a stop), not the central system.
        let closedHere = Atomic<Bool>(false)
    }

    private func runForever() async {
        var backoff = options.reconnectInitial
        let plane = chargePoint.plane
        let cp = chargePoint
        let current = self.current
        while !Task.isCancelled, !stopping.load(ordering: .acquiring) {
            var configuration = WebSocketClientConfiguration()
            configuration.additionalHeaders[HTTPField.Name("Sec-WebSocket-Protocol")!] = "ocpp1.6"
            configuration.sniHostname = options.tlsServerName
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
            // This attempt's link, kept past its handler only to say who closed it.
            let attemptLink = NIOLockedValueBox<Link?>(nil)
            do {
                let client = WebSocketClient(url: options.endpoint, configuration: configuration, tlsConfiguration: tls,
                                             eventLoopGroup: plane.group, logger: log) { inbound, outbound, _ in
                    up.set()
                    let (stream, continuation) = AsyncStream<Link.Outgoing>.makeStream()
                    let link = Link(continuation)
                    current.withLockedValue { $0 = link }
                    attemptLink.withLockedValue { $0 = link }
                    defer { current.withLockedValue { $0 = nil } }
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
                if stopping.load(ordering: .acquiring) {
                    log.info("ocpp: connection closed (stopping)")
                } else if attemptLink.withLockedValue({ $0?.closedHere.load(ordering: .acquiring) }) == true {
                    log.debug("ocpp: connection closed by the charge point")
                } else {
                    log.notice("ocpp: connection closed by the central system")
                }
            } catch {
                log.warning("ocpp: connection to \(options.endpoint) failed: \(error)")
            }
            let here = stopping.load(ordering: .acquiring)
            plane.execute { cp.disconnected(byChargePoint: here) }
            if Task.isCancelled || stopping.load(ordering: .acquiring) { break }
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

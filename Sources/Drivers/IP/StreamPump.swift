import Buffers
import ControlLoop
import HAL

/// Moves bytes between one TCP connection and two fixed queues: what arrives goes into `received`,
/// what a controller puts in `transmit` goes out (every tick, and as soon as the socket is writable
/// again). The V2GTP reader reads `received`; the SECC/EVCC writes whole messages into `transmit`.
/// One pump serves one session after another: `attach` a new connection (the server pump does it
/// for accepted ones), `close` or `abort` at the end.
///
/// Write readiness: `wantsWritable` is true while a connect is in progress, or while bytes wait in
/// `transmit` because the kernel's send buffer was full. A loop puts POLLOUT into the poll set for
/// `pollDescriptor` while it is true and calls `service` when the descriptor is readable or writable
/// (or reports an error); `service` completes the connect, takes what arrived and flushes `transmit`.
/// Without that, `pump` does the same once per tick.
///
/// A finished connection (closed by the peer, reset, failed) leaves the poll set (`pollDescriptor` is
/// nil: a socket at EOF stays readable for ever); `state` says how it ended, `lastError` why. Errors
/// never escape into the loop. Nothing here allocates after `init`.
public final class StreamPump: IOSource {
    public let name: String
    public let received: ByteQueue
    public let transmit: ByteQueue
    public private(set) var connection: (any StreamConnection)?
    public private(set) var lastError: SocketError?
    public private(set) var errorCount = 0
    /// Connections attached since creation.
    public private(set) var sessions = 0
    /// When bytes last came in (the wake-up's or the tick's instant): how long a request waited
    /// before its answer, for `boardctl v2g`.
    public private(set) var lastArrivalAt = MonotonicInstant.zero

    public init(name: String, connection: (any StreamConnection)? = nil, receiveCapacity: Int = 8192,
                transmitCapacity: Int = 8192) {
        self.name = name
        received = ByteQueue(capacity: receiveCapacity)
        transmit = ByteQueue(capacity: transmitCapacity)
        if let connection { attach(connection) }
    }

    /// Where the connection stands; `.closed` when there is none.
    public var state: StreamState { connection?.state ?? .closed }

    public var pollDescriptor: Int32? {
        guard let connection, !connection.state.isFinished else { return nil }
        return connection.pollDescriptor
    }

    /// True while the loop should wait for the descriptor to become writable (POLLOUT).
    public var wantsWritable: Bool {
        guard let connection, connection.wantsWritable else { return false }
        if case .connecting = connection.state { return true }
        return !transmit.isEmpty
    }

    /// Starts a new session on `connection`: the previous connection (if any) is closed, both
    /// queues emptied, the last error forgotten.
    public func attach(_ connection: any StreamConnection) {
        self.connection?.close()
        self.connection = connection
        received.removeAll()
        transmit.removeAll()
        lastError = nil
        sessions &+= 1
    }

    /// Readable, writable or an error on the descriptor: move bytes both ways now.
    public func service(_ now: MonotonicInstant) { _ = move(now) }

    /// What the loop calls on POLLIN/POLLOUT/POLLERR: bytes moved both ways, plus one for a change
    /// of state (a connect that completed, a reset seen), so a wake-up that only finished the
    /// handshake is not counted idle.
    public func service(_ now: MonotonicInstant, events: PollEvents) -> ServiceOutcome {
        let before = connection?.state
        let moved = move(now)
        return .moved(moved + (connection?.state != before ? 1 : 0))
    }

    public func pump(_ context: TickContext) { _ = move(context.now) }

    /// Sends what is queued (as far as the socket takes it), then FIN: the orderly end of a session.
    /// Bytes still queued after this are dropped.
    public func finish() {
        guard let connection else { return }
        flush(connection)
        do throws(SocketError) { try connection.shutdownOutput() } catch { note(error) }
    }

    /// Abortive close: the peer sees a reset; queued bytes are dropped.
    public func abort() {
        connection?.abort()
        transmit.removeAll()
    }

    /// Orderly close of the connection.
    public func close() {
        connection?.close()
        transmit.removeAll()
    }

    public var isHealthy: Bool { lastError == nil }

    /// Bytes received plus bytes sent.
    private func move(_ now: MonotonicInstant) -> Int {
        guard let connection else { return 0 }
        switch connection.updateState() {
        case .connecting: return 0
        case .failed(let e):
            if lastError != e { note(e) }
            return 0
        case .open, .closedByPeer, .reset, .closed: break
        }
        var moved = 0
        do throws(SocketError) {
            moved = try connection.receive(into: received)
        } catch {
            note(error)
        }
        if moved > 0 { lastArrivalAt = now }
        return moved + flush(connection)
    }

    @discardableResult
    private func flush(_ connection: any StreamConnection) -> Int {
        guard !transmit.isEmpty else { return 0 }
        switch connection.state {
        case .open, .closedByPeer: break
        case .connecting: return 0
        case .reset, .failed, .closed:
            // Nobody will ever read these bytes.
            transmit.removeAll()
            return 0
        }
        do throws(SocketError) {
            return try connection.send(from: transmit)
        } catch {
            note(error)
            transmit.removeAll()
            return 0
        }
    }

    private func note(_ error: SocketError) {
        lastError = error
        errorCount &+= 1
    }
}

/// Accepts TCP connections on a listener and hands each to a `StreamPump` (the SECC's V2G server:
/// one session at a time). A connection that arrives while the pump's session is still live either
/// replaces it (`.replaceOld`: the EV reconnected after losing the old one) or is reset at once
/// (`.rejectNew`).
public final class StreamServerPump: IOSource {
    public enum BusyPolicy: Sendable { case replaceOld, rejectNew }

    public let name: String
    public private(set) var listener: any StreamListener
    public let session: StreamPump
    public let busyPolicy: BusyPolicy
    public private(set) var accepted = 0
    public private(set) var rejected = 0
    public private(set) var lastError: SocketError?
    public private(set) var errorCount = 0

    public init(name: String, listener: any StreamListener, session: StreamPump, busyPolicy: BusyPolicy = .replaceOld) {
        self.name = name
        self.listener = listener
        self.session = session
        self.busyPolicy = busyPolicy
    }

    public var pollDescriptor: Int32? { listener.pollDescriptor }

    /// Listens on `listener` instead (the old one is closed): the interface came back with a new index
    /// or address. A connection already accepted is not touched.
    public func replaceListener(_ listener: any StreamListener) {
        self.listener.close()
        self.listener = listener
        lastError = nil
    }

    public func service(_ now: MonotonicInstant) { acceptAll() }

    public func pump(_ context: TickContext) { acceptAll() }

    private func acceptAll() {
        while true {
            let next: (any StreamConnection)?
            do throws(SocketError) {
                next = try listener.accept()
            } catch {
                lastError = error
                errorCount &+= 1
                return
            }
            guard let connection = next else { return }
            if busyPolicy == .rejectNew, session.connection.map({ !$0.state.isFinished }) == true {
                connection.abort()
                rejected &+= 1
                continue
            }
            session.attach(connection)
            accepted &+= 1
        }
    }
}

import Buffers
import SystemPackage

// The IP transport of V2G (sdp-v2gtp.md §1, §4.1, §5.1): UDP for SDP, one TCP connection per session,
// all on one interface (the PLC link) with link-local addresses. Each protocol has a Linux
// implementation over the CSocket shim and a simulated twin on a `SimulatedIPNetwork`.
//
// Contract shared by every socket here: nothing blocks; `send`/`receive` move what is possible now and
// never allocate; errors are `SocketError`s naming the interface and the endpoint; after `close` (or a
// stream's `abort`) `pollDescriptor` is nil and calls throw `.closed`.

/// One network interface as the IP layer sees it: where sockets are opened.
public protocol IPInterface: AnyObject {
    var name: String { get }
    /// The interface index: the scope id of its link-local addresses.
    var index: UInt32 { get }
    /// The interface's link-local address (scope id = `index`), read now. `.interface(EADDRNOTAVAIL)`
    /// (kind `.linkDown`) while it has none.
    func linkLocalAddress() throws(SocketError) -> IPv6Address
    /// A UDP socket bound to [::]:`port` on this interface only (0: an ephemeral port), joining ff02::1
    /// when `joinAllNodes` (the SECC's SDP server). Multicast leaves through this interface, hop limit 1.
    func openDatagramSocket(port: UInt16, joinAllNodes: Bool) throws(SocketError) -> any DatagramSocket
    /// A TCP server on the interface's link-local address at `port` (0: ephemeral; read the port from
    /// `localEndpoint`).
    func listen(port: UInt16, backlog: Int) throws(SocketError) -> any StreamListener
    /// Starts a TCP connection to `remote` from this interface. The connection is usually `.connecting`
    /// at first: wait for `wantsWritable` to clear (POLLOUT), or call `updateState()` each tick.
    func connect(to remote: IPEndpoint) throws(SocketError) -> any StreamConnection
}

/// A UDP socket on one interface (SDP: the SECC's server on 15118, the EV's client on an ephemeral port).
public protocol DatagramSocket: AnyObject {
    var interface: String { get }
    /// [::]:port (the bound port).
    var localEndpoint: IPEndpoint { get }
    /// Readable when a datagram waits; nil for a twin (pump it every tick) or once closed.
    var pollDescriptor: Int32? { get }
    /// Sends one datagram. A link-local or ff02:: destination without a scope id leaves through this
    /// socket's interface. False when the socket's queue is full (try again later).
    func send(_ payload: RawSpan, to destination: IPEndpoint) throws(SocketError) -> Bool
    /// Takes one datagram into `buffer` (setting its count) and returns its sender (scope id set), or
    /// nil when none waits. A datagram longer than `buffer.capacity` is dropped with
    /// `.datagramTooLong`, never truncated.
    func receive(into buffer: FrameBuffer) throws(SocketError) -> IPEndpoint?
    func close()
}

/// A TCP server socket (the SECC's V2G server).
public protocol StreamListener: AnyObject {
    var interface: String { get }
    /// The address and port actually bound (an ephemeral port resolved).
    var localEndpoint: IPEndpoint { get }
    /// Readable when a connection waits to be accepted.
    var pollDescriptor: Int32? { get }
    /// Takes one established connection (`.open`, TCP_NODELAY), or nil when none waits. Allocates the
    /// connection object: once per session, not per message.
    func accept() throws(SocketError) -> (any StreamConnection)?
    func close()
}

/// Where a TCP connection stands.
public enum StreamState: Sendable, Equatable, CustomStringConvertible {
    /// The handshake runs (a client's connect in progress).
    case connecting
    case open
    /// The peer closed its side in order (FIN) and everything it sent has been received.
    case closedByPeer
    /// The peer reset the connection (RST), or a send found it broken.
    case reset
    /// The connection could not be made or broke otherwise (refused, timed out, unreachable).
    case failed(SocketError)
    /// We closed or aborted it.
    case closed

    /// No more bytes will come or go.
    public var isFinished: Bool {
        switch self {
        case .connecting, .open: return false
        case .closedByPeer, .reset, .failed, .closed: return true
        }
    }

    public var description: String {
        switch self {
        case .connecting: return "connecting"
        case .open: return "open"
        case .closedByPeer: return "closed by peer"
        case .reset: return "reset by peer"
        case .failed(let e): return "failed: \(e)"
        case .closed: return "closed"
        }
    }
}

/// One TCP connection (a V2G session).
///
/// Contract: `send` takes what the kernel's send buffer takes now and returns the count (0 while
/// connecting or while the buffer is full, then `wantsWritable` is true until a send takes everything
/// offered); `receive` returns what has arrived, 0 when nothing waits or the connection is finished
/// (`state` says which). A peer's FIN makes `state` `.closedByPeer` once its bytes are read; a reset is
/// thrown once as `.reset` (kind `.disconnected`) and leaves `state` `.reset`.
public protocol StreamConnection: AnyObject {
    var interface: String { get }
    var localEndpoint: IPEndpoint { get }
    var remoteEndpoint: IPEndpoint { get }
    /// Readable when bytes (or a FIN, or an error) wait; writable when a connect finished or the send
    /// buffer has room again. nil for a twin or once closed.
    var pollDescriptor: Int32? { get }
    var state: StreamState { get }
    /// True while the connection needs the descriptor to become writable: a connect in progress, or
    /// a send that found the send buffer full. A loop polls for POLLOUT only while this is true.
    var wantsWritable: Bool { get }
    /// Advances a connect in progress to `.open` or `.failed` (refused, timed out); does nothing in
    /// other states. Call it when the descriptor is writable, or every tick. Returns the state.
    @discardableResult
    func updateState() -> StreamState
    /// Moves bytes that have arrived into `buffer`; returns the count.
    func receive(into buffer: inout MutableRawSpan) throws(SocketError) -> Int
    /// Sends as many of `bytes` as fit now; returns the count.
    func send(_ bytes: RawSpan) throws(SocketError) -> Int
    /// The orderly end of our side: FIN after everything sent so far. Receiving goes on.
    func shutdownOutput() throws(SocketError)
    /// Abortive close: the peer sees a reset at once, queued bytes are discarded. State `.closed`.
    func abort()
    /// Orderly close (FIN if not sent yet). State `.closed`.
    func close()
}

extension StreamConnection {
    /// Receives straight into `queue`'s free space until nothing more waits or the queue is full.
    /// Returns the count.
    @discardableResult
    public func receive(into queue: ByteQueue) throws(SocketError) -> Int {
        var total = 0
        while true {
            let region = queue.unsafeWritableRegion()
            if region.count == 0 { return total }
            var span = MutableRawSpan(_unsafeBytes: region)
            let n = try receive(into: &span)
            if n == 0 { return total }
            queue.commitPush(n)
            total += n
        }
    }

    /// Sends from the front of `queue` and removes what was sent. Returns the count.
    @discardableResult
    public func send(from queue: ByteQueue) throws(SocketError) -> Int {
        var total = 0
        while !queue.isEmpty {
            let region = queue.unsafeReadableRegion()
            let n = try send(RawSpan(_unsafeBytes: region))
            queue.discard(n)
            total += n
            if n < region.count { break }
        }
        return total
    }
}

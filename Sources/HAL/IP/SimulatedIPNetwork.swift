import Buffers
import SystemPackage

/// An in-process IPv6 link for the IP twins: every attached `SimulatedIPInterface` is one node with a
/// link-local address derived from its MAC. Datagram sockets, listeners and connections made on those
/// interfaces reach each other as on a veth pair: unicast to a node's address and port, multicast to
/// ff02::1 (received by sockets that joined it on the other nodes — stricter than Linux, so a server
/// that forgot the join fails on the twin too), TCP connect → the listener's backlog → accept, bytes
/// through fixed buffers in each direction.
///
/// Faults: `dropNextDatagrams` (loss), `refuseConnections` (every connect refused, as by an RST to the
/// SYN), `unansweredConnects` (SYNs vanish: connects stay `.connecting` until `timeOut()`), per
/// interface `linkUp`/`addressReady`, and per connection (`SimulatedStreamConnection.Backend`) reset,
/// short writes, stalls and one-shot errors. Twins have no descriptor: pump them every tick.
///
/// Opening sockets and connecting allocate; sending and receiving do not.
public final class SimulatedIPNetwork {
    /// Bytes each direction of a connection buffers (the peer's receive buffer: a full one stalls the
    /// sender, as a closed TCP window does).
    public let streamBufferCapacity: Int
    /// Datagrams each datagram socket queues, and the longest one it carries.
    public let datagramSlots: Int
    public let maximumDatagramLength: Int

    /// The next `n` datagrams sent on this link are lost.
    public var dropNextDatagrams = 0
    /// Datagrams lost to `dropNextDatagrams`, or because the receiver's queue was full.
    public private(set) var lostDatagrams = 0
    /// Every connect is refused (the peer answers the SYN with a reset).
    public var refuseConnections = false
    /// Connect requests go unanswered: the connection stays `.connecting`.
    public var unansweredConnects = false

    struct Weak<T: AnyObject> { weak var value: T? }
    var datagramSockets: [Weak<SimulatedDatagramSocket>] = []
    var listeners: [Weak<SimulatedStreamListener>] = []
    private var nextIndex: UInt32 = 1
    private var nextEphemeralPort: UInt16 = 49152

    public init(streamBufferCapacity: Int = 16 * 1024, datagramSlots: Int = 16, maximumDatagramLength: Int = 1452) {
        self.streamBufferCapacity = streamBufferCapacity
        self.datagramSlots = datagramSlots
        self.maximumDatagramLength = maximumDatagramLength
    }

    /// Attaches a node: an interface called `name` whose link-local address derives from `mac`.
    public func attach(_ name: String, mac: MACAddress) -> SimulatedIPInterface {
        defer { nextIndex += 1 }
        return SimulatedIPInterface(network: self, name: name, index: nextIndex, mac: mac)
    }

    func ephemeralPort() -> UInt16 {
        defer { nextEphemeralPort = nextEphemeralPort == 65535 ? 49152 : nextEphemeralPort + 1 }
        return nextEphemeralPort
    }

    func portTaken(_ port: UInt16, on node: SimulatedIPInterface, stream: Bool) -> Bool {
        if stream {
            return listeners.contains { $0.value.map { !$0.isClosed && $0.node === node && $0.localEndpoint.port == port } ?? false }
        }
        return datagramSockets.contains { $0.value.map { !$0.isClosed && $0.node === node && $0.localEndpoint.port == port } ?? false }
    }

    func register(_ socket: SimulatedDatagramSocket) {
        datagramSockets.removeAll { $0.value == nil }
        datagramSockets.append(Weak(value: socket))
    }

    func register(_ listener: SimulatedStreamListener) {
        listeners.removeAll { $0.value == nil }
        listeners.append(Weak(value: listener))
    }

    /// Carries one datagram to every socket it is for (allocation-free).
    func deliver(_ payload: borrowing RawSpan, from sender: SimulatedDatagramSocket, to destination: IPEndpoint) {
        if dropNextDatagrams > 0 {
            dropNextDatagrams -= 1
            lostDatagrams &+= 1
            return
        }
        let multicast = destination.address.high >> 56 == 0xFF
        var i = 0
        while i < datagramSockets.count {
            defer { i += 1 }
            guard let s = datagramSockets[i].value, s !== sender, !s.isClosed, s.localEndpoint.port == destination.port,
                  s.node.linkUp else { continue }
            if multicast {
                guard s.joinedAllNodes, s.node !== sender.node, destination.address.high == IPv6Address.allNodes.high,
                      destination.address.low == IPv6Address.allNodes.low else { continue }
            } else {
                guard s.node.addressReady, s.node.address.high == destination.address.high,
                      s.node.address.low == destination.address.low else { continue }
            }
            let from = IPEndpoint(sender.node.address(scope: s.node.index), port: sender.localEndpoint.port)
            if s.inbox.push(payload) { s.senders.push(from) } else { lostDatagrams &+= 1 }
        }
    }

    func connect(from node: SimulatedIPInterface, to remote: IPEndpoint) throws(SocketError) -> SimulatedStreamConnection {
        guard node.linkUp else { throw .connect(node.name, remote, errno: .networkUnreachable) }
        guard node.addressReady else { throw .connect(node.name, remote, errno: .addressNotAvailable) }
        let scope = remote.address.scopeID != 0 ? remote.address.scopeID : node.index
        let client = SimulatedStreamConnection(node: node, local: IPEndpoint(node.address, port: ephemeralPort()),
                                               remote: IPEndpoint(remote.address.withScope(scope), port: remote.port),
                                               state: .connecting, capacity: streamBufferCapacity)
        if unansweredConnects {
            client.outcome = .unanswered
            return client
        }
        let listener = listeners.lazy.compactMap(\.value).first {
            !$0.isClosed && $0.node.linkUp && $0.node.addressReady && $0.localEndpoint.port == remote.port
                && $0.node.address.high == remote.address.high && $0.node.address.low == remote.address.low
        }
        guard !refuseConnections, let listener, listener.pending.count < listener.backlog else {
            client.outcome = .refused
            return client
        }
        let server = SimulatedStreamConnection(
            node: listener.node, local: listener.localEndpoint,
            remote: IPEndpoint(node.address(scope: listener.node.index), port: client.localEndpoint.port),
            state: .open, capacity: streamBufferCapacity)
        server.peer = client
        client.peer = server
        client.outcome = .accepted
        listener.pending.append(server)
        return client
    }
}

extension IPv6Address {
    func withScope(_ scope: UInt32) -> IPv6Address { IPv6Address(high: high, low: low, scopeID: scope) }
}

/// One node on a `SimulatedIPNetwork`.
public final class SimulatedIPInterface: IPInterface {
    public let name: String
    public let index: UInt32
    public let mac: MACAddress
    public let network: SimulatedIPNetwork
    /// False: the link is down (sends fail with ENETDOWN, connects with ENETUNREACH, nothing arrives).
    public var linkUp = true
    /// False: no usable link-local address yet (duplicate address detection running): listening and
    /// `linkLocalAddress()` fail with EADDRNOTAVAIL (kind `.linkDown`), nothing addressed to it arrives.
    public var addressReady = true

    init(network: SimulatedIPNetwork, name: String, index: UInt32, mac: MACAddress) {
        self.network = network
        self.name = name
        self.index = index
        self.mac = mac
    }

    /// The link-local address (scope id = `index`).
    public var address: IPv6Address { address(scope: index) }

    func address(scope: UInt32) -> IPv6Address { IPv6Address.linkLocal(mac: mac, scopeID: scope) }

    public func linkLocalAddress() throws(SocketError) -> IPv6Address {
        guard addressReady else { throw .interface(name, errno: .addressNotAvailable) }
        return address
    }

    public func openDatagramSocket(port: UInt16, joinAllNodes: Bool) throws(SocketError) -> any DatagramSocket {
        try openSimulatedDatagramSocket(port: port, joinAllNodes: joinAllNodes)
    }

    /// `openDatagramSocket` with the twin's type (for its backend).
    public func openSimulatedDatagramSocket(port: UInt16, joinAllNodes: Bool) throws(SocketError) -> SimulatedDatagramSocket {
        if network.portTaken(port, on: self, stream: false) {
            throw .open(name, IPEndpoint(.unspecified, port: port), errno: .addressInUse)
        }
        let socket = SimulatedDatagramSocket(node: self, port: port == 0 ? network.ephemeralPort() : port,
                                             joinAllNodes: joinAllNodes)
        network.register(socket)
        return socket
    }

    public func listen(port: UInt16, backlog: Int) throws(SocketError) -> any StreamListener {
        try listenSimulated(port: port, backlog: backlog)
    }

    /// `listen` with the twin's type.
    public func listenSimulated(port: UInt16, backlog: Int) throws(SocketError) -> SimulatedStreamListener {
        let local = try IPEndpoint(linkLocalAddress(), port: port)
        guard backlog > 0 else { throw .open(name, local, errno: .invalidArgument) }
        if port != 0, network.portTaken(port, on: self, stream: true) { throw .open(name, local, errno: .addressInUse) }
        let listener = SimulatedStreamListener(node: self, local: IPEndpoint(address, port: port == 0 ? network.ephemeralPort() : port),
                                               backlog: backlog)
        network.register(listener)
        return listener
    }

    public func connect(to remote: IPEndpoint) throws(SocketError) -> any StreamConnection {
        try network.connect(from: self, to: remote)
    }

    /// `connect` with the twin's type (for its backend).
    public func connectSimulated(to remote: IPEndpoint) throws(SocketError) -> SimulatedStreamConnection {
        try network.connect(from: self, to: remote)
    }
}

/// The twin of a UDP socket bound to [::]:port on one node.
public final class SimulatedDatagramSocket: DatagramSocket {
    public let node: SimulatedIPInterface
    public let localEndpoint: IPEndpoint
    public let joinedAllNodes: Bool
    public let backend = Backend()
    let inbox: FrameQueue
    let senders: RingBuffer<IPEndpoint>
    private(set) var isClosed = false

    public final class Backend {
        /// The next send fails with this errno (ENOBUFS/EAGAIN: a full queue, `send` answers false).
        public var failNextSend: Errno?
        public var failNextReceive: Errno?
        /// Datagrams this socket sent (lost ones included).
        public fileprivate(set) var sent = 0
    }

    init(node: SimulatedIPInterface, port: UInt16, joinAllNodes: Bool) {
        self.node = node
        localEndpoint = IPEndpoint(.unspecified, port: port)
        joinedAllNodes = joinAllNodes
        let slots = node.network.datagramSlots
        inbox = FrameQueue(slots: slots, maxFrameLength: node.network.maximumDatagramLength)
        senders = RingBuffer(capacity: slots, filler: IPEndpoint(.unspecified, port: 0))
    }

    public var interface: String { node.name }
    public var pollDescriptor: Int32? { nil }

    public func send(_ payload: RawSpan, to destination: IPEndpoint) throws(SocketError) -> Bool {
        guard !isClosed else { throw .closed(interface, localEndpoint) }
        if let e = backend.failNextSend {
            backend.failNextSend = nil
            if e == .noBufferSpace || e == .resourceTemporarilyUnavailable { return false }
            throw .send(interface, destination, errno: e)
        }
        guard node.linkUp else { throw .send(interface, destination, errno: .networkDown) }
        guard payload.byteCount <= node.network.maximumDatagramLength else {
            throw .datagramTooLong(interface, length: payload.byteCount)
        }
        backend.sent &+= 1
        node.network.deliver(payload, from: self, to: destination)
        return true
    }

    public func receive(into buffer: FrameBuffer) throws(SocketError) -> IPEndpoint? {
        guard !isClosed else { throw .closed(interface, localEndpoint) }
        if let e = backend.failNextReceive {
            backend.failNextReceive = nil
            throw .receive(interface, localEndpoint, errno: e)
        }
        guard let length = inbox.frontLength(), let from = senders.pop() else { return nil }
        guard length <= buffer.capacity else {
            inbox.dropFront()
            throw .datagramTooLong(interface, length: length)
        }
        inbox.popFront(into: buffer)
        return from
    }

    public func close() {
        isClosed = true
        inbox.removeAll()
        senders.removeAll()
    }
}

/// The twin of a TCP listener on one node.
public final class SimulatedStreamListener: StreamListener {
    public let node: SimulatedIPInterface
    public let localEndpoint: IPEndpoint
    public let backlog: Int
    /// The next accept fails with this errno.
    public var failNextAccept: Errno?
    var pending: [SimulatedStreamConnection] = []
    private(set) var isClosed = false

    init(node: SimulatedIPInterface, local: IPEndpoint, backlog: Int) {
        self.node = node
        localEndpoint = local
        self.backlog = backlog
        pending.reserveCapacity(backlog)
    }

    public var interface: String { node.name }
    public var pollDescriptor: Int32? { nil }
    /// Connections waiting to be accepted.
    public var pendingCount: Int { pending.count }

    public func accept() throws(SocketError) -> (any StreamConnection)? { try acceptSimulated() }

    /// `accept` with the twin's type (for its backend).
    public func acceptSimulated() throws(SocketError) -> SimulatedStreamConnection? {
        guard !isClosed else { throw .closed(interface, localEndpoint) }
        if let e = failNextAccept {
            failNextAccept = nil
            throw .accept(interface, localEndpoint, errno: e)
        }
        guard !pending.isEmpty else { return nil }
        return pending.removeFirst()
    }

    /// Closing a listener resets the connections nobody accepted, as the kernel does.
    public func close() {
        isClosed = true
        for c in pending { c.abort() }
        pending.removeAll()
    }
}

/// The twin of one TCP connection; its peer is the connection at the other end.
public final class SimulatedStreamConnection: StreamConnection {
    public let node: SimulatedIPInterface
    public let localEndpoint: IPEndpoint
    public let remoteEndpoint: IPEndpoint
    public private(set) var state: StreamState
    public let backend = Backend()

    enum Outcome { case accepted, refused, unanswered }
    var outcome: Outcome = .accepted
    weak var peer: SimulatedStreamConnection?
    /// What the peer sent and we have not read (our receive buffer).
    let inbound: ByteQueue
    private var peerFinished = false
    private var resetPending = false
    private var pendingError: Errno?
    private var outputShut = false
    private var sendBlocked = false
    private var ours = false   // closed or aborted by us

    /// Faults on this end of the connection.
    public final class Backend {
        fileprivate weak var connection: SimulatedStreamConnection?
        /// A send takes at most this many bytes (0: no limit): short writes.
        public var maxBytesPerSend = 0
        /// The peer's window is closed: sends take nothing (wantsWritable) until cleared.
        public var stalled = false
        /// The next send or receive fails with this errno (once).
        public var failNextSend: Errno?
        public var failNextReceive: Errno?
        /// The peer (or something on the path) resets the connection: the next receive or send on
        /// this end throws `.reset`, what was buffered is gone. The peer's end is reset as well.
        public func reset() {
            connection?.resetByPeer()
            connection?.peer?.resetByPeer()
        }
        /// Retransmissions give up: a connect in progress fails with ETIMEDOUT, an open connection's
        /// next call throws ETIMEDOUT.
        public func timeOut() { connection?.pendingError = .timedOut }
        /// Bytes waiting in this end's receive buffer.
        public var bufferedBytes: Int { connection?.inbound.count ?? 0 }
    }

    init(node: SimulatedIPInterface, local: IPEndpoint, remote: IPEndpoint, state: StreamState, capacity: Int) {
        self.node = node
        localEndpoint = local
        remoteEndpoint = remote
        self.state = state
        inbound = ByteQueue(capacity: capacity)
        backend.connection = self
    }

    deinit { peer?.peerClosed() }

    public var interface: String { node.name }
    public var pollDescriptor: Int32? { nil }

    public var wantsWritable: Bool {
        switch state {
        case .connecting: return true
        case .open, .closedByPeer: return sendBlocked
        default: return false
        }
    }

    func resetByPeer() {
        guard !ours else { return }
        resetPending = true
    }

    func peerClosed() { peerFinished = true }

    @discardableResult
    public func updateState() -> StreamState {
        guard case .connecting = state else { return state }
        if let e = pendingError {
            pendingError = nil
            state = .failed(.connect(interface, remoteEndpoint, errno: e))
            return state
        }
        switch outcome {
        case .accepted: state = resetPending ? .failed(.connect(interface, remoteEndpoint, errno: .connectionRefused)) : .open
        case .refused: state = .failed(.connect(interface, remoteEndpoint, errno: .connectionRefused))
        case .unanswered: break
        }
        return state
    }

    public func receive(into buffer: inout MutableRawSpan) throws(SocketError) -> Int {
        guard !ours else { throw .closed(interface, remoteEndpoint) }
        guard case .open = updateState() else { return 0 }
        if resetPending {
            resetPending = false
            inbound.removeAll()
            state = .reset
            throw .reset(interface, remoteEndpoint)
        }
        if let e = backend.failNextReceive ?? pendingError {
            backend.failNextReceive = nil
            pendingError = nil
            let error = SocketError.receive(interface, remoteEndpoint, errno: e)
            state = .failed(error)
            throw error
        }
        let n = inbound.pop(into: &buffer)
        if n == 0, peerFinished || peer == nil {
            state = .closedByPeer
        }
        return n
    }

    public func send(_ bytes: RawSpan) throws(SocketError) -> Int {
        guard !ours else { throw .closed(interface, remoteEndpoint) }
        switch updateState() {
        case .connecting: return 0
        case .open, .closedByPeer: break
        case .reset: throw .reset(interface, remoteEndpoint)
        case .failed(let e): throw e
        case .closed: throw .closed(interface, remoteEndpoint)
        }
        if resetPending || peer == nil || peer?.ours == true {
            // A peer that is gone answers what we send with a reset.
            resetPending = false
            sendBlocked = false
            inbound.removeAll()
            state = .reset
            throw .reset(interface, remoteEndpoint)
        }
        if let e = backend.failNextSend ?? pendingError {
            backend.failNextSend = nil
            pendingError = nil
            let error = SocketError.send(interface, remoteEndpoint, errno: e)
            state = .failed(error)
            throw error
        }
        if outputShut { throw .send(interface, remoteEndpoint, errno: .brokenPipe) }
        guard let peer, !backend.stalled else {
            sendBlocked = bytes.byteCount > 0
            return 0
        }
        var n = min(bytes.byteCount, peer.inbound.freeCount)
        if backend.maxBytesPerSend > 0 { n = min(n, backend.maxBytesPerSend) }
        let taken = bytes.extracting(0..<n)
        peer.inbound.push(taken)
        sendBlocked = n < bytes.byteCount
        return n
    }

    public func shutdownOutput() throws(SocketError) {
        guard !ours else { throw .closed(interface, remoteEndpoint) }
        outputShut = true
        peer?.peerClosed()
    }

    public func abort() {
        guard !ours else { return }
        peer?.resetByPeer()
        finish()
    }

    public func close() {
        guard !ours else { return }
        peer?.peerClosed()
        finish()
    }

    private func finish() {
        ours = true
        state = .closed
        sendBlocked = false
        inbound.removeAll()
    }
}

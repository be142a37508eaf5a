import Buffers
import CSocket
import Glibc
import SystemPackage

// The Linux side of the IP transport, over the CSocket shim. Sockets are made in the network namespace
// of the calling thread (as the kernel does); once made they work from any thread.

extension ck_sock_addr {
    init(_ endpoint: IPEndpoint) {
        self.init()
        let a = endpoint.address
        withUnsafeMutableBytes(of: &addr) { raw in
            for i in 0..<16 { raw[i] = a.octet(i) }
        }
        scope_id = a.scopeID
        port = endpoint.port
    }

    var endpoint: IPEndpoint {
        var h: UInt64 = 0, l: UInt64 = 0
        withUnsafeBytes(of: addr) { raw in
            for i in 0..<8 { h = h << 8 | UInt64(raw[i]) }
            for i in 8..<16 { l = l << 8 | UInt64(raw[i]) }
        }
        return IPEndpoint(IPv6Address(high: h, low: l, scopeID: scope_id), port: port)
    }
}

/// The Errno of a shim's -errno result.
@inline(__always) private func code(_ r: Int32) -> Errno { Errno(rawValue: -r) }
@inline(__always) private func code(_ r: Int) -> Errno { Errno(rawValue: Int32(truncatingIfNeeded: -r)) }

/// A Linux network interface (by name) as the IP layer sees it.
public final class LinuxIPInterface: IPInterface {
    public let name: String
    public let index: UInt32
    private let cName: [CChar]

    /// Looks the interface up in the calling thread's network namespace. `.interface(ENODEV)`, kind
    /// `.absent`, when there is none.
    public init(name: String) throws(SocketError) {
        self.name = name
        var idx: Int32 = 0
        let r = ck_sock_interface(name, &idx, nil)
        guard r >= 0 else { throw .interface(name, errno: code(r)) }
        index = UInt32(idx)
        cName = Array(name.utf8CString)
    }

    /// Whether the interface still exists with the index it had (a TAP deleted, a netdev unbound, or
    /// one re-created under the same name all read false). One `if_nametoindex` with the name kept
    /// as a C string: cheap enough to poll a few times a second.
    public func isPresent() -> Bool {
        cName.withUnsafeBufferPointer { p -> Bool in
            var idx: Int32 = 0
            return ck_sock_interface(p.baseAddress!, &idx, nil) >= 0 && UInt32(idx) == index
        }
    }

    public func linkLocalAddress() throws(SocketError) -> IPv6Address {
        var idx: Int32 = 0
        var ll = ck_sock_addr()
        let r = ck_sock_interface(name, &idx, &ll)
        guard r >= 0 else { throw .interface(name, errno: code(r)) }
        return ll.endpoint.address
    }

    public func openDatagramSocket(port: UInt16, joinAllNodes: Bool) throws(SocketError) -> any DatagramSocket {
        try LinuxDatagramSocket(interface: name, port: port, joinAllNodes: joinAllNodes)
    }

    public func listen(port: UInt16, backlog: Int) throws(SocketError) -> any StreamListener {
        try LinuxStreamListener(interface: name, local: IPEndpoint(linkLocalAddress(), port: port), backlog: backlog)
    }

    public func connect(to remote: IPEndpoint) throws(SocketError) -> any StreamConnection {
        try LinuxStreamConnection.connect(interface: name, to: remote)
    }
}

/// A UDP socket bound to [::]:port on one interface (CSocket `ck_udp6_*`).
public final class LinuxDatagramSocket: DatagramSocket {
    public let interface: String
    public let interfaceIndex: UInt32
    public let localEndpoint: IPEndpoint
    private var fd: Int32

    public init(interface: String, port: UInt16, joinAllNodes: Bool) throws(SocketError) {
        self.interface = interface
        var idx: Int32 = 0
        var bound: UInt16 = 0
        let r = ck_udp6_open(interface, port, joinAllNodes ? 1 : 0, &idx, &bound)
        guard r >= 0 else {
            let e = code(r)
            // An unknown interface is a fact about the interface, not the port.
            if e == .operationNotSupportedByDevice || e == .fileNameTooLong { throw .interface(interface, errno: e) }
            throw .open(interface, IPEndpoint(.unspecified, port: port), errno: e)
        }
        fd = r
        interfaceIndex = UInt32(idx)
        localEndpoint = IPEndpoint(.unspecified, port: bound)
    }

    deinit { if fd >= 0 { ck_sock_close(fd) } }

    public var pollDescriptor: Int32? { fd >= 0 ? fd : nil }

    public func send(_ payload: RawSpan, to destination: IPEndpoint) throws(SocketError) -> Bool {
        guard fd >= 0 else { throw .closed(interface, localEndpoint) }
        var to = ck_sock_addr(destination)
        let n = payload.withUnsafeBytes { ck_udp6_send(fd, Int32(interfaceIndex), $0.baseAddress?.assumingMemoryBound(to: UInt8.self), $0.count, &to) }
        if n == -Int(EMSGSIZE) { throw .datagramTooLong(interface, length: payload.byteCount) }
        guard n >= 0 else { throw .send(interface, destination, errno: code(n)) }
        return n > 0 || payload.byteCount == 0
    }

    public func receive(into buffer: FrameBuffer) throws(SocketError) -> IPEndpoint? {
        guard fd >= 0 else { throw .closed(interface, localEndpoint) }
        let region = buffer.unsafeMutableBytes
        var from = ck_sock_addr()
        var length = 0
        let n = ck_udp6_receive(fd, region.baseAddress!.assumingMemoryBound(to: UInt8.self), region.count, &from, &length)
        if n == -Int(EAGAIN) { return nil }
        if n == -Int(EMSGSIZE) { throw .datagramTooLong(interface, length: length) }
        guard n >= 0 else { throw .receive(interface, localEndpoint, errno: code(n)) }
        buffer.setCount(n)
        return from.endpoint
    }

    public func close() {
        if fd >= 0 { ck_sock_close(fd) }
        fd = -1
    }
}

/// A TCP server on one interface (CSocket `ck_tcp_listen`/`ck_tcp_accept`).
public final class LinuxStreamListener: StreamListener {
    public let interface: String
    public let localEndpoint: IPEndpoint
    private var fd: Int32

    /// Listens on `local` (a link-local address; scope id 0 = this interface) on `interface` only.
    public init(interface: String, local: IPEndpoint, backlog: Int = 3) throws(SocketError) {
        self.interface = interface
        var want = ck_sock_addr(local)
        var bound = ck_sock_addr()
        let r = ck_tcp_listen(interface, &want, Int32(clamping: backlog), &bound)
        guard r >= 0 else {
            let e = code(r)
            if e == .operationNotSupportedByDevice || e == .fileNameTooLong { throw .interface(interface, errno: e) }
            throw .open(interface, local, errno: e)
        }
        fd = r
        localEndpoint = bound.endpoint
    }

    deinit { if fd >= 0 { ck_sock_close(fd) } }

    public var pollDescriptor: Int32? { fd >= 0 ? fd : nil }

    public func accept() throws(SocketError) -> (any StreamConnection)? {
        guard fd >= 0 else { throw .closed(interface, localEndpoint) }
        var peer = ck_sock_addr()
        let c = ck_tcp_accept(fd, &peer)
        if c == -EAGAIN { return nil }
        guard c >= 0 else { throw .accept(interface, localEndpoint, errno: code(c)) }
        var local = ck_sock_addr()
        let endpoint = ck_sock_local(c, &local) >= 0 ? local.endpoint : localEndpoint
        return LinuxStreamConnection(fd: c, interface: interface, local: endpoint, remote: peer.endpoint, state: .open)
    }

    public func close() {
        if fd >= 0 { ck_sock_close(fd) }
        fd = -1
    }
}

/// One TCP connection (CSocket `ck_tcp_*`).
public final class LinuxStreamConnection: StreamConnection {
    public let interface: String
    public private(set) var localEndpoint: IPEndpoint
    public let remoteEndpoint: IPEndpoint
    public private(set) var state: StreamState
    private var fd: Int32
    /// The last send found the send buffer full.
    private var sendBlocked = false

    init(fd: Int32, interface: String, local: IPEndpoint, remote: IPEndpoint, state: StreamState) {
        self.fd = fd
        self.interface = interface
        localEndpoint = local
        remoteEndpoint = remote
        self.state = state
    }

    /// Starts a connection to `remote` leaving through `interface` (SO_BINDTODEVICE). A refusal the
    /// kernel knows at once is thrown here; one that arrives later shows as `.failed` state.
    public static func connect(interface: String, to remote: IPEndpoint) throws(SocketError) -> LinuxStreamConnection {
        var to = ck_sock_addr(remote)
        var inProgress: Int32 = 0
        let r = ck_tcp_connect(interface, &to, &inProgress)
        guard r >= 0 else {
            let e = code(r)
            if e == .operationNotSupportedByDevice || e == .fileNameTooLong { throw .interface(interface, errno: e) }
            throw .connect(interface, remote, errno: e)
        }
        var local = ck_sock_addr()
        let endpoint = ck_sock_local(r, &local) >= 0 ? local.endpoint : IPEndpoint(.unspecified, port: 0)
        return LinuxStreamConnection(fd: r, interface: interface, local: endpoint, remote: remote,
                                     state: inProgress != 0 ? .connecting : .open)
    }

    deinit { if fd >= 0 { ck_sock_close(fd) } }

    public var pollDescriptor: Int32? { fd >= 0 ? fd : nil }

    public var wantsWritable: Bool {
        switch state {
        case .connecting: return fd >= 0
        case .open, .closedByPeer: return sendBlocked
        default: return false
        }
    }

    @discardableResult
    public func updateState() -> StreamState {
        guard case .connecting = state, fd >= 0 else { return state }
        let r = ck_tcp_connect_status(fd)
        if r > 0 {
            state = .open
            var local = ck_sock_addr()
            if ck_sock_local(fd, &local) >= 0 { localEndpoint = local.endpoint }
        } else if r < 0 {
            state = .failed(.connect(interface, remoteEndpoint, errno: code(r)))
        }
        return state
    }

    public func receive(into buffer: inout MutableRawSpan) throws(SocketError) -> Int {
        guard fd >= 0 else { throw .closed(interface, remoteEndpoint) }
        switch updateState() {
        case .connecting, .closedByPeer, .reset, .failed, .closed: return 0
        case .open: break
        }
        guard buffer.byteCount > 0 else { return 0 }
        let n = buffer.withUnsafeMutableBytes { ck_tcp_receive(fd, $0.baseAddress?.assumingMemoryBound(to: UInt8.self), $0.count) }
        if n > 0 { return n }
        if n == 0 {
            state = .closedByPeer
            return 0
        }
        if n == -Int(EAGAIN) { return 0 }
        throw fail(code(n), sending: false)
    }

    public func send(_ bytes: RawSpan) throws(SocketError) -> Int {
        guard fd >= 0 else { throw .closed(interface, remoteEndpoint) }
        switch updateState() {
        case .connecting: return 0
        case .open, .closedByPeer: break
        case .reset: throw .reset(interface, remoteEndpoint)
        case .failed(let e): throw e
        case .closed: throw .closed(interface, remoteEndpoint)
        }
        let n = bytes.withUnsafeBytes { ck_tcp_send(fd, $0.baseAddress?.assumingMemoryBound(to: UInt8.self), $0.count) }
        guard n >= 0 else { throw fail(code(n), sending: true) }
        sendBlocked = n < bytes.byteCount
        return n
    }

    /// Records how the connection ended and returns the error to throw.
    private func fail(_ e: Errno, sending: Bool) -> SocketError {
        sendBlocked = false
        if e == .connectionReset || e == .brokenPipe {
            state = .reset
            return .reset(interface, remoteEndpoint)
        }
        let error: SocketError = sending ? .send(interface, remoteEndpoint, errno: e) : .receive(interface, remoteEndpoint, errno: e)
        state = .failed(error)
        return error
    }

    public func shutdownOutput() throws(SocketError) {
        guard fd >= 0 else { throw .closed(interface, remoteEndpoint) }
        let r = ck_tcp_shutdown_write(fd)
        guard r >= 0 else { throw .send(interface, remoteEndpoint, errno: code(r)) }
    }

    public func abort() {
        if fd >= 0 { ck_sock_abort(fd) }
        fd = -1
        state = .closed
        sendBlocked = false
    }

    public func close() {
        if fd >= 0 { ck_sock_close(fd) }
        fd = -1
        state = .closed
        sendBlocked = false
    }
}

import CSocket
import Glibc
import SystemPackage

/// A CAN bus shared by processes on one host over IPv6 UDP multicast, wire-compatible with
/// python-can's `udp_multicast` interface (python-can 4.x `UdpMulticastBus`): the same default group
/// (ff15:7079:7468:6f6e:6465:6d6f:6d63:6173), port (43113) and hop limit (1), one MessagePack record
/// per frame (`CANMessagePackRecord`). Any python-can process joined to the group on the same
/// interface (cantools' monitor, `python -m can.logger -i udp_multicast`, a script) sees our frames
/// and we see theirs; there is no arbitration, acknowledgement or bitrate.
///
/// Two sockets: one joined to the group on `interface` receives (SO_REUSEPORT, as python-can, so any
/// number of processes share the port), one on an ephemeral port sends. Multicast loops back to every
/// member on the host, the sender's own socket included; datagrams whose source port is our send
/// socket's are our own frames and are dropped, as a CAN controller does not receive what it sends.
///
/// Contract as `CANBus`: nothing blocks; `send`/`receive` do not allocate (buffers made once); a
/// datagram that is not a record is dropped and counted (`malformedRecords`), never thrown.
public final class UDPMulticastCANBus: CANBus {
    /// python-can's `UdpMulticastBus.DEFAULT_GROUP_IPv6`: site-local scope.
    public static let defaultGroup = IPv6Address(high: 0xFF15_7079_7468_6F6E, low: 0x6465_6D6F_6D63_6173)
    /// python-can's default port.
    public static let defaultPort: UInt16 = 43113
    /// python-can's default hop limit: the frames never leave the link.
    public static let defaultHopLimit = 1

    /// The IP interface the group is joined on (named by the board's CAN device).
    public let interface: String
    public let group: IPv6Address
    public let port: UInt16
    /// Datagrams dropped because they were not a python-can record (or carried a frame CAN cannot).
    public private(set) var malformedRecords = 0
    /// Our own frames looped back by the kernel, dropped.
    public private(set) var ownFramesDropped = 0
    /// The last record that could not be read, for a bring-up tool.
    public private(set) var lastDecodeError: CANMessagePackRecord.DecodeError?

    private var receiveFD: Int32
    private var sendFD: Int32
    private let interfaceIndex: Int32
    private let sendPort: UInt16
    private var filters: [CANFilter] = []
    private let buffer: UnsafeMutableRawBufferPointer

    /// Joins `group`:`port` on `interface` (an interface of the calling thread's network namespace).
    /// `.open(interface, errno:)` when there is no such interface or the port cannot be shared.
    public init(interface: String, group: IPv6Address = defaultGroup, port: UInt16 = defaultPort,
                hopLimit: Int = defaultHopLimit) throws(CANError) {
        self.interface = interface
        self.group = group
        self.port = port
        var g: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &g) { raw in for i in 0..<16 { raw[i] = group.octet(i) } }
        var idx: Int32 = 0
        let r = withUnsafeBytes(of: &g) { ck_udp6_multicast_open(interface, $0.baseAddress!.assumingMemoryBound(to: UInt8.self), port, Int32(hopLimit), &idx) }
        guard r >= 0 else { throw .open(interface, errno: Errno(rawValue: -r)) }
        let s = withUnsafeBytes(of: &g) { ck_udp6_multicast_open(interface, $0.baseAddress!.assumingMemoryBound(to: UInt8.self), 0, Int32(hopLimit), &idx) }
        guard s >= 0 else {
            ck_sock_close(r)
            throw .open(interface, errno: Errno(rawValue: -s))
        }
        var local = ck_sock_addr()
        let l = ck_sock_local(s, &local)
        guard l >= 0 else {
            ck_sock_close(r)
            ck_sock_close(s)
            throw .open(interface, errno: Errno(rawValue: -l))
        }
        receiveFD = r
        sendFD = s
        sendPort = local.port
        interfaceIndex = idx
        buffer = .allocate(byteCount: 4096, alignment: 8)
    }

    deinit {
        close()
        buffer.deallocate()
    }

    public var pollDescriptor: Int32? { receiveFD >= 0 ? receiveFD : nil }

    /// Leaves the group and closes both sockets; later calls throw `.closed`.
    public func close() {
        if receiveFD >= 0 { ck_sock_close(receiveFD) }
        if sendFD >= 0 { ck_sock_close(sendFD) }
        receiveFD = -1
        sendFD = -1
    }

    public func send(_ frame: CANFrame) throws(CANError) -> Bool {
        guard sendFD >= 0 else { throw .closed(interface) }
        guard frame.id <= frame.maximumID || frame.isError, frame.length <= (frame.isFD ? 64 : 8) else {
            throw .invalidFrame(interface, frame)
        }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let stamp = Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
        guard let n = CANMessagePackRecord.encode(frame, timestamp: stamp, into: buffer) else { throw .invalidFrame(interface, frame) }
        var to = ck_sock_addr()
        withUnsafeMutableBytes(of: &to.addr) { raw in for i in 0..<16 { raw[i] = group.octet(i) } }
        to.port = port
        let sent = ck_udp6_send(sendFD, interfaceIndex, buffer.baseAddress?.assumingMemoryBound(to: UInt8.self), n, &to)
        guard sent >= 0 else { throw .send(interface, errno: Errno(rawValue: Int32(truncatingIfNeeded: -sent))) }
        return sent > 0
    }

    public func receive() throws(CANError) -> CANFrame? {
        guard receiveFD >= 0 else { throw .closed(interface) }
        while true {
            var from = ck_sock_addr()
            var length = 0
            let n = ck_udp6_receive(receiveFD, buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), buffer.count, &from, &length)
            if n == -Int(EAGAIN) { return nil }
            if n == -Int(EMSGSIZE) { malformedRecords += 1; continue }
            guard n >= 0 else { throw .receive(interface, errno: Errno(rawValue: Int32(truncatingIfNeeded: -n))) }
            if from.port == sendPort { ownFramesDropped += 1; continue }
            do throws(CANMessagePackRecord.DecodeError) {
                let (frame, _) = try CANMessagePackRecord.decode(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                if !filters.isEmpty, !filters.contains(where: { $0.matches(frame) }) { continue }
                return frame
            } catch {
                malformedRecords += 1
                lastDecodeError = error
            }
        }
    }

    public func setFilters(_ filters: [CANFilter]) throws(CANError) { self.filters = filters }

    /// A multicast group has no controller: no state, bitrate or error counters.
    public func linkStatus() throws(CANError) -> CANLinkStatus { CANLinkStatus() }

    public func restart() throws(CANError) {
        throw .link(interface, operation: "restart", errno: .notSupported)
    }

    public func setBitrate(_ bitrate: UInt32) throws(CANError) {
        throw .link(interface, operation: "set bitrate", errno: .notSupported)
    }
}

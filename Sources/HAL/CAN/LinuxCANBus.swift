import CSocketCAN
import Glibc
import SystemPackage

/// A SocketCAN raw socket (CSocketCAN shim) plus link control through libsocketcan.
public final class LinuxCANBus: CANBus {
    public let interface: String
    private var fd: Int32
    private let fdFrames: Bool

    /// Socket options. Error frames are on by default: bus-off and restarts reach the controller.
    public struct Options: Sendable {
        public var canFD = false
        public var receiveOwnFrames = false
        public var errorFrames = true
        public init(canFD: Bool = false, receiveOwnFrames: Bool = false, errorFrames: Bool = true) {
            self.canFD = canFD
            self.receiveOwnFrames = receiveOwnFrames
            self.errorFrames = errorFrames
        }
    }

    public init(interface: String, options: Options = Options()) throws(CANError) {
        self.interface = interface
        var flags: Int32 = 0
        if options.canFD { flags |= Int32(CK_CAN_OPT_FD) }
        if options.receiveOwnFrames { flags |= Int32(CK_CAN_OPT_RECV_OWN) }
        let r = ck_can_open(interface, flags)
        guard r >= 0 else { throw .open(interface, errno: Errno(rawValue: -r)) }
        fd = r
        fdFrames = options.canFD
        if options.errorFrames {
            let e = ck_can_set_error_mask(fd, CK_CAN_ERR_MASK)
            if e < 0 {
                // Fully initialised: deinit runs after the throw, so release the descriptor here once.
                ck_can_close(fd)
                fd = -1
                throw .configure(interface, errno: Errno(rawValue: -e))
            }
        }
    }

    /// Adopts an already open CAN_RAW socket (or, in tests, any datagram socket carrying struct
    /// can_frame/canfd_frame). The bus owns it from now on.
    init(adoptingSocket descriptor: Int32, interface: String, canFD: Bool) {
        self.interface = interface
        fd = descriptor
        fdFrames = canFD
    }

    deinit { if fd >= 0 { ck_can_close(fd) } }

    public var pollDescriptor: Int32? { fd >= 0 ? fd : nil }

    public func send(_ frame: CANFrame) throws(CANError) -> Bool {
        guard fd >= 0 else { throw .closed(interface) }
        guard frame.id <= frame.maximumID, frame.length <= (frame.isFD ? 64 : 8), !frame.isError,
              !frame.isFD || fdFrames else { throw .invalidFrame(interface, frame) }
        var raw = ck_can_frame()
        raw.id = frame.id | (frame.isExtended ? CK_CAN_EFF_FLAG : 0) | (frame.isRemote ? CK_CAN_RTR_FLAG : 0)
        raw.len = frame.length
        raw.flags = frame.isFD ? UInt8(CK_CAN_FRAME_FD) : 0
        withUnsafeMutableBytes(of: &raw.data) { dst in
            var i = 0
            while i < Int(frame.length) {
                dst[i] = frame.data[i]
                i += 1
            }
        }
        let r = ck_can_send(fd, &raw)
        if r == -ENETDOWN {
            if (try? linkStatus().state) == .busOff { throw .busOff(interface) }
        }
        guard r >= 0 else { throw .send(interface, errno: Errno(rawValue: -r)) }
        return r == 1
    }

    public func receive() throws(CANError) -> CANFrame? {
        guard fd >= 0 else { throw .closed(interface) }
        var raw = ck_can_frame()
        let r = ck_can_receive(fd, &raw)
        guard r >= 0 else { throw .receive(interface, errno: Errno(rawValue: -r)) }
        if r == 0 { return nil }
        var frame = CANFrame(length: raw.len)
        frame.isError = raw.id & CK_CAN_ERR_FLAG != 0
        frame.isExtended = raw.id & CK_CAN_EFF_FLAG != 0
        frame.isRemote = raw.id & CK_CAN_RTR_FLAG != 0
        frame.isFD = raw.flags & UInt8(CK_CAN_FRAME_FD) != 0
        frame.id = frame.isError ? raw.id & CK_CAN_ERR_MASK : raw.id & (frame.isExtended ? CK_CAN_EFF_MASK : CK_CAN_SFF_MASK)
        withUnsafeBytes(of: raw.data) { src in
            var i = 0
            while i < Int(raw.len) {
                frame.data[i] = src[i]
                i += 1
            }
        }
        return frame
    }

    public func setFilters(_ filters: [CANFilter]) throws(CANError) {
        guard fd >= 0 else { throw .closed(interface) }
        var raw = filters.map { f in
            ck_can_filter(id: f.id | (f.extended ? CK_CAN_EFF_FLAG : 0), mask: f.mask | CK_CAN_EFF_FLAG)
        }
        if raw.isEmpty { raw = [ck_can_filter(id: 0, mask: 0)] }
        let r = ck_can_set_filters(fd, raw, UInt32(raw.count))
        guard r >= 0 else { throw .configure(interface, errno: Errno(rawValue: -r)) }
    }

    /// Link control for this interface (libsocketcan; no socket needed).
    public var link: LinuxCANLink { LinuxCANLink(interface: interface) }

    /// State, bitrate and error counters through libsocketcan. An interface without CAN link data
    /// (vcan) reports every field nil; a missing interface throws (kind `.absent`).
    public func linkStatus() throws(CANError) -> CANLinkStatus { try link.status() }

    public func restart() throws(CANError) { try link.restart() }

    public func setBitrate(_ bitrate: UInt32) throws(CANError) { try link.setBitrate(bitrate) }

    /// Sets automatic restart after bus-off (0 = manual).
    public func setRestartDelay(milliseconds: UInt32) throws(CANError) { try link.setRestartDelay(milliseconds: milliseconds) }

    /// Brings the link up (needs CAP_NET_ADMIN).
    public func start() throws(CANError) { try link.start() }

    /// Takes the link down (needs CAP_NET_ADMIN): sends then fail with ENETDOWN.
    public func stop() throws(CANError) { try link.stop() }

    public func close() {
        if fd >= 0 { ck_can_close(fd) }
        fd = -1
    }
}

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

    /// State, bitrate and error counters through libsocketcan. An interface without CAN link data
    /// (vcan) reports every field nil; a missing interface throws (kind `.absent`).
    public func linkStatus() throws(CANError) -> CANLinkStatus {
        var status = CANLinkStatus()
        var state: Int32 = 0
        let r = ck_can_get_state(interface, &state)
        if r == -EOPNOTSUPP { return status }
        guard r >= 0 else { throw .link(interface, operation: "read the state", errno: Errno(rawValue: -r)) }
        status.state = switch state {
        case Int32(CK_CAN_STATE_ERROR_ACTIVE): .errorActive
        case Int32(CK_CAN_STATE_ERROR_WARNING): .errorWarning
        case Int32(CK_CAN_STATE_ERROR_PASSIVE): .errorPassive
        case Int32(CK_CAN_STATE_BUS_OFF): .busOff
        case Int32(CK_CAN_STATE_STOPPED): .stopped
        default: .sleeping
        }
        var bitrate: UInt32 = 0
        var sample: UInt32 = 0
        if ck_can_get_bitrate(interface, &bitrate, &sample) >= 0 {
            status.bitrate = bitrate
            status.samplePoint = sample
        }
        var tx: UInt16 = 0
        var rx: UInt16 = 0
        if ck_can_get_error_counters(interface, &tx, &rx) >= 0 {
            status.transmitErrors = tx
            status.receiveErrors = rx
        }
        return status
    }

    public func restart() throws(CANError) {
        let r = ck_can_restart(interface)
        guard r >= 0 else { throw .link(interface, operation: "restart", errno: Errno(rawValue: -r)) }
    }

    public func setBitrate(_ bitrate: UInt32) throws(CANError) {
        let r = ck_can_set_bitrate(interface, bitrate)
        guard r >= 0 else { throw .link(interface, operation: "set the bitrate", errno: Errno(rawValue: -r)) }
    }

    /// Sets automatic restart after bus-off (0 = manual).
    public func setRestartDelay(milliseconds: UInt32) throws(CANError) {
        let r = ck_can_set_restart_ms(interface, milliseconds)
        guard r >= 0 else { throw .link(interface, operation: "set restart-ms", errno: Errno(rawValue: -r)) }
    }

    /// Brings the link up (needs CAP_NET_ADMIN). Frames flow again; a stopped controller restarts.
    public func start() throws(CANError) {
        let r = ck_can_start(interface)
        guard r >= 0 else { throw .link(interface, operation: "start", errno: Errno(rawValue: -r)) }
    }

    /// Takes the link down (needs CAP_NET_ADMIN): sends then fail with ENETDOWN.
    public func stop() throws(CANError) {
        let r = ck_can_stop(interface)
        guard r >= 0 else { throw .link(interface, operation: "stop", errno: Errno(rawValue: -r)) }
    }

    public func close() {
        if fd >= 0 { ck_can_close(fd) }
        fd = -1
    }
}

import CSocketCAN
import Glibc
import SystemPackage

/// Link control of a Linux CAN interface through libsocketcan (netlink): state, bitrate, error
/// counters, restart, up/down. It needs no socket, so a bring-up tool can ask about can0 without
/// opening the bus; `LinuxCANBus` delegates its link calls here.
///
/// Errors are `CANError.link` naming the interface and the operation: ENODEV (kind `.absent`) for a
/// missing interface, EOPNOTSUPP (`.unsupported`) where the interface has no CAN link data (vcan).
public struct LinuxCANLink: Sendable, Equatable {
    public let interface: String

    public init(interface: String) { self.interface = interface }

    /// State, bitrate and error counters. An interface without CAN link data (vcan) reports every
    /// field nil; a missing interface throws. Fields a driver does not report stay nil.
    public func status() throws(CANError) -> CANLinkStatus {
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

    /// Restarts a bus-off controller by hand. EINVAL when it is not bus-off, EBUSY when automatic
    /// restart (restart-ms) is on.
    public func restart() throws(CANError) {
        let r = ck_can_restart(interface)
        guard r >= 0 else { throw .link(interface, operation: "restart", errno: Errno(rawValue: -r)) }
    }

    /// Changes the nominal bitrate: stops the link, sets it, starts it again (CAP_NET_ADMIN).
    public func setBitrate(_ bitrate: UInt32) throws(CANError) {
        let r = ck_can_set_bitrate(interface, bitrate)
        guard r >= 0 else { throw .link(interface, operation: "set the bitrate", errno: Errno(rawValue: -r)) }
    }

    /// Sets automatic restart after bus-off (0 = manual).
    public func setRestartDelay(milliseconds: UInt32) throws(CANError) {
        let r = ck_can_set_restart_ms(interface, milliseconds)
        guard r >= 0 else { throw .link(interface, operation: "set restart-ms", errno: Errno(rawValue: -r)) }
    }

    /// Brings the link up (CAP_NET_ADMIN).
    public func start() throws(CANError) {
        let r = ck_can_start(interface)
        guard r >= 0 else { throw .link(interface, operation: "start", errno: Errno(rawValue: -r)) }
    }

    /// Takes the link down (CAP_NET_ADMIN): sends then fail with ENETDOWN.
    public func stop() throws(CANError) {
        let r = ck_can_stop(interface)
        guard r >= 0 else { throw .link(interface, operation: "stop", errno: Errno(rawValue: -r)) }
    }
}

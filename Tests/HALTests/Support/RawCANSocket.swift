import Glibc
@testable import HAL

/// The kernel's CAN frame structs as bytes, for tests that stand in for a CAN_RAW socket with a
/// socketpair (this host has no SocketCAN). struct can_frame is 16 bytes: can_id (native-endian u32
/// with the EFF/RTR/ERR flags in its top bits), len, __pad, __res0, len8_dlc, data[8]. struct
/// canfd_frame is 72: can_id, len, flags (BRS 0x01, ESI 0x02), __res0, __res1, data[64].
enum RawCAN {
    static let eff: UInt32 = 0x8000_0000
    static let rtr: UInt32 = 0x4000_0000
    static let err: UInt32 = 0x2000_0000

    static func classic(id: UInt32, data: [UInt8]) -> [UInt8] {
        var out = withUnsafeBytes(of: id) { Array($0) }
        out += [UInt8(data.count), 0, 0, 0]
        out += data + [UInt8](repeating: 0, count: 8 - data.count)
        return out
    }

    static func fd(id: UInt32, flags: UInt8, data: [UInt8]) -> [UInt8] {
        var out = withUnsafeBytes(of: id) { Array($0) }
        out += [UInt8(data.count), flags, 0, 0]
        out += data + [UInt8](repeating: 0, count: 64 - data.count)
        return out
    }

    struct Decoded: Equatable {
        var id: UInt32
        var len: UInt8
        var flags: UInt8
        var data: [UInt8]
    }

    static func decode(_ bytes: [UInt8]) -> Decoded {
        let id = bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
        let len = bytes[4]
        return Decoded(id: id, len: len, flags: bytes.count == 72 ? bytes[5] : 0, data: Array(bytes[8..<(8 + Int(len))]))
    }
}

/// A `LinuxCANBus` over one end of a SOCK_SEQPACKET socketpair: the bus side is non-blocking like a
/// CAN_RAW socket, and `peer` reads what the bus sent and writes what it should receive, as raw kernel
/// structs. Exercises the shim's and the wrapper's marshalling and error mapping with no CAN in the kernel.
final class SocketPairCANBus {
    let bus: LinuxCANBus
    let peer: Int32

    init(interface: String = "vcan0", canFD: Bool = false) {
        var fds: [Int32] = [-1, -1]
        // 5 is SOCK_SEQPACKET: named by value, because with the IP shims in the module graph the Glibc
        // enum case is not always visible to this file on a clean build.
        precondition(socketpair(AF_UNIX, 5, 0, &fds) == 0)
        _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK)
        bus = LinuxCANBus(adoptingSocket: fds[0], interface: interface, canFD: canFD)
        peer = fds[1]
    }

    deinit { close(peer) }

    /// The next struct the bus sent, or nil within 2 s.
    func sent() -> [UInt8]? {
        guard Readiness.readable(peer, within: .seconds(2)) else { return nil }
        var buf = [UInt8](repeating: 0, count: 128)
        let n = recv(peer, &buf, buf.count, 0)
        return n > 0 ? Array(buf.prefix(n)) : nil
    }

    /// Queues a raw struct for the bus to receive.
    func deliver(_ bytes: [UInt8]) {
        precondition(send(peer, bytes, bytes.count, 0) == bytes.count)
    }
}

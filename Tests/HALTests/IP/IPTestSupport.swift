import Buffers
import HAL

/// Array conveniences for the IP sockets (they allocate; the calls underneath do not).
extension DatagramSocket {
    func send(_ bytes: [UInt8], to destination: IPEndpoint) throws -> Bool {
        let copy = bytes
        return try copy.withUnsafeBytes { raw in try send(RawSpan(_unsafeBytes: raw), to: destination) }
    }

    /// One datagram and its sender, or nil when none waits.
    func receiveDatagram(capacity: Int = 1500) throws -> ([UInt8], IPEndpoint)? {
        let buffer = FrameBuffer(capacity: capacity)
        guard let from = try receive(into: buffer) else { return nil }
        return (Array(buffer.unsafeBytes), from)
    }
}

extension StreamConnection {
    func send(_ bytes: [UInt8]) throws -> Int {
        let copy = bytes
        return try copy.withUnsafeBytes { raw in try send(RawSpan(_unsafeBytes: raw)) }
    }

    func receiveBytes(max: Int = 65536) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: max)
        let n = try out.withUnsafeMutableBytes { raw in
            var span = MutableRawSpan(_unsafeBytes: raw)
            return try receive(into: &span)
        }
        return Array(out.prefix(n))
    }
}

extension IPv6Address {
    /// The same address without a scope id (as an SDP response carries it).
    var unscoped: IPv6Address { IPv6Address(high: high, low: low) }
    func scoped(_ id: UInt32) -> IPv6Address { IPv6Address(high: high, low: low, scopeID: id) }
}

/// An SDP request as an EV sends it (sdp-v2gtp.md §4.2): V2GTP header 01 FE 90 00, length 2, no TLS, TCP.
let sdpRequest: [UInt8] = [0x01, 0xFE, 0x90, 0x00, 0x00, 0x00, 0x00, 0x02, 0x10, 0x00]

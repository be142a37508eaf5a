/// An IPv6 transport endpoint: address (with the scope id a link-local address needs) and port.
/// Trivially copyable, so sockets hand it out per datagram without touching the heap.
@frozen
public struct IPEndpoint: Hashable, Sendable, BitwiseCopyable, CustomStringConvertible {
    public var address: IPv6Address
    public var port: UInt16

    @inlinable public init(_ address: IPv6Address, port: UInt16) {
        self.address = address
        self.port = port
    }

    /// ff02::1 port 15118: where an EV sends its SDP request (sdp-v2gtp.md §4.1).
    public static let sdpMulticast = IPEndpoint(.allNodes, port: sdpPort)
    /// The SECC's SDP port (UDP).
    public static let sdpPort: UInt16 = 15118
    /// The dynamic port range a SECC's TCP server should use (sdp-v2gtp.md §5.1).
    public static let dynamicPorts: ClosedRange<UInt16> = 49152...65535

    /// "[fe80::1%3]:15118".
    public var description: String { "[\(address)]:\(port)" }

    /// Whether two endpoints name the same address and port, whatever scope id each carries (a
    /// link-local address seen from two interfaces has two scope ids).
    @inlinable public func sameAddressAndPort(as other: IPEndpoint) -> Bool {
        address.high == other.address.high && address.low == other.address.low && port == other.port
    }
}

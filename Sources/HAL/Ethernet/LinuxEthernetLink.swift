import Buffers
import CRawEthernet
import Glibc
import SystemPackage

/// An AF_PACKET socket on a Linux interface, receiving one EtherType (CRawEthernet shim).
public final class LinuxEthernetLink: EthernetLink {
    public let interface: String
    public let macAddress: MACAddress
    public let etherType: UInt16
    private var fd: Int32
    private let ifindex: Int32
    /// Set once the interface was deleted under the open socket: every later call reports it.
    private var vanished = false

    public init(interface: String, etherType: UInt16) throws(EthernetError) {
        self.interface = interface
        self.etherType = etherType
        var mac: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0)
        let m = withUnsafeMutableBytes(of: &mac) { ck_eth_get_mac(interface, $0.baseAddress!.assumingMemoryBound(to: UInt8.self)) }
        guard m >= 0 else { throw .open(interface, errno: Errno(rawValue: -m)) }
        macAddress = MACAddress(mac.0, mac.1, mac.2, mac.3, mac.4, mac.5)
        var index: Int32 = 0
        let r = ck_eth_open(interface, etherType, &index)
        guard r >= 0 else { throw .open(interface, errno: Errno(rawValue: -r)) }
        fd = r
        ifindex = index
    }

    deinit { if fd >= 0 { ck_eth_close(fd) } }

    public var pollDescriptor: Int32? { fd >= 0 ? fd : nil }

    public func send(_ frame: RawSpan) throws(EthernetError) -> Bool {
        guard fd >= 0 else { throw .closed(interface) }
        guard frame.byteCount >= EthernetFrameLayout.headerLength else { throw .frameTooShort(interface, length: frame.byteCount) }
        guard frame.byteCount <= EthernetFrameLayout.maximumLength else { throw .frameTooLong(interface, length: frame.byteCount) }
        if vanished { throw .send(interface, errno: .operationNotSupportedByDevice) }
        let n = frame.withUnsafeBytes { ck_eth_send(fd, ifindex, $0.baseAddress!.assumingMemoryBound(to: UInt8.self), $0.count) }
        guard n >= 0 else {
            let e = Errno(rawValue: Int32(-n))
            // ENXIO: the socket's interface index no longer exists (the interface was deleted).
            if e == .noSuchAddressOrDevice || e == .operationNotSupportedByDevice { vanished = true }
            throw .send(interface, errno: e)
        }
        return n > 0
    }

    public func receive(into buffer: FrameBuffer) throws(EthernetError) -> Bool {
        guard fd >= 0 else { throw .closed(interface) }
        if vanished { throw .receive(interface, errno: .operationNotSupportedByDevice) }
        let region = buffer.unsafeMutableBytes
        var frameLength = 0
        let n = ck_eth_receive_frame(fd, region.baseAddress!.assumingMemoryBound(to: UInt8.self), region.count, &frameLength)
        if n == -Int(EMSGSIZE) { throw .frameTooLong(interface, length: frameLength) }
        guard n >= 0 else {
            let e = Errno(rawValue: Int32(-n))
            // The kernel reports a link going down and the interface being deleted alike, once, as
            // ENETDOWN; after a deletion the socket would then stay silent forever. Tell them apart.
            if e == .networkDown, ck_eth_interface_present(fd, ifindex) == 0 {
                vanished = true
                throw .receive(interface, errno: .operationNotSupportedByDevice)
            }
            throw .receive(interface, errno: e)
        }
        guard n > 0 else { return false }
        buffer.setCount(n)
        return true
    }

    public func linkState() throws(EthernetError) -> EthernetLinkState {
        if vanished { throw .query(interface, errno: .operationNotSupportedByDevice) }
        var link = ck_eth_link()
        let r = ck_eth_get_link(interface, &link)
        guard r >= 0 else { throw .query(interface, errno: Errno(rawValue: -r)) }
        return EthernetLinkState(up: link.up != 0, carrier: link.running != 0, mtu: Int(link.mtu))
    }

    /// Receives frames for every destination (the WHITE-beet answers to its own MAC).
    public func setPromiscuous(_ on: Bool) throws(EthernetError) {
        guard fd >= 0 else { throw .closed(interface) }
        let r = ck_eth_set_promiscuous(fd, ifindex, on ? 1 : 0)
        guard r >= 0 else { throw .query(interface, errno: Errno(rawValue: -r)) }
    }

    /// Also receives frames sent to the multicast `address` (PACKET_MR_MULTICAST on this socket).
    public func joinMulticast(_ address: MACAddress) throws(EthernetError) {
        guard fd >= 0 else { throw .closed(interface) }
        var bytes: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (address[0], address[1], address[2], address[3], address[4], address[5])
        let r = withUnsafeBytes(of: &bytes) { ck_eth_add_multicast(fd, ifindex, $0.baseAddress!.assumingMemoryBound(to: UInt8.self)) }
        guard r >= 0 else { throw .query(interface, errno: Errno(rawValue: -r)) }
    }

    public func close() {
        if fd >= 0 { ck_eth_close(fd) }
        fd = -1
    }
}

import Glibc
import Buffers
import CTap
import SystemPackage

/// A TAP interface the process owns (/dev/net/tun): frames written here arrive at the kernel as if
/// they came over the wire, and what the kernel sends on the interface is read here. The user-space
/// QCA7000 board bridges its driver to one, so the kernel's IPv6 and TCP run V2G exactly as on a
/// `qcaspi` board (issue 14, item 2). Every EtherType passes; the TAP goes away when this closes.
///
/// Contract as `EthernetLink`: non-blocking, no allocation per frame, frames of 14…1518 bytes.
public final class LinuxTapLink: EthernetLink {
    public let interface: String
    public let macAddress: MACAddress
    private var fd: Int32

    /// Creates (or attaches to) the TAP `name`, gives it `mac` and brings it up.
    public init(name: String, mac: MACAddress) throws(EthernetError) {
        var actual = [CChar](repeating: 0, count: 16)
        let r = ck_tap_open(name, &actual, actual.count)
        guard r >= 0 else { throw .open(name, errno: Errno(rawValue: -r)) }
        fd = r
        interface = String(decoding: actual.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        macAddress = mac
        do throws(EthernetError) { try configure() } catch {
            ck_tap_close(fd)
            fd = -1
            throw error
        }
    }

    /// The MAC address, then up.
    private func configure() throws(EthernetError) {
        let mac = macAddress
        var bytes: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (mac[0], mac[1], mac[2], mac[3], mac[4], mac[5])
        let m = withUnsafeBytes(of: &bytes) { ck_tap_set_mac(interface, $0.baseAddress!.assumingMemoryBound(to: UInt8.self)) }
        guard m >= 0 else { throw .open(interface, errno: Errno(rawValue: -m)) }
        let u = ck_tap_set_up(interface, 1)
        guard u >= 0 else { throw .open(interface, errno: Errno(rawValue: -u)) }
    }

    /// Makes the TAP again under the same name and MAC after it was deleted under this process (`ip link
    /// delete`): the old descriptor is closed, a new one opened. The kernel gives the new interface a new
    /// index; sockets bound to the old one must be opened again (`PLCInterfaceWatch`).
    public func reopen() throws(EthernetError) {
        if fd >= 0 { ck_tap_close(fd) }
        fd = -1
        var actual = [CChar](repeating: 0, count: 16)
        let r = ck_tap_open(interface, &actual, actual.count)
        guard r >= 0 else { throw .open(interface, errno: Errno(rawValue: -r)) }
        fd = r
        do throws(EthernetError) { try configure() } catch {
            ck_tap_close(fd)
            fd = -1
            throw error
        }
    }

    deinit { if fd >= 0 { ck_tap_close(fd) } }

    public var pollDescriptor: Int32? { fd >= 0 ? fd : nil }

    /// Hands a frame to the kernel (as received on the wire).
    public func send(_ frame: RawSpan) throws(EthernetError) -> Bool {
        guard fd >= 0 else { throw .closed(interface) }
        guard frame.byteCount >= EthernetFrameLayout.headerLength else { throw .frameTooShort(interface, length: frame.byteCount) }
        guard frame.byteCount <= EthernetFrameLayout.maximumLength else { throw .frameTooLong(interface, length: frame.byteCount) }
        let n = frame.withUnsafeBytes { ck_tap_write(fd, $0.baseAddress!.assumingMemoryBound(to: UInt8.self), $0.count) }
        guard n >= 0 else { throw .send(interface, errno: Errno(rawValue: Int32(-n))) }
        return n > 0
    }

    /// Takes a frame the kernel sent on the interface.
    public func receive(into buffer: FrameBuffer) throws(EthernetError) -> Bool {
        guard fd >= 0 else { throw .closed(interface) }
        let region = buffer.unsafeMutableBytes
        let n = ck_tap_read(fd, region.baseAddress!.assumingMemoryBound(to: UInt8.self), region.count)
        if n == -Int(EMSGSIZE) { throw .frameTooLong(interface, length: region.count + 1) }
        guard n >= 0 else { throw .receive(interface, errno: Errno(rawValue: Int32(-n))) }
        guard n > 0 else { return false }
        buffer.setCount(n)
        return true
    }

    public func linkState() throws(EthernetError) -> EthernetLinkState {
        // The TAP is up from init; it has carrier while this descriptor is open.
        EthernetLinkState(up: fd >= 0, carrier: fd >= 0, mtu: 1500)
    }

    public func close() {
        if fd >= 0 { ck_tap_close(fd) }
        fd = -1
    }
}

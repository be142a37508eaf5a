import Buffers
import CoreTypes
import HAL
import WhitebeetHCI

/// How HCI frames reach the module: raw Ethernet (whitebeet-hci.md §1) or SPI with its handshake
/// lines (§2). The message layer above is the same (§0.1). Neither call blocks or allocates.
public protocol WhitebeetTransport: AnyObject {
    /// Sends one complete HCI frame; false when it could not go out now (the host link's timeout
    /// sends it again).
    func send(_ frame: UnsafeRawBufferPointer) -> Bool
    /// The next HCI frame from the module (valid until the next call), or nil when none is waiting.
    func receive() -> UnsafeRawBufferPointer?
    /// Frames that arrived but were not the module's HCI frames (other senders, broken wrappers).
    var ignoredFrames: Int { get }
}

/// HCI over raw Ethernet (§1): EtherType 0x6003, tag and length, padding; only frames whose source
/// is the module's host-interface MAC are taken, as FreeV2G does.
public final class WhitebeetEthernetTransport: WhitebeetTransport {
    public let link: any EthernetLink
    public let moduleMAC: MACAddress
    public private(set) var ignoredFrames = 0
    /// The last error the link reported.
    public private(set) var linkError: EthernetError?
    private let rx = FrameBuffer(capacity: 2048)
    private let tx = UnsafeMutableRawBufferPointer.allocate(byteCount: 1600, alignment: 8)

    public init(link: any EthernetLink, moduleMAC: MACAddress) {
        self.link = link
        self.moduleMAC = moduleMAC
    }

    deinit { tx.deallocate() }

    public func send(_ frame: UnsafeRawBufferPointer) -> Bool {
        guard let n = try? HCIEthernet.wrap(frame, destination: moduleMAC, source: link.macAddress, into: tx) else { return false }
        do throws(EthernetError) {
            return try link.send(RawSpan(_unsafeBytes: UnsafeRawBufferPointer(rebasing: tx[0 ..< n])))
        } catch {
            linkError = error
            return false
        }
    }

    public func receive() -> UnsafeRawBufferPointer? {
        while true {
            let got: Bool
            do throws(EthernetError) {
                got = try link.receive(into: rx)
            } catch {
                linkError = error
                return nil
            }
            guard got else { return nil }
            let frame = rx.unsafeBytes
            guard let w = try? HCIEthernet.unwrap(frame), w.source == moduleMAC else {
                ignoredFrames += 1
                continue
            }
            return UnsafeRawBufferPointer(rebasing: frame[w.offset ..< w.offset + w.length])
        }
    }
}

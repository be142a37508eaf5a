import Buffers
import SystemPackage

/// Administrative and carrier state of a network interface.
public struct EthernetLinkState: Sendable, Equatable {
    public var up: Bool
    /// Carrier present (for the qcaspi netdev: the QCA7000 is synchronised and answering).
    public var carrier: Bool
    public var mtu: Int
    public init(up: Bool, carrier: Bool, mtu: Int) {
        self.up = up
        self.carrier = carrier
        self.mtu = mtu
    }
}

/// Whole Ethernet frames (no FCS) of one EtherType on one interface: SLAC over the QCA7000 netdev
/// (0x88E1), WHITE-beet host control (0x6003), or a test veth.
///
/// Contract: `send` and `receive` never block or allocate; `send` pads short frames to 60 bytes;
/// a frame longer than the receive buffer is dropped with `EthernetError.frameTooLong`, never
/// truncated silently; a vanished interface is kind `.disconnected`.
public protocol EthernetLink: AnyObject {
    var interface: String { get }
    var macAddress: MACAddress { get }
    var pollDescriptor: Int32? { get }
    /// Sends one frame (destination, source, EtherType, payload). False when the queue is full.
    func send(_ frame: RawSpan) throws(EthernetError) -> Bool
    /// Receives one frame into `buffer` (setting its count). False when none is waiting.
    func receive(into buffer: FrameBuffer) throws(EthernetError) -> Bool
    func linkState() throws(EthernetError) -> EthernetLinkState
}

/// Why an Ethernet call failed, naming the interface.
public enum EthernetError: DeviceError, Equatable {
    case open(String, errno: Errno)
    case send(String, errno: Errno)
    case receive(String, errno: Errno)
    case query(String, errno: Errno)
    /// A received frame did not fit the buffer (it was dropped), or a frame to send is too long.
    case frameTooLong(String, length: Int)
    /// A frame to send is shorter than an Ethernet header.
    case frameTooShort(String, length: Int)
    case closed(String)

    public var kind: DeviceErrorKind {
        switch self {
        case .open(_, let e): return DeviceErrorKind(errno: e)
        // Everything but open acts on an interface that existed: ENODEV/ENXIO now means it went away.
        case .send(_, let e), .receive(_, let e), .query(_, let e):
            return e == .operationNotSupportedByDevice || e == .noSuchAddressOrDevice ? .disconnected : DeviceErrorKind(errno: e)
        case .frameTooLong, .frameTooShort: return .invalidArgument
        case .closed: return .disconnected
        }
    }

    public var description: String {
        switch self {
        case let .open(i, e):
            let hint: String? = switch e {
            case .operationNotSupportedByDevice, .noSuchAddressOrDevice: "no such interface; for a QCA7000 is the qca7000 overlay loaded (it creates eth1)?"
            case .notPermitted, .permissionDenied: "raw Ethernet needs root or CAP_NET_RAW"
            default: nil
            }
            return FailureText.render("open a raw socket on", i, e, hint: hint)
        case let .send(i, e): return FailureText.render("send on", i, e, hint: e == .networkDown ? "the interface is down" : Self.goneHint(e))
        case let .receive(i, e): return FailureText.render("receive on", i, e, hint: e == .networkDown ? "the interface is down" : Self.goneHint(e))
        case let .query(i, e): return FailureText.render("query", i, e, hint: Self.goneHint(e))
        case let .frameTooLong(i, n):
            // Nothing above the maximum can arrive on a 1500-byte MTU, so a received frame reported
            // here is one that did not fit the caller's buffer.
            return n > EthernetFrameLayout.maximumLength
                ? "\(i): frame of \(n) bytes exceeds \(EthernetFrameLayout.maximumLength)"
                : "\(i): frame of \(n) bytes did not fit the receive buffer and was dropped"
        case let .frameTooShort(i, n): return "\(i): frame of \(n) bytes is shorter than an Ethernet header"
        case let .closed(i): return "\(i) is closed"
        }
    }

    private static func goneHint(_ e: Errno) -> String? {
        e == .operationNotSupportedByDevice || e == .noSuchAddressOrDevice ? "the interface was deleted while open" : nil
    }
}

import SystemPackage

/// A CAN interface (can0 behind an MCP2515, vcan0 in tests).
///
/// Contract: `send` and `receive` never block and never allocate; a full transmit queue is `false`,
/// not an error; a bus-off controller is `CANError.busOff`; unknown identifiers are delivered (the
/// protocol layer decides what to ignore) unless filters say otherwise.
public protocol CANBus: AnyObject {
    var interface: String { get }
    /// Readable when a frame is waiting; nil for twins that are pumped every tick.
    var pollDescriptor: Int32? { get }
    /// Queues one frame; false when the transmit queue is full (try again next tick).
    func send(_ frame: CANFrame) throws(CANError) -> Bool
    /// Takes one received frame, or nil.
    func receive() throws(CANError) -> CANFrame?
    /// Replaces the receive filters (setup time; allocates). Empty = receive every frame.
    func setFilters(_ filters: [CANFilter]) throws(CANError)
    /// State, bitrate and error counters, where the interface reports them.
    func linkStatus() throws(CANError) -> CANLinkStatus
    /// Restarts a bus-off controller.
    func restart() throws(CANError)
    /// Changes the nominal bitrate (stops and restarts the link).
    func setBitrate(_ bitrate: UInt32) throws(CANError)
}

/// Why a CAN call failed, naming the interface.
public enum CANError: DeviceError, Equatable {
    case open(String, errno: Errno)
    case send(String, errno: Errno)
    case receive(String, errno: Errno)
    case configure(String, errno: Errno)
    /// A libsocketcan/netlink call (`operation` says which) failed.
    case link(String, operation: String, errno: Errno)
    case busOff(String)
    /// A frame the bus cannot carry (identifier beyond 11/29 bits, more than 8 bytes classic/64 FD).
    case invalidFrame(String, CANFrame)
    case closed(String)

    public var kind: DeviceErrorKind {
        switch self {
        case .open(_, let e), .configure(_, let e), .link(_, _, let e): return DeviceErrorKind(errno: e)
        case .send(_, let e), .receive(_, let e):
            return e == .operationNotSupportedByDevice || e == .noSuchAddressOrDevice ? .disconnected : DeviceErrorKind(errno: e)
        case .busOff: return .busOff
        case .invalidFrame: return .invalidArgument
        case .closed: return .disconnected
        }
    }

    public var description: String {
        switch self {
        case let .open(i, e):
            let hint: String? = switch e {
            case .operationNotSupportedByDevice: "no such CAN interface; is the mcp2515-can0 overlay loaded and the link up (ip link set \(i) up type can bitrate 500000)?"
            case .addressFamilyNotSupported: "this kernel has no SocketCAN support"
            case .permissionDenied, .notPermitted: "raw CAN sockets need CAP_NET_RAW"
            default: nil
            }
            return FailureText.render("open CAN interface", i, e, hint: hint)
        case let .send(i, e):
            return FailureText.render("send on", i, e, hint: e == .networkDown ? "the interface is down" : nil)
        case let .receive(i, e): return FailureText.render("receive on", i, e, hint: nil)
        case let .configure(i, e): return FailureText.render("configure", i, e, hint: nil)
        case let .link(i, op, e):
            let hint: String? = switch e {
            case .notSupported: "it carries no CAN link data (virtual CAN has no bitrate, state or error counters)"
            case .operationNotSupportedByDevice: "no such CAN interface"
            case .invalidArgument where op == "restart": "only a bus-off controller can be restarted"
            case .resourceBusy where op == "restart": "automatic restart (restart-ms) is on: the kernel restarts it"
            default: nil
            }
            return FailureText.render(op + " of", i, e, hint: hint)
        case let .busOff(i): return "\(i) is bus-off: the controller stopped transmitting after too many errors"
        case let .invalidFrame(i, f): return "cannot send \(f) on \(i): identifier or length out of range"
        case let .closed(i): return "\(i) is closed"
        }
    }
}

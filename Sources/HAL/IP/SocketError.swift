import SystemPackage

/// Why an IP socket call failed, naming the interface and the endpoint involved.
///
/// `kind` for the controller: `.absent` (no such interface), `.linkDown` (the interface is down, has no
/// usable link-local address yet, or the peer is unreachable on it), `.busy` (port in use),
/// `.disconnected` (refused, reset, broken pipe: the peer is not there or went away), `.timeout`
/// (the peer stopped answering), `.permissionDenied`, `.invalidArgument`.
public enum SocketError: DeviceError, Equatable {
    /// Looking the interface up or reading its link-local address failed.
    case interface(String, errno: Errno)
    /// A socket could not be made or bound at `endpoint` (UDP: [::]:port; TCP: the listening address).
    case open(String, IPEndpoint, errno: Errno)
    /// A TCP connection to `endpoint` could not be made (refused, timed out, unreachable).
    case connect(String, IPEndpoint, errno: Errno)
    case accept(String, IPEndpoint, errno: Errno)
    /// Sending to `endpoint` (the datagram's destination, or the connection's peer) failed.
    case send(String, IPEndpoint, errno: Errno)
    /// Receiving failed (a connection: from its peer; a datagram socket: on its local endpoint).
    case receive(String, IPEndpoint, errno: Errno)
    /// The peer at `endpoint` reset the connection (RST; a send found the pipe broken).
    case reset(String, IPEndpoint)
    /// A datagram longer than the receive buffer (it was dropped), or one to send that no IPv6 packet
    /// on this link carries.
    case datagramTooLong(String, length: Int)
    /// The socket was closed (by `close` or `abort`) before the call.
    case closed(String, IPEndpoint)

    public var kind: DeviceErrorKind {
        switch self {
        case .interface(_, let e): return Self.kind(e, opening: true)
        case .open(_, _, let e): return Self.kind(e, opening: true)
        case .connect(_, _, let e), .accept(_, _, let e), .send(_, _, let e), .receive(_, _, let e):
            return Self.kind(e, opening: false)
        case .reset: return .disconnected
        case .datagramTooLong: return .invalidArgument
        case .closed: return .disconnected
        }
    }

    /// Socket errnos in the terms a controller acts on; the rest as any device's.
    static func kind(_ e: Errno, opening: Bool) -> DeviceErrorKind {
        switch e {
        case .noSuchAddressOrDevice, .operationNotSupportedByDevice: return opening ? .absent : .disconnected
        case .addressInUse: return .busy
        case .addressNotAvailable, .networkDown, .networkUnreachable, .noRouteToHost: return .linkDown
        case .connectionRefused, .connectionReset, .brokenPipe, .socketNotConnected, .connectionAbort: return .disconnected
        case .timedOut: return .timeout
        default: return DeviceErrorKind(errno: e)
        }
    }

    public var description: String {
        switch self {
        case let .interface(i, e):
            return FailureText.render("use interface", i, e, hint: Self.interfaceHint(e))
        case let .open(i, ep, e):
            let hint: String? = switch e {
            case .addressInUse: "another socket holds this port on the interface"
            case .notPermitted, .permissionDenied: "binding a socket to an interface (SO_BINDTODEVICE) needs root or CAP_NET_RAW"
            default: Self.interfaceHint(e)
            }
            return FailureText.render("open a socket at", "\(ep) on \(i)", e, hint: hint)
        case let .connect(i, ep, e):
            let hint: String? = switch e {
            case .connectionRefused: "nothing listens there"
            case .timedOut: "the peer never answered"
            case .networkUnreachable, .noRouteToHost, .networkDown: "the interface is down or the peer is not on this link"
            default: nil
            }
            return FailureText.render("connect to", "\(ep) on \(i)", e, hint: hint)
        case let .accept(i, ep, e): return FailureText.render("accept on", "\(ep) on \(i)", e, hint: nil)
        case let .send(i, ep, e): return FailureText.render("send to", "\(ep) on \(i)", e, hint: Self.transferHint(e))
        case let .receive(i, ep, e): return FailureText.render("receive from", "\(ep) on \(i)", e, hint: Self.transferHint(e))
        case let .reset(i, ep): return "\(ep) on \(i) reset the connection"
        case let .datagramTooLong(i, n): return "\(i): datagram of \(n) bytes does not fit (it was dropped)"
        case let .closed(i, ep): return "the socket at \(ep) on \(i) is closed"
        }
    }

    private static func interfaceHint(_ e: Errno) -> String? {
        switch e {
        case .noSuchAddressOrDevice, .operationNotSupportedByDevice:
            return "no such interface; for a QCA7000 is the qca7000 overlay loaded (it creates eth1)?"
        case .addressNotAvailable:
            return "the interface has no usable link-local address yet (duplicate address detection runs about a second after the link comes up) or IPv6 is off on it"
        default: return nil
        }
    }

    private static func transferHint(_ e: Errno) -> String? {
        switch e {
        case .networkDown: return "the interface is down"
        case .timedOut: return "the peer stopped answering"
        case .networkUnreachable, .noRouteToHost: return "the interface is down or the peer is not on this link"
        default: return nil
        }
    }
}

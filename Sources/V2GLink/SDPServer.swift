import Buffers
import ControlLoop
import Drivers
import HAL
import V2GTP

/// What the SECC's SDP server announces (sdp-v2gtp.md §4.3): the TCP server's link-local address and
/// port, and the security offered there.
public struct SDPServerConfiguration: Sendable, Equatable {
    /// The V2G TCP server's address (the PLC interface's link-local address; its scope is not sent).
    public var address: IPv6Address
    /// The V2G TCP server's port (49152–65535, §5.1).
    public var port: UInt16
    /// What the server offers. Only plain TCP exists today; DIN 70121 requires it ([V2G-DC-618]).
    public var security: SDPSecurity

    public init(address: IPv6Address, port: UInt16, security: SDPSecurity = .none) {
        self.address = address
        self.port = port
        self.security = security
    }
}

/// The SECC side of SDP (sdp-v2gtp.md §4.4): every well-formed request on UDP 15118 (joined to
/// ff02::1 on the PLC interface) is answered, unicast to its sender, with where the V2G TCP server
/// listens. Malformed datagrams and requests for UDP get no answer (SDP has no error response); while
/// `isAnswering` is false (the data link is not ready, [V2G20-721]) requests are counted and dropped.
/// A TLS request is answered with the plain TCP server when that is all there is (EVerest's
/// fallback); the EV decides. Every request is answered, retries and late ones included, so a car
/// that lost the first response still finds us.
///
/// A loop controller over a `DatagramPump`'s queues; allocation-free after `init`.
public final class SDPServer: TickController {
    public let name: String
    public let pump: DatagramPump
    public var configuration: SDPServerConfiguration
    /// False while the data link is not ready: requests are dropped unanswered.
    public var isAnswering = true

    public private(set) var counters = SDPServerCounters()
    /// The sender of the last request answered.
    public private(set) var lastClient: IPEndpoint?
    private let datagram: FrameBuffer
    private let response: FrameBuffer

    public init(name: String = "sdp-server", pump: DatagramPump, configuration: SDPServerConfiguration) {
        self.name = name
        self.pump = pump
        self.configuration = configuration
        datagram = FrameBuffer(capacity: pump.received.maxFrameLength)
        response = FrameBuffer(capacity: SDPResponse.length)
    }

    public func tick(_ context: TickContext) {
        while let from = pump.next(into: datagram) {
            handle(from: from)
        }
    }

    private func handle(from: IPEndpoint) {
        let request: SDPRequest
        do throws(V2GTPError) {
            request = try SDPRequest.decode(RawSpan(_unsafeBytes: datagram.unsafeBytes))
        } catch {
            counters.malformed &+= 1
            return
        }
        counters.requests &+= 1
        guard isAnswering else {
            counters.droppedLinkNotReady &+= 1
            return
        }
        guard request.transport == .tcp else {
            counters.unsupportedTransport &+= 1
            return
        }
        if request.security != configuration.security { counters.securityFallbacks &+= 1 }
        var wire = configuration.address
        wire.scopeID = 0
        let answer = SDPResponse(address: wire, port: configuration.port, security: configuration.security)
        response.setCount(SDPResponse.length)
        var out = MutableRawSpan(_unsafeBytes: response.unsafeMutableBytes)
        do throws(V2GTPError) {
            _ = try answer.encode(into: &out)
        } catch {
            return // 28 bytes always fit the 28-byte buffer
        }
        if pump.enqueue(RawSpan(_unsafeBytes: response.unsafeBytes), to: from) {
            counters.answered &+= 1
            lastClient = from
        } else {
            counters.transmitFull &+= 1
        }
    }

    public func safeStop(_ reason: StopReason) -> SafeStopReport {
        isAnswering = false
        return SafeStopReport(name, ["SDP requests no longer answered"])
    }
}

/// What the SDP server saw, for logs and tests.
public struct SDPServerCounters: Sendable, Equatable {
    /// Well-formed requests received.
    public var requests = 0
    /// Responses queued.
    public var answered = 0
    /// Datagrams that were not a well-formed SDP request (dropped silently, §4.4).
    public var malformed = 0
    /// Requests for UDP as transport (not answered).
    public var unsupportedTransport = 0
    /// Requests dropped because the data link was not ready.
    public var droppedLinkNotReady = 0
    /// Requests answered with a different security than asked (TLS asked, plain TCP offered).
    public var securityFallbacks = 0
    /// Responses lost because the pump's transmit queue was full.
    public var transmitFull = 0
    public init() {}
}

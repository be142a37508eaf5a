import Buffers
import ControlLoop
import Drivers
import HAL
import V2G
import V2GTP

/// Where the EV's SECC discovery stands.
public enum SDPDiscoveryState: Sendable, Equatable, CustomStringConvertible {
    /// Not started (or stopped).
    case idle
    /// Requests go out; `attempt` of them so far in this cycle.
    case discovering(attempt: Int)
    /// A SECC answered: its V2G TCP server (scope id = the interface the answer came in on).
    case found(IPEndpoint, SDPSecurity)
    /// Every request of the cycle went unanswered (§4.5: stop HLC, fall back or replug).
    case failed

    public var description: String {
        switch self {
        case .idle: return "idle"
        case .discovering(let n): return "discovering (request \(n))"
        case .found(let e, let s): return "found \(e) (\(s))"
        case .failed: return "failed: no SDP response"
        }
    }
}

/// The EV side of SDP (sdp-v2gtp.md §4.5): after `start`, multicasts the request to [ff02::1]:15118
/// and waits 250 ms for the answer, up to 50 requests (V2GTimers.sdpResponse, .sdpRequests,
/// [V2G2-159, -161]). The first well-formed response for TCP with the security asked for gives the
/// SECC's endpoint; late duplicates after that are ignored (ccs32clara). The address on the wire has
/// no scope: the interface the response arrived on (its sender's scope id) supplies it, so the
/// connect leaves through the PLC interface.
///
/// A loop controller over a `DatagramPump`'s queues; allocation-free after `init`.
public final class SDPClient: TickController {
    public let name: String
    public let pump: DatagramPump
    /// What we ask for: plain TCP (no TLS stack here).
    public let security: SDPSecurity
    public let responseTimeout: Nanoseconds
    public let maximumRequests: Int

    public private(set) var state = SDPDiscoveryState.idle
    /// Datagrams that were not a usable response (malformed, UDP, other security, late duplicates).
    public private(set) var ignoredResponses = 0
    /// Requests sent over the client's life.
    public private(set) var requestsSent = 0
    /// When the last request left and when the answer came (for the round trip).
    public private(set) var lastRequestAt: MonotonicInstant?
    public private(set) var foundAt: MonotonicInstant?

    private var responseTimer = Deadline()
    private let datagram: FrameBuffer
    private let request: FrameBuffer
    private var sendNow = false

    public init(name: String = "sdp-client", pump: DatagramPump, security: SDPSecurity = .none,
                responseTimeout: Nanoseconds = V2GTimers.sdpResponse, maximumRequests: Int = V2GTimers.sdpRequests) {
        self.name = name
        self.pump = pump
        self.security = security
        self.responseTimeout = responseTimeout
        self.maximumRequests = maximumRequests
        datagram = FrameBuffer(capacity: pump.received.maxFrameLength)
        request = FrameBuffer(capacity: SDPRequest.length)
        request.setCount(SDPRequest.length)
        var out = MutableRawSpan(_unsafeBytes: request.unsafeMutableBytes)
        _ = try? SDPRequest(security: security, transport: .tcp).encode(into: &out)
    }

    /// Starts a discovery cycle: the first request goes out on the next tick.
    public func start() {
        state = .discovering(attempt: 0)
        foundAt = nil
        responseTimer.cancel()
        sendNow = true
    }

    /// Stops discovering (the session runs, or the link went away).
    public func stop() {
        state = .idle
        responseTimer.cancel()
        sendNow = false
    }

    /// The SECC's endpoint once found.
    public var secc: IPEndpoint? {
        if case .found(let e, _) = state { return e }
        return nil
    }

    public func tick(_ context: TickContext) {
        while let from = pump.next(into: datagram) {
            handle(from: from, at: context.now)
        }
        guard case .discovering(let attempt) = state else { return }
        if sendNow || responseTimer.fire(context.now) {
            guard attempt < maximumRequests else {
                state = .failed
                return
            }
            sendNow = false
            if pump.enqueue(RawSpan(_unsafeBytes: request.unsafeBytes), to: .sdpMulticast) {
                requestsSent &+= 1
                lastRequestAt = context.now
            }
            state = .discovering(attempt: attempt + 1)
            responseTimer.arm(context.now, after: responseTimeout)
        }
    }

    private func handle(from: IPEndpoint, at now: MonotonicInstant) {
        guard case .discovering = state else {
            ignoredResponses &+= 1
            return
        }
        let response: SDPResponse
        do throws(V2GTPError) {
            response = try SDPResponse.decode(RawSpan(_unsafeBytes: datagram.unsafeBytes))
        } catch {
            ignoredResponses &+= 1
            return
        }
        guard response.transport == .tcp, response.security == security else {
            ignoredResponses &+= 1
            return
        }
        var address = response.address
        if address.isLinkLocal { address.scopeID = from.address.scopeID }
        state = .found(IPEndpoint(address, port: response.port), response.security)
        foundAt = now
        responseTimer.cancel()
    }

    /// Stops a discovery in progress; a SECC already found stays in `state` for whoever reports it.
    public func safeStop(_ reason: StopReason) -> SafeStopReport {
        if case .discovering = state { stop() }
        return SafeStopReport(name, ["SDP discovery stopped"])
    }
}

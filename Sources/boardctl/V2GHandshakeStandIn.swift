import AppHandshake
import Buffers
import Contracts
import ControlLoop
import EXI
import HAL
import V2G
import V2GTP

/// What `boardctl v2g` needs of a session controller: the agreed interface of the SECC and EVCC
/// controllers (issue 14) — a loop controller over the TCP pump's queues that says where the session
/// stands and is told when the connection opens and closes.
protocol V2GSessionControlling: TickController {
    var session: V2GSessionFacts { get }
    /// The controller wants the connection closed once its last message has left.
    var closeRequested: Bool { get }
    func connectionOpened(at instant: MonotonicInstant)
    func connectionClosed(at instant: MonotonicInstant)
}

/// A STAND-IN, not a session controller: it does only the supportedAppProtocol handshake
/// (sdp-v2gtp.md §7) and then ends the session as `evseShutdown` (SECC side) or `peerFailed` (EV
/// side), so a runner built on it never reports a complete session. It exists so `boardctl v2g` can
/// exercise SDP, TCP and V2GTP while the real SECC/EVCC controllers are not composed.
final class HandshakeOnlySession: V2GSessionControlling {
    enum Side { case secc, evcc }

    let name: String
    let side: Side
    let received: ByteQueue
    let transmit: ByteQueue
    let protocols: [V2GProtocol]
    private(set) var session = V2GSessionFacts()
    var closeRequested: Bool { session.isFinished }
    private let reader = V2GTPReader()
    private let scratch = FrameBuffer(capacity: 1024)
    private var connected = false
    private var sent = false

    init(side: Side, received: ByteQueue, transmit: ByteQueue, protocols: [V2GProtocol]) {
        self.side = side
        name = side == .secc ? "secc-handshake-stand-in" : "evcc-handshake-stand-in"
        self.received = received
        self.transmit = transmit
        self.protocols = protocols
    }

    func connectionOpened(at instant: MonotonicInstant) {
        connected = true
        sent = false
        reader.reset()
        session = V2GSessionFacts()
        session.phase = .handshake
        session.startedAt = instant
    }

    func connectionClosed(at instant: MonotonicInstant) {
        connected = false
        guard !session.isFinished else { return }
        end(.linkLost, at: instant)
    }

    func tick(_ context: TickContext) {
        guard connected, !session.isFinished else { return }
        if side == .evcc, !sent {
            sent = send(.supportedAppProtocolReq(AppProtocolNegotiation.request(offering: protocols)))
            if sent { session.requests &+= 1 }
        }
        while !received.isEmpty, reader.header == nil {
            let region = received.unsafeReadableRegion()
            do throws(V2GTPError) {
                let n = try reader.consume(RawSpan(_unsafeBytes: region))
                received.discard(n)
            } catch {
                session.decodeErrors &+= 1
                end(.decodeErrors, at: context.now)
                return
            }
        }
        guard reader.header != nil else { return }
        let message: AppHandshakeMessage
        do throws(EXIError) {
            let r = reader
            let bytes = withExtendedLifetime(r) { r.payload.withUnsafeBytes { $0 } }
            message = try AppHandshakeCodec.decode(RawSpan(_unsafeBytes: bytes))
        } catch {
            session.decodeErrors &+= 1
            end(.decodeErrors, at: context.now)
            return
        }
        reader.next()
        switch (side, message) {
        case (.secc, .supportedAppProtocolReq(let request)):
            session.requests &+= 1
            let outcome = AppProtocolNegotiation(offered: protocols).negotiate(request)
            if send(.supportedAppProtocolRes(outcome.response)) { session.responses &+= 1 }
            session.negotiated = outcome.selected
            end(outcome.selected == nil ? .noCommonProtocol : .evseShutdown, at: context.now)
        case (.evcc, .supportedAppProtocolRes(let response)):
            session.responses &+= 1
            session.negotiated = AppProtocolNegotiation.selected(by: response, offering: protocols)
            end(session.negotiated == nil ? .noCommonProtocol : .peerFailed, at: context.now)
        default:
            end(.sequenceError, at: context.now)
        }
    }

    private func end(_ reason: V2GStopReason, at instant: MonotonicInstant) {
        session.stopReason = reason
        session.phase = .ended
        session.endedAt = instant
    }

    /// Frames one handshake message (V2GTP header, payload type 0x8001) into `transmit`.
    private func send(_ message: AppHandshakeMessage) -> Bool {
        let raw = scratch.unsafeMutableBytes
        var payload = MutableRawSpan(_unsafeBytes: UnsafeMutableRawBufferPointer(rebasing: raw[V2GTPHeader.length...]))
        let length: Int
        do throws(EXIError) {
            length = try AppHandshakeCodec.encode(message, into: &payload)
        } catch {
            return false
        }
        var head = MutableRawSpan(_unsafeBytes: UnsafeMutableRawBufferPointer(rebasing: raw[0..<V2GTPHeader.length]))
        do throws(V2GTPError) {
            try V2GTPHeader(payloadType: .exi, payloadLength: UInt32(length)).encode(into: &head)
        } catch {
            return false
        }
        let total = V2GTPHeader.length + length
        guard transmit.freeCount >= total else { return false }
        _ = transmit.push(RawSpan(_unsafeBytes: UnsafeRawBufferPointer(rebasing: raw[0..<total])))
        return true
    }

    func safeStop(_ reason: StopReason) -> SafeStopReport {
        SafeStopReport(name, ["handshake stand-in: no power requested"])
    }
}

import Contracts
import ControlLoop
import Drivers
import Glibc
import HAL
import Runtime
import SimBoard
import V2GLink

/// Notes when the first bytes of a message arrive (registered before the session controller), so the
/// watcher can say how long the answer or the round trip took. Tick resolution: bytes that arrive
/// between ticks wait in the queue for the next one, so the SECC's own time is bounded by one tick.
final class ArrivalTap: TickController {
    let name = "v2g-arrivals"
    let tcp: StreamPump
    private(set) var firstByteAt: MonotonicInstant?
    private var seenCount = 0

    init(tcp: StreamPump) { self.tcp = tcp }

    func tick(_ context: TickContext) {
        let count = tcp.received.count
        if count > 0, seenCount == 0, firstByteAt == nil { firstByteAt = tcp.lastArrivalAt }
        seenCount = count
    }

    func taken() { firstByteAt = nil }

    func safeStop(_ reason: StopReason) -> SafeStopReport { SafeStopReport(name, []) }
}

/// Prints every completed message (name, round trip, power values) and stops the loop once the
/// session is over and its last answer left — or at the time limit. The session hears of its TCP
/// connection from its composition (`SECCAssembly`'s connection controller, `SimulatedEVCharging`).
final class SessionWatcher: TickController {
    let name = "v2g-watcher"
    let role: V2GRunner.Role
    unowned let loop: TickLoop
    let tcp: StreamPump
    let session: any V2GSessionControlling
    let facts: ChargerFacts?
    let timeLimit: Nanoseconds
    /// How long the connection stays open after the session ended, unless the peer closes it first.
    var linger: Nanoseconds = .seconds(7)
    let arrivals: ArrivalTap
    /// The EV side (EVCC role): its SDP and connect outcome.
    var ev: SimulatedEVCharging?
    private var reportedDiscovery = false
    /// The EVCC's own measure of the last round trip (request sent → response decoded).
    var evccRoundTrip: Nanoseconds?
    private(set) var started = false
    private(set) var last = V2GSessionFacts()
    private var startedAt: MonotonicInstant?
    private var openedSession = 0
    private var open = false
    private var lastResponses: UInt32 = 0
    private var lastRequests: UInt32 = 0
    private var requestAt: MonotonicInstant?
    private var lastPhase = V2GSessionPhase.idle
    private var finishedAt: MonotonicInstant?

    init(role: V2GRunner.Role, loop: TickLoop, tcp: StreamPump, session: any V2GSessionControlling, facts: ChargerFacts?,
         timeLimit: Nanoseconds) {
        self.role = role
        self.loop = loop
        self.tcp = tcp
        self.session = session
        self.facts = facts
        self.timeLimit = timeLimit
        arrivals = ArrivalTap(tcp: tcp)
    }

    func tick(_ context: TickContext) {
        // Send what the session wrote in this tick now, not at the next tick's pump.
        tcp.pump(context)
        let now = loop.clock.now()
        let since = startedAt ?? context.now
        startedAt = since
        if now - since > timeLimit {
            print("\(time(now))  time limit of \(timeLimit.count / 1_000_000_000) s reached in \(session.session.phase)")
            loop.requestStop(.fault("time limit"))
            return
        }
        if let ev {
            if case .failed(let why) = ev.phase {
                print("\(time(now))  \(why)")
                loop.requestStop(.fault(why))
                return
            }
            if !reportedDiscovery, case .found(let secc, _) = ev.sdp.state {
                reportedDiscovery = true
                let rtt = both(ev.sdp.lastRequestAt, ev.sdp.foundAt).map { ms($1 - $0) + " ms" } ?? "-"
                print("SDP: SECC at \(secc) after \(ev.sdp.requestsSent) request(s), round trip \(rtt)")
            }
        }
        trackConnection(now)
        let s = session.session
        report(s, now)
        last = s
        if s.isFinished {
            if finishedAt == nil {
                finishedAt = now
                print("\(time(now))  session ended: \(s.stopReason) after \(s.requests) requests, \(s.currentDemands) CurrentDemand")
            }
            // Let the last message leave, then keep the connection until the peer closes it or
            // `linger` passes: Josev keeps it 5 s after SessionStopRes and logs an early close by the
            // other side as the session's stop reason.
            // After a failure the controller asks for the close at once (the standard's answer).
            let wait = s.stopReason == .completed ? linger : (session.closeRequested ? .zero : linger)
            if tcp.transmit.isEmpty, tcp.state.isFinished || now - finishedAt! >= wait {
                tcp.finish()
                // The SECC's power path stops by itself once the session ended (current to zero,
                // contactors open): give it up to 3 s before the loop's safe stop would do it.
                if let facts, !facts.power.value.phase.isAtRest, now - finishedAt! < wait + .seconds(3) { return }
                if let facts {
                    let p = facts.power.value
                    print("\(time(now))  power path after the session: \(p.phase), \(one(p.volts)) V \(one(p.amps)) A")
                }
                loop.requestStop(.requested("session over: \(s.stopReason)"))
            }
        }
    }

    private func trackConnection(_ now: MonotonicInstant) {
        if !open, tcp.sessions != openedSession, tcp.state == .open {
            openedSession = tcp.sessions
            open = true
            started = true
            print("\(time(now))  TCP connected: \(tcp.connection.map { "\($0.remoteEndpoint)" } ?? "?")")
        } else if open, tcp.state.isFinished {
            open = false
            print("\(time(now))  TCP \(tcp.state)")
        }
    }

    private func report(_ s: V2GSessionFacts, _ now: MonotonicInstant) {
        if s.requests != lastRequests {
            lastRequests = s.requests
            if role == .evcc { requestAt = now }
        }
        guard s.responses != lastResponses else {
            if s.phase != lastPhase, s.phase == .ended { lastPhase = s.phase }
            return
        }
        lastResponses = s.responses
        let from = role == .secc ? arrivals.firstByteAt : requestAt
        arrivals.taken()
        var rtt = from.map { ms(now - $0) + " ms" } ?? "-"
        if role == .evcc, let roundTrip = evccRoundTrip { rtt = ms(roundTrip) + " ms" }
        let label = role == .secc ? "answered in" : "round trip"
        var line = "\(time(now))  \(pad(s.phase.description, 26)) \(label) \(rtt)"
        if s.negotiated != nil, s.phase == .handshake || lastPhase == .idle || lastPhase == .handshake {
            line += "  protocol \(s.negotiated!.josevName)"
        }
        if s.evTargetVolts != 0 || s.evTargetAmps != 0 || s.evsePresentVolts != 0 || s.evsePresentAmps != 0 {
            line += "  EV target \(one(s.evTargetVolts)) V \(one(s.evTargetAmps)) A, EVSE present \(one(s.evsePresentVolts)) V \(one(s.evsePresentAmps)) A"
        }
        if let soc = s.soc { line += ", SoC \(soc) %" }
        if let facts {
            let p = facts.power.value
            line += "  [power path \(p.phase): \(one(p.volts)) V \(one(p.amps)) A]"
        }
        lastPhase = s.phase
        print(line)
        fflush(nil)
    }

    private func time(_ now: MonotonicInstant) -> String {
        let ms = (now - (startedAt ?? now)).count / 1_000_000
        let frac = String(ms % 1000)
        return pad("\(ms / 1000)." + String(repeating: "0", count: 3 - frac.count) + frac + " s", 10, left: true)
    }

    func safeStop(_ reason: StopReason) -> SafeStopReport {
        SafeStopReport(name, ["TCP \(tcp.state)"])
    }
}

private func both(_ a: MonotonicInstant?, _ b: MonotonicInstant?) -> (MonotonicInstant, MonotonicInstant)? {
    guard let a, let b else { return nil }
    return (a, b)
}

private func ms(_ d: Nanoseconds) -> String {
    let tenths = d.count / 100_000
    return "\(tenths / 10).\(tenths % 10)"
}

private func one(_ x: Double) -> String {
    let t = Int((x * 10).rounded())
    return (t < 0 ? "-" : "") + "\(abs(t) / 10).\(abs(t) % 10)"
}

private func pad(_ s: String, _ width: Int, left: Bool = false) -> String {
    s.count >= width ? s : (left ? String(repeating: " ", count: width - s.count) + s : s + String(repeating: " ", count: width - s.count))
}

extension PowerPhase {
    /// Idle, or held in its safe stop: supply off and contactors open either way.
    var isAtRest: Bool { self == .idle || self == .safeStop }
}

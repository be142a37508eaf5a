import Contracts
import ControlLoop
import CoreTypes

/// What one charging session did, as the charger measured it: the protocol, when it started and
/// ended, the energy integrated from the power path's present voltage and current (the supply's
/// output meter, not the car's claims), the peak power, the stop reason and the message counters —
/// issue 18's one summary line per session.
public struct ChargingSessionSummary: Sendable, Equatable {
    public var negotiated: V2GProtocol?
    public var startedAt: MonotonicInstant = .zero
    public var endedAt: MonotonicInstant = .zero
    public var energyWattHours: Double = 0
    public var peakWatts: Double = 0
    public var stopReason: V2GStopReason = .none
    public var requests: UInt32 = 0
    public var currentDemands: UInt32 = 0
    public var finalSoC: UInt8?
    /// The power path's fault during the session, or after its end before the next one began (a weld
    /// shows when the contactors open, which may be after SessionStop); nil when none.
    public var powerFault: PowerFault?
    /// The fault that put the charger out of service (`PowerFault.latchesUntilService`) during or
    /// right after this session, or that refused it at SessionSetup; nil while in service.
    public var outOfService: PowerFault?

    public init() {}

    public var duration: Nanoseconds { endedAt - startedAt }
}

/// Follows `facts.v2g` and `facts.power` every tick (registered after the power path, so both are
/// this tick's): integrates the energy and the peak power while a session runs (and the output's decay
/// after it ends), notes each phase
/// change, and keeps the summary of the last finished session — with the power path's fault and
/// whether it left the charger out of service, also when that shows only after the session's end
/// (until the next session begins). Fixed-size state: nothing allocates
/// in a tick (phase changes go into a preallocated ring read by the app).
public final class SessionRecorder: TickController {
    public let name = "session-recorder"
    let facts: ChargerFacts
    /// The running session (or the last one, once `finished` counts it).
    public private(set) var current = ChargingSessionSummary()
    /// Sessions that ended since start.
    public private(set) var finished = 0
    /// The summary of the last finished session.
    public private(set) var last: ChargingSessionSummary?
    /// Phase changes not yet read: (phase, when). Read and cleared by the app with `takePhaseChanges`.
    private var changes: [(V2GSessionPhase, MonotonicInstant)]
    private var lastPhase = V2GSessionPhase.idle
    private var lastAt: MonotonicInstant?

    public init(facts: ChargerFacts) {
        self.facts = facts
        changes = []
        changes.reserveCapacity(64)
    }

    public func tick(_ context: TickContext) {
        let now = context.now
        let s = facts.v2g.value
        let p = facts.power.value
        if s.phase != lastPhase {
            if lastPhase == .idle || (lastPhase == .ended && s.phase != .idle) {
                current = ChargingSessionSummary()
                current.startedAt = now
            }
            if changes.count < changes.capacity { changes.append((s.phase, now)) }
            lastPhase = s.phase
        }
        let running = s.phase != .idle && s.phase != .ended
        // The meter counts until the output is off: after a stop on the pilot the session ends at once,
        // but the current still ramps down for some ticks (more on a loaded machine), and that energy
        // reached the car. So energy is also integrated while the ended session's output decays.
        if s.phase != .idle, let lastAt {
            let watts = p.volts * p.amps
            if watts.isFinite, watts > 0 {
                current.energyWattHours += watts * Double((now - lastAt).count) / 3.6e12
                current.peakWatts = max(current.peakWatts, watts)
            }
        }
        if running || s.phase == .ended {
            current.negotiated = s.negotiated
            current.requests = s.requests
            current.currentDemands = s.currentDemands
            if let soc = s.soc { current.finalSoC = soc }
        }
        if running || s.phase == .ended {
            notePowerFault(s, p)
        }
        if s.phase == .ended, current.stopReason == .none, s.stopReason != .none {
            current.stopReason = s.stopReason
            current.endedAt = now
            last = current
            finished += 1
        } else if s.phase == .ended, current.stopReason != .none, last != nil {
            // After the session's end: the output's decay still reaches the car, and the power path's
            // verdict (a weld found by the stop sequence) may come later.
            last?.energyWattHours = current.energyWattHours
            last?.powerFault = current.powerFault
            last?.outOfService = current.outOfService
        }
        lastAt = now
    }

    /// The first power fault of the session (the SECC's, or the power path's safe stop), and the
    /// latched one.
    private func notePowerFault(_ s: V2GSessionFacts, _ p: PowerPathStatus) {
        if current.powerFault == nil {
            if let f = s.powerFault {
                current.powerFault = f
            } else if p.phase == .safeStop, let f = p.outcome.fault {
                current.powerFault = f
            }
        }
        if current.outOfService == nil, let f = p.latchedFault {
            current.outOfService = f
            if current.powerFault == nil { current.powerFault = f }
        }
    }

    /// The phase changes since the last call, oldest first (the app prints them).
    public func takePhaseChanges(_ body: (V2GSessionPhase, MonotonicInstant) -> Void) {
        for (phase, at) in changes { body(phase, at) }
        changes.removeAll(keepingCapacity: true)
    }

    public func safeStop(_ reason: StopReason) -> SafeStopReport { SafeStopReport(name, []) }
}

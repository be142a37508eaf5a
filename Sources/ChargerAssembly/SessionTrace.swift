import Contracts
import ControlLoop
import CoreTypes

/// One point of a session's trace: what the power path was told to do and what it measured.
@frozen
public struct SessionSample: Sendable, Equatable, BitwiseCopyable {
    public var at: MonotonicInstant
    public var setpointVolts: Double
    public var setpointAmps: Double
    public var volts: Double
    public var amps: Double
    /// The car's SoC in percent; -1 before the car said it.
    public var soc: Double

    public init(at: MonotonicInstant, setpointVolts: Double, setpointAmps: Double, volts: Double, amps: Double, soc: Double) {
        self.at = at
        self.setpointVolts = setpointVolts
        self.setpointAmps = setpointAmps
        self.volts = volts
        self.amps = amps
        self.soc = soc
    }
}

/// A V2G phase of the session and when it began.
@frozen
public struct SessionPhaseMark: Sendable, Equatable, BitwiseCopyable {
    public var phase: V2GSessionPhase
    public var at: MonotonicInstant
}

/// Records each session at the loop's rate for the session report (issue 18 item 4), in storage
/// allocated once: `capacity` samples. It starts by keeping every tick; whenever the buffer fills it
/// keeps every other sample and halves its rate (a 2:1 decimation), so a session of any length ends
/// up with between `capacity / 2` and `capacity` evenly spaced samples and the tick never allocates.
/// Registered after the power path (reads this tick's `facts.power`). Phase changes go into a fixed
/// table of `maximumPhases` marks.
public final class SessionTrace: TickController {
    public let name = "session-trace"
    public let capacity: Int
    public static let maximumPhases = 64
    private let facts: ChargerFacts
    private var samples: ContiguousArray<SessionSample>
    private var phases: ContiguousArray<SessionPhaseMark>
    /// Ticks between kept samples (1, 2, 4, …).
    public private(set) var stride = 1
    private var tickInStride = 0
    private var lastPhase = V2GSessionPhase.idle
    /// Sessions that reached `ended` since start.
    public private(set) var finished = 0
    /// True while a session is being recorded.
    public private(set) var recording = false

    public init(facts: ChargerFacts, capacity: Int = 2048) {
        precondition(capacity >= 4 && capacity % 2 == 0)
        self.facts = facts
        self.capacity = capacity
        samples = []
        samples.reserveCapacity(capacity)
        phases = []
        phases.reserveCapacity(Self.maximumPhases)
    }

    public func tick(_ context: TickContext) {
        let s = facts.v2g.value
        if s.phase != lastPhase {
            if lastPhase == .idle || (lastPhase == .ended && s.phase != .idle) { begin() }
            if recording, phases.count < Self.maximumPhases { phases.append(SessionPhaseMark(phase: s.phase, at: context.now)) }
            if s.phase == .ended, recording {
                recording = false
                finished += 1
            }
            lastPhase = s.phase
        }
        guard recording else { return }
        tickInStride += 1
        guard tickInStride >= stride else { return }
        tickInStride = 0
        if samples.count == capacity { decimate() }
        let p = facts.power.value
        samples.append(SessionSample(at: context.now, setpointVolts: p.setpoint.volts, setpointAmps: p.setpoint.amps,
                                     volts: p.volts, amps: p.amps, soc: s.soc.map { Double($0) } ?? -1))
    }

    private func begin() {
        samples.removeAll(keepingCapacity: true)
        phases.removeAll(keepingCapacity: true)
        stride = 1
        tickInStride = 0
        recording = true
    }

    /// Keeps samples 0, 2, 4, … and halves the rate from now on.
    private func decimate() {
        var i = 0
        while i < capacity / 2 {
            samples[i] = samples[2 * i]
            i += 1
        }
        samples.removeLast(capacity / 2)
        stride *= 2
    }

    /// The last (or running) session's samples and phases, copied (allocates: call off the tick).
    public func snapshot() -> (samples: [SessionSample], phases: [SessionPhaseMark]) {
        (Array(samples), Array(phases))
    }

    public func safeStop(_ reason: StopReason) -> SafeStopReport { SafeStopReport(name, []) }
}

import Contracts
import CoreTypes

/// What the loop tells the service plane every `ServiceBridge.snapshotEvery` ticks: a compact copy of
/// the facts a central system or a page needs, fixed size (no strings, no arrays), so publishing it
/// is a copy into a preallocated ring slot.
@frozen
public struct FactsSnapshot: Sendable, Equatable, BitwiseCopyable {
    public var tick: UInt64 = 0
    public var at: MonotonicInstant = .zero
    public var pilot: PilotState = .a
    public var pilotFault: Bool = false
    public var vehicleConnected: Bool = false
    public var plcMatched: Bool = false
    public var v2gPhase: V2GSessionPhase = .idle
    public var v2gStop: V2GStopReason = .none
    public var authorization: AuthorizationState = .idle
    public var powerPhase: PowerPhase = .idle
    public var powerFault: PowerFault? = nil
    /// The fault that holds the charger out of service (`PowerPathStatus.latchedFault`), nil in service.
    public var outOfService: PowerFault? = nil
    /// Output voltage and current as measured (V, A); what the supply is asked for (A).
    public var volts: Double = 0
    public var amps: Double = 0
    public var setpointAmps: Double = 0
    /// The energy delivered since start, integrated from the measured output (Wh): the meter register.
    public var energyWattHours: Double = 0
    /// The car's state of charge in percent (nil: not sent).
    public var soc: UInt8? = nil
    /// The current limit in force (the operator's), `.infinity` when none.
    public var limitAmps: Double = .infinity
    /// The session has energy flowing or about to (cable check → welding check).
    public var powerActive: Bool = false
    /// Edge counters and the jitter histogram since start (metrics, the per-session record).
    public var counters = LoopCounters()
    /// Decode errors of the running (or last) session.
    public var sessionDecodeErrors: UInt16 = 0
    /// Energy delivered since the running (or last) session began (Wh), kept on the loop so a record
    /// is right however many snapshots the plane skipped.
    public var sessionEnergyWattHours: Double = 0

    public init() {}

    /// Output power in W.
    @inlinable public var watts: Double { volts * amps }
}

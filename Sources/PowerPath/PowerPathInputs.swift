import Contracts
import CoreTypes

/// Everything the power path reads in one tick: the facts and the contracts' readbacks, copied once,
/// so the decisions are a pure function of them.
@frozen
public struct PowerPathInputs: Sendable {
    public var now: MonotonicInstant
    public var tick: UInt64
    public var period: Nanoseconds
    public var request: PowerRequest
    /// The request was published this tick or the previous one.
    public var requestCurrent: Bool
    public var pilot: PilotFacts
    public var pilotCurrent: Bool
    public var supply: DCSupplyReadback
    public var capabilities: DCSupplyCapabilities
    public var contactors: ContactorStatus
    public var isolation: IsolationReading
    public var meter: OutputMeasurement

    public init(now: MonotonicInstant, tick: UInt64, period: Nanoseconds, request: PowerRequest, requestCurrent: Bool,
                pilot: PilotFacts, pilotCurrent: Bool, supply: DCSupplyReadback, capabilities: DCSupplyCapabilities,
                contactors: ContactorStatus, isolation: IsolationReading, meter: OutputMeasurement) {
        self.now = now
        self.tick = tick
        self.period = period
        self.request = request
        self.requestCurrent = requestCurrent
        self.pilot = pilot
        self.pilotCurrent = pilotCurrent
        self.supply = supply
        self.capabilities = capabilities
        self.contactors = contactors
        self.isolation = isolation
        self.meter = meter
    }
}

/// What the power path wants from the hardware after a tick; the controller applies what changed.
@frozen
public struct PowerCommand: Sendable, Equatable {
    public var supplyMode: DCSupplyMode = .off
    public var setpoint: DCSetpoint = .zero
    public var contactorsClosed = false
    public var imdMonitoring = false
    /// Start the IMD self-test now (one tick).
    public var imdSelfTest = false

    public init() {}

    /// Supply off, setpoint zero, contactors open (the IMD keeps whatever it was doing).
    @_noAllocation @_noLocks
    public mutating func makeSafe() {
        supplyMode = .off
        setpoint = .zero
        contactorsClosed = false
        imdSelfTest = false
    }
}

/// What a step reports after a tick: how far it got and its outcome (a tuple, so the
/// `@_noAllocation` steps build it without calling an initialiser in another file).
public typealias StepReport = (progress: PowerProgress, outcome: PowerOutcome)

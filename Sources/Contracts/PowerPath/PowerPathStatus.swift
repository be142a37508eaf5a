import CoreTypes

/// Where the power path is.
@frozen
public enum PowerPhase: Sendable, Equatable, BitwiseCopyable, CustomStringConvertible {
    case idle
    case cableCheck
    case precharge
    case charging
    case stopping
    case weldingCheck
    /// A fault stopped the power path: supply off, contactors commanded open. Left only for `idle`.
    case safeStop

    @inlinable public var ordinal: Int {
        switch self {
        case .idle: 0
        case .cableCheck: 1
        case .precharge: 2
        case .charging: 3
        case .stopping: 4
        case .weldingCheck: 5
        case .safeStop: 6
        }
    }

    @inlinable public static func == (a: Self, b: Self) -> Bool { a.ordinal == b.ordinal }

    public var description: String {
        switch self {
        case .idle: "idle"
        case .cableCheck: "cable check"
        case .precharge: "precharge"
        case .charging: "charging"
        case .stopping: "stopping"
        case .weldingCheck: "welding check"
        case .safeStop: "safe stop"
        }
    }
}

/// What a step is doing right now, for logs and for a protocol that reports progress ("Ongoing").
@frozen
public enum PowerProgress: Sendable, Equatable, BitwiseCopyable, CustomStringConvertible {
    case none
    case closingContactors
    case rampingVoltage
    case imdSelfTest
    case measuringIsolation
    case loweringVoltage
    case regulating
    case rampingCurrent
    case currentToZero
    case openingContactors
    case waitingForDecay
    case done

    @inlinable public var ordinal: Int {
        switch self {
        case .none: 0
        case .closingContactors: 1
        case .rampingVoltage: 2
        case .imdSelfTest: 3
        case .measuringIsolation: 4
        case .loweringVoltage: 5
        case .regulating: 6
        case .rampingCurrent: 7
        case .currentToZero: 8
        case .openingContactors: 9
        case .waitingForDecay: 10
        case .done: 11
        }
    }

    @inlinable public static func == (a: Self, b: Self) -> Bool { a.ordinal == b.ordinal }

    public var description: String {
        switch self {
        case .none: "-"
        case .closingContactors: "closing contactors"
        case .rampingVoltage: "ramping voltage"
        case .imdSelfTest: "IMD self-test"
        case .measuringIsolation: "measuring isolation"
        case .loweringVoltage: "lowering output"
        case .regulating: "regulating"
        case .rampingCurrent: "ramping current"
        case .currentToZero: "current to zero"
        case .openingContactors: "opening contactors"
        case .waitingForDecay: "waiting for voltage decay"
        case .done: "done"
        }
    }
}

/// Why the power path stopped (each leads to the safe stop: supply off, contactors open).
@frozen
public enum PowerFault: Sendable, Equatable, BitwiseCopyable, CustomStringConvertible {
    /// The pilot reports a fault or an emergency stop, or left B/C/D.
    case pilotFault
    /// The pilot fact is not being published (its writer stopped).
    case pilotSilent
    /// The power request is not being published (its writer stopped).
    case requestSilent
    /// A step the current phase cannot take (e.g. charge before precharge).
    case outOfSequence
    case isolationFault
    case isolationMonitorSilent
    case imdSelfTestFailed
    case imdSelfTestTimeout
    case cableCheckVoltageNotReached
    case cableCheckDischargeTimeout
    case cableCheckTimeout
    case prechargeTimeout
    case supplyTrip
    /// The supply did not switch off (current not safe within the decay limit, or output while off).
    case supplyDidNotSwitchOff
    /// Output above the vehicle's maximum voltage for the over-voltage duration (CC.6.2).
    case overVoltage
    /// Output above the Table 103 emergency threshold.
    case emergencyOverVoltage
    /// Output current above the limit in force for the over-current duration.
    case overCurrent
    case contactorDidNotClose
    case contactorWelded
    case contactorDroppedOut
    case contactorIOFailed
    case measurementStale
    /// Contactors open, but the inlet voltage stayed above the safe voltage (a welded contactor).
    case voltageDidNotDecay
    /// The loop stopped (signal, application request, another controller's fault).
    case loopStopped
    /// Voltage on the inlet before the cable check closed the contactors (the car's contactors closed
    /// or welded): closing would connect the supply's empty capacitors to a battery.
    case voltageOnInlet
    /// The out-of-service record an earlier run left (chargerd's state directory) could not be read:
    /// which fault it held is unknown, so the charger starts out of service until a technician checks
    /// (when in doubt, safe).
    case unreadableServiceRecord

    @inlinable public var ordinal: Int {
        switch self {
        case .pilotFault: 0
        case .pilotSilent: 1
        case .requestSilent: 2
        case .outOfSequence: 3
        case .isolationFault: 4
        case .isolationMonitorSilent: 5
        case .imdSelfTestFailed: 6
        case .imdSelfTestTimeout: 7
        case .cableCheckVoltageNotReached: 8
        case .cableCheckDischargeTimeout: 9
        case .cableCheckTimeout: 10
        case .prechargeTimeout: 11
        case .supplyTrip: 12
        case .supplyDidNotSwitchOff: 13
        case .overVoltage: 14
        case .emergencyOverVoltage: 15
        case .overCurrent: 16
        case .contactorDidNotClose: 17
        case .contactorWelded: 18
        case .contactorDroppedOut: 19
        case .contactorIOFailed: 20
        case .measurementStale: 21
        case .voltageDidNotDecay: 22
        case .loopStopped: 23
        case .voltageOnInlet: 24
        case .unreadableServiceRecord: 25
        }
    }

    @inlinable public static func == (a: Self, b: Self) -> Bool { a.ordinal == b.ordinal }

    /// A fault the charger cannot clear by itself: the power path stays out of service (refuses every
    /// step but its safe stop) until a service reset or a restart, because the next car would be
    /// connected through the same broken part — a welded contactor or one whose state is unknown, a
    /// live output after the contactors opened, a supply that would not switch off, an output that
    /// went above the Table 103 emergency limit (v2g-session.md §2 lines 39, 46, 48). Every other
    /// fault ends the session only; it is acknowledged back to idle for the next car.
    @inlinable public var latchesUntilService: Bool {
        switch self {
        case .contactorWelded, .voltageDidNotDecay, .supplyDidNotSwitchOff, .contactorIOFailed, .emergencyOverVoltage,
             .unreadableServiceRecord: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .pilotFault: "pilot fault / emergency stop"
        case .pilotSilent: "pilot facts not published"
        case .requestSilent: "power request not published"
        case .outOfSequence: "step out of sequence"
        case .isolationFault: "isolation below threshold"
        case .isolationMonitorSilent: "IMD reading stopped"
        case .imdSelfTestFailed: "IMD self-test failed"
        case .imdSelfTestTimeout: "IMD self-test timed out"
        case .cableCheckVoltageNotReached: "cable-check voltage not reached"
        case .cableCheckDischargeTimeout: "output not below safe voltage after cable check"
        case .cableCheckTimeout: "cable check timed out"
        case .prechargeTimeout: "precharge timed out"
        case .supplyTrip: "supply tripped"
        case .supplyDidNotSwitchOff: "supply did not switch off"
        case .overVoltage: "over-voltage (above EV max)"
        case .emergencyOverVoltage: "emergency over-voltage (Table 103)"
        case .overCurrent: "over-current"
        case .contactorDidNotClose: "contactor did not close"
        case .contactorWelded: "contactor welded"
        case .contactorDroppedOut: "contactor dropped out"
        case .contactorIOFailed: "contactor I/O failed"
        case .measurementStale: "output measurement stopped"
        case .voltageDidNotDecay: "voltage did not decay (welded contactor)"
        case .loopStopped: "loop stopped"
        case .voltageOnInlet: "voltage on the inlet before cable check"
        case .unreadableServiceRecord: "out-of-service record unreadable"
        }
    }
}

/// The outcome of the step being served.
@frozen
public enum PowerOutcome: Sendable, Equatable, BitwiseCopyable, CustomStringConvertible {
    case running
    case passed
    case failed(PowerFault)

    public static func == (a: Self, b: Self) -> Bool {
        switch (a, b) {
        case (.running, .running), (.passed, .passed): true
        case (.failed(let x), .failed(let y)): x.ordinal == y.ordinal
        default: false
        }
    }

    @inlinable public var fault: PowerFault? {
        if case .failed(let f) = self { return f }
        return nil
    }

    public var description: String {
        switch self {
        case .running: "running"
        case .passed: "passed"
        case .failed(let f): "FAILED: \(f)"
        }
    }
}

/// What the power path publishes (`ChargerFacts.power`): the step it serves, how far it got, and what
/// the output does.
@frozen
public struct PowerPathStatus: Sendable, Equatable, BitwiseCopyable {
    /// The `PowerRequest.sequence` this status answers.
    public var sequence: UInt32
    public var phase: PowerPhase
    public var progress: PowerProgress
    public var outcome: PowerOutcome
    /// When the phase started, and when the outcome was decided (zero while running).
    public var phaseSince: MonotonicInstant
    public var decidedAt: MonotonicInstant
    /// Output (inlet side) voltage and current, as measured this tick.
    public var volts: Double
    public var amps: Double
    /// What the supply is asked for now (after the ramp and the limits).
    public var setpoint: DCSetpoint
    /// The cable-check test voltage (Formula CC.1), 0 outside a cable check.
    public var testVolts: Double
    /// Latest valid isolation reading in ohms (0 when none).
    public var isolationOhms: Double
    /// Feedback confirms the contactors closed.
    public var contactorsClosed: Bool
    /// Feedback confirms every pole open (a welded pole never reads open): what a service reset waits
    /// for before the charger counts as repaired.
    public var contactorsOpen: Bool
    public var supplyOff: Bool
    /// The fault that put the power path out of service (`PowerFault.latchesUntilService`): every step
    /// is refused until a service reset or a restart. Nil while in service.
    public var latchedFault: PowerFault?

    public init(sequence: UInt32 = 0, phase: PowerPhase = .idle, progress: PowerProgress = .none,
                outcome: PowerOutcome = .passed, phaseSince: MonotonicInstant = .zero, decidedAt: MonotonicInstant = .zero,
                volts: Double = 0, amps: Double = 0, setpoint: DCSetpoint = .zero, testVolts: Double = 0,
                isolationOhms: Double = 0, contactorsClosed: Bool = false, supplyOff: Bool = true,
                latchedFault: PowerFault? = nil, contactorsOpen: Bool = true) {
        self.sequence = sequence
        self.phase = phase
        self.progress = progress
        self.outcome = outcome
        self.phaseSince = phaseSince
        self.decidedAt = decidedAt
        self.volts = volts
        self.amps = amps
        self.setpoint = setpoint
        self.testVolts = testVolts
        self.isolationOhms = isolationOhms
        self.contactorsClosed = contactorsClosed
        self.contactorsOpen = contactorsOpen
        self.supplyOff = supplyOff
        self.latchedFault = latchedFault
    }

    /// Out of service: a latched fault holds the safe stop until a service reset (or a restart without
    /// a state directory that recorded it).
    @inlinable public var isOutOfService: Bool { latchedFault != nil }
}

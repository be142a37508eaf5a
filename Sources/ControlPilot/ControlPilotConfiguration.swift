import Contracts
/// How state D (ventilation required, IEC 61851-1 Annex A) is handled.
public enum VentilationPolicy: Sendable, Equatable {
    /// The site has no ventilation: D is an error (and stops energy transfer).
    case refuse
    /// The site ventilates: D requests power like C.
    case allow
}

/// How many consecutive samples make a new state (the debounce rule).
///
/// A state change is accepted when the same new state is seen in `normal` consecutive samples (so a
/// single-sample glitch is rejected); fault states (E, F, invalid, missing diode) need `fault`
/// consecutive samples. Worst-case reaction in samples = the count; in ticks = count × the front
/// end's sample interval.
public struct PilotConfirmation: Sendable, Equatable {
    public var normal: Int
    public var fault: Int

    public init(normal: Int, fault: Int) {
        self.normal = max(1, normal)
        self.fault = max(1, fault)
    }
}

public struct ControlPilotConfiguration: Sendable, Equatable {
    public var ventilation: VentilationPolicy
    /// The band table for line samples (direct board).
    public var bands: PilotBandTable
    /// Debounce counts; nil = what the front end recommends.
    public var confirmation: PilotConfirmation?
    /// What the charger signals while a vehicle is connected and nothing else was requested: a DC
    /// charger signals 5 %.
    public var initialPWM: PilotPWM
    /// Capacity of the event queue.
    public var eventCapacity: Int

    public init(ventilation: VentilationPolicy = .refuse, bands: PilotBandTable = .iec61851,
                confirmation: PilotConfirmation? = nil, initialPWM: PilotPWM = .digitalCommunication,
                eventCapacity: Int = 64) {
        self.ventilation = ventilation
        self.bands = bands
        self.confirmation = confirmation
        self.initialPWM = initialPWM
        self.eventCapacity = eventCapacity
    }
}

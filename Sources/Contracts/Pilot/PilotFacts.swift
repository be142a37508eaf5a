import CoreTypes

/// The control pilot as the CP controller publishes it (`ChargerFacts.pilot`).
@frozen
public struct PilotFacts: Sendable, Equatable, BitwiseCopyable {
    /// The confirmed state (after debounce); `invalid` until the first reading is confirmed (and
    /// whenever the line sits between the bands), which no reader takes as a connected vehicle.
    public var state: PilotState
    /// Since when `state` holds.
    public var stateSince: MonotonicInstant
    /// What the controller asked the front end to put on the wire this tick.
    public var commandedPWM: PilotPWM
    /// What the front end confirms is on the wire (nil while a change is in flight).
    public var appliedPWM: PilotPWM?
    /// 5 % confirmed on the wire with a vehicle connected: SLAC may run (ISO 15118-3 §7.2 via
    /// esp32-cp-uart.md §7).
    public var digitalCommunication: Bool
    /// The active pilot fault, if any (a front end that cannot measure or drive counts).
    public var fault: PilotFault?
    /// Latched when a fault hit during energy transfer; the power path must already be off.
    public var emergencyStop: Bool

    public init(state: PilotState = .a, stateSince: MonotonicInstant = .zero, commandedPWM: PilotPWM = .steadyHigh,
                appliedPWM: PilotPWM? = nil, digitalCommunication: Bool = false, fault: PilotFault? = nil,
                emergencyStop: Bool = false) {
        self.state = state
        self.stateSince = stateSince
        self.commandedPWM = commandedPWM
        self.appliedPWM = appliedPWM
        self.digitalCommunication = digitalCommunication
        self.fault = fault
        self.emergencyStop = emergencyStop
    }

    /// B, C or D with no fault: a vehicle is there and matching may run (slac.md §5.1).
    @inlinable public var vehicleConnected: Bool { state.vehicleConnected && fault == nil }

    public static func == (a: Self, b: Self) -> Bool {
        a.state == b.state && a.stateSince == b.stateSince && a.commandedPWM == b.commandedPWM
            && a.appliedPWM == b.appliedPWM && a.digitalCommunication == b.digitalCommunication
            && a.fault == b.fault && a.emergencyStop == b.emergencyStop
    }
}

extension Published where Value == PilotFacts {
    /// For tools and tests that stand in for the CP controller (SLAC on a veth pair has no pilot):
    /// publishes `state` as confirmed, with 5 % on the wire while a vehicle is connected.
    public mutating func present(_ state: PilotState, at now: MonotonicInstant = .zero) {
        let pwm: PilotPWM = state.vehicleConnected ? .digitalCommunication : .steadyHigh
        publish(PilotFacts(state: state, stateSince: now, commandedPWM: pwm, appliedPWM: pwm,
                           digitalCommunication: state.vehicleConnected),
                tick: hasBeenPublished ? tick : 0, at: now)
    }
}

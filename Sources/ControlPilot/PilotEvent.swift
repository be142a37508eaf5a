import Contracts
/// What the control pilot tells the session logic, in order, through `ControlPilot.events`.
public enum PilotEvent: Sendable, Equatable, BitwiseCopyable, CustomStringConvertible {
    /// A vehicle appeared (A → B/C/D).
    case plugged
    /// The vehicle is connected and 5 % is on the wire: start SLAC (ISO 15118-3).
    case readyForSLAC
    /// State C, or D when ventilation is allowed.
    case evRequestsPower(ventilation: Bool)
    /// C/D → B: the vehicle opened S2; ramp down and open the contactors.
    case evStoppedRequestingPower
    /// → A.
    case unplugged
    /// A fault appeared (also outside energy transfer).
    case error(PilotFault)
    /// The pilot is usable again after a fault.
    case faultCleared
    /// A fault while energy was flowing: cut the power now. Raised in the same tick the fault is seen.
    case emergencyStop(PilotFault)

    public var description: String {
        switch self {
        case .plugged: "plugged"
        case .readyForSLAC: "ready for SLAC"
        case .evRequestsPower(let v): v ? "EV requests power (ventilation)" : "EV requests power"
        case .evStoppedRequestingPower: "EV stopped requesting power"
        case .unplugged: "unplugged"
        case .error(let f): "error: \(f)"
        case .faultCleared: "fault cleared"
        case .emergencyStop(let f): "EMERGENCY STOP: \(f)"
        }
    }
}

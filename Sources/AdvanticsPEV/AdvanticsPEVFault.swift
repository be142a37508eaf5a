/// Why the ADVANTICS PEV role opened the vehicle's DC contactors on its own (each one ends the charge
/// with the contactors open and a stop request on the bus).
public enum AdvanticsPEVFault: Sendable, Equatable, BitwiseCopyable, CustomStringConvertible {
    /// No `DC_Control` within 1 s (advantics-can.md §2.3: the VCU treats it as an emergency).
    case controllerSilent
    /// The contactors were commanded closed with the inlet more than the tolerance away from the
    /// battery (§2.7 D2): refused, stop requested.
    case closeRefused(inletVolts: Double, batteryVolts: Double)
    /// The contactors' feedback contradicts the command (welded, dropped out, did not close).
    case contactors
    /// An emergency stop asked by the vehicle (`requestEmergencyStop`).
    case emergencyStop
    /// The charger took more current out of the battery than `Max_Discharge_Current` allows, for
    /// longer than the configured time (§2.5 0x612; the floor of a bidirectional battery, §2.7 D5).
    case dischargeBeyondLimit(amps: Double, limitAmps: Double)

    public var description: String {
        switch self {
        case .controllerSilent: "ADVANTICS EVCC silent: no DC_Control for 1 s"
        case .closeRefused(let i, let b): "close refused: inlet \(i) V, battery \(b) V"
        case .contactors: "vehicle contactor feedback fault"
        case .emergencyStop: "vehicle emergency stop"
        case .dischargeBeyondLimit(let a, let l): "discharge \(a) A beyond the allowed \(l) A"
        }
    }
}

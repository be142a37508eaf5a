/// Why the ADVANTICS EVSE role stopped the power path (each leads to the power path's safe stop
/// through the pilot fact it writes for the controller that owns the CP line).
public enum AdvanticsEVSEFault: Sendable, Equatable, BitwiseCopyable, CustomStringConvertible {
    /// No `Advantics_Controller_Status` within the status timeout (§1.3: 200 ms).
    case controllerSilent
    /// The controller signals `Emergency_Stop` (origin EVSE or PEV).
    case emergencyStop(origin: Int)
    /// A discharge setpoint the plant cannot serve (§1.8; answered with `System_Enable = Not_Allowed`).
    case dischargeRefused
    /// The power path failed a step (its own typed fault is in `facts.power`).
    case powerPathFailed

    public var description: String {
        switch self {
        case .controllerSilent: "ADVANTICS controller silent beyond the status timeout"
        case .emergencyStop(let o): "emergency stop from the controller (origin \(o == 3 ? "PEV" : "EVSE"))"
        case .dischargeRefused: "discharge requested, the plant cannot discharge"
        case .powerPathFailed: "power path failed"
        }
    }
}

import Contracts
import CoreTypes

/// The plant's supply as the `DCSupply` contract sees it. Commands are recorded at once; the plant's
/// pump moves the physics and refreshes `readback`.
public final class SimulatedDCSupply: DCSupply {
    public let capabilities: DCSupplyCapabilities
    public private(set) var commandedMode: DCSupplyMode = .off
    public private(set) var setpoint: DCSetpoint = .zero
    /// The last non-zero export setpoint (what a runaway regulator holds).
    public private(set) var lastExport: DCSetpoint = .zero
    public internal(set) var readback = DCSupplyReadback()
    /// When the last switch-off was commanded (for the tests' timing table).
    public private(set) var offCommandedAt: MonotonicInstant?
    var clockNow: MonotonicInstant = .zero

    init(capabilities: DCSupplyCapabilities) { self.capabilities = capabilities }

    public func setMode(_ mode: DCSupplyMode) {
        if mode == .off, !(commandedMode == .off) { offCommandedAt = clockNow }
        commandedMode = mode
    }

    public func setExport(_ setpoint: DCSetpoint) {
        self.setpoint = setpoint
        if setpoint.volts > 0 || setpoint.amps > 0 { lastExport = setpoint }
    }
}

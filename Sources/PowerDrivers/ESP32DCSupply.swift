import Contracts

/// The `DCSupply` contract over an ESP32 helper with firmware R3/R4 (esp32-cp-uart.md §11): export is
/// `dc.set {v,i}` + `dc.enable on`; off is `dc.enable off`, the firmware's soft stop (current to zero,
/// then voltage, then modules off), and the readback says `off` once the state has left the current
/// phase and the measured current is below `safeCurrent`. A module fault or the helper's own
/// E-stop input reads `tripped`; no `dc.status` reply within the timeout reads `communicationLost`,
/// and an off then becomes `dc.estop`.
public final class ESP32DCSupply: DCSupply {
    public let channel: ESP32PowerChannel

    public init(channel: ESP32PowerChannel) { self.channel = channel }

    public var capabilities: DCSupplyCapabilities { channel.configuration.capabilities }
    public func setMode(_ mode: DCSupplyMode) { channel.setMode(mode) }
    public func setExport(_ setpoint: DCSetpoint) { channel.setExport(setpoint) }
    public var readback: DCSupplyReadback { channel.supplyReadback }
}

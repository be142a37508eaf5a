import Contracts

/// The `OutputMeter` contract from the helper's DC modules (esp32-cp-uart.md §11: `dc.status` lists
/// each module's measured `v_mv`/`i_ma`; R4's meter integrates the same values). The voltage is
/// measured at the modules' terminals, which are the inlet side while the contactor is closed; with it
/// open it is what the module side holds (welded contacts keep it at the battery's voltage).
public final class ESP32OutputMeter: OutputMeter {
    public let channel: ESP32PowerChannel

    public init(channel: ESP32PowerChannel) { self.channel = channel }

    public var measurement: OutputMeasurement {
        OutputMeasurement(volts: channel.measuredVolts, amps: channel.measuredAmps, at: channel.lastStatusReplyAt ?? .zero)
    }
}

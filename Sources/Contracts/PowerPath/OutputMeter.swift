import CoreTypes

/// Voltage and current at the charger's output, measured on the vehicle (inlet) side of the output
/// contactors, so it sees the battery through a closed or welded contactor.
@frozen
public struct OutputMeasurement: Sendable, Equatable, BitwiseCopyable {
    public var volts: Double
    /// Positive towards the vehicle.
    public var amps: Double
    /// When the sample was taken (a reading that stops updating is a fault).
    public var at: MonotonicInstant

    public init(volts: Double = 0, amps: Double = 0, at: MonotonicInstant = .zero) {
        self.volts = volts
        self.amps = amps
        self.at = at
    }
}

/// The output measurement (DC meter, the supply's own sensing or an ADC; accuracy ±10 V and
/// ±1.5 % or ±0.5 A per v2g-session.md §2 line 45).
///
/// Contract: never allocates; `measurement` is refreshed by the implementation's pump.
public protocol OutputMeter: AnyObject {
    var measurement: OutputMeasurement { get }
}

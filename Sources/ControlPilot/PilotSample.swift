import Contracts
import CPHelperProtocol
import HAL

/// One reading of the control pilot, as a front end delivers it to the controller.
public enum PilotSample: Sendable, Equatable, BitwiseCopyable {
    /// Measured on the CP line (direct Pi board): the high plateau and, while the generator
    /// oscillates, the low plateau (nil when the output is steady, so there is no negative half-wave).
    case line(highMillivolts: Int32, lowMillivolts: Int32?, at: MonotonicInstant)
    /// Reported by the ESP32 helper: its debounced letter, the mV at its ADC pin (latest burst and the
    /// robust value), and the thresholds it classified with.
    case helper(letter: HelperPilotLetter, pinMillivolts: Int32, robustPinMillivolts: Int32,
                thresholds: HelperThresholds, at: MonotonicInstant)

    public var at: MonotonicInstant {
        switch self {
        case .line(_, _, let t), .helper(_, _, _, _, let t): t
        }
    }
}
